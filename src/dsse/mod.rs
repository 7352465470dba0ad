//! DSSE envelopes (<https://github.com/secure-systems-lab/dsse>,
//! `envelope.md` and `protocol.md`) and the in-toto statements
//! (<https://github.com/in-toto/attestation>, `spec/v1/statement.md`)
//! Sigstore signs inside them. A DSSE signature covers the payload type as
//! well as the payload, through the pre-authentication encoding ([`pae`]).

use crate::crypto::{Digest, HashAlgorithm};
use serde::Deserialize;
use std::collections::BTreeMap;

/// The DSSE payload type of an in-toto statement.
pub const IN_TOTO_PAYLOAD_TYPE: &str = "application/vnd.in-toto+json";

/// One DSSE signature (`{"keyid", "sig"}`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Signature {
    /// The signature over [`Envelope::pae`] (ASN.1 DER for ECDSA).
    pub sig: Vec<u8>,
    /// The optional, unauthenticated key hint (empty when absent).
    pub keyid: String,
}

/// A DSSE envelope (`{"payload", "payloadType", "signatures"}`), with the
/// payload decoded from base64.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Envelope {
    /// What the payload is; [`IN_TOTO_PAYLOAD_TYPE`] for Sigstore attestations.
    pub payload_type: String,
    /// The signed payload bytes.
    pub payload: Vec<u8>,
    /// The signatures; a Sigstore bundle carries exactly one.
    pub signatures: Vec<Signature>,
}

impl Envelope {
    /// The bytes DSSE signs (protocol.md, "Signature definition"):
    /// `PAE(type, body) = "DSSEv1" SP LEN(type) SP type SP LEN(body) SP body`,
    /// LEN as ASCII decimal with no leading zeros.
    pub fn pae(&self) -> Vec<u8> {
        pae(&self.payload_type, &self.payload)
    }
}

/// The DSSE pre-authentication encoding of `payload_type` and `payload`;
/// see [`Envelope::pae`].
pub fn pae(payload_type: &str, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(payload_type.len() + payload.len() + 32);
    out.extend_from_slice(b"DSSEv1 ");
    out.extend_from_slice(payload_type.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload_type.as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload.len().to_string().as_bytes());
    out.push(b' ');
    out.extend_from_slice(payload);
    out
}

/// An in-toto Statement (v0.1 or v1): `{"_type", "subject": [{"name", "digest": {alg: hex}}],
/// "predicateType", "predicate"}`.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Statement {
    /// `_type`: [`STATEMENT_V1`] or [`STATEMENT_V01`].
    #[serde(rename = "_type")]
    pub type_: String,
    /// The artifacts the statement is about.
    #[serde(default)]
    pub subject: Vec<Subject>,
    /// What kind of claim the predicate makes (a URI).
    #[serde(default)]
    pub predicate_type: String,
    /// The claim itself.
    #[serde(default)]
    pub predicate: Option<serde_json::Value>,
}

/// One subject of a statement: a name and its digests.
#[derive(Debug, Clone, Deserialize)]
pub struct Subject {
    /// The artifact's name (for PEP 740, the distribution's file name).
    #[serde(default)]
    pub name: Option<String>,
    /// Digests by algorithm name (`sha256`, …), lowercase hex.
    #[serde(default)]
    pub digest: BTreeMap<String, String>,
}

/// `_type` of an in-toto v1 statement.
pub const STATEMENT_V1: &str = "https://in-toto.io/Statement/v1";
/// `_type` of an in-toto v0.1 statement (still accepted by Sigstore verifiers).
pub const STATEMENT_V01: &str = "https://in-toto.io/Statement/v0.1";

impl Statement {
    /// Parses a statement; `_type` must be v1 or v0.1.
    pub fn from_json(payload: &[u8]) -> Result<Statement, String> {
        let s: Statement = serde_json::from_slice(payload)
            .map_err(|e| format!("DSSE payload is not an in-toto statement: {e}"))?;
        if s.type_ != STATEMENT_V1 && s.type_ != STATEMENT_V01 {
            return Err(format!(
                "in-toto statement _type {:?} is not {STATEMENT_V1:?} or {STATEMENT_V01:?}",
                s.type_
            ));
        }
        Ok(s)
    }

