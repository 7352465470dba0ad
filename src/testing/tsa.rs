//! The instance's timestamp authority (RFC 3161): `POST /api/v1/timestamp`
//! with a DER `TimeStampReq` (`application/timestamp-query`) answers a
//! granted DER `TimeStampResp` (`application/timestamp-reply`), as
//! sigstore/timestamp-authority does.
//!
//! ```text
//! TimeStampReq ::= SEQUENCE { version INTEGER { v1(1) }, messageImprint MessageImprint,
//!     reqPolicy TSAPolicyId OPTIONAL, nonce INTEGER OPTIONAL,
//!     certReq BOOLEAN DEFAULT FALSE, extensions [0] IMPLICIT Extensions OPTIONAL }
//! TimeStampResp ::= SEQUENCE { status PKIStatusInfo, timeStampToken ContentInfo OPTIONAL }
//! TSTInfo ::= SEQUENCE { version INTEGER { v1(1) }, policy TSAPolicyId,
//!     messageImprint MessageImprint, serialNumber INTEGER, genTime GeneralizedTime,
//!     accuracy Accuracy OPTIONAL, ordering BOOLEAN DEFAULT FALSE, nonce INTEGER OPTIONAL, ... }
//! ```
//!
//! The token is CMS SignedData (RFC 5652) signed by a P-256 TSA leaf whose
//! only extendedKeyUsage is a critical id-kp-timeStamping (RFC 3161 §2.3),
//! with the signed attributes contentType, messageDigest and ESS
//! signing-certificate-v2 (RFC 5816) naming the leaf; the leaf is embedded
//! when the request sets certReq.

use super::http::{Request, Response};
use super::{Fault, Faults};
use crate::der::write::{generalized_time, octets, oid, seq, set_of, tlv, uint};
use crate::der::{DerError, Reader, TAG_BOOLEAN, TAG_INTEGER, TAG_SEQUENCE};
use p256::ecdsa::signature::Signer as _;
use p256::pkcs8::EncodePrivateKey as _;
use rcgen::{
    CertificateParams, CustomExtension, DistinguishedName, DnType, KeyPair, KeyUsagePurpose,
};
use sha2::{Digest as _, Sha256};

const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
const OID_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
const OID_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
const OID_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
const OID_SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
const OID_ECDSA_SHA256: &str = "1.2.840.10045.4.3.2";
/// An arbitrary policy OID under the Sigstore arc, as the real TSA uses one.
const POLICY: &str = "1.3.6.1.4.1.57264.2";

pub struct Tsa {
    key: p256::ecdsa::SigningKey,
    pub leaf_der: Vec<u8>,
    pub root_der: Vec<u8>,
    leaf_issuer: Vec<u8>,
    leaf_serial: Vec<u8>,
}

