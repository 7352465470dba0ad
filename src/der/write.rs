//! The writer: whole elements with minimal definite lengths (X.690 §10.1),
//! built bottom-up from their encoded parts.

use super::{TAG_INTEGER, TAG_OCTET_STRING, TAG_SEQUENCE};
// SET OF, UTF8String, OBJECT IDENTIFIER and GeneralizedTime are written only
// by the local instance (feature `testing`) and the tests.
#[cfg(any(test, feature = "testing"))]
use super::{DerError, TAG_GENERALIZED_TIME, TAG_OID, TAG_SET, TAG_UTF8_STRING};

/// An element: `tag`, the length (short form below 128, else the long form
/// with no leading zero octets, X.690 §8.1.3 and §10.1), `content`.
pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let n = content.len();
    let mut out = Vec::with_capacity(content.len().saturating_add(10));
    out.push(tag);
    match u8::try_from(n) {
        Ok(short) if short < 0x80 => out.push(short),
        _ => {
            let be = n.to_be_bytes();
            let significant: Vec<u8> = be.iter().copied().skip_while(|b| *b == 0).collect();
            // At most size_of::<usize>() octets: the count fits the 7 bits.
            out.push(0x80 | significant.len() as u8);
            out.extend(significant);
        }
    }
    out.extend_from_slice(content);
    out
}

/// A SEQUENCE of the given encoded elements, in order.
pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(TAG_SEQUENCE, &parts.concat())
}

#[cfg(any(test, feature = "testing"))]
/// A SET OF the given encoded elements, sorted by their encodings as DER
/// requires (X.690 §11.6).
pub fn set_of(parts: &[&[u8]]) -> Vec<u8> {
    let mut sorted = parts.to_vec();
    sorted.sort_unstable();
    tlv(TAG_SET, &sorted.concat())
}

/// An INTEGER holding the unsigned big-endian `magnitude` (X.690 §8.3):
/// leading zeros dropped, a zero octet prefixed when the top bit is set so
/// the value stays non-negative, and zero encoded as one zero octet.
pub fn uint(magnitude: &[u8]) -> Vec<u8> {
    let trimmed = magnitude
        .iter()
        .position(|b| *b != 0)
        .and_then(|i| magnitude.get(i..))
        .unwrap_or_default();
    let mut content = Vec::with_capacity(trimmed.len().saturating_add(1));
    if trimmed.first().is_none_or(|b| b & 0x80 != 0) {
        content.push(0);
    }
    content.extend_from_slice(trimmed);
    tlv(TAG_INTEGER, &content)
}

pub fn octets(v: &[u8]) -> Vec<u8> {
    tlv(TAG_OCTET_STRING, v)
}

#[cfg(any(test, feature = "testing"))]
pub fn utf8(s: &str) -> Vec<u8> {
    tlv(TAG_UTF8_STRING, s.as_bytes())
}

#[cfg(any(test, feature = "testing"))]
/// An OBJECT IDENTIFIER from its dotted form (X.690 §8.19): the first two
/// arcs share one subidentifier, each written in base 128.
pub fn oid(dotted: &str) -> Result<Vec<u8>, DerError> {
    let bad = |why: &str| DerError::new(&format!("OBJECT IDENTIFIER {dotted:?}"), why);
    let arcs = dotted
        .split('.')
        .map(|a| {
            if a.is_empty() || !a.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            a.parse::<u64>().ok()
        })
        .collect::<Option<Vec<u64>>>()
        .ok_or_else(|| bad("every arc must be a decimal number below 2^64"))?;
    let [first, second, rest @ ..] = arcs.as_slice() else {
        return Err(bad("an OBJECT IDENTIFIER has at least two arcs"));
    };
    // X.660: the first arc is 0, 1 or 2, and under 0 and 1 the second is below 40.
    let head =
        match (first, second) {
            (0 | 1, 0..=39) => first * 40 + second,
            (2, _) => second
                .checked_add(80)
                .ok_or_else(|| bad("the second arc is too large"))?,
            _ => return Err(bad(
                "the first arc must be 0, 1 or 2, and the second below 40 unless the first is 2",
            )),
        };
    let mut body = Vec::new();
    for arc in std::iter::once(head).chain(rest.iter().copied()) {
        push_base128(&mut body, arc);
    }
    Ok(tlv(TAG_OID, &body))
}

#[cfg(any(test, feature = "testing"))]
/// X.690 §8.19.2: 7-bit groups, most significant first, the top bit set on
/// all but the last, no leading `0x80` group.
fn push_base128(out: &mut Vec<u8>, v: u64) {
    let bits = u64::BITS - v.leading_zeros();
    let groups = bits.div_ceil(7).max(1);
    for i in (0..groups).rev() {
        let group = (v >> (7 * i)) as u8 & 0x7F;
        out.push(if i > 0 { group | 0x80 } else { group });
    }
}

#[cfg(any(test, feature = "testing"))]
/// A GeneralizedTime `YYYYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.2) for `unix`
/// seconds; fails outside the four-digit years.
pub fn generalized_time(unix: i64) -> Result<Vec<u8>, DerError> {
    let t = time::OffsetDateTime::from_unix_timestamp(unix)
        .ok()
        .filter(|t| (0..=9999).contains(&t.year()))
        .ok_or_else(|| {
            DerError::new(
                "GeneralizedTime",
                format!("{unix} is outside the years 0000 to 9999"),
            )
        })?;
    let s = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    Ok(tlv(TAG_GENERALIZED_TIME, s.as_bytes()))
}
