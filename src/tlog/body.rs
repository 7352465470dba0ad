//! Rekor entry bodies (`canonicalizedBody`) of every kind we accept, and the
//! checks that bind an entry to the bundle's content, so that a log entry
//! for some other artifact, signature or key cannot vouch for this bundle
//! (CVE-2022-36056).
//!
//! Every body is `{"apiVersion": <version>, "kind": <kind>, "spec": {...}}`.
//! The kinds, with their specs and the comparisons particular to them, live
//! in the file named after the log that writes them:
//!
//! * [`super::rekor_v1`]: `hashedrekord` 0.0.1, `dsse` 0.0.1 and `intoto`
//!   0.0.2 (Rekor's JSON schemas);
//! * [`super::rekor_v2`]: `hashedrekord` 0.0.2 and `dsse` 0.0.2 (protobuf
//!   JSON of `dev.sigstore.rekor.v2.Entry`).
//!
//! This module reads the envelope, dispatches on its kind and version
//! ([`parse_body`]), and says which kinds can record a message signature
//! ([`check_hashedrekord`]) or a DSSE envelope ([`check_dsse`]).

use super::error::malformed;
use super::rekor_v1::{self, DsseV001, HashedRekordV001, IntotoV002};
use super::rekor_v2::{self, DsseV002, HashedRekordV002};
use super::{RekorVersion, TlogError};
use crate::crypto::{CryptoBackend, Digest};

/// A parsed Rekor entry body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntryBody {
    HashedRekord(HashedRekordV001),
    Dsse(DsseV001),
    Intoto(IntotoV002),
    /// Rekor v2 `hashedrekord` 0.0.2 (a message signature, or a DSSE
    /// envelope by the digest of its PAE).
    HashedRekordV002(HashedRekordV002),
    /// Rekor v2 `dsse` 0.0.2.
    DsseV002(DsseV002),
}

impl EntryBody {
    pub fn kind(&self) -> &'static str {
        match self {
            EntryBody::HashedRekord(_) => "hashedrekord 0.0.1",
            EntryBody::Dsse(_) => "dsse 0.0.1",
            EntryBody::Intoto(_) => "intoto 0.0.2",
            EntryBody::HashedRekordV002(_) => "hashedrekord 0.0.2",
            EntryBody::DsseV002(_) => "dsse 0.0.2",
        }
    }

    /// The Rekor API of the log this body comes from: Rekor v2 kinds have no
    /// integrated time and no SET, and their checkpoints name the log
    /// differently ([`super::checkpoint::LogName`]). Not the same as
    /// `apiVersion == "0.0.2"`: `intoto` 0.0.2 is a Rekor v1 kind.
    pub fn rekor_version(&self) -> RekorVersion {
        match self {
            EntryBody::HashedRekordV002(_) | EntryBody::DsseV002(_) => RekorVersion::V2,
            EntryBody::HashedRekord(_) | EntryBody::Dsse(_) | EntryBody::Intoto(_) => {
                RekorVersion::V1
            }
        }
    }

    /// The artifact digest a hashedrekord (0.0.1 or 0.0.2) records, which
    /// for a message signature is what was signed. The verifier consults it
    /// only to say what a wrong input should have been; whether the entry
    /// matches the bundle is [`check_hashedrekord`]'s to decide.
    pub fn hashedrekord_digest(&self) -> Option<&Digest> {
        match self {
            EntryBody::HashedRekord(h) => Some(&h.digest),
            EntryBody::HashedRekordV002(h) => Some(&h.digest),
            EntryBody::Dsse(_) | EntryBody::Intoto(_) | EntryBody::DsseV002(_) => None,
        }
    }
}

/// A DSSE envelope as the bundle carries it, decoded.
#[derive(Debug, Clone, Copy)]
pub struct DsseInput<'a> {
    pub payload_type: &'a str,
    pub payload: &'a [u8],
    pub signatures: &'a [Vec<u8>],
}

/// The envelope every kind shares; `spec` is read by the kind's parser.
#[derive(serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct WireBody {
    #[serde(rename = "apiVersion")]
    api_version: String,
    kind: String,
    spec: serde_json::Value,
}

