//! The instance's Fulcio: a root and an intermediate CA (P-384), and a CT
//! log key whose SCT every leaf embeds.
//!
//! `POST /api/v2/signingCert` (Fulcio `fulcio.proto`, `CreateSigningCertificate`)
//! takes either form of request Fulcio accepts:
//!
//! ```text
//! {"credentials": {"oidcIdentityToken": T},                      (or Authorization: Bearer T)
//!  "publicKeyRequest": {"publicKey": {"algorithm": "ECDSA", "content": PEM},
//!                       "proofOfPossession": base64(signature over the identity)}}
//! {"certificateSigningRequest": base64(PEM CSR)}                 (sigstore-python 4.x)
//! ```
//!
//! and answers `{"signedCertificateEmbeddedSct": {"chain": {"certificates":
//! [leaf PEM, intermediate PEM, root PEM]}}}`. The proof of possession is a
//! signature over the token's `email` when it has one, else over its `sub`
//! (what Fulcio challenges for e-mail and for URI issuers).
//!
//! The leaf follows Fulcio's profile: empty subject, critical SAN (rfc822Name
//! or URI), critical keyUsage digitalSignature, extendedKeyUsage codeSigning,
//! the issuer in 1.3.6.1.4.1.57264.1.1 (raw bytes) and 1.3.6.1.4.1.57264.1.8
//! (UTF8String), for GitHub Actions and GitLab CI tokens the SAN and the
//! extensions Fulcio derives from their claims ([`super::ci`]), and an
//! RFC 6962 SCT list. The SCT is signed over the
//! precertificate: this same TBSCertificate without the SCT extension, which
//! rcgen writes last, so removing it yields exactly the bytes the log signed.

use super::http::{Request, Response};
use super::oidc::{Issuer, VerifiedToken};
use super::{pem, Fault, Faults};
use crate::crypto::{self, HashAlgorithm};
use crate::der::write as der;
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::EncodePublicKey as _;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType,
    ExtendedKeyUsagePurpose, IsCa, KeyPair, KeyUsagePurpose, SerialNumber, PKCS_ECDSA_P384_SHA384,
};
use serde_json::{json, Value};

/// Fulcio's certificates live ten minutes.
pub const LEAF_LIFETIME: i64 = 600;
const CA_LIFETIME: i64 = 10 * 365 * 86_400;
const OID_SCT_LIST: &[u64] = &[1, 3, 6, 1, 4, 1, 11129, 2, 4, 2];
const OID_SAN: &[u64] = &[2, 5, 29, 17];
const OID_FULCIO_ISSUER_V1: &[u64] = &[1, 3, 6, 1, 4, 1, 57264, 1, 1];
const OID_FULCIO_ISSUER_V2: &[u64] = &[1, 3, 6, 1, 4, 1, 57264, 1, 8];

pub struct Ca {
    root: rcgen::Certificate,
    inter: rcgen::Certificate,
    inter_key: KeyPair,
    pub root_der: Vec<u8>,
    pub inter_der: Vec<u8>,
    inter_spki: Vec<u8>,
    ct_key: p256::ecdsa::SigningKey,
    pub ct_spki: Vec<u8>,
    pub ct_log_id: Vec<u8>,
    /// Seconds a leaf is valid ([`LEAF_LIFETIME`] unless told otherwise).
    leaf_lifetime: i64,
}

fn rc(e: rcgen::Error) -> crate::Error {
    crate::Error::Io(format!("generating a test certificate: {e}"))
}

pub fn at(unix: i64) -> time::OffsetDateTime {
    time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH)
}

pub fn ca_params(cn: &str, path_len: u8, now: i64) -> CertificateParams {
    let mut p = CertificateParams::default();
    let mut dn = DistinguishedName::new();
    dn.push(DnType::OrganizationName, "sigstore-rs.test");
    dn.push(DnType::CommonName, cn);
    p.distinguished_name = dn;
    p.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
    p.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    p.not_before = at(now - 86_400);
    p.not_after = at(now + CA_LIFETIME);
    p.serial_number = Some(random_serial());
    p
}

pub fn random_serial() -> SerialNumber {
    let mut b = super::random_bytes(16);
    b[0] = (b[0] & 0x7f) | 0x01;
    SerialNumber::from(b)
}

pub fn spki_of(cert_der: &[u8]) -> crate::Result<Vec<u8>> {
    crate::x509::Certificate::from_der(cert_der.to_vec())
        .map(|c| c.public_key_spki().to_vec())
        .map_err(|e| crate::Error::Io(format!("parsing a generated certificate: {e}")))
}

