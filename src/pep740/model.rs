//! PEP 740 objects and their JSON ("Index hosted attestations"
//! specification, <https://packaging.python.org/specifications/index-hosted-attestations/>):
//!
//! ```text
//! Attestation          { version: 1, verification_material: VerificationMaterial, envelope: Envelope }
//! VerificationMaterial { certificate: base64(DER), transparency_entries: [TransparencyLogEntry JSON, ...] }
//! Envelope             { statement: base64(in-toto v1 Statement JSON), signature: base64 }
//! Provenance           { version: 1, attestation_bundles: [AttestationBundle, ...] }
//! AttestationBundle    { publisher: Publisher, attestations: [Attestation, ...] }
//! Publisher            { kind: "GitHub" | "GitLab" | "Google" | "CircleCI", ...kind's fields }
//! ```
//!
//! Where the line between lenient and strict runs, and why: the objects
//! above are unsigned wrappers, and unknown keys in them are ignored, as
//! pypi-attestations' pydantic models do (`extra="ignore"`) and as the
//! specification lets indexes and signers add keys (provenance objects PyPI
//! has served carry a publisher `claims` key). Ignoring a key there cannot
//! change a verdict: nothing unknown is ever read. What verification reads
//! stays strict: the DSSE payload (the in-toto statement, parsed by
//! [`crate::dsse`]), the certificate (DER), and the transparency entry,
//! which becomes a bundle's log entry and is parsed by the bundle's wire
//! types under a bundle's rules (a key given twice is rejected here too). A `version` other than 1 is rejected, so
//! a newer format is never half-understood; a provenance object without
//! one is version 1, as in pypi-attestations.

use super::publisher::Publisher;
use crate::bundle::{Bundle, Content, SigningMaterial, TlogEntry};
use crate::dsse::IN_TOTO_PAYLOAD_TYPE;
use crate::error::{Error, Result};
use base64::Engine as _;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// The media type of the bundles attestations convert to (protobuf-specs
/// bundle v0.3, as sigstore-python writes it).
pub const BUNDLE_V03_MEDIA_TYPE: &str = "application/vnd.dev.sigstore.bundle.v0.3+json";

/// The format version, which is always 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FormatVersion;

impl Serialize for FormatVersion {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_u8(1)
    }
}

impl<'de> Deserialize<'de> for FormatVersion {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let v = u64::deserialize(d)?;
        if v == 1 {
            Ok(FormatVersion)
        } else {
            Err(serde::de::Error::custom(format!(
                "unsupported version {v} (only version 1 is defined)"
            )))
        }
    }
}

/// Bytes written as standard base64 (pydantic `Base64Bytes`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Base64Bytes(pub Vec<u8>);

impl Serialize for Base64Bytes {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&base64::engine::general_purpose::STANDARD.encode(&self.0))
    }
}

impl<'de> Deserialize<'de> for Base64Bytes {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        base64::engine::general_purpose::STANDARD
            .decode(s.as_bytes())
            .map(Base64Bytes)
            .map_err(|e| serde::de::Error::custom(format!("not valid base64: {e}")))
    }
}

/// What an attestation is verified with: the signing certificate and the
/// transparency log entry (and, optionally, timestamps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VerificationMaterial {
    /// The signing certificate, DER.
    pub certificate: Base64Bytes,
    /// Rekor `TransparencyLogEntry` objects in protobuf JSON; at least one.
    /// Only the first is used, as pypi-attestations does. A key given twice
    /// in one is an error, as in a bundle.
    #[serde(deserialize_with = "unique_key_objects")]
    pub transparency_entries: Vec<serde_json::Map<String, serde_json::Value>>,
    /// RFC 3161 timestamp responses (DER), the optional field proposed for
    /// Rekor v2 entries, which carry no time of their own (packaging.python.org
    /// PR 1936, pypi-attestations PR 143). Omitted when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub timestamps: Vec<Base64Bytes>,
}

/// JSON objects in which no object, at any depth, gives a key twice.
/// `serde_json::Map` keeps the last of two; a bundle's wire types reject
/// the second (serde's duplicate-field check), and so must an attestation,
/// whose entries are kept as JSON and become a bundle's only later.
fn unique_key_objects<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Vec<serde_json::Map<String, serde_json::Value>>, D::Error> {
    Vec::<UniqueKeys>::deserialize(d)?
        .into_iter()
        .enumerate()
        .map(|(i, UniqueKeys(v))| match v {
            serde_json::Value::Object(m) => Ok(m),
            _ => Err(serde::de::Error::custom(format!(
                "transparency_entries[{i}] is not a JSON object"
            ))),
        })
        .collect()
}

