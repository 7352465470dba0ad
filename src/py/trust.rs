//! Trust material through TUF ([`crate::trust::tuf`]) for Python: the
//! functions behind `sigstore_rs.trust` and the `production()`,
//! `staging()` and `for_instance()` constructors of `Verifier` and
//! `SigningContext`. Every call uses the per-user cache
//! ([`RefreshPolicy::from_env`]: `SIGSTORE_RS_CACHE_DIR` or the platform's
//! cache directory, refreshed when older than twelve hours) and runs with
//! the GIL released; its warnings are returned for the façade to raise as
//! `TrustWarning`s.

use crate::error::{Error, Result};
use crate::net::Http;
use crate::trust::tuf::{Origin, RefreshPolicy, TrustMaterial, TufTrust};
use crate::trust::{SigningConfig, TrustedRoot};
use pyo3::prelude::*;
use pyo3::types::PyBytes;
use std::path::PathBuf;

/// An instance's trust material, parsed, with where it came from.
#[pyclass(frozen, module = "sigstore_rs._rust", name = "TrustMaterial")]
pub struct PyTrustMaterial {
    url: String,
    cache_dir: PathBuf,
    material: TrustMaterial,
    pub(crate) trusted_root: TrustedRoot,
}

impl PyTrustMaterial {
    /// The signing config, required to sign.
    pub(crate) fn signing_config(&self) -> Result<SigningConfig> {
        let data = self.material.signing_config.as_deref().ok_or_else(|| {
            Error::trust(format!(
                "the TUF repository {} publishes no {}: sign with a trust config instead",
                self.url,
                crate::trust::tuf::SIGNING_CONFIG_TARGET
            ))
        })?;
        SigningConfig::from_json(data)
    }
}

/// Loads (`force`: refreshes) `url`'s material; runs without the GIL.
fn obtain(py: Python<'_>, url: &str, offline: bool, force: bool) -> Result<PyTrustMaterial> {
    py.allow_threads(|| {
        let tuf = TufTrust::for_url(url)?;
        let policy = RefreshPolicy::from_env(offline)?;
        let crypto = crate::crypto::default_backend();
        let http = Http::new();
        let material = if force {
            tuf.refresh(&http, &policy, crypto)?
        } else {
            tuf.load(&http, &policy, crypto)?
        };
        let trusted_root = TrustedRoot::from_json(&material.trusted_root)?;
        Ok(PyTrustMaterial {
            url: tuf.url().to_string(),
            cache_dir: tuf.cache_dir(&policy.cache_dir),
            material,
            trusted_root,
        })
    })
}

/// The trust material of the instance whose TUF repository is `url`: the
/// verified cache, refreshed when due (never when `offline`), with the
/// fallbacks of [`TufTrust::load`].
#[pyfunction]
#[pyo3(signature = (url, offline = false))]
pub fn trust_load(py: Python<'_>, url: &str, offline: bool) -> Result<PyTrustMaterial> {
    obtain(py, url, offline, false)
}

/// As [`trust_load`], refreshing now whatever the cache's age.
#[pyfunction]
pub fn trust_refresh(py: Python<'_>, url: &str) -> Result<PyTrustMaterial> {
    obtain(py, url, false, true)
}

/// Trusts the TUF `root.json` in file `root` as the initial root of the
/// instance at `url`, replacing its cache.
#[pyfunction]
pub fn trust_instance(py: Python<'_>, url: &str, root: PathBuf) -> Result<()> {
    py.allow_threads(|| {
        let root_json = super::verifier::read(&root)?;
        let policy = RefreshPolicy::from_env(false)?;
        TufTrust::for_url(url)?.trust_instance(
            &root_json,
            &policy,
            crate::crypto::default_backend(),
        )
    })
}

#[pymethods]
impl PyTrustMaterial {
    /// The TUF repository's URL.
    #[getter]
    fn url(&self) -> &str {
        &self.url
    }