impl Ca {
    pub fn new(now: i64, leaf_lifetime: i64) -> crate::Result<Ca> {
        let root_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).map_err(rc)?;
        let root = ca_params("sigstore-rs local root", 1, now)
            .self_signed(&root_key)
            .map_err(rc)?;
        let inter_key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).map_err(rc)?;
        let mut ip = ca_params("sigstore-rs local intermediate", 0, now);
        ip.use_authority_key_identifier_extension = true;
        let inter = ip.signed_by(&inter_key, &root, &root_key).map_err(rc)?;
        let ct_key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let ct_spki = ct_key
            .verifying_key()
            .to_public_key_der()
            .map_err(|e| crate::Error::Io(format!("encoding the CT log key: {e}")))?
            .as_bytes()
            .to_vec();
        let ct_log_id = sha256(&ct_spki);
        Ok(Ca {
            root_der: root.der().to_vec(),
            inter_der: inter.der().to_vec(),
            inter_spki: spki_of(inter.der())?,
            root,
            inter,
            inter_key,
            ct_key,
            ct_spki,
            ct_log_id,
            leaf_lifetime,
        })
    }

    /// Issues a leaf for `spki_der` naming `token`'s identity; returns its DER.
    pub fn issue(&self, spki_der: &[u8], token: &VerifiedToken) -> Result<Vec<u8>, String> {
        self.issue_by(spki_der, token, &self.inter, &self.inter_key)
    }

    /// A leaf from a fresh CA that no trusted root lists.
    fn issue_untrusted(&self, spki_der: &[u8], token: &VerifiedToken) -> Result<Vec<u8>, String> {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384)
            .map_err(|e| format!("stray CA key: {e}"))?;
        let cert = ca_params("unrelated CA", 0, super::now())
            .self_signed(&key)
            .map_err(|e| format!("stray CA: {e}"))?;
        self.issue_by(spki_der, token, &cert, &key)
    }

    fn issue_by(
        &self,
        spki_der: &[u8],
        token: &VerifiedToken,
        issuer: &rcgen::Certificate,
        issuer_key: &KeyPair,
    ) -> Result<Vec<u8>, String> {
        let now = super::now();
        let public_key = rcgen::SubjectPublicKeyInfo::from_der(spki_der)
            .map_err(|e| format!("unsupported public key: {e}"))?;
        // GeneralName: [1] IMPLICIT IA5String rfc822Name, [6] IMPLICIT IA5String URI.
        let ci = super::ci::certificate_for(token).transpose()?;
        let san = match (&ci, &token.email) {
            (Some(c), _) => der::tlv(0x86, c.san_uri.as_bytes()),
            (None, Some(e)) => der::tlv(0x81, e.as_bytes()),
            (None, None) if token.subject.contains("://") => {
                der::tlv(0x86, token.subject.as_bytes())
            }
            (None, None) => {
                return Err(format!(
                    "the token has no email and its subject {:?} is not a URI",
                    token.subject
                ))
            }
        };
        let mut p = CertificateParams::default();
        p.distinguished_name = DistinguishedName::new();
        p.serial_number = Some(random_serial());
        p.not_before = at(now);
        p.not_after = at(now + self.leaf_lifetime);
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
        p.use_authority_key_identifier_extension = true;
        let mut san_ext = CustomExtension::from_oid_content(OID_SAN, der::seq(&[&san]));
        san_ext.set_criticality(true);
        p.custom_extensions = vec![
            san_ext,
            CustomExtension::from_oid_content(
                OID_FULCIO_ISSUER_V1,
                token.issuer.as_bytes().to_vec(),
            ),
            CustomExtension::from_oid_content(OID_FULCIO_ISSUER_V2, der::utf8(&token.issuer)),
        ];
        for (oid, value) in ci.iter().flat_map(|c| &c.extensions) {
            p.custom_extensions
                .push(CustomExtension::from_oid_content(oid, value.clone()));
        }
        let precert = p
            .clone()
            .signed_by(&public_key, issuer, issuer_key)
            .map_err(|e| format!("signing the precertificate: {e}"))?;
        let tbs = crate::x509::Certificate::from_der(precert.der().to_vec())
            .map_err(|e| format!("parsing the precertificate: {e}"))?
            .tbs_der()
            .to_vec();
        let sct_list = self.sct_list(&tbs, now)?;
        p.custom_extensions.push(CustomExtension::from_oid_content(
            OID_SCT_LIST,
            der::octets(&sct_list),
        ));
        let leaf = p
            .signed_by(&public_key, issuer, issuer_key)
            .map_err(|e| format!("signing the certificate: {e}"))?;
        Ok(leaf.der().to_vec())
    }

    /// RFC 6962 §3.2-3.3: a `SignedCertificateTimestampList` holding one v1
    /// SCT over the precertificate `tbs`, signed by the CT log key.
    fn sct_list(&self, tbs: &[u8], now: i64) -> Result<Vec<u8>, String> {
        let ts = (now as u64) * 1000;
        let tbs_len = u32::try_from(tbs.len()).map_err(|_| "TBS too long")?;
        let mut signed = vec![0u8, 0];
        signed.extend_from_slice(&ts.to_be_bytes());
        signed.extend_from_slice(&[0, 1]);
        signed.extend_from_slice(&sha256(&self.inter_spki));
        signed.extend_from_slice(&tbs_len.to_be_bytes()[1..]);
        signed.extend_from_slice(tbs);
        signed.extend_from_slice(&[0, 0]);
        let sig: p256::ecdsa::Signature = self.ct_key.sign(&signed);
        let sig = sig.to_der().as_bytes().to_vec();
        let mut sct = vec![0u8];
        sct.extend_from_slice(&self.ct_log_id);
        sct.extend_from_slice(&ts.to_be_bytes());
        sct.extend_from_slice(&[0, 0]); // no extensions
        sct.extend_from_slice(&[4, 3]); // sha256, ecdsa
        sct.extend_from_slice(&(sig.len() as u16).to_be_bytes());
        sct.extend_from_slice(&sig);
        let mut list = ((sct.len() + 2) as u16).to_be_bytes().to_vec();
        list.extend_from_slice(&(sct.len() as u16).to_be_bytes());
        list.extend_from_slice(&sct);
        Ok(list)
    }

    fn chain_pems(&self) -> Vec<String> {
        vec![
            pem("CERTIFICATE", self.inter.der()),
            pem("CERTIFICATE", self.root.der()),
        ]
    }

    pub fn handle(&self, req: &Request, oidc: &Issuer, faults: &Faults) -> Response {
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/api/v2/signingCert") => self.signing_cert(req, oidc, faults),
            ("GET", "/api/v2/trustBundle") => Response::json(
                200,
                &json!({"chains": [{"certificates": self.chain_pems()}]}),
            ),
            ("GET", "/api/v2/configuration") => Response::json(
                200,
                &json!({"issuers": [
                    {"issuerUrl": oidc.url, "audience": super::oidc::AUDIENCE,
                     "challengeClaim": "email"},
                    {"issuerUrl": super::ci::GITHUB_ISSUER, "audience": super::oidc::AUDIENCE,
                     "challengeClaim": "sub"},
                    {"issuerUrl": super::ci::GITLAB_ISSUER, "audience": super::oidc::AUDIENCE,
                     "challengeClaim": "sub"},
                    {"issuerUrl": super::ci::GOOGLE_ISSUER, "audience": super::oidc::AUDIENCE,
                     "challengeClaim": "email"},
                    {"issuerUrl": super::ci::CIRCLECI_ISSUER, "audience": super::oidc::AUDIENCE,
                     "challengeClaim": "sub"},
                ]}),
            ),
            _ => Response::not_found(req),
        }
    }

    fn signing_cert(&self, req: &Request, oidc: &Issuer, faults: &Faults) -> Response {
        if faults.is_set(Fault::CaError) {
            return Response::error(500, "the CA is failing on purpose (Fault::CaError)");
        }
        let Ok(body) = serde_json::from_slice::<Value>(&req.body) else {
            return Response::error(400, "the request body is not JSON");
        };
        let bearer = req.header("Authorization").and_then(|h| {
            h.strip_prefix("Bearer ")
                .or_else(|| h.strip_prefix("bearer "))
        });
        let Some(token) = body["credentials"]["oidcIdentityToken"].as_str().or(bearer) else {
            return Response::error(401, "no identity token (credentials.oidcIdentityToken or an Authorization: Bearer header)");
        };
        let token = match oidc.verify(token) {
            Ok(t) => t,
            Err(e) => return Response::error(401, e),
        };
        let spki = if let Some(csr) = body["certificateSigningRequest"].as_str() {
            csr_key(csr)
        } else if body["publicKeyRequest"].is_object() {
            pop_key(&body["publicKeyRequest"], &token)
        } else {
            Err("expected publicKeyRequest or certificateSigningRequest".into())
        };
        let spki = match spki {
            Ok(s) => s,
            Err(e) => return Response::error(400, e),
        };
        let issued = if faults.is_set(Fault::CaUntrusted) {
            self.issue_untrusted(&spki, &token)
        } else {
            self.issue(&spki, &token)
        };
        let leaf = match issued {
            Ok(l) => l,
            Err(e) => return Response::error(400, e),
        };
        let mut certificates = vec![pem("CERTIFICATE", &leaf)];
        if faults.is_set(Fault::CaBadChain) {
            certificates.push(stray_ca_pem());
        } else {
            certificates.extend(self.chain_pems());
        }
        Response::json(
            200,
            &json!({"signedCertificateEmbeddedSct": {"chain": {"certificates": certificates}}}),
        )
    }
}

