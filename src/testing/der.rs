//! Just enough DER (X.690) to read a TimeStampReq and write the
//! certificates' extension values and TimeStampResps the instance issues.

pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    crate::trust::der_tlv(tag, content)
}

pub fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A DER SET OF: elements sorted by their encodings (X.690 §11.6).
pub fn set_of(parts: &[&[u8]]) -> Vec<u8> {
    let mut v: Vec<&[u8]> = parts.to_vec();
    v.sort();
    tlv(0x31, &v.concat())
}

/// An INTEGER from big-endian unsigned bytes.
pub fn uint(v: &[u8]) -> Vec<u8> {
    let mut c: Vec<u8> = v.iter().copied().skip_while(|b| *b == 0).collect();
    if c.first().is_none_or(|b| b & 0x80 != 0) {
        c.insert(0, 0);
    }
    tlv(0x02, &c)
}

pub fn octets(v: &[u8]) -> Vec<u8> {
    tlv(0x04, v)
}

pub fn utf8(s: &str) -> Vec<u8> {
    tlv(0x0c, s.as_bytes())
}

/// An OBJECT IDENTIFIER from its dotted form (X.690 §8.19). The callers
/// pass constants, which are well formed; a malformed arc encodes as 0.
pub fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap_or(0)).collect();
    let mut body = Vec::new();
    let mut push = |mut v: u64| {
        let mut tmp = vec![(v & 0x7f) as u8];
        v >>= 7;
        while v > 0 {
            tmp.push((v & 0x7f) as u8 | 0x80);
            v >>= 7;
        }
        tmp.reverse();
        body.extend(tmp);
    };
    let first = arcs.first().copied().unwrap_or(0);
    let second = arcs.get(1).copied().unwrap_or(0);
    push(first * 40 + second);
    for &a in arcs.iter().skip(2) {
        push(a);
    }
    tlv(0x06, &body)
}

/// GeneralizedTime `YYYYMMDDHHMMSSZ` (RFC 5280 §4.1.2.5.2).
pub fn generalized_time(unix: i64) -> Vec<u8> {
    let t =
        time::OffsetDateTime::from_unix_timestamp(unix).unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let s = format!(
        "{:04}{:02}{:02}{:02}{:02}{:02}Z",
        t.year(),
        t.month() as u8,
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    );
    tlv(0x18, s.as_bytes())
}

/// One element: (tag, content, the whole encoding, the rest of the input).
pub struct Element<'a> {
    pub tag: u8,
    pub content: &'a [u8],
    pub raw: &'a [u8],
}

/// Reads one DER element from the front of `input`.
pub fn read(input: &[u8]) -> Result<(Element<'_>, &[u8]), String> {
    let short = || "truncated DER".to_string();
    let tag = *input.first().ok_or_else(short)?;
    let first = *input.get(1).ok_or_else(short)?;
    let (len, header) = if first < 0x80 {
        (first as usize, 2)
    } else {
        let n = (first & 0x7f) as usize;
        if n == 0 || n > 4 {
            return Err(format!("unsupported DER length form 0x{first:02x}"));
        }
        let bytes = input.get(2..2 + n).ok_or_else(short)?;
        (
            bytes.iter().fold(0usize, |acc, b| (acc << 8) | *b as usize),
            2 + n,
        )
    };
    let end = header.checked_add(len).ok_or_else(short)?;
    let raw = input.get(..end).ok_or_else(short)?;
    Ok((
        Element {
            tag,
            content: &raw[header..],
            raw,
        },
        &input[end..],
    ))
}

/// The elements of a constructed value's content.
pub fn children(mut content: &[u8]) -> Result<Vec<Element<'_>>, String> {
    let mut out = Vec::new();
    while !content.is_empty() {
        let (e, rest) = read(content)?;
        out.push(e);
        content = rest;
    }
    Ok(out)
}
