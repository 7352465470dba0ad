//! Signing configs: which Fulcio, OIDC issuer, Rekor logs and timestamp
//! authorities a client signs with (protobuf-specs
//! `dev.sigstore.trustroot.v1.SigningConfig`, media type
//! `application/vnd.dev.sigstore.signingconfig.v0.2+json`), and the client
//! trust config that pairs one with a trusted root.
//!
//! ```text
//! message SigningConfig {
//!   string media_type = 5;
//!   repeated Service ca_urls = 6;  repeated Service oidc_urls = 7;
//!   repeated Service rekor_tlog_urls = 8;  ServiceConfiguration rekor_tlog_config = 9;
//!   repeated Service tsa_urls = 10;  ServiceConfiguration tsa_config = 11; }
//! message Service { string url = 1; uint32 major_api_version = 2;
//!   TimeRange valid_for = 3; string operator = 4; }
//! message ServiceConfiguration { ServiceSelector selector = 1; uint32 count = 2; }
//! enum ServiceSelector { SERVICE_SELECTOR_UNDEFINED = 0; ALL = 1; ANY = 2; EXACT = 3; }
//! ```

use super::{parse_rfc3339, TrustedRoot, Validity};
use crate::error::{Error, Result};
use serde::Deserialize;

/// The media type of the signing configs this client reads (v0.2).
pub const SIGNING_CONFIG_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.signingconfig.v0.2+json";

const PRODUCTION_SIGNING_CONFIG: &str = include_str!("embedded/production_signing_config.json");
const STAGING_SIGNING_CONFIG: &str = include_str!("embedded/staging_signing_config.json");

/// The API versions this client speaks (sigstore-python 4.5.1's
/// `REKOR_VERSIONS`, `TSA_VERSIONS`, `FULCIO_VERSIONS`, `OIDC_VERSIONS`).
const REKOR_VERSIONS: &[u32] = &[1, 2];
const TSA_VERSIONS: &[u32] = &[1];
const FULCIO_VERSIONS: &[u32] = &[1];
const OIDC_VERSIONS: &[u32] = &[1];

/// One service endpoint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Service {
    /// The service's base URL, without a trailing slash.
    pub url: String,
    /// The API major version it speaks (`majorApiVersion`; Rekor 1 or 2).
    pub major_api_version: u32,
    /// When the service may be used (`validFor`).
    pub validity: Validity,
    /// Who runs it (`operator`); services are chosen per operator.
    pub operator: String,
}

/// How many of the valid services to use.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Selector {
    /// Every valid service.
    All,
    /// One of them.
    Any,
    /// Exactly this many (fewer is an error).
    Exact(u32),
}

/// Which services to sign with (protobuf-specs `SigningConfig` v0.2),
/// checked: every service has an http(s) URL, an API version and a validity
/// window.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SigningConfig {
    /// Fulcio certificate authorities (`caUrls`).
    pub ca_urls: Vec<Service>,
    /// OIDC issuers for the interactive flow (`oidcUrls`).
    pub oidc_urls: Vec<Service>,
    /// Rekor logs (`rekorTlogUrls`).
    pub rekor_tlog_urls: Vec<Service>,
    /// How many logs to use (`rekorTlogConfig`; `ANY` when absent).
    pub rekor_tlog_selector: Selector,
    /// RFC 3161 timestamp authorities (`tsaUrls`).
    pub tsa_urls: Vec<Service>,
    /// How many TSAs to use (`tsaConfig`; `ANY` when absent).
    pub tsa_selector: Selector,
}

/// The services chosen for one signing session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectedServices {
    /// The Fulcio CA to request the certificate from.
    pub fulcio: Service,
    /// Logs to submit to (the signer uses the first; sigstore-python does too).
    pub tlogs: Vec<Service>,
    /// Timestamp authorities to ask, each in turn.
    pub tsas: Vec<Service>,
    /// The OIDC issuer for the interactive flow, if the config names one.
    pub oidc: Option<Service>,
}

mod wire {
    use serde::Deserialize;

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct SigningConfig {
        #[serde(default)]
        pub media_type: String,
        #[serde(default)]
        pub ca_urls: Vec<Service>,
        #[serde(default)]
        pub oidc_urls: Vec<Service>,
        #[serde(default)]
        pub rekor_tlog_urls: Vec<Service>,
        pub rekor_tlog_config: Option<ServiceConfiguration>,
        #[serde(default)]
        pub tsa_urls: Vec<Service>,
        pub tsa_config: Option<ServiceConfiguration>,
    }

    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    pub struct Service {
        pub url: Option<String>,
        pub major_api_version: Option<u32>,
        pub valid_for: Option<super::super::wire::TimeRange>,
        pub operator: Option<String>,
    }

