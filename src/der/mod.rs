//! The one DER (X.690) reader and writer of the crate.
//!
//! [`Reader`] walks the RFC 3161 / RFC 5652 structures of a signed timestamp
//! (`timestamp::asn1`), the TBSCertificate whose SCT extension is removed to
//! rebuild a precertificate (`x509::sct`) and the requests the local TSA
//! receives (`testing::tsa`). [`write`] builds TSA requests (`sign::services`),
//! RSA SubjectPublicKeyInfos (`trust`) and what the local instance issues.
//! Certificates themselves are parsed by x509-parser.
//!
//! Why our own module rather than RustCrypto's `der` crate (in the tree
//! through `spki`): the parsers need the exact bytes signatures cover
//! ([`Tlv::raw`]) and a rewrite that copies every kept element verbatim;
//! their errors name the field being read; and they need only a cursor over a
//! dozen fixed SEQUENCEs. `der`'s typed API would mean re-expressing the
//! RFC 3161 / 5652 structures as derive types (`der_derive`) for no property
//! checked here that we lack.
//!
//! The reader takes definite lengths only (BER's indefinite form is not DER;
//! RFC 3161 §2.4.2 requires a DER TimeStampToken), low tag numbers (< 31) and
//! length fields of at most 4 bytes; it slices with checked bounds only, so
//! hostile input (it is fuzzed) yields a [`DerError`], never a panic. Long
//! form lengths are not checked to be minimal.

mod read;
pub mod write;

#[cfg(test)]
mod tests;

pub use read::{normalize_integer, parse_generalized_time, Reader, Tlv};

pub const TAG_BOOLEAN: u8 = 0x01;
pub const TAG_INTEGER: u8 = 0x02;
pub const TAG_BIT_STRING: u8 = 0x03;
pub const TAG_OCTET_STRING: u8 = 0x04;
pub const TAG_OID: u8 = 0x06;
#[cfg(any(test, feature = "testing"))]
pub const TAG_UTF8_STRING: u8 = 0x0C;
pub const TAG_GENERALIZED_TIME: u8 = 0x18;
pub const TAG_SEQUENCE: u8 = 0x30;
pub const TAG_SET: u8 = 0x31;
/// `[0]` constructed (EXPLICIT, or IMPLICIT over a constructed type).
pub const TAG_CTX0_CONS: u8 = 0xA0;
/// `[1]` constructed.
pub const TAG_CTX1_CONS: u8 = 0xA1;
/// `[0]` primitive (IMPLICIT OCTET STRING, e.g. `subjectKeyIdentifier`).
pub const TAG_CTX0_PRIM: u8 = 0x80;

/// A DER element that could not be read or written: `what` names the field
/// (`"TSTInfo.genTime"`), `why` says what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{what}: {why}")]
pub struct DerError {
    pub what: String,
    pub why: String,
}

impl DerError {
    pub fn new(what: &str, why: impl Into<String>) -> Self {
        DerError {
            what: what.to_string(),
            why: why.into(),
        }
    }
}