    /// `"refreshed"`, `"cache"` or `"embedded"`.
    #[getter]
    fn origin(&self) -> &'static str {
        match self.material.origin {
            Origin::Refreshed { .. } => "refreshed",
            Origin::Cache { .. } => "cache",
            Origin::Embedded => "embedded",
        }
    }

    /// When the cache was last refreshed (Unix seconds), if known.
    #[getter]
    fn refreshed_at(&self) -> Option<i64> {
        match self.material.origin {
            Origin::Cache { refreshed_at, .. } => refreshed_at,
            Origin::Refreshed { .. } | Origin::Embedded => None,
        }
    }

    /// When the TUF timestamp metadata expires (Unix seconds); `None` for
    /// the embedded material.
    #[getter]
    fn expires(&self) -> Option<i64> {
        match self.material.origin {
            Origin::Refreshed { expires } | Origin::Cache { expires, .. } => Some(expires),
            Origin::Embedded => None,
        }
    }

    /// The TUF root version the material was verified under.
    #[getter]
    fn root_version(&self) -> Option<u64> {
        self.material.root_version
    }

    /// This instance's cache directory.
    #[getter]
    fn cache_dir(&self) -> PathBuf {
        self.cache_dir.clone()
    }

    #[getter]
    fn warnings(&self) -> Vec<String> {
        self.material.warnings.clone()
    }

    /// `trusted_root.json`.
    #[getter]
    fn trusted_root_json<'py>(&self, py: Python<'py>) -> Bound<'py, PyBytes> {
        PyBytes::new(py, &self.material.trusted_root)
    }

    /// `signing_config.v0.2.json`, if the repository publishes one.
    #[getter]
    fn signing_config_json<'py>(&self, py: Python<'py>) -> Option<Bound<'py, PyBytes>> {
        (self.material.signing_config.as_deref()).map(|d| PyBytes::new(py, d))
    }

    /// What the trusted root trusts: `(kind, url, valid_from, valid_until)`
    /// per Rekor log (`"tlog"`), CT log (`"ctlog"`), Fulcio CA (`"ca"`) and
    /// timestamp authority (`"tsa"`), times in Unix seconds.
    fn authorities(&self) -> Vec<(&'static str, String, i64, Option<i64>)> {
        let r = &self.trusted_root;
        let logs = |kind: &'static str, logs: &[crate::trust::TransparencyLog]| {
            logs.iter()
                .map(move |l| {
                    (
                        kind,
                        l.base_url.clone(),
                        l.key.validity.start,
                        l.key.validity.end,
                    )
                })
                .collect::<Vec<_>>()
        };
        let cas = |kind: &'static str, cas: &[crate::trust::CertificateAuthority]| {
            cas.iter()
                .map(move |c| (kind, c.uri.clone(), c.validity.start, c.validity.end))
                .collect::<Vec<_>>()
        };
        [
            logs("tlog", &r.tlogs),
            logs("ctlog", &r.ctlogs),
            cas("ca", &r.certificate_authorities),
            cas("tsa", &r.timestamp_authorities),
        ]
        .concat()
    }

    /// The services the signing config selects now: `(kind, url,
    /// api_version)` for the Fulcio CA (`"ca"`), each Rekor log
    /// (`"tlog"`), timestamp authority (`"tsa"`) and the OIDC issuer
    /// (`"oidc"`); empty without a signing config.
    fn services(&self) -> Result<Vec<(&'static str, String, u32)>> {
        if self.material.signing_config.is_none() {
            return Ok(Vec::new());
        }
        let s = self.signing_config()?.select(crate::oidc::now(), None)?;
        let mut out = vec![("ca", s.fulcio.url, s.fulcio.major_api_version)];
        out.extend(
            s.tlogs
                .into_iter()
                .map(|t| ("tlog", t.url, t.major_api_version)),
        );
        out.extend(
            s.tsas
                .into_iter()
                .map(|t| ("tsa", t.url, t.major_api_version)),
        );
        out.extend(s.oidc.map(|o| ("oidc", o.url, o.major_api_version)));
        Ok(out)
    }

    fn __repr__(&self) -> String {
        format!(
            "TrustMaterial(url={:?}, origin={:?})",
            self.url,
            self.origin()
        )
    }
}