    #[derive(Deserialize)]
    pub struct ServiceConfiguration {
        pub selector: Option<String>,
        pub count: Option<u32>,
    }
}

fn check_service(field: &str, s: wire::Service) -> Result<Service, String> {
    let url = s
        .url
        .filter(|u| !u.is_empty())
        .ok_or(format!("{field}.url is missing"))?;
    if !(url.starts_with("https://") || url.starts_with("http://")) {
        return Err(format!("{field}.url {url:?} is not an http(s) URL"));
    }
    let major_api_version = s
        .major_api_version
        .filter(|v| *v > 0)
        .ok_or(format!("{field}.majorApiVersion is missing"))?;
    let v = s.valid_for.ok_or(format!("{field}.validFor is missing"))?;
    let start = v
        .start
        .ok_or(format!("{field}.validFor.start is missing"))?;
    let start = parse_rfc3339(&format!("{field}.validFor.start"), &start)?;
    let end = match v.end {
        Some(e) => Some(parse_rfc3339(&format!("{field}.validFor.end"), &e)?),
        None => None,
    };
    if end.is_some_and(|e| e < start) {
        return Err(format!("{field}.validFor.end is before its start"));
    }
    Ok(Service {
        url: url.trim_end_matches('/').to_string(),
        major_api_version,
        validity: Validity { start, end },
        operator: s.operator.unwrap_or_default(),
    })
}

fn check_selector(field: &str, c: Option<wire::ServiceConfiguration>) -> Result<Selector, String> {
    let Some(c) = c else {
        return Ok(Selector::Any);
    };
    match c.selector.as_deref() {
        Some("ALL") => Ok(Selector::All),
        Some("ANY") => Ok(Selector::Any),
        Some("EXACT") => match c.count {
            Some(n) if n > 0 => Ok(Selector::Exact(n)),
            _ => Err(format!("{field}: selector EXACT needs a positive count")),
        },
        other => Err(format!(
            "{field}.selector {other:?} is not ALL, ANY or EXACT"
        )),
    }
}

fn check_services(field: &str, v: Vec<wire::Service>) -> Result<Vec<Service>, String> {
    v.into_iter()
        .enumerate()
        .map(|(i, s)| check_service(&format!("{field}[{i}]"), s))
        .collect()
}

impl SigningConfig {
    /// The embedded signing config of the public-good production instance.
    pub fn production() -> Result<Self> {
        Self::from_json(PRODUCTION_SIGNING_CONFIG.as_bytes())
    }

    /// The embedded signing config of the public-good staging instance.
    pub fn staging() -> Result<Self> {
        Self::from_json(STAGING_SIGNING_CONFIG.as_bytes())
    }

    /// Parses and checks a signing config document.
    pub fn from_json(data: &[u8]) -> Result<Self> {
        let v: serde_json::Value = serde_json::from_slice(data)
            .map_err(|e| Error::trust(format!("signing config is not JSON: {e}")))?;
        Self::from_value(v)
    }

    pub(crate) fn from_value(v: serde_json::Value) -> Result<Self> {
        let w = wire::SigningConfig::deserialize(v).map_err(|e| {
            Error::trust(format!(
                "signing config is not valid JSON of the expected shape: {e}"
            ))
        })?;
        if w.media_type != SIGNING_CONFIG_MEDIA_TYPE {
            return Err(Error::trust(format!(
                "unsupported signing config media type {:?}, expected {SIGNING_CONFIG_MEDIA_TYPE:?}",
                w.media_type
            )));
        }
        let t = |e: String| Error::trust(format!("signing config: {e}"));
        Ok(SigningConfig {
            ca_urls: check_services("caUrls", w.ca_urls).map_err(t)?,
            oidc_urls: check_services("oidcUrls", w.oidc_urls).map_err(t)?,
            rekor_tlog_urls: check_services("rekorTlogUrls", w.rekor_tlog_urls).map_err(t)?,
            rekor_tlog_selector: check_selector("rekorTlogConfig", w.rekor_tlog_config)
                .map_err(t)?,
            tsa_urls: check_services("tsaUrls", w.tsa_urls).map_err(t)?,
            tsa_selector: check_selector("tsaConfig", w.tsa_config).map_err(t)?,
        })
    }