/// Parses a Rekor `canonicalizedBody`, checking that its `kind` and
/// `apiVersion` are the ones the tlog entry's `kindVersion` declares (the
/// kindVersion is not covered by any signature; the body is).
pub fn parse_body(
    canonicalized_body: &[u8],
    kind: &str,
    version: &str,
) -> Result<EntryBody, TlogError> {
    let body: WireBody = serde_json::from_slice(canonicalized_body).map_err(|e| {
        malformed(format!(
            "expected a JSON object with apiVersion, kind and spec: {e}"
        ))
    })?;
    if body.kind != kind || body.api_version != version {
        return Err(TlogError::KindMismatch {
            expected: format!("{kind} {version}"),
            found: format!("{} {}", body.kind, body.api_version),
        });
    }
    match (body.kind.as_str(), body.api_version.as_str()) {
        ("hashedrekord", "0.0.1") => Ok(EntryBody::HashedRekord(rekor_v1::parse_hashedrekord(
            body.spec,
        )?)),
        ("dsse", "0.0.1") => Ok(EntryBody::Dsse(rekor_v1::parse_dsse(body.spec)?)),
        ("intoto", "0.0.2") => Ok(EntryBody::Intoto(rekor_v1::parse_intoto(body.spec)?)),
        ("hashedrekord", "0.0.2") => Ok(EntryBody::HashedRekordV002(rekor_v2::parse_hashedrekord(
            body.spec,
        )?)),
        ("dsse", "0.0.2") => Ok(EntryBody::DsseV002(rekor_v2::parse_dsse(body.spec)?)),
        (k, v) => Err(TlogError::UnsupportedKind(format!(
            "{k} {v} (expected hashedrekord 0.0.1 or 0.0.2, dsse 0.0.1 or 0.0.2, or intoto 0.0.2)"
        ))),
    }
}

/// Checks that a hashedrekord (0.0.1 or 0.0.2) entry records exactly this
/// artifact digest, signature and verifier (`verifier_der`: the leaf
/// certificate's DER, or the SPKI DER for key-based bundles). For 0.0.2 the
/// verifier's kind must match too: a certificate entry for a certificate
/// bundle, a public-key entry for a key bundle.
pub fn check_hashedrekord(
    crypto: &dyn CryptoBackend,
    body: &EntryBody,
    digest: &Digest,
    signature: &[u8],
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    match body {
        EntryBody::HashedRekord(h) => {
            rekor_v1::check_hashedrekord(crypto, h, digest, signature, verifier_der)
        }
        EntryBody::HashedRekordV002(h) => {
            rekor_v2::check_hashedrekord(crypto, h, digest, signature, verifier_der)
        }
        _ => Err(TlogError::BodyMismatch {
            field: "entry kind",
            entry: body.kind().into(),
            bundle: "hashedrekord 0.0.1 or 0.0.2 (a message signature)".into(),
        }),
    }
}

/// Checks that a dsse 0.0.1, intoto 0.0.2 or dsse 0.0.2 entry records this
/// envelope: the payload (by hash, or in full where intoto carries it), the
/// payload type (intoto), and the same set of signatures, each with
/// `verifier_der`. The envelope hash is not compared: it covers the JSON
/// serialization that was submitted, which the bundle does not preserve.
///
/// A Rekor v2 `hashedrekord` 0.0.2 entry is also accepted for an envelope
/// with exactly one signature, when its digest is that of the envelope's
/// PAE (see [`super::rekor_v2`]); the payload type is then bound too.
pub fn check_dsse(
    crypto: &dyn CryptoBackend,
    body: &EntryBody,
    envelope: &DsseInput<'_>,
    verifier_der: &[u8],
) -> Result<(), TlogError> {
    match body {
        EntryBody::Dsse(d) => rekor_v1::check_dsse(
            crypto,
            d,
            envelope.payload,
            envelope.signatures,
            verifier_der,
        ),
        EntryBody::Intoto(i) => rekor_v1::check_intoto(
            crypto,
            i,
            envelope.payload_type,
            envelope.payload,
            envelope.signatures,
            verifier_der,
        ),
        EntryBody::DsseV002(d) => rekor_v2::check_dsse(
            crypto,
            d,
            envelope.payload,
            envelope.signatures,
            verifier_der,
        ),
        EntryBody::HashedRekordV002(h) => rekor_v2::check_dsse_as_hashedrekord(
            crypto,
            h,
            envelope.payload_type,
            envelope.payload,
            envelope.signatures,
            verifier_der,
        ),
        EntryBody::HashedRekord(_) => Err(TlogError::BodyMismatch {
            field: "entry kind",
            entry: body.kind().into(),
            bundle: "dsse 0.0.1/0.0.2, intoto 0.0.2 or hashedrekord 0.0.2 (a DSSE envelope)".into(),
        }),
    }
}
