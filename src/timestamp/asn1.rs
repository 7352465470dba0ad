//! The RFC 3161 / RFC 5652 structures a Sigstore `signedTimestamp` holds,
//! parsed with [`crate::der::Reader`]. Each parser quotes its ASN.1.

use super::TimestampError;
use crate::crypto::HashAlgorithm;
use crate::der::{self, DerError, Reader, Tlv};

pub const OID_SIGNED_DATA: &str = "1.2.840.113549.1.7.2";
pub const OID_CT_TST_INFO: &str = "1.2.840.113549.1.9.16.1.4";
pub const OID_ATTR_CONTENT_TYPE: &str = "1.2.840.113549.1.9.3";
pub const OID_ATTR_MESSAGE_DIGEST: &str = "1.2.840.113549.1.9.4";
pub const OID_ATTR_SIGNING_CERTIFICATE: &str = "1.2.840.113549.1.9.16.2.12";
pub const OID_ATTR_SIGNING_CERTIFICATE_V2: &str = "1.2.840.113549.1.9.16.2.47";
pub const OID_SHA256: &str = "2.16.840.1.101.3.4.2.1";
pub const OID_SHA384: &str = "2.16.840.1.101.3.4.2.2";
pub const OID_SHA512: &str = "2.16.840.1.101.3.4.2.3";

/// Maps a digest AlgorithmIdentifier OID to the hashes the crypto seam has.
pub fn hash_algorithm(oid: &str) -> Result<HashAlgorithm, TimestampError> {
    match oid {
        OID_SHA256 => Ok(HashAlgorithm::Sha256),
        OID_SHA384 => Ok(HashAlgorithm::Sha384),
        OID_SHA512 => Ok(HashAlgorithm::Sha512),
        other => Err(TimestampError::UnsupportedAlgorithm(format!(
            "digest algorithm {other} (expected sha256, sha384 or sha512)"
        ))),
    }
}

/// A parsed `signedTimestamp`: the TSTInfo plus what is needed to check the
/// CMS signature over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TimeStampToken {
    pub tst_info: TstInfo,
    /// The DER TSTInfo (the eContent octets) the message-digest attribute covers.
    pub(crate) econtent: Vec<u8>,
    /// DER certificates from `SignedData.certificates` (other choices skipped).
    pub(crate) certificates: Vec<Vec<u8>>,
    pub(crate) signer: SignerInfo,
}

