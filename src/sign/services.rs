//! The signing services' wire shapes: Fulcio v2 `signingCert`, Rekor v1
//! proposed entries, Rekor v2 `CreateEntryRequest`, RFC 3161 requests. Pure
//! functions from values to bytes and back; [`crate::net::Http`] moves them.

use crate::bundle::TlogEntry;
use crate::crypto::{Digest, HashAlgorithm};
use crate::error::{Error, Result};
use crate::net::HttpResponse;
use base64::Engine as _;

fn b64(b: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(b)
}

/// PEM armour (RFC 7468), 64-column lines.
pub fn pem(label: &str, der: &[u8]) -> String {
    let body = b64(der);
    let mut out = format!("-----BEGIN {label}-----\n");
    for chunk in body.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(chunk));
        out.push('\n');
    }
    out.push_str(&format!("-----END {label}-----\n"));
    out
}

fn refused(service: &str, url: &str, r: &HttpResponse) -> Error {
    // Fulcio and Rekor answer errors as {"code", "message"}.
    let msg = serde_json::from_slice::<serde_json::Value>(&r.body)
        .ok()
        .and_then(|v| {
            v.get("message")
                .and_then(|m| m.as_str())
                .map(str::to_string)
        })
        .unwrap_or_else(|| r.body_snippet());
    Error::Signing(format!(
        "{service} at {url} refused the request (HTTP {}): {msg}",
        r.status
    ))
}

/// Fulcio v2 `POST /api/v2/signingCert`.
pub mod fulcio {
    use super::*;

    pub const PATH: &str = "/api/v2/signingCert";

    /// `CreateSigningCertificateRequest` with a public key and its proof of
    /// possession: the signature over the token's identity (the claim the
    /// certificate will name; Fulcio checks it against `principal.Name`).
    pub fn request(token: &str, public_key_pem: &str, proof_of_possession: &[u8]) -> Vec<u8> {
        serde_json::json!({
            "credentials": {"oidcIdentityToken": token},
            "publicKeyRequest": {
                "publicKey": {"algorithm": "ECDSA", "content": public_key_pem},
                "proofOfPossession": b64(proof_of_possession),
            },
        })
        .to_string()
        .into_bytes()
    }

    /// The leaf and chain (DER) from a `SigningCertificate` answer.
    pub fn parse_response(url: &str, r: &HttpResponse) -> Result<(Vec<u8>, Vec<Vec<u8>>)> {
        if !r.is_success() {
            return Err(refused("Fulcio", url, r));
        }
        let v: serde_json::Value = serde_json::from_slice(&r.body).map_err(|e| {
            Error::Signing(format!(
                "Fulcio at {url} answered with something other than JSON: {e}"
            ))
        })?;
        if v.get("signedCertificateDetachedSct").is_some() {
            return Err(Error::Signing(format!(
                "Fulcio at {url} returned a certificate with a detached SCT; only embedded SCTs are supported"
            )));
        }
        let certs = v
            .pointer("/signedCertificateEmbeddedSct/chain/certificates")
            .and_then(|c| c.as_array())
            .ok_or_else(|| {
                Error::Signing(format!(
                    "Fulcio at {url}: the answer has no signedCertificateEmbeddedSct.chain.certificates"
                ))
            })?;
        let mut ders = Vec::new();
        for (i, c) in certs.iter().enumerate() {
            let text = c.as_str().ok_or_else(|| {
                Error::Signing(format!(
                    "Fulcio at {url}: certificates[{i}] is not a string"
                ))
            })?;
            let (_, p) = x509_parser::pem::parse_x509_pem(text.as_bytes()).map_err(|e| {
                Error::Signing(format!(
                    "Fulcio at {url}: certificates[{i}] is not PEM: {e}"
                ))
            })?;
            ders.push(p.contents);
        }
        if ders.is_empty() {
            return Err(Error::Signing(format!(
                "Fulcio at {url} returned no certificate"
            )));
        }
        let leaf = ders.remove(0);
        Ok((leaf, ders))
    }
}

/// Rekor v1 `POST /api/v1/log/entries`.
pub mod rekor_v1 {
    use super::*;

    pub const PATH: &str = "/api/v1/log/entries";

    /// A `hashedrekord` 0.0.1 proposed entry.
    pub fn hashedrekord(digest: &Digest, signature: &[u8], cert_pem: &str) -> Vec<u8> {
        serde_json::json!({
            "apiVersion": "0.0.1",
            "kind": "hashedrekord",
            "spec": {
                "data": {"hash": {"algorithm": digest.algorithm().name(), "value": digest.to_hex()}},
                "signature": {
                    "content": b64(signature),
                    "publicKey": {"content": b64(cert_pem.as_bytes())},
                },
            },
        })
        .to_string()
        .into_bytes()
    }