impl Tsa {
    pub fn new(now: i64) -> crate::Result<Tsa> {
        let rc = |e: rcgen::Error| crate::Error::Io(format!("generating the TSA: {e}"));
        let root_key = KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384).map_err(rc)?;
        let root = super::ca::ca_params("sigstore-rs local TSA root", 0, now)
            .self_signed(&root_key)
            .map_err(rc)?;
        let key = p256::ecdsa::SigningKey::random(&mut rand_core::OsRng);
        let pkcs8 = key
            .to_pkcs8_der()
            .map_err(|e| crate::Error::Io(format!("encoding the TSA key: {e}")))?;
        let leaf_kp = KeyPair::try_from(pkcs8.as_bytes()).map_err(rc)?;
        let mut p = CertificateParams::default();
        let mut dn = DistinguishedName::new();
        dn.push(DnType::OrganizationName, "sigstore-rs.test");
        dn.push(DnType::CommonName, "sigstore-rs local TSA");
        p.distinguished_name = dn;
        p.serial_number = Some(super::ca::random_serial());
        p.not_before = super::ca::at(now - 86_400);
        p.not_after = super::ca::at(now + 10 * 365 * 86_400);
        p.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        p.use_authority_key_identifier_extension = true;
        let time_stamping = oid("1.3.6.1.5.5.7.3.8")
            .map_err(|e| crate::Error::Io(format!("encoding the TSA's extendedKeyUsage: {e}")))?;
        let mut eku = CustomExtension::from_oid_content(&[2, 5, 29, 37], seq(&[&time_stamping]));
        eku.set_criticality(true);
        p.custom_extensions.push(eku);
        let leaf = p.signed_by(&leaf_kp, &root, &root_key).map_err(rc)?;
        let (leaf_issuer, leaf_serial) = issuer_and_serial(leaf.der())?;
        Ok(Tsa {
            key,
            leaf_der: leaf.der().to_vec(),
            root_der: root.der().to_vec(),
            leaf_issuer,
            leaf_serial,
        })
    }

    pub fn handle(&self, req: &Request, faults: &Faults) -> Response {
        match (req.method.as_str(), req.path.as_str()) {
            ("POST", "/api/v1/timestamp") => {
                if faults.is_set(Fault::TsaError) {
                    return Response::error(500, "the TSA is failing on purpose (Fault::TsaError)");
                }
                match self.respond(&req.body, super::now()) {
                    Ok(r) => Response::bytes(200, "application/timestamp-reply", r),
                    Err(e) => Response::error(400, format!("bad timestamp request: {e}")),
                }
            }
            ("GET", "/api/v1/timestamp/certchain") => Response::bytes(
                200,
                "application/pem-certificate-chain",
                format!(
                    "{}{}",
                    super::pem("CERTIFICATE", &self.leaf_der),
                    super::pem("CERTIFICATE", &self.root_der)
                )
                .into_bytes(),
            ),
            _ => Response::not_found(req),
        }
    }

    /// A granted TimeStampResp for the DER TimeStampReq `req`.
    pub fn respond(&self, req: &[u8], now: i64) -> Result<Vec<u8>, DerError> {
        let outer = Reader::new(req).read(TAG_SEQUENCE, "TimeStampReq")?;
        let fields = outer.children("TimeStampReq")?;
        let imprint = fields
            .get(1)
            .filter(|e| e.tag == TAG_SEQUENCE)
            .ok_or_else(|| DerError::new("TimeStampReq.messageImprint", "missing"))?
            .raw
            .to_vec();
        let mut nonce = None;
        let mut cert_req = false;
        for f in fields.iter().skip(2) {
            match f.tag {
                TAG_INTEGER => nonce = Some(f.raw.to_vec()),
                TAG_BOOLEAN => cert_req = f.value.first().is_some_and(|b| *b != 0),
                _ => {}
            }
        }
        let mut tst = vec![
            uint(&[1]),
            oid(POLICY)?,
            imprint,
            uint(&super::random_bytes(16)),
            generalized_time(now)?,
        ];
        if let Some(n) = nonce {
            tst.push(n);
        }
        let tst_refs: Vec<&[u8]> = tst.iter().map(Vec::as_slice).collect();
        let tst_info = seq(&tst_refs);
        let sha256_alg = seq(&[&oid(OID_SHA256)?]);
        // ESSCertIDv2 with the default hash (SHA-256) omitted.
        let cert_id = seq(&[&octets(&Sha256::digest(&self.leaf_der))]);
        let attrs = [
            seq(&[&oid(OID_CONTENT_TYPE)?, &set_of(&[&oid(OID_TST_INFO)?])]),
            seq(&[
                &oid(OID_MESSAGE_DIGEST)?,
                &set_of(&[&octets(&Sha256::digest(&tst_info))]),
            ]),
            seq(&[
                &oid(OID_SIGNING_CERTIFICATE_V2)?,
                &set_of(&[&seq(&[&seq(&[&cert_id])])]),
            ]),
        ];
        let attr_refs: Vec<&[u8]> = attrs.iter().map(Vec::as_slice).collect();
        let signed_attrs = set_of(&attr_refs);
        let sig: p256::ecdsa::Signature = self.key.sign(&signed_attrs);
        let mut implicit = signed_attrs.clone();
        implicit[0] = 0xa0;
        let signer_info = seq(&[
            &uint(&[1]),
            &seq(&[&self.leaf_issuer, &uint(&self.leaf_serial)]),
            &sha256_alg,
            // [0] IMPLICIT SignedAttributes: the SET re-tagged.
            &implicit,
            &seq(&[&oid(OID_ECDSA_SHA256)?]),
            &octets(sig.to_der().as_bytes()),
        ]);
        let certs = if cert_req {
            tlv(0xa0, &self.leaf_der)
        } else {
            Vec::new()
        };
        let signed_data = seq(&[
            &uint(&[3]),
            &set_of(&[&sha256_alg]),
            &seq(&[&oid(OID_TST_INFO)?, &tlv(0xa0, &octets(&tst_info))]),
            &certs,
            &set_of(&[&signer_info]),
        ]);
        let token = seq(&[&oid(OID_SIGNED_DATA)?, &tlv(0xa0, &signed_data)]);
        Ok(seq(&[&seq(&[&uint(&[0])]), &token]))
    }
}

/// The raw issuer Name and the serial number's content octets.
fn issuer_and_serial(cert_der: &[u8]) -> crate::Result<(Vec<u8>, Vec<u8>)> {
    use x509_parser::prelude::FromDer as _;
    let (_, c) = x509_parser::certificate::X509Certificate::from_der(cert_der)
        .map_err(|e| crate::Error::Io(format!("parsing the TSA certificate: {e}")))?;
    Ok((c.issuer().as_raw().to_vec(), c.raw_serial().to_vec()))
}
