//! The reader: a cursor over DER elements whose errors name the field read.

use super::{DerError, TAG_INTEGER, TAG_OID};

/// Length fields longer than this are refused: 4 bytes already allow 4 GiB.
const MAX_LENGTH_OCTETS: usize = 4;

/// One tag-length-value element (X.690 §8.1).
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

    /// The elements of this constructed element's contents, whatever their
    /// tags.
    pub fn children(&self, what: &str) -> Result<Vec<Tlv<'a>>, DerError> {
        let mut r = self.reader();
        let mut out = Vec::new();
        while !r.is_empty() {
            out.push(r.read_any(what)?);
        }
        Ok(out)
    }
}

/// A cursor over a sequence of DER elements.
#[derive(Debug, Clone)]
pub struct Reader<'a> {
    data: &'a [u8],
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
    pub fn read_any(&mut self, what: &str) -> Result<Tlv<'a>, DerError> {
        let err = |why: &str| DerError::new(what, why);
        let data = self.data;
        let (&tag, rest) = data
            .split_first()
            .ok_or_else(|| err("unexpected end of data"))?;
        if tag & 0x1F == 0x1F {
            return Err(err("high tag numbers are not supported"));
        }
        let (&first, rest) = rest.split_first().ok_or_else(|| err("truncated length"))?;
        let (len, rest) = match first {
            0..=0x7F => (usize::from(first), rest),
            0x80 => return Err(err("indefinite length is not DER")),
            _ => {
                let n = usize::from(first & 0x7F);
                if n > MAX_LENGTH_OCTETS {
                    return Err(err("length field too long"));
                }
                let (bytes, rest) = rest
                    .split_at_checked(n)
                    .ok_or_else(|| err("truncated length"))?;
                // At most 4 bytes: fits a usize on every supported target.
                let len = bytes
                    .iter()
                    .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
                (len, rest)
            }
        };
        let (value, after) = rest
            .split_at_checked(len)
            .ok_or_else(|| err("length exceeds the available data"))?;
        // `after` is a suffix of `data`: the subtraction cannot underflow.
        let raw = data
            .get(..data.len() - after.len())
            .ok_or_else(|| err("length exceeds the available data"))?;
        self.data = after;
        Ok(Tlv { tag, value, raw })
    }

    /// Reads the next element and requires its tag.
    pub fn read(&mut self, tag: u8, what: &str) -> Result<Tlv<'a>, DerError> {
        let tlv = self.read_any(what)?;
        if tlv.tag != tag {
            return Err(DerError::new(
                what,
                format!("expected tag 0x{tag:02x}, found 0x{:02x}", tlv.tag),
            ));
        }
        Ok(tlv)
    }

    /// Reads the next element if it carries `tag`.
    pub fn read_optional(&mut self, tag: u8, what: &str) -> Result<Option<Tlv<'a>>, DerError> {
        if self.peek_tag() == Some(tag) {
            self.read(tag, what).map(Some)
        } else {
            Ok(None)
        }
    }

    /// Requires that nothing is left.
    pub fn finish(&self, what: &str) -> Result<(), DerError> {
        if self.data.is_empty() {
            Ok(())
        } else {
            Err(DerError::new(what, "unexpected trailing data"))
        }
    }

    /// An OBJECT IDENTIFIER in dotted-decimal form.
    pub fn read_oid(&mut self, what: &str) -> Result<String, DerError> {
        let tlv = self.read(TAG_OID, what)?;
        oid_to_string(tlv.value).ok_or_else(|| DerError::new(what, "invalid OBJECT IDENTIFIER"))
    }

    /// A non-negative INTEGER small enough for a version or status field.
    pub fn read_small_uint(&mut self, what: &str) -> Result<u64, DerError> {
        let tlv = self.read(TAG_INTEGER, what)?;
        small_uint(tlv.value).ok_or_else(|| DerError::new(what, "not a small non-negative INTEGER"))
    }

    /// An INTEGER's content octets, with redundant leading zeros removed so
    /// serial numbers compare by value.
    pub fn read_integer_bytes(&mut self, what: &str) -> Result<Vec<u8>, DerError> {
        let tlv = self.read(TAG_INTEGER, what)?;
        if tlv.value.is_empty() {
            return Err(DerError::new(what, "empty INTEGER"));
        }
        Ok(normalize_integer(tlv.value).to_vec())
    }
}

/// The value of a non-negative INTEGER's content octets, if it fits a `u64`.
pub fn small_uint(v: &[u8]) -> Option<u64> {
    match v.first() {
        Some(b) if b & 0x80 == 0 && v.len() <= 8 => {
            Some(v.iter().fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
        }
        _ => None,
    }
}

/// Strips leading zero octets (keeping at least one), so `00 8F` == `8F`.
pub fn normalize_integer(mut v: &[u8]) -> &[u8] {
    while let [0, rest @ ..] = v {
        if rest.is_empty() {
            break;
        }
        v = rest;
    }
    v
}

/// Dotted-decimal form of an OBJECT IDENTIFIER's content octets (X.690 §8.19).
pub fn oid_to_string(v: &[u8]) -> Option<String> {
    if v.last().is_none_or(|b| b & 0x80 != 0) {
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
    let (&first, rest) = arcs.split_first()?;
    let (a, b) = match first {
        0..=39 => (0, first),
        40..=79 => (1, first - 40),
        _ => (2, first - 80),
    };
    let mut s = format!("{a}.{b}");
    for arc in rest {
        s.push('.');
        s.push_str(&arc.to_string());
    }
    Some(s)
}

/// Parses a GeneralizedTime's content octets (`YYYYMMDDHHMMSS[.f*]Z`,
/// RFC 3161 §2.4.2 and RFC 5280 §4.1.2.5.2) to Unix seconds; the fraction is
/// truncated.
pub fn parse_generalized_time(v: &[u8], what: &str) -> Result<i64, DerError> {
    let bad = || {
        DerError::new(
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
    let num = |r: std::ops::Range<usize>| -> Result<u32, DerError> {
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