/// A self-signed CA that issued nothing: the chain it ends does not chain.
fn stray_ca_pem() -> String {
    let made = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384)
        .and_then(|k| ca_params("unrelated CA", 0, super::now()).self_signed(&k));
    match made {
        Ok(c) => pem("CERTIFICATE", c.der()),
        Err(_) => String::new(),
    }
}

fn sha256(data: &[u8]) -> Vec<u8> {
    crypto::default_backend()
        .digest(HashAlgorithm::Sha256, data)
        .as_bytes()
        .to_vec()
}

/// The public key of a PEM (or base64 DER) SubjectPublicKeyInfo.
fn parse_public_key(content: &str) -> Result<Vec<u8>, String> {
    let der = if content.contains("-----BEGIN") {
        let (_, p) = x509_parser::pem::parse_x509_pem(content.as_bytes())
            .map_err(|e| format!("publicKey.content is not PEM: {e}"))?;
        p.contents
    } else {
        B64.decode(content.trim())
            .map_err(|e| format!("publicKey.content is neither PEM nor base64: {e}"))?
    };
    crypto::key_kind(&der).map_err(|e| format!("publicKey.content: {e}"))?;
    Ok(der)
}

fn pop_key(req: &Value, token: &VerifiedToken) -> Result<Vec<u8>, String> {
    let content = req["publicKey"]["content"]
        .as_str()
        .ok_or("publicKeyRequest.publicKey.content is missing")?;
    let spki = parse_public_key(content)?;
    let pop = req["proofOfPossession"]
        .as_str()
        .ok_or("publicKeyRequest.proofOfPossession is missing")?;
    let pop = B64
        .decode(pop.trim())
        .map_err(|e| format!("proofOfPossession is not base64: {e}"))?;
    let kind = crypto::key_kind(&spki).map_err(|e| e.to_string())?;
    let alg = kind.default_signature_algorithm();
    let c = crypto::default_backend();
    let challenges = token.email.iter().chain(std::iter::once(&token.subject));
    for challenge in challenges {
        if c.verify(&spki, alg, challenge.as_bytes(), &pop).is_ok() {
            return Ok(spki);
        }
    }
    Err(format!(
        "the proof of possession is not a signature by the public key over the token's {}",
        if token.email.is_some() {
            "email (or sub)"
        } else {
            "sub"
        }
    ))
}

