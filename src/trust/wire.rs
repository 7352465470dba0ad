//! protobuf-specs `dev.sigstore.trustroot.v1` messages, JSON mapping.
//! Unknown fields are ignored, as protobuf JSON parsers do.

use serde::Deserialize;

/// `message TrustedRoot { string media_type = 1; repeated TransparencyLogInstance tlogs = 2;
///   repeated CertificateAuthority certificate_authorities = 3;
///   repeated TransparencyLogInstance ctlogs = 4; repeated CertificateAuthority timestamp_authorities = 5; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TrustedRoot {
    #[serde(default)]
    pub media_type: String,
    #[serde(default)]
    pub tlogs: Vec<TransparencyLogInstance>,
    #[serde(default)]
    pub certificate_authorities: Vec<CertificateAuthority>,
    #[serde(default)]
    pub ctlogs: Vec<TransparencyLogInstance>,
    #[serde(default)]
    pub timestamp_authorities: Vec<CertificateAuthority>,
}

/// `message ClientTrustConfig { string media_type = 1; TrustedRoot trusted_root = 2; SigningConfig signing_config = 3; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ClientTrustConfig {
    #[serde(default)]
    pub media_type: String,
    pub trusted_root: TrustedRoot,
}

/// `message TransparencyLogInstance { string base_url = 1; HashAlgorithm hash_algorithm = 2;
///   PublicKey public_key = 3; LogId log_id = 4; LogId checkpoint_key_id = 5; string operator = 6; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct TransparencyLogInstance {
    pub base_url: Option<String>,
    pub hash_algorithm: Option<String>,
    pub public_key: Option<PublicKey>,
    pub log_id: Option<LogId>,
    pub checkpoint_key_id: Option<LogId>,
}

/// `message LogId { bytes key_id = 1; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LogId {
    pub key_id: String,
}

/// `message PublicKey { optional bytes raw_bytes = 1; PublicKeyDetails key_details = 2; optional TimeRange valid_for = 3; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PublicKey {
    pub raw_bytes: Option<String>,
    pub key_details: Option<String>,
    pub valid_for: Option<TimeRange>,
}

/// `message TimeRange { google.protobuf.Timestamp start = 1; optional google.protobuf.Timestamp end = 2; }`
#[derive(Deserialize)]
pub struct TimeRange {
    pub start: Option<String>,
    pub end: Option<String>,
}

/// `message CertificateAuthority { DistinguishedName subject = 1; string uri = 2;
///   X509CertificateChain cert_chain = 3; TimeRange valid_for = 4; string operator = 5; }`
#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CertificateAuthority {
    pub uri: Option<String>,
    pub cert_chain: Option<CertChain>,
    pub valid_for: Option<TimeRange>,
}

#[derive(Deserialize)]
pub struct CertChain {
    #[serde(default)]
    pub certificates: Vec<RawCert>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawCert {
    pub raw_bytes: String,
}