/// A JSON value read with every object's keys checked for repeats.
struct UniqueKeys(serde_json::Value);

impl<'de> Deserialize<'de> for UniqueKeys {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(UniqueKeysVisitor).map(UniqueKeys)
    }
}

struct UniqueKeysVisitor;

impl<'de> serde::de::Visitor<'de> for UniqueKeysVisitor {
    type Value = serde_json::Value;

    fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_i64<E>(self, v: i64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_u64<E>(self, v: u64) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_f64<E>(self, v: f64) -> Result<Self::Value, E> {
        // JSON has no NaN or infinity; serde_json's own Value does the same.
        Ok(serde_json::Number::from_f64(v).map_or(serde_json::Value::Null, Into::into))
    }

    fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_string<E>(self, v: String) -> Result<Self::Value, E> {
        Ok(v.into())
    }

    fn visit_unit<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_none<E>(self) -> Result<Self::Value, E> {
        Ok(serde_json::Value::Null)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        UniqueKeys::deserialize(d).map(|UniqueKeys(v)| v)
    }

    fn visit_seq<A: serde::de::SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
        let mut out = Vec::new();
        while let Some(UniqueKeys(v)) = seq.next_element()? {
            out.push(v);
        }
        Ok(out.into())
    }

    fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
        let mut out = serde_json::Map::new();
        while let Some(key) = map.next_key::<String>()? {
            if out.contains_key(&key) {
                return Err(serde::de::Error::custom(format!("duplicate key {key:?}")));
            }
            let UniqueKeys(v) = map.next_value()?;
            out.insert(key, v);
        }
        Ok(out.into())
    }
}

/// The signed statement: a DSSE envelope with its payload type fixed to
/// in-toto and exactly one signature.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Envelope {
    /// The in-toto v1 Statement, JSON bytes.
    pub statement: Base64Bytes,
    /// The DSSE signature over `PAE("application/vnd.in-toto+json", statement)`.
    pub signature: Base64Bytes,
}

/// One PEP 740 attestation: a Sigstore-signed in-toto statement about one
/// distribution (`DIST.publish.attestation` as uploaded to PyPI). It
/// converts losslessly to a Sigstore bundle v0.3 ([`Attestation::to_bundle`]);
/// verify it with [`Attestation::verify`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Attestation {
    /// Always 1.
    pub version: FormatVersion,
    /// Certificate and log entry.
    pub verification_material: VerificationMaterial,
    /// The signed statement.
    pub envelope: Envelope,
}

/// The attestations one Trusted Publisher made for a distribution.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AttestationBundle {
    /// The publisher the index recorded for the upload.
    pub publisher: Publisher,
    /// Its attestations; at least one.
    pub attestations: Vec<Attestation>,
}

/// A provenance object: what an index serves for a distribution file (the
/// document a file's PEP 740 `provenance` URL in the simple API points to),
/// grouping the file's attestations by publisher. Verify it with
/// [`Provenance::verify`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Provenance {
    /// Always 1 (pypi-attestations' default when the key is absent).
    #[serde(default)]
    pub version: FormatVersion,
    /// One bundle per publisher; at least one.
    pub attestation_bundles: Vec<AttestationBundle>,
}

fn prefix_bundle(e: Error, at: &str) -> Error {
    match e {
        Error::InvalidBundle(m) => Error::InvalidBundle(format!("{at}: {m}")),
        other => other,
    }
}

fn invalid(what: &str, e: serde_json::Error) -> Error {
    Error::InvalidAttestation(format!("{what}: {e}"))
}

fn to_json<T: Serialize>(what: &str, v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| invalid(what, e))
}

impl Attestation {
    /// Parses and checks an attestation object.
    pub fn from_json(data: &[u8]) -> Result<Attestation> {
        let a: Attestation =
            serde_json::from_slice(data).map_err(|e| invalid("not a PEP 740 attestation", e))?;
        a.check()?;
        Ok(a)
    }

