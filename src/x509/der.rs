//! A minimal DER walker, for the one rewrite no available crate performs:
//! removing an extension from a TBSCertificate while keeping every other byte
//! (x509-parser only reads; rcgen only builds new certificates). Elements that
//! are kept are copied verbatim; only the containers whose contents change
//! are re-encoded, with minimal DER lengths (X.690 §10.1).

/// One element: its tag byte, the full encoding and the contents.
struct Tlv<'a> {
    tag: u8,
    whole: &'a [u8],
    contents: &'a [u8],
}

/// X.690 §8.1: identifier, length, contents. Only the low-tag-number form
/// (all a TBSCertificate uses) and definite lengths of up to 4 bytes.
fn read_tlv(input: &[u8]) -> Result<(Tlv<'_>, &[u8]), String> {
    let (&tag, rest) = input
        .split_first()
        .ok_or("expected a DER element, found end of input")?;
    if tag & 0x1f == 0x1f {
        return Err(format!(
            "expected a low tag number, found tag byte {tag:#04x}"
        ));
    }
    let (&first, rest) = rest
        .split_first()
        .ok_or("expected a DER length, found end of input")?;
    let (len, rest) = if first < 0x80 {
        (usize::from(first), rest)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return Err(format!(
                "unsupported or truncated DER length form {first:#04x}"
            ));
        }
        let len = rest[..n]
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b));
        (len, &rest[n..])
    };
    if rest.len() < len {
        return Err(format!(
            "expected {len} content bytes, found {}",
            rest.len()
        ));
    }
    let header_len = input.len() - rest.len();
    let whole = &input[..header_len + len];
    Ok((
        Tlv {
            tag,
            whole,
            contents: &rest[..len],
        },
        &rest[len..],
    ))
}

fn read_all(mut input: &[u8]) -> Result<Vec<Tlv<'_>>, String> {
    let mut out = Vec::new();
    while !input.is_empty() {
        let (tlv, rest) = read_tlv(input)?;
        out.push(tlv);
        input = rest;
    }
    Ok(out)
}

/// X.690 §8.1.3: definite length, short form below 128, else minimal long form.
fn encode(tag: u8, contents: &[u8]) -> Vec<u8> {
    crate::trust::der_tlv(tag, contents)
}

const SEQUENCE: u8 = 0x30;
const OBJECT_IDENTIFIER: u8 = 0x06;
/// `extensions [3] EXPLICIT Extensions` (RFC 5280 §4.1).
const EXTENSIONS_TAG: u8 = 0xa3;

/// Returns `tbs` (a DER TBSCertificate) without the extension whose OID has
/// the DER contents `oid_contents`; fails unless exactly one such extension
/// exists.
///
/// RFC 5280 §4.1:
/// ```text
/// TBSCertificate ::= SEQUENCE { ..., extensions [3] EXPLICIT Extensions OPTIONAL }
/// Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension
/// Extension ::= SEQUENCE { extnID OBJECT IDENTIFIER, critical BOOLEAN DEFAULT FALSE,
///                          extnValue OCTET STRING }
/// ```
pub(crate) fn remove_extension(tbs: &[u8], oid_contents: &[u8]) -> Result<Vec<u8>, String> {
    let (outer, rest) = read_tlv(tbs)?;
    if outer.tag != SEQUENCE || !rest.is_empty() {
        return Err("expected TBSCertificate to be exactly one SEQUENCE".into());
    }
    let mut removed = 0usize;
    let mut body = Vec::with_capacity(tbs.len());
    for field in read_all(outer.contents)? {
        if field.tag != EXTENSIONS_TAG {
            body.extend_from_slice(field.whole);
            continue;
        }
        let (exts, rest) = read_tlv(field.contents)?;
        if exts.tag != SEQUENCE || !rest.is_empty() {
            return Err("expected [3] to hold exactly one SEQUENCE of extensions".into());
        }
        let mut kept = Vec::with_capacity(exts.contents.len());
        for ext in read_all(exts.contents)? {
            if ext.tag != SEQUENCE {
                return Err(format!(
                    "expected an Extension SEQUENCE, found tag {:#04x}",
                    ext.tag
                ));
            }
            let (id, _) = read_tlv(ext.contents)?;
            if id.tag != OBJECT_IDENTIFIER {
                return Err("expected an Extension to start with its OID".into());
            }
            if id.contents == oid_contents {
                removed += 1;
            } else {
                kept.extend_from_slice(ext.whole);
            }
        }
        body.extend_from_slice(&encode(EXTENSIONS_TAG, &encode(SEQUENCE, &kept)));
    }
    if removed != 1 {
        return Err(format!(
            "expected exactly one extension to remove, found {removed}"
        ));
    }
    Ok(encode(SEQUENCE, &body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_are_minimal() {
        assert_eq!(encode(0x04, &[1; 3])[..2], [0x04, 3]);
        assert_eq!(encode(0x04, &[1; 200])[..3], [0x04, 0x81, 200]);
        assert_eq!(encode(0x04, &[1; 300])[..4], [0x04, 0x82, 1, 44]);
    }

    #[test]
    fn truncated_input_is_an_error() {
        for bad in [
            &[][..],
            &[0x30],
            &[0x30, 0x05, 1],
            &[0x30, 0x85, 1, 1, 1, 1, 1],
            &[0x1f, 0],
        ] {
            assert!(read_tlv(bad).is_err(), "{bad:?}");
        }
    }
}
