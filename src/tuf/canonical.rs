//! Canonical JSON as TUF signs it: the OLPC form securesystemslib implements
//! (`encode_canonical`), which every TUF implementation and Sigstore's root
//! signing use. Object keys sorted by code point, no whitespace, strings
//! escape only `"` and `\` (everything else, control characters and
//! non-ASCII included, is written as its UTF-8 bytes), integers only.
//!
//! Hand-written: the two crates that claim this form (`olpc-cjson`,
//! `canonical_json`) either pull a serde serializer of their own or differ
//! on escaping; the whole form is the thirty lines below.

use serde_json::Value;

/// The canonical encoding of `value`; fails on a non-integer number, which
/// the form cannot express.
pub fn encode(value: &Value) -> Result<Vec<u8>, String> {
    let mut out = Vec::new();
    write(value, &mut out)?;
    Ok(out)
}

fn write(value: &Value, out: &mut Vec<u8>) -> Result<(), String> {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
        Value::Number(n) => {
            if let Some(i) = n.as_i64() {
                out.extend_from_slice(i.to_string().as_bytes());
            } else if let Some(u) = n.as_u64() {
                out.extend_from_slice(u.to_string().as_bytes());
            } else {
                return Err(format!(
                    "{n} is not an integer, which canonical JSON requires"
                ));
            }
        }
        Value::String(s) => write_string(s, out),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write(item, out)?;
            }
            out.push(b']');
        }
        Value::Object(map) => {
            // String order is byte order of UTF-8, which is code point order.
            let mut entries: Vec<(&String, &Value)> = map.iter().collect();
            entries.sort_by(|a, b| a.0.cmp(b.0));
            out.push(b'{');
            for (i, (k, v)) in entries.into_iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(k, out);
                out.push(b':');
                write(v, out)?;
            }
            out.push(b'}');
        }
    }
    Ok(())
}

fn write_string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    for b in s.bytes() {
        if b == b'"' || b == b'\\' {
            out.push(b'\\');
        }
        out.push(b);
    }
    out.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::encode;
    use serde_json::json;

    #[test]
    fn sorted_compact_and_minimally_escaped() {
        let v = json!({"b": [1, -2, true, null], "a": "x\"y\\z\n\u{e9}", "A": {}});
        let got = String::from_utf8(encode(&v).unwrap()).unwrap();
        assert_eq!(
            got,
            "{\"A\":{},\"a\":\"x\\\"y\\\\z\n\u{e9}\",\"b\":[1,-2,true,null]}"
        );
    }

    #[test]
    fn floats_are_refused() {
        assert!(encode(&json!({"x": 1.5})).is_err());
        assert_eq!(
            encode(&json!(u64::MAX)).unwrap(),
            u64::MAX.to_string().as_bytes()
        );
    }
}