    fn check(&self) -> Result<()> {
        if self.verification_material.transparency_entries.is_empty() {
            return Err(Error::InvalidAttestation(
                "verification_material.transparency_entries is empty (at least one entry is required)".into(),
            ));
        }
        if self.verification_material.certificate.0.is_empty() {
            return Err(Error::InvalidAttestation(
                "verification_material.certificate is empty".into(),
            ));
        }
        Ok(())
    }

    /// The attestation as JSON, in the field order of the specification.
    pub fn to_json(&self) -> Result<String> {
        to_json("attestation", self)
    }

    /// The Sigstore bundle (v0.3, DSSE) this attestation stands for, as
    /// protobuf JSON.
    pub fn to_bundle_json(&self) -> serde_json::Value {
        let b64 = |b: &[u8]| base64::engine::general_purpose::STANDARD.encode(b);
        let entries: Vec<&serde_json::Map<String, serde_json::Value>> = self
            .verification_material
            .transparency_entries
            .iter()
            .take(1)
            .collect();
        let mut material = serde_json::json!({
            "certificate": {"rawBytes": b64(&self.verification_material.certificate.0)},
            "tlogEntries": entries,
        });
        if !self.verification_material.timestamps.is_empty() {
            let ts: Vec<serde_json::Value> = self
                .verification_material
                .timestamps
                .iter()
                .map(|t| serde_json::json!({"signedTimestamp": b64(&t.0)}))
                .collect();
            material["timestampVerificationData"] = serde_json::json!({"rfc3161Timestamps": ts});
        }
        serde_json::json!({
            "mediaType": BUNDLE_V03_MEDIA_TYPE,
            "verificationMaterial": material,
            "dsseEnvelope": {
                "payload": b64(&self.envelope.statement.0),
                "payloadType": IN_TOTO_PAYLOAD_TYPE,
                "signatures": [{"sig": b64(&self.envelope.signature.0)}],
            },
        })
    }

    /// The checked Sigstore bundle; a malformed certificate or log entry is
    /// an [`Error::Conversion`].
    pub fn to_bundle(&self) -> Result<Bundle> {
        crate::x509::Certificate::from_der(self.verification_material.certificate.0.clone())
            .map_err(|e| Error::Conversion(format!("invalid X.509 certificate: {e}")))?;
        self.bundle()
    }

    /// The Fulcio claims (extensions `.8` to `.22`) of the signing
    /// certificate, as `(dotted OID, value)`: what pypi-attestations'
    /// `Attestation.certificate_claims` returns. Read from the certificate
    /// as it stands, unverified; an undecodable certificate or claim is an
    /// [`Error::Conversion`].
    pub fn certificate_claims(&self) -> Result<Vec<(String, String)>> {
        crate::x509::Certificate::from_der(self.verification_material.certificate.0.clone())
            .map_err(|e| Error::Conversion(format!("invalid X.509 certificate: {e}")))?
            .fulcio_claims()
            .map_err(|oid| {
                Error::Conversion(format!("certificate claim {oid} is not a UTF8String"))
            })
    }

    /// The signing certificate's identities (SANs), issuer (RFC 4514) and
    /// the end of its validity (unix seconds), as `inspect` commands show
    /// them: read from the certificate as it stands, unverified; an
    /// undecodable certificate is an [`Error::Conversion`].
    pub fn certificate_details(&self) -> Result<CertificateDetails> {
        use crate::policy::Claims as _;
        let cert =
            crate::x509::Certificate::from_der(self.verification_material.certificate.0.clone())
                .map_err(|e| Error::Conversion(format!("invalid X.509 certificate: {e}")))?;
        Ok(CertificateDetails {
            sans: cert.sans(),
            issuer: cert.issuer_rfc4514().to_owned(),
            not_after: cert.not_after(),
        })
    }

    /// The bundle built directly from the decoded parts (no JSON round
    /// trip); the certificate is parsed later, by the verifier.
    pub(crate) fn bundle(&self) -> Result<Bundle> {
        let conversion = |e: Error| match e {
            Error::InvalidBundle(m) => Error::Conversion(m),
            other => other,
        };
        let entry = self
            .verification_material
            .transparency_entries
            .first()
            .ok_or_else(|| Error::Conversion("no transparency log entry".into()))?;
        let entry =
            TlogEntry::from_value(&serde_json::Value::Object(entry.clone())).map_err(|e| {
                // pypi-attestations' wording first: callers match on it.
                conversion(prefix_bundle(
                    e,
                    "invalid transparency log entry: transparency_entries[0]",
                ))
            })?;
        let content = Content::Dsse(crate::dsse::Envelope {
            payload_type: IN_TOTO_PAYLOAD_TYPE.into(),
            payload: self.envelope.statement.0.clone(),
            signatures: vec![crate::dsse::Signature {
                sig: self.envelope.signature.0.clone(),
                keyid: String::new(),
            }],
        });
        Bundle::new_v03(
            self.verification_material.certificate.0.clone(),
            content,
            entry,
            self.verification_material
                .timestamps
                .iter()
                .map(|t| t.0.clone())
                .collect(),
        )
        .map_err(conversion)
    }