    /// The services to sign with at `now`: only services whose validity
    /// holds and whose API version this client speaks; per operator, the
    /// highest such version; then the selector (sigstore-python
    /// `SigningConfig._get_valid_services`). `rekor_version` restricts the
    /// logs to one major version.
    pub fn select(&self, now: i64, rekor_version: Option<u32>) -> Result<SelectedServices> {
        let rekor_versions: Vec<u32> = match rekor_version {
            Some(v) => vec![v],
            None => REKOR_VERSIONS.to_vec(),
        };
        let tlogs = valid_services(
            &self.rekor_tlog_urls,
            &rekor_versions,
            Some(self.rekor_tlog_selector),
            now,
        )?;
        if tlogs.is_empty() {
            return Err(Error::trust(format!(
                "the signing config has no Rekor log valid now with a supported API version ({rekor_versions:?})"
            )));
        }
        let tsas = valid_services(&self.tsa_urls, TSA_VERSIONS, Some(self.tsa_selector), now)?;
        let fulcio = valid_services(&self.ca_urls, FULCIO_VERSIONS, None, now)?
            .into_iter()
            .next()
            .ok_or_else(|| {
                Error::trust("the signing config has no Fulcio CA valid now with API version 1")
            })?;
        let oidc = valid_services(&self.oidc_urls, OIDC_VERSIONS, None, now)?
            .into_iter()
            .next();
        // Rekor v2 entries carry no signed time of their own.
        if tlogs.iter().any(|t| t.major_api_version >= 2) && tsas.is_empty() {
            return Err(Error::trust(
                "the signing config selects a Rekor v2 log but no timestamp authority: Rekor v2 entries need an RFC 3161 timestamp",
            ));
        }
        Ok(SelectedServices {
            fulcio,
            tlogs,
            tsas,
            oidc,
        })
    }
}

fn valid_services(
    services: &[Service],
    versions: &[u32],
    selector: Option<Selector>,
    now: i64,
) -> Result<Vec<Service>> {
    // Operators in first-seen order, each with its highest valid version.
    let mut best: Vec<Service> = Vec::new();
    for s in services {
        if !versions.contains(&s.major_api_version) || !s.validity.contains(now) {
            continue;
        }
        match best.iter_mut().find(|b| b.operator == s.operator) {
            Some(b) if b.major_api_version < s.major_api_version => *b = s.clone(),
            Some(_) => {}
            None => best.push(s.clone()),
        }
    }
    match selector {
        None | Some(Selector::All) => Ok(best),
        Some(Selector::Any) => Ok(best.into_iter().take(1).collect()),
        Some(Selector::Exact(n)) => {
            if best.len() < n as usize {
                return Err(Error::trust(format!(
                    "the signing config asks for exactly {n} services, {} are valid",
                    best.len()
                )));
            }
            Ok(best.into_iter().take(n as usize).collect())
        }
    }
}

/// A trusted root with the signing config that goes with it (protobuf-specs
/// `ClientTrustConfig`, `application/vnd.dev.sigstore.clienttrustconfig.v0.1+json`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClientTrustConfig {
    /// What to trust when verifying.
    pub trusted_root: TrustedRoot,
    /// Where to sign.
    pub signing_config: SigningConfig,
}

impl ClientTrustConfig {
    /// The embedded trust config of the public-good production instance.
    pub fn production() -> Result<Self> {
        Ok(ClientTrustConfig {
            trusted_root: TrustedRoot::production()?,
            signing_config: SigningConfig::production()?,
        })
    }

    /// The embedded trust config of the public-good staging instance.
    pub fn staging() -> Result<Self> {
        Ok(ClientTrustConfig {
            trusted_root: TrustedRoot::staging()?,
            signing_config: SigningConfig::staging()?,
        })
    }