    /// True if some subject carries `digest` (hex compared case-insensitively).
    pub fn has_subject_digest(&self, digest: &Digest) -> bool {
        let key = match digest.algorithm() {
            HashAlgorithm::Sha256 => "sha256",
            HashAlgorithm::Sha384 => "sha384",
            HashAlgorithm::Sha512 => "sha512",
        };
        let want = digest.to_hex();
        self.subject.iter().any(|s| {
            s.digest
                .get(key)
                .is_some_and(|v| v.eq_ignore_ascii_case(&want))
        })
    }

    /// The first `max` subjects as `"name" (alg:hex, …)`, then how many
    /// more there are: what an input that matches none is told it should
    /// have been. Everything is escaped (names quoted), so no name or
    /// digest can pass for another subject or carry control characters,
    /// and a digest longer than SHA-512's is cut short.
    pub fn describe_subjects(&self, max: usize) -> String {
        fn shown(v: &str) -> String {
            let mut out: String = v.chars().take(128).flat_map(char::escape_debug).collect();
            if v.chars().count() > 128 {
                out.push('…');
            }
            out
        }
        if self.subject.is_empty() {
            return "no subjects".into();
        }
        let mut out = self
            .subject
            .iter()
            .take(max)
            .map(|s| {
                let digests = s
                    .digest
                    .iter()
                    .map(|(alg, hex)| format!("{}:{}", shown(alg), shown(hex)))
                    .collect::<Vec<_>>()
                    .join(", ");
                match &s.name {
                    Some(name) => format!("{name:?} ({digests})"),
                    None => format!("a subject without a name ({digests})"),
                }
            })
            .collect::<Vec<_>>()
            .join(", ");
        if self.subject.len() > max {
            out.push_str(&format!(" and {} more", self.subject.len() - max));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pae_matches_spec_example() {
        // From the DSSE protocol document.
        assert_eq!(
            pae("http://example.com/HelloWorld", b"hello world"),
            b"DSSEv1 29 http://example.com/HelloWorld 11 hello world".to_vec()
        );
        assert_eq!(pae("", b""), b"DSSEv1 0  0 ".to_vec());
    }

    #[test]
    fn statement_subjects() {
        let s = Statement::from_json(
            br#"{"_type":"https://in-toto.io/Statement/v1","subject":[{"name":"a","digest":{"sha256":"AB"}}],"predicateType":"x","predicate":{}}"#,
        )
        .unwrap();
        let d = Digest::new(HashAlgorithm::Sha256, vec![0xab; 32]).unwrap();
        assert!(!s.has_subject_digest(&d));
        assert!(Statement::from_json(br#"{"_type":"nope"}"#).is_err());
        assert!(Statement::from_json(b"[]").is_err());
    }

    /// What a wrong input is compared with: each subject's name and
    /// digests, the first few of them.
    #[test]
    fn subjects_are_described_up_to_a_limit() {
        let subject = |i: usize| serde_json::json!({"name": format!("f{i}"), "digest": {"sha256": format!("{i:064}")}});
        let mut subjects: Vec<_> = (0..7).map(subject).collect();
        subjects[1] = serde_json::json!({"digest": {"sha256": "aa", "sha512": "b\nb"}});
        let statement = |subjects: &[serde_json::Value]| {
            let json = serde_json::json!({"_type": STATEMENT_V1, "subject": subjects, "predicateType": "x"});
            Statement::from_json(json.to_string().as_bytes()).unwrap()
        };
        assert_eq!(
            statement(&subjects).describe_subjects(5),
            format!(
                "\"f0\" (sha256:{:064}), a subject without a name (sha256:aa, sha512:b\\nb), \"f2\" (sha256:{:064}), \"f3\" (sha256:{:064}), \"f4\" (sha256:{:064}) and 2 more",
                0, 2, 3, 4
            )
        );
        assert_eq!(
            statement(&subjects[..1]).describe_subjects(5),
            format!("\"f0\" (sha256:{})", "0".repeat(64))
        );
        assert_eq!(statement(&[]).describe_subjects(5), "no subjects");
        let long = serde_json::json!({"name": "x", "digest": {"sha256": "a".repeat(1000)}});
        assert_eq!(
            statement(&[long]).describe_subjects(5),
            format!("\"x\" (sha256:{}…)", "a".repeat(128))
        );
    }
}
