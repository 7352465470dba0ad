//! A minimal DER (X.690) reader for the few structures RFC 3161 and RFC 5652
//! need. Hand-written rather than pulling RustCrypto `cms` + `x509-tsp` (and
//! their `der`/`x509-cert` stacks) into the build: the subset we read is a
//! dozen fixed SEQUENCEs, and a reader that only ever slices with checked
//! bounds cannot panic on hostile input. Certificates themselves are parsed
//! with x509-parser.
//!
//! Only definite lengths and low tag numbers (< 31) are accepted; a
//! `signedTimestamp` is DER (RFC 3161 §2.4.2 requires the TimeStampToken be
//! DER-encoded), so BER indefinite forms are rejected as malformed.

use super::TimestampError;

pub const TAG_BOOLEAN: u8 = 0x01;
pub const TAG_INTEGER: u8 = 0x02;
pub const TAG_OCTET_STRING: u8 = 0x04;
pub const TAG_OID: u8 = 0x06;
pub const TAG_GENERALIZED_TIME: u8 = 0x18;
pub const TAG_SEQUENCE: u8 = 0x30;
pub const TAG_SET: u8 = 0x31;
/// `[0]` constructed (EXPLICIT, or IMPLICIT over a constructed type).
pub const TAG_CTX0_CONS: u8 = 0xA0;
/// `[1]` constructed.
pub const TAG_CTX1_CONS: u8 = 0xA1;
/// `[0]` primitive (IMPLICIT OCTET STRING, e.g. `subjectKeyIdentifier`).
pub const TAG_CTX0_PRIM: u8 = 0x80;

/// One tag-length-value element.
#[derive(Debug, Clone, Copy)]
pub struct Tlv<'a> {
    pub tag: u8,
    /// The content octets.
    pub value: &'a [u8],
    /// The whole element, header included (what signatures cover).
    pub raw: &'a [u8],
}

impl<'a> Tlv<'a> {
    /// A reader over this element's content octets.
    pub fn reader(&self) -> Reader<'a> {
        Reader::new(self.value)
    }
}

/// A cursor over a sequence of DER elements.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
}

fn malformed(what: &str, why: &str) -> TimestampError {
    TimestampError::Malformed(format!("{what}: {why}"))
}

impl<'a> Reader<'a> {
    pub fn new(data: &'a [u8]) -> Self {
        Reader { data }
    }

    pub fn is_empty(&self) -> bool {
        self.data.is_empty()
    }

    pub fn peek_tag(&self) -> Option<u8> {
        self.data.first().copied()
    }

    /// Reads the next element, whatever its tag.
    pub fn read_any(&mut self, what: &str) -> Result<Tlv<'a>, TimestampError> {
        let data = self.data;
        let (&tag, rest) = data
            .split_first()
            .ok_or_else(|| malformed(what, "unexpected end of data"))?;
        if tag & 0x1F == 0x1F {
            return Err(malformed(what, "high tag numbers are not supported"));
        }
        let (&first, rest) = rest
            .split_first()
            .ok_or_else(|| malformed(what, "truncated length"))?;
        let (len, rest) = if first < 0x80 {
            (usize::from(first), rest)
        } else if first == 0x80 {
            return Err(malformed(what, "indefinite length is not DER"));
        } else {
            let n = usize::from(first & 0x7F);
            if n > 4 {
                return Err(malformed(what, "length field too long"));
            }
            let bytes = rest
                .get(..n)
                .ok_or_else(|| malformed(what, "truncated length"))?;
            let len = bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
            (len, rest.get(n..).unwrap_or_default())
        };
        let value = rest
            .get(..len)
            .ok_or_else(|| malformed(what, "length exceeds the available data"))?;
        let header_len = data.len() - rest.len();
        let total = header_len
            .checked_add(len)
            .ok_or_else(|| malformed(what, "length overflow"))?;
        let raw = data
            .get(..total)
            .ok_or_else(|| malformed(what, "length exceeds the available data"))?;
        self.data = data.get(total..).unwrap_or_default();
        Ok(Tlv { tag, value, raw })
    }

    /// Reads the next element and requires its tag.
    pub fn read(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, TimestampError> {
        let tlv = self.read_any(what)?;
        if tlv.tag != tag {
            return Err(malformed(
                what,
                &format!("expected tag 0x{tag:02x}, found 0x{:02x}", tlv.tag),
            ));
        }
        Ok(tlv)
    }

    /// Reads the next element if it carries `tag`.
    pub fn read_optional(
        &mut self,
        tag: u8,
        what: &str,
    ) -> Result<Option<Tlv<'a>>, TimestampError> {
        if self.peek_tag() == Some(tag) {
            self.read(tag, what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Requires that nothing is left.
    pub fn finish(&self, what: &str) -> Result<(), TimestampError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(malformed(what, "unexpected trailing data"))
        }
    }

    pub fn read_oid(&mut self, what: &str) -> Result<String, TimestampError> {
        let tlv = self.read(TAG_OID, what)?;
        oid_to_string(tlv.value).ok_or_else(|| malformed(what, "invalid OBJECT IDENTIFIER"))
    }

    /// A non-negative INTEGER small enough for a version or status field.
    pub fn read_small_uint(&mut self, what: &str) -> Result<u64, TimestampError> {
        let tlv = self.read(TAG_INTEGER, what)?;
        small_uint(tlv.value).ok_or_else(|| malformed(what, "not a small non-negative INTEGER"))
    }

    /// An INTEGER's content octets, with redundant leading zeros removed so
    /// serial numbers compare by value.
    pub fn read_integer_bytes(&mut self, what: &str) -> Result<Vec<u8>, TimestampError> {
        let tlv = self.read(TAG_INTEGER, what)?;
        if tlv.value.is_empty() {
            return Err(malformed(what, "empty INTEGER"));
        }
        Ok(normalize_integer(tlv.value).to_vec())
    }
}