    /// A `dsse` 0.0.1 proposed entry: the envelope as JSON text, and the
    /// certificate that verifies it.
    pub fn dsse(envelope_json: &str, cert_pem: &str) -> Vec<u8> {
        serde_json::json!({
            "apiVersion": "0.0.1",
            "kind": "dsse",
            "spec": {
                "proposedContent": {
                    "envelope": envelope_json,
                    "verifiers": [b64(cert_pem.as_bytes())],
                },
            },
        })
        .to_string()
        .into_bytes()
    }

    /// Where the entry equal to a refused one is, from a 409 answer's
    /// `Location` resolved against the log's URL (RFC 3986, the `url`
    /// crate): only a place on the log's own origin is followed.
    pub fn conflict_location(log_url: &str, r: &HttpResponse) -> Option<String> {
        let base = url::Url::parse(log_url).ok()?;
        let found = base.join(r.location.as_deref()?).ok()?;
        (found.origin() == base.origin()).then(|| found.to_string())
    }

    /// The logged entry from the 201 answer `{"<uuid>": LogEntry}`.
    pub fn parse_response(url: &str, r: &HttpResponse) -> Result<TlogEntry> {
        if !r.is_success() {
            return Err(refused("Rekor", url, r));
        }
        let (_, entry) = crate::legacy::entry_from_rekor_api(&r.body).map_err(|e| {
            Error::Signing(format!(
                "Rekor at {url} answered with an unusable entry: {e}"
            ))
        })?;
        Ok(entry)
    }
}

/// Rekor v2 `POST /api/v2/log/entries` (rekor-tiles `CreateEntryRequest`).
pub mod rekor_v2 {
    use super::*;

    pub const PATH: &str = "/api/v2/log/entries";

    /// `{"hashedRekordRequestV002": {digest, signature: {content, verifier:
    /// {x509Certificate: {rawBytes}, keyDetails}}}}`. DSSE envelopes are
    /// logged the same way, over the digest of their PAE (sigstore-python
    /// 4.5.1 `RekorV2Client._build_dsse_request`, rekor-v2 spec §6.1.4).
    pub fn hashedrekord(digest: &Digest, signature: &[u8], cert_der: &[u8]) -> Vec<u8> {
        serde_json::json!({
            "hashedRekordRequestV002": {
                "digest": b64(digest.as_bytes()),
                "signature": {
                    "content": b64(signature),
                    "verifier": {
                        "x509Certificate": {"rawBytes": b64(cert_der)},
                        "keyDetails": "PKIX_ECDSA_P256_SHA_256",
                    },
                },
            },
        })
        .to_string()
        .into_bytes()
    }

    /// The answer is a protobuf-JSON `TransparencyLogEntry`.
    pub fn parse_response(url: &str, r: &HttpResponse) -> Result<TlogEntry> {
        if !r.is_success() {
            return Err(refused("Rekor", url, r));
        }
        TlogEntry::from_json(&r.body).map_err(|e| {
            Error::Signing(format!(
                "Rekor at {url} answered with an unusable entry: {e}"
            ))
        })
    }
}

/// RFC 3161 over HTTP (RFC 3161 §3.4): `POST` a DER `TimeStampReq` as
/// `application/timestamp-query`, receive a `TimeStampResp`.
pub mod tsa {
    use super::*;
    use crate::der::write::{octets, seq, tlv, uint};
    use crate::der::TAG_BOOLEAN;

    pub const CONTENT_TYPE: &str = "application/timestamp-query";

    /// ```text
    /// TimeStampReq ::= SEQUENCE {
    ///    version          INTEGER  { v1(1) },
    ///    messageImprint   MessageImprint,
    ///    reqPolicy        TSAPolicyId              OPTIONAL,
    ///    nonce            INTEGER                  OPTIONAL,
    ///    certReq          BOOLEAN                  DEFAULT FALSE,
    ///    extensions       [0] IMPLICIT Extensions  OPTIONAL  }
    /// MessageImprint ::= SEQUENCE {
    ///    hashAlgorithm    AlgorithmIdentifier,
    ///    hashedMessage    OCTET STRING  }
    /// ```
    /// SHA-256 imprint, the given nonce, certReq TRUE (the verifier needs
    /// the TSA's certificate to find its chain).
    pub fn request(imprint: &Digest, nonce: &[u8]) -> Result<Vec<u8>> {
        if imprint.algorithm() != HashAlgorithm::Sha256 {
            return Err(Error::InvalidInput("timestamp imprints are SHA-256".into()));
        }
        // id-sha256 2.16.840.1.101.3.4.2.1, with NULL parameters.
        const SHA256_ALG: &[u8] = &[
            0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05,
            0x00,
        ];
        Ok(seq(&[
            &uint(&[1]),
            &seq(&[SHA256_ALG, &octets(imprint.as_bytes())]),
            &uint(nonce),
            &tlv(TAG_BOOLEAN, &[0xff]),
        ]))
    }