/// RFC 3161 §2.4.2 TSTInfo, the fields Sigstore uses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TstInfo {
    /// `policy` as a dotted OID.
    pub policy: String,
    /// `messageImprint.hashAlgorithm`.
    pub imprint_algorithm: HashAlgorithm,
    /// `messageImprint.hashedMessage`.
    pub hashed_message: Vec<u8>,
    /// `serialNumber`, big-endian, leading zeros stripped.
    pub serial_number: Vec<u8>,
    /// `genTime` in Unix seconds (fraction truncated).
    pub gen_time: i64,
    pub nonce: Option<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum SignerId {
    /// `issuerAndSerialNumber`: the issuer Name's DER and the serial.
    IssuerSerial { issuer: Vec<u8>, serial: Vec<u8> },
    /// `subjectKeyIdentifier`.
    SubjectKeyId(Vec<u8>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Attribute {
    pub oid: String,
    /// Each AttributeValue as a whole DER element.
    pub values: Vec<Vec<u8>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SignerInfo {
    pub sid: SignerId,
    pub digest_algorithm: HashAlgorithm,
    /// The `[0] IMPLICIT` signedAttrs element exactly as encoded; the
    /// signature covers it with the tag replaced by SET OF (RFC 5652 §5.4).
    pub signed_attrs_raw: Option<Vec<u8>>,
    pub signed_attrs: Vec<Attribute>,
    pub signature_algorithm: String,
    pub signature: Vec<u8>,
}

/// Parses a `signedTimestamp`: a whole TimeStampResp (what Sigstore bundles
/// store) or a bare TimeStampToken.
///
/// ```text
/// TimeStampResp ::= SEQUENCE {                       -- RFC 3161 §2.4.2
///    status                  PKIStatusInfo,
///    timeStampToken          TimeStampToken     OPTIONAL  }
/// PKIStatusInfo ::= SEQUENCE {
///    status        PKIStatus,                        -- INTEGER, granted(0), grantedWithMods(1)
///    statusString  PKIFreeText     OPTIONAL,
///    failInfo      PKIFailureInfo  OPTIONAL  }
/// TimeStampToken ::= ContentInfo
/// ```
pub fn parse_signed_timestamp(data: &[u8]) -> Result<TimeStampToken, TimestampError> {
    let mut top = Reader::new(data);
    let outer = top.read(der::TAG_SEQUENCE, "TimeStampResp")?;
    top.finish("TimeStampResp")?;
    let mut r = outer.reader();
    match r.peek_tag() {
        Some(der::TAG_SEQUENCE) => {
            let status = r.read(der::TAG_SEQUENCE, "PKIStatusInfo")?;
            let mut s = status.reader();
            let code = s.read_small_uint("PKIStatusInfo.status")?;
            if code > 1 {
                let text = s
                    .read_optional(der::TAG_SEQUENCE, "PKIStatusInfo.statusString")?
                    .map(|t| free_text(&t))
                    .unwrap_or_default();
                return Err(TimestampError::NotGranted { status: code, text });
            }
            let token = r
                .read(der::TAG_SEQUENCE, "TimeStampResp.timeStampToken")
                .map_err(|_| {
                    TimestampError::Malformed(
                        "TimeStampResp has status granted but no timeStampToken".into(),
                    )
                })?;
            r.finish("TimeStampResp")?;
            parse_content_info(&token)
        }
        // A bare ContentInfo starts with its contentType OID.
        Some(der::TAG_OID) => parse_content_info(&outer),
        _ => Err(TimestampError::Malformed(
            "neither a TimeStampResp nor a TimeStampToken".into(),
        )),
    }
}

/// PKIFreeText ::= SEQUENCE SIZE (1..MAX) OF UTF8String
fn free_text(t: &Tlv<'_>) -> String {
    let mut r = t.reader();
    let mut parts = Vec::new();
    while let Ok(s) = r.read_any("statusString") {
        parts.push(String::from_utf8_lossy(s.value).into_owned());
    }
    parts.join("; ")
}

/// ```text
/// ContentInfo ::= SEQUENCE {                         -- RFC 5652 §3
///   contentType ContentType,                         -- id-signedData
///   content [0] EXPLICIT ANY DEFINED BY contentType }
/// ```
fn parse_content_info(ci: &Tlv<'_>) -> Result<TimeStampToken, TimestampError> {
    let mut r = ci.reader();
    let ct = r.read_oid("ContentInfo.contentType")?;
    if ct != OID_SIGNED_DATA {
        return Err(TimestampError::Malformed(format!(
            "ContentInfo.contentType is {ct}, expected id-signedData ({OID_SIGNED_DATA})"
        )));
    }
    let content = r.read(der::TAG_CTX0_CONS, "ContentInfo.content")?;
    r.finish("ContentInfo")?;
    let mut c = content.reader();
    let sd = c.read(der::TAG_SEQUENCE, "SignedData")?;
    c.finish("ContentInfo.content")?;
    parse_signed_data(&sd)
}

/// ```text
/// SignedData ::= SEQUENCE {                          -- RFC 5652 §5.1
///   version CMSVersion,
///   digestAlgorithms DigestAlgorithmIdentifiers,     -- SET OF AlgorithmIdentifier
///   encapContentInfo EncapsulatedContentInfo,
///   certificates [0] IMPLICIT CertificateSet OPTIONAL,
///   crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
///   signerInfos SignerInfos }                        -- SET OF SignerInfo
/// EncapsulatedContentInfo ::= SEQUENCE {             -- RFC 5652 §5.2
///   eContentType ContentType,
///   eContent [0] EXPLICIT OCTET STRING OPTIONAL }
/// ```
fn parse_signed_data(sd: &Tlv<'_>) -> Result<TimeStampToken, TimestampError> {
    let mut r = sd.reader();
    let version = r.read_small_uint("SignedData.version")?;
    if !(1..=5).contains(&version) {
        return Err(TimestampError::Malformed(format!(
            "SignedData.version {version} is not a CMSVersion"
        )));
    }
    r.read(der::TAG_SET, "SignedData.digestAlgorithms")?;

    let eci = r.read(der::TAG_SEQUENCE, "SignedData.encapContentInfo")?;
    let mut e = eci.reader();
    let ect = e.read_oid("encapContentInfo.eContentType")?;
    if ect != OID_CT_TST_INFO {
        return Err(TimestampError::Malformed(format!(
            "encapContentInfo.eContentType is {ect}, expected id-ct-TSTInfo ({OID_CT_TST_INFO})"
        )));
    }
    let wrapper = e.read(der::TAG_CTX0_CONS, "encapContentInfo.eContent")?;
    e.finish("encapContentInfo")?;
    let mut w = wrapper.reader();
    let octets = w.read(der::TAG_OCTET_STRING, "encapContentInfo.eContent")?;
    w.finish("encapContentInfo.eContent")?;
    let tst_info = parse_tst_info(octets.value)?;

    let mut certificates = Vec::new();
    if let Some(certs) = r.read_optional(der::TAG_CTX0_CONS, "SignedData.certificates")? {
        // CertificateChoices ::= CHOICE { certificate Certificate, ... [0]..[3] }:
        // only plain certificates (SEQUENCE) can identify an X.509 signer.
        let mut c = certs.reader();
        while !c.is_empty() {
            let cert = c.read_any("SignedData.certificates[]")?;
            if cert.tag == der::TAG_SEQUENCE {
                certificates.push(cert.raw.to_vec());
            }
        }
    }
    r.read_optional(der::TAG_CTX1_CONS, "SignedData.crls")?;

    let infos = r.read(der::TAG_SET, "SignedData.signerInfos")?;
    r.finish("SignedData")?;
    let mut i = infos.reader();
    let info = i.read(der::TAG_SEQUENCE, "SignerInfo")?;
    if !i.is_empty() {
        // RFC 3161 §2.4.2: the token is signed by the TSA alone.
        return Err(TimestampError::Malformed(
            "SignedData has more than one SignerInfo; a TimeStampToken has exactly one".into(),
        ));
    }
    let signer = parse_signer_info(&info)?;
    Ok(TimeStampToken {
        tst_info,
        econtent: octets.value.to_vec(),
        certificates,
        signer,
    })
}

/// ```text
/// TSTInfo ::= SEQUENCE {                             -- RFC 3161 §2.4.2
///    version                      INTEGER  { v1(1) },
///    policy                       TSAPolicyId,
///    messageImprint               MessageImprint,
///    serialNumber                 INTEGER,
///    genTime                      GeneralizedTime,
///    accuracy                     Accuracy                 OPTIONAL,
///    ordering                     BOOLEAN             DEFAULT FALSE,
///    nonce                        INTEGER                  OPTIONAL,
///    tsa                          [0] GeneralName          OPTIONAL,
///    extensions                   [1] IMPLICIT Extensions  OPTIONAL  }
/// MessageImprint ::= SEQUENCE  {
///    hashAlgorithm                AlgorithmIdentifier,
///    hashedMessage                OCTET STRING  }
/// ```
pub fn parse_tst_info(data: &[u8]) -> Result<TstInfo, TimestampError> {
    let mut top = Reader::new(data);
    let seq = top.read(der::TAG_SEQUENCE, "TSTInfo")?;
    top.finish("TSTInfo")?;
    let mut r = seq.reader();
    let version = r.read_small_uint("TSTInfo.version")?;
    if version != 1 {
        return Err(TimestampError::Malformed(format!(
            "TSTInfo.version is {version}, expected 1"
        )));
    }
    let policy = r.read_oid("TSTInfo.policy")?;
    let mi = r.read(der::TAG_SEQUENCE, "TSTInfo.messageImprint")?;
    let mut m = mi.reader();
    let alg = algorithm_identifier(&mut m, "messageImprint.hashAlgorithm")?;
    let imprint_algorithm = hash_algorithm(&alg)?;
    let hashed = m.read(der::TAG_OCTET_STRING, "messageImprint.hashedMessage")?;
    m.finish("messageImprint")?;
    let serial_number = r.read_integer_bytes("TSTInfo.serialNumber")?;
    let gt = r.read(der::TAG_GENERALIZED_TIME, "TSTInfo.genTime")?;
    let gen_time = der::parse_generalized_time(gt.value, "TSTInfo.genTime")?;
    r.read_optional(der::TAG_SEQUENCE, "TSTInfo.accuracy")?;
    r.read_optional(der::TAG_BOOLEAN, "TSTInfo.ordering")?;
    let nonce = r
        .read_optional(der::TAG_INTEGER, "TSTInfo.nonce")?
        .map(|t| t.value.to_vec());
    r.read_optional(der::TAG_CTX0_CONS, "TSTInfo.tsa")?;
    r.read_optional(der::TAG_CTX1_CONS, "TSTInfo.extensions")?;
    r.finish("TSTInfo")?;
    Ok(TstInfo {
        policy,
        imprint_algorithm,
        hashed_message: hashed.value.to_vec(),
        serial_number,
        gen_time,
        nonce,
    })
}

/// ```text
/// AlgorithmIdentifier ::= SEQUENCE {                 -- RFC 5280 §4.1.1.2
///    algorithm   OBJECT IDENTIFIER,
///    parameters  ANY DEFINED BY algorithm OPTIONAL }
/// ```
/// Returns the OID; parameters (NULL or absent for every algorithm we accept)
/// are skipped.
pub fn algorithm_identifier(r: &mut Reader<'_>, what: &str) -> Result<String, DerError> {
    let seq = r.read(der::TAG_SEQUENCE, what)?;
    let mut a = seq.reader();
    let oid = a.read_oid(what)?;
    if !a.is_empty() {
        a.read_any(what)?;
    }
    a.finish(what)?;
    Ok(oid)
}

/// ```text
/// SignerInfo ::= SEQUENCE {                          -- RFC 5652 §5.3
///   version CMSVersion,
///   sid SignerIdentifier,
///   digestAlgorithm DigestAlgorithmIdentifier,
///   signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
///   signatureAlgorithm SignatureAlgorithmIdentifier,
///   signature SignatureValue,                        -- OCTET STRING
///   unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
/// SignerIdentifier ::= CHOICE {
///   issuerAndSerialNumber IssuerAndSerialNumber,
///   subjectKeyIdentifier [0] SubjectKeyIdentifier }
/// IssuerAndSerialNumber ::= SEQUENCE {
///   issuer Name,
///   serialNumber CertificateSerialNumber }
/// SignedAttributes ::= SET SIZE (1..MAX) OF Attribute
/// Attribute ::= SEQUENCE {
///   attrType OBJECT IDENTIFIER,
///   attrValues SET OF AttributeValue }
/// ```
fn parse_signer_info(info: &Tlv<'_>) -> Result<SignerInfo, TimestampError> {
    let mut r = info.reader();
    let version = r.read_small_uint("SignerInfo.version")?;
    if version != 1 && version != 3 {
        return Err(TimestampError::Malformed(format!(
            "SignerInfo.version is {version}, expected 1 or 3"
        )));
    }
    let sid_tlv = r.read_any("SignerInfo.sid")?;
    let sid = match sid_tlv.tag {
        der::TAG_SEQUENCE => {
            let mut s = sid_tlv.reader();
            let issuer = s.read(der::TAG_SEQUENCE, "issuerAndSerialNumber.issuer")?;
            let serial = s.read_integer_bytes("issuerAndSerialNumber.serialNumber")?;
            s.finish("issuerAndSerialNumber")?;
            SignerId::IssuerSerial {
                issuer: issuer.raw.to_vec(),
                serial,
            }
        }
        der::TAG_CTX0_PRIM => SignerId::SubjectKeyId(sid_tlv.value.to_vec()),
        other => {
            return Err(TimestampError::Malformed(format!(
                "SignerInfo.sid has tag 0x{other:02x}, expected issuerAndSerialNumber or [0] subjectKeyIdentifier"
            )))
        }
    };
    let digest_oid = algorithm_identifier(&mut r, "SignerInfo.digestAlgorithm")?;
    let digest_algorithm = hash_algorithm(&digest_oid)?;

    let mut signed_attrs = Vec::new();
    let signed_attrs_raw = match r.read_optional(der::TAG_CTX0_CONS, "SignerInfo.signedAttrs")? {
        Some(attrs) => {
            let mut a = attrs.reader();
            while !a.is_empty() {
                let attr = a.read(der::TAG_SEQUENCE, "Attribute")?;
                let mut ar = attr.reader();
                let oid = ar.read_oid("Attribute.attrType")?;
                let set = ar.read(der::TAG_SET, "Attribute.attrValues")?;
                ar.finish("Attribute")?;
                let mut vr = set.reader();
                let mut values = Vec::new();
                while !vr.is_empty() {
                    values.push(vr.read_any("AttributeValue")?.raw.to_vec());
                }
                signed_attrs.push(Attribute { oid, values });
            }
            Some(attrs.raw.to_vec())
        }
        None => None,
    };
    let signature_algorithm = algorithm_identifier(&mut r, "SignerInfo.signatureAlgorithm")?;
    let signature = r.read(der::TAG_OCTET_STRING, "SignerInfo.signature")?;
    r.read_optional(der::TAG_CTX1_CONS, "SignerInfo.unsignedAttrs")?;
    r.finish("SignerInfo")?;
    Ok(SignerInfo {
        sid,
        digest_algorithm,
        signed_attrs_raw,
        signed_attrs,
        signature_algorithm,
        signature: signature.value.to_vec(),
    })
}