pub fn small_uint(v: &[u8]) -> Option<u64> {
    if v.is_empty() || v.len() > 8 || v[0] & 0x80 != 0 {
        return None;
    }
    Some(v.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Strips leading zero octets (keeping at least one), so `00 8F` == `8F`.
pub fn normalize_integer(v: &[u8]) -> &[u8] {
    let mut v = v;
    while v.len() > 1 && v[0] == 0 {
        v = &v[1..];
    }
    v
}

/// Dotted-decimal form of an OBJECT IDENTIFIER's content octets (X.690 §8.19).
pub fn oid_to_string(v: &[u8]) -> Option<String> {
    if v.is_empty() || v.last().is_some_and(|b| b & 0x80 != 0) {
        return None;
    }
    let mut arcs: Vec<u64> = Vec::new();
    let mut acc: u64 = 0;
    let mut started = false;
    for &b in v {
        if !started && b == 0x80 {
            return None; // non-minimal encoding
        }
        started = b & 0x80 != 0;
        acc = acc.checked_mul(128)?.checked_add(u64::from(b & 0x7F))?;
        if b & 0x80 == 0 {
            arcs.push(acc);
            acc = 0;
        }
    }
    let first = *arcs.first()?;
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut s = format!("{a}.{b}");
    for arc in &arcs[1..] {
        s.push('.');
        s.push_str(&arc.to_string());
    }
    Some(s)
}

/// Parses a GeneralizedTime (`YYYYMMDDHHMMSS[.f*]Z`, RFC 3161 §2.4.2 and
/// RFC 5280 §4.1.2.5.2) to Unix seconds; the fraction is truncated.
pub fn generalized_time(v: &[u8], what: &str) -> Result<i64, TimestampError> {
    let bad = || {
        malformed(
            what,
            "not a GeneralizedTime of the form YYYYMMDDHHMMSS[.f]Z",
        )
    };
    let s = std::str::from_utf8(v).map_err(|_| bad())?;
    let s = s.strip_suffix('Z').ok_or_else(bad)?;
    let (whole, frac) = match s.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (s, None),
    };
    if whole.len() != 14 || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    if let Some(f) = frac {
        if f.is_empty() || !f.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
    }
    let num = |r: std::ops::Range<usize>| -> Result<u32, TimestampError> {
        whole
            .get(r)
            .and_then(|p| p.parse::<u32>().ok())
            .ok_or_else(bad)
    };
    let year = i32::try_from(num(0..4)?).map_err(|_| bad())?;
    let month = u8::try_from(num(4..6)?).map_err(|_| bad())?;
    let month = time::Month::try_from(month).map_err(|_| bad())?;
    let day = u8::try_from(num(6..8)?).map_err(|_| bad())?;
    let hour = u8::try_from(num(8..10)?).map_err(|_| bad())?;
    let minute = u8::try_from(num(10..12)?).map_err(|_| bad())?;
    let second = u8::try_from(num(12..14)?).map_err(|_| bad())?;
    let date = time::Date::from_calendar_date(year, month, day).map_err(|_| bad())?;
    let t = time::Time::from_hms(hour, minute, second).map_err(|_| bad())?;
    Ok(time::PrimitiveDateTime::new(date, t)
        .assume_utc()
        .unix_timestamp())
}
