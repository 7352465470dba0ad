//! `multipart/form-data` bodies (RFC 7578 on RFC 2046 §5.1), as the legacy
//! upload API receives them. Hand-written: no maintained synchronous parser
//! is available to the crate (`multer` is async), and the format is small.
//!
//! ```text
//! body      := [preamble CRLF] dash-boundary padding CRLF part
//!              *(CRLF dash-boundary padding CRLF part)
//!              CRLF dash-boundary "--" [epilogue]
//! part      := *(header CRLF) CRLF content
//! ```
//!
//! Every part needs a `Content-Disposition: form-data; name="…"` header; a
//! `filename` parameter marks a file. The whole body is in memory (the
//! server bounds its size); the number of parts and the size of each part's
//! header block are bounded here.

/// At most this many parts (a twine upload sends about thirty fields).
pub const MAX_PARTS: usize = 512;
/// At most this many bytes of headers per part.
pub const MAX_PART_HEADERS: usize = 8 << 10;
/// RFC 2046 §5.1.1: a boundary is 1 to 70 characters.
const MAX_BOUNDARY: usize = 70;

/// One form field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Part {
    /// The field's name.
    pub name: String,
    /// The file name, for a file field.
    pub filename: Option<String>,
    /// The content, as sent.
    pub data: Vec<u8>,
}

/// The boundary of a `multipart/form-data` Content-Type header value.
pub fn boundary(content_type: &str) -> Result<String, String> {
    let (mime, params) = content_type.split_once(';').unwrap_or((content_type, ""));
    if !mime.trim().eq_ignore_ascii_case("multipart/form-data") {
        return Err(format!(
            "the Content-Type is {:?}, expected multipart/form-data",
            mime.trim()
        ));
    }
    let b = parameters(params)
        .into_iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("boundary"))
        .map(|(_, v)| v)
        .ok_or("the multipart/form-data Content-Type has no boundary parameter")?;
    if b.is_empty() || b.len() > MAX_BOUNDARY || b.ends_with(' ') || !b.is_ascii() {
        return Err(format!(
            "the multipart boundary {b:?} is not 1 to {MAX_BOUNDARY} ASCII characters"
        ));
    }
    Ok(b)
}

/// The parts of `body`, delimited by `boundary`.
pub fn parse(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let dash = format!("--{boundary}");
    let delim = format!("\r\n{dash}");
    // The first delimiter may open the body (no preamble) or follow one.
    let mut pos = if body.starts_with(dash.as_bytes()) {
        dash.len()
    } else {
        find(body, delim.as_bytes(), 0)
            .map(|i| i + delim.len())
            .ok_or("the multipart body has no boundary delimiter")?
    };
    let mut parts = Vec::new();
    loop {
        // After a delimiter: "--" closes the body, else padding and CRLF.
        let rest = &body[pos..];
        if rest.starts_with(b"--") {
            return Ok(parts);
        }
        let eol = find(rest, b"\r\n", 0)
            .ok_or("the multipart body ends after a boundary delimiter (truncated)")?;
        if rest[..eol].iter().any(|b| *b != b' ' && *b != b'\t') {
            return Err("a multipart boundary delimiter is followed by other text".into());
        }
        pos += eol + 2;
        if parts.len() == MAX_PARTS {
            return Err(format!("the form has more than {MAX_PARTS} parts"));
        }
        // A part may have no headers at all: its blank line comes at once.
        let (headers, content_start) = if body[pos..].starts_with(b"\r\n") {
            ("", pos + 2)
        } else {
            let end = find(body, b"\r\n\r\n", pos)
                .filter(|e| e - pos <= MAX_PART_HEADERS)
                .ok_or_else(|| {
                    format!(
                        "a multipart part's headers do not end within {MAX_PART_HEADERS} bytes \
                         (truncated or oversized)"
                    )
                })?;
            let h = std::str::from_utf8(&body[pos..end])
                .map_err(|_| "a multipart part's headers are not UTF-8")?;
            (h, end + 4)
        };
        let content_end = find(body, delim.as_bytes(), content_start)
            .ok_or("the multipart body ends inside a part, before its closing boundary")?;
        let (name, filename) = disposition(headers)?;
        parts.push(Part {
            name,
            filename,
            data: body[content_start..content_end].to_vec(),
        });
        pos = content_end + delim.len();
    }
}

/// The field name and file name of a part's Content-Disposition header.
fn disposition(headers: &str) -> Result<(String, Option<String>), String> {
    let value = headers
        .split("\r\n")
        .filter_map(|line| line.split_once(':'))
        .find(|(n, _)| n.trim().eq_ignore_ascii_case("content-disposition"))
        .map(|(_, v)| v)
        .ok_or("a multipart part has no Content-Disposition header")?;
    let (kind, params) = value.split_once(';').unwrap_or((value, ""));
    if !kind.trim().eq_ignore_ascii_case("form-data") {
        return Err(format!(
            "a multipart part's Content-Disposition is {:?}, expected form-data",
            kind.trim()
        ));
    }
    let params = parameters(params);
    let get = |key: &str| {
        params
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(key))
            .map(|(_, v)| v.clone())
    };
    let name = get("name").ok_or("a multipart part's Content-Disposition has no name")?;
    Ok((name, get("filename")))
}

/// `; key=value` parameters, values plain or quoted (RFC 7230 quoted-string:
/// a backslash escapes the next character).
fn parameters(s: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut chars = s.chars().peekable();
    loop {
        while matches!(chars.peek(), Some(c) if *c == ';' || c.is_whitespace()) {
            chars.next();
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| *c != '=' && *c != ';') {
            key.push(c);
        }
        if key.is_empty() && chars.peek().is_none() {
            return out;
        }
        let mut value = String::new();
        if chars.next_if_eq(&'=').is_some() {
            if chars.next_if_eq(&'"').is_some() {
                while let Some(c) = chars.next() {
                    match c {
                        '"' => break,
                        '\\' => value.extend(chars.next()),
                        c => value.push(c),
                    }
                }
            }
            while let Some(c) = chars.next_if(|c| *c != ';') {
                value.push(c);
            }
        }
        out.push((key.trim().to_string(), value.trim_end().to_string()));
    }
}

fn find(hay: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() {
        return None;
    }
    let first = needle[0];
    let mut i = from;
    while let Some(off) = hay.get(i..)?.iter().position(|b| *b == first) {
        let at = i + off;
        if hay.get(at..at + needle.len())? == needle {
            return Some(at);
        }
        i = at + 1;
    }
    None
}