    /// Parses a trust config; it must carry a signing config.
    pub fn from_json(data: &[u8]) -> Result<Self> {
        let trusted_root = TrustedRoot::from_trust_config_json(data)?;
        let v: serde_json::Value = serde_json::from_slice(data)
            .map_err(|e| Error::trust(format!("trust config is not JSON: {e}")))?;
        let sc = v
            .get("signingConfig")
            .or_else(|| v.get("signing_config"))
            .cloned()
            .ok_or_else(|| Error::trust("the trust config has no signingConfig"))?;
        Ok(ClientTrustConfig {
            trusted_root,
            signing_config: SigningConfig::from_value(sc)?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(p: &str) -> Vec<u8> {
        crate::test_support::read(&format!("sigstore-python/{p}"))
    }

    fn at(s: &str) -> i64 {
        parse_rfc3339("t", s).expect("time")
    }

    #[test]
    fn embedded_configs_select_services() {
        let now = at("2025-09-01T00:00:00Z");
        let prod = SigningConfig::production().expect("production");
        let sel = prod.select(now, None).expect("select");
        assert_eq!(sel.fulcio.url, "https://fulcio.sigstore.dev");
        assert_eq!(sel.tlogs.len(), 1);
        assert_eq!(sel.tlogs[0].url, "https://rekor.sigstore.dev");
        assert_eq!(sel.tsas.len(), 1);
        assert_eq!(
            sel.oidc.map(|o| o.url).as_deref(),
            Some("https://oauth2.sigstore.dev/auth")
        );
        SigningConfig::staging().expect("staging");
        ClientTrustConfig::production().expect("production trust config");
        ClientTrustConfig::staging().expect("staging trust config");
    }

    #[test]
    fn highest_version_per_operator_and_validity() {
        let data = fixture("signing_config/signingconfig.v2.json");
        let sc = SigningConfig::from_json(&data).expect("parse");
        let sel = sc.select(at("2025-09-01T00:00:00Z"), None).expect("select");
        assert_eq!(sel.fulcio.url, "https://fulcio.example.com");
        assert_eq!(sel.tlogs.len(), 1);
        assert_eq!(sel.tlogs[0].url, "https://rekor-v2.example.com");
        assert_eq!(sel.tlogs[0].major_api_version, 2);
        let v1 = sc.select(at("2025-09-01T00:00:00Z"), Some(1)).expect("v1");
        assert_eq!(v1.tlogs[0].url, "https://rekor.example.com");
        // Before the TSA's validity starts, a Rekor v2 log cannot be used.
        let err = sc.select(at("2025-01-01T00:00:00Z"), None);
        assert!(
            matches!(&err, Err(Error::InvalidTrustRoot(m)) if m.contains("Rekor v2")),
            "{err:?}"
        );
    }

    #[test]
    fn selectors() {
        let mut doc: serde_json::Value =
            serde_json::from_str(PRODUCTION_SIGNING_CONFIG).expect("json");
        let mut second = doc["tsaUrls"][0].clone();
        second["operator"] = "other".into();
        if let Some(a) = doc["tsaUrls"].as_array_mut() {
            a.push(second);
        }
        doc["tsaConfig"] = serde_json::json!({"selector": "ALL"});
        let now = at("2025-09-01T00:00:00Z");
        let all = SigningConfig::from_value(doc.clone()).expect("all");
        assert_eq!(all.select(now, None).expect("select").tsas.len(), 2);
        doc["tsaConfig"] = serde_json::json!({"selector": "EXACT", "count": 3});
        let exact = SigningConfig::from_value(doc.clone()).expect("exact");
        assert!(exact.select(now, None).is_err());
        doc["tsaConfig"] = serde_json::json!({"selector": "EXACT"});
        assert!(SigningConfig::from_value(doc.clone()).is_err());
        doc["tsaConfig"] = serde_json::json!({"selector": "SOME"});
        assert!(SigningConfig::from_value(doc.clone()).is_err());
        doc["tsaConfig"] = serde_json::json!({"selector": "ANY"});
        doc["mediaType"] = "application/vnd.dev.sigstore.signingconfig.v0.1+json".into();
        let err = SigningConfig::from_value(doc.clone());
        assert!(matches!(err, Err(Error::InvalidTrustRoot(m)) if m.contains("media type")));
    }

    #[test]
    fn fixtures() {
        for p in [
            "signing_config/signingconfig.v2.json",
            "signing_config/signingconfig-only-v1-rekor.v2.json",
        ] {
            SigningConfig::from_json(&fixture(p)).unwrap_or_else(|e| panic!("{p}: {e}"));
        }
        ClientTrustConfig::from_json(&fixture("trust_config/config.v1.json"))
            .expect("config.v1.json");
        assert!(
            ClientTrustConfig::from_json(&fixture("trust_config/config.badtype.json")).is_err()
        );
    }
}