/// The key of a CSR (`base64(PEM)`), whose self-signature is the proof of
/// possession.
fn csr_key(b64_pem: &str) -> Result<Vec<u8>, String> {
    use x509_parser::prelude::FromDer as _;
    let pem_bytes = B64
        .decode(b64_pem.trim())
        .map_err(|e| format!("certificateSigningRequest is not base64: {e}"))?;
    let (_, p) = x509_parser::pem::parse_x509_pem(&pem_bytes)
        .map_err(|e| format!("certificateSigningRequest is not PEM: {e}"))?;
    let (_, csr) =
        x509_parser::certification_request::X509CertificationRequest::from_der(&p.contents)
            .map_err(|e| format!("certificateSigningRequest is not a DER CSR: {e}"))?;
    let info = &csr.certification_request_info;
    let spki = info.subject_pki.raw.to_vec();
    let kind = crypto::key_kind(&spki).map_err(|e| format!("CSR key: {e}"))?;
    use crypto::SignatureAlgorithm as S;
    let alg = match csr.signature_algorithm.algorithm.to_id_string().as_str() {
        "1.2.840.10045.4.3.2" => S::Ecdsa(HashAlgorithm::Sha256),
        "1.2.840.10045.4.3.3" => S::Ecdsa(HashAlgorithm::Sha384),
        "1.2.840.10045.4.3.4" => S::Ecdsa(HashAlgorithm::Sha512),
        "1.2.840.113549.1.1.11" => S::RsaPkcs1(HashAlgorithm::Sha256),
        "1.3.101.112" => S::Ed25519,
        other => return Err(format!("unsupported CSR signature algorithm {other}")),
    };
    let _ = kind;
    crypto::default_backend()
        .verify(&spki, alg, info.raw, &csr.signature_value.data)
        .map_err(|e| format!("the CSR's signature does not verify: {e}"))?;
    Ok(spki)
}