    /// The attestation for a DSSE bundle over an in-toto statement.
    pub fn from_bundle(bundle: &Bundle) -> Result<Attestation> {
        let certificate = match &bundle.material {
            SigningMaterial::Certificate { leaf, .. } => leaf.clone(),
            SigningMaterial::PublicKey { .. } => {
                return Err(Error::Conversion(
                    "the bundle is signed with a public key; an attestation needs a signing certificate"
                        .into(),
                ))
            }
        };
        let env = match &bundle.content {
            Content::Dsse(env) => env,
            Content::MessageSignature { .. } => {
                return Err(Error::Conversion(
                    "the bundle does not contain a DSSE envelope".into(),
                ))
            }
        };
        if env.payload_type != IN_TOTO_PAYLOAD_TYPE {
            return Err(Error::Conversion(format!(
                "the DSSE payload type is {:?}; an attestation holds an in-toto statement ({IN_TOTO_PAYLOAD_TYPE:?})",
                env.payload_type
            )));
        }
        let [sig] = env.signatures.as_slice() else {
            return Err(Error::Conversion(format!(
                "expected exactly one DSSE signature, got {}",
                env.signatures.len()
            )));
        };
        let entry = match bundle.tlog_entry.to_json() {
            serde_json::Value::Object(m) => m,
            _ => return Err(Error::Conversion("log entry is not a JSON object".into())),
        };
        Ok(Attestation {
            version: FormatVersion,
            verification_material: VerificationMaterial {
                certificate: Base64Bytes(certificate),
                transparency_entries: vec![entry],
                timestamps: bundle.timestamps.iter().cloned().map(Base64Bytes).collect(),
            },
            envelope: Envelope {
                statement: Base64Bytes(env.payload.clone()),
                signature: Base64Bytes(sig.sig.clone()),
            },
        })
    }

    /// The statement, parsed as JSON (not yet verified).
    pub fn statement_json(&self) -> Result<serde_json::Value> {
        serde_json::from_slice(&self.envelope.statement.0)
            .map_err(|e| invalid("the envelope's statement is not JSON", e))
    }
}

impl Provenance {
    /// Parses and checks a provenance object: at least one bundle, each with
    /// at least one well-formed attestation.
    pub fn from_json(data: &[u8]) -> Result<Provenance> {
        let p: Provenance = serde_json::from_slice(data)
            .map_err(|e| invalid("not a PEP 740 provenance object", e))?;
        if p.attestation_bundles.is_empty() {
            return Err(Error::InvalidAttestation(
                "provenance has no attestation bundles".into(),
            ));
        }
        for (i, b) in p.attestation_bundles.iter().enumerate() {
            if b.attestations.is_empty() {
                return Err(Error::InvalidAttestation(format!(
                    "attestation_bundles[{i}] has no attestations"
                )));
            }
            for (j, a) in b.attestations.iter().enumerate() {
                a.check().map_err(|e| match e {
                    Error::InvalidAttestation(m) => Error::InvalidAttestation(format!(
                        "attestation_bundles[{i}].attestations[{j}]: {m}"
                    )),
                    other => other,
                })?;
            }
        }
        Ok(p)
    }

    /// The provenance object as JSON.
    pub fn to_json(&self) -> Result<String> {
        to_json("provenance", self)
    }
}

/// What [`Attestation::certificate_details`] reads from a signing certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertificateDetails {
    /// The subject alternative names (the signing identities).
    pub sans: Vec<String>,
    /// The issuer's name, RFC 4514 (`CN=sigstore-intermediate,O=sigstore.dev`).
    pub issuer: String,
    /// The last second of validity (RFC 5280: inclusive), unix seconds.
    pub not_after: i64,
}