    /// Checks the answer is a granted `TimeStampResp` for this imprint and
    /// nonce; returns its DER (what a bundle's `signedTimestamp` holds).
    pub fn parse_response(
        url: &str,
        r: &HttpResponse,
        imprint: &Digest,
        nonce: &[u8],
    ) -> Result<Vec<u8>> {
        if !r.is_success() {
            return Err(Error::Signing(format!(
                "the timestamp authority at {url} refused the request (HTTP {}): {}",
                r.status,
                r.body_snippet()
            )));
        }
        let token = crate::timestamp::parse_signed_timestamp(&r.body).map_err(|e| {
            Error::Signing(format!(
                "the timestamp authority at {url} answered with an unusable response: {e}"
            ))
        })?;
        let info = &token.tst_info;
        if info.imprint_algorithm != HashAlgorithm::Sha256
            || info.hashed_message != imprint.as_bytes()
        {
            return Err(Error::Signing(format!(
                "the timestamp authority at {url} timestamped another message than the signature"
            )));
        }
        let want: Vec<u8> = nonce.iter().copied().skip_while(|b| *b == 0).collect();
        let got: Option<Vec<u8>> = info
            .nonce
            .as_ref()
            .map(|n| n.iter().copied().skip_while(|b| *b == 0).collect());
        if got.as_deref() != Some(want.as_slice()) {
            return Err(Error::Signing(format!(
                "the timestamp authority at {url} answered with another nonce than the request's"
            )));
        }
        Ok(r.body.clone())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::default_backend;

    #[test]
    fn timestamp_request_der() {
        let d = default_backend().digest(HashAlgorithm::Sha256, b"sig");
        let req = tsa::request(&d, &[0x80, 1]).expect("request");
        // SEQUENCE { INTEGER 1, SEQUENCE {...}, INTEGER 0x008001, BOOLEAN TRUE }
        assert_eq!(req[0], 0x30);
        assert_eq!(&req[2..5], &[0x02, 0x01, 0x01]);
        assert!(req.ends_with(&[0x02, 0x03, 0x00, 0x80, 0x01, 0x01, 0x01, 0xff]));
        assert!(req.windows(32).any(|w| w == d.as_bytes()));
    }

    #[test]
    fn pem_round_trips() {
        let der: Vec<u8> = (0..=255).collect();
        let text = pem("CERTIFICATE", &der);
        let (_, p) = x509_parser::pem::parse_x509_pem(text.as_bytes()).expect("pem");
        assert_eq!(p.label, "CERTIFICATE");
        assert_eq!(p.contents, der);
        assert!(text
            .lines()
            .all(|l| l.len() <= 64 || l.starts_with("-----")));
    }

    #[test]
    fn a_conflict_is_followed_only_on_the_logs_origin() {
        let r = |loc: &str| HttpResponse {
            status: 409,
            body: Vec::new(),
            content_type: None,
            location: Some(loc.into()),
        };
        let at = |loc: &str| rekor_v1::conflict_location("https://rekor.example", &r(loc));
        assert_eq!(
            at("/api/v1/log/entries/ab").as_deref(),
            Some("https://rekor.example/api/v1/log/entries/ab")
        );
        assert_eq!(
            at("https://rekor.example/api/v1/log/entries/ab").as_deref(),
            Some("https://rekor.example/api/v1/log/entries/ab")
        );
        assert_eq!(at("https://elsewhere.example/x"), None);
        assert_eq!(at("https://rekor.example.evil/x"), None);
        assert_eq!(at("//elsewhere.example/x"), None);
        let none = HttpResponse {
            location: None,
            ..r("/x")
        };
        assert_eq!(
            rekor_v1::conflict_location("https://rekor.example", &none),
            None
        );
    }

    #[test]
    fn fulcio_errors_are_clear() {
        let r = HttpResponse {
            status: 401,
            body: br#"{"code":16,"message":"There was an error processing the identity token"}"#
                .to_vec(),
            content_type: None,
            location: None,
        };
        let e = fulcio::parse_response("http://f", &r).expect_err("refused");
        assert!(e.to_string().contains("HTTP 401"), "{e}");
        assert!(e.to_string().contains("identity token"), "{e}");
    }
}
