//! Helpers shared by unit tests: the recorded Sigstore material in
//! `tests/assets/` (its `NOTICE.md` names the sources, `MANIFEST.md` the
//! verdicts). The material ships with the repository, so a missing file is a
//! broken checkout and the test fails; it never skips.

use std::path::PathBuf;

/// The repository's `tests/assets` folder.
pub fn fixtures() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/assets");
    assert!(
        p.join("MANIFEST.md").is_file(),
        "recorded test material missing: {} (it is part of the repository)",
        p.display()
    );
    p
}

/// The bytes of `tests/assets/<rel>`; a missing file fails the test.
pub fn read(rel: &str) -> Vec<u8> {
    let p = fixtures().join(rel);
    std::fs::read(&p).unwrap_or_else(|e| panic!("reading {}: {e}", p.display()))
}

/// `json` with every object key in its protobuf field name, as protobuf JSON
/// parsers must accept besides the lowerCamelCase name (`mediaType` becomes
/// `media_type`). DSSE's `payloadType` is its proto name already.
pub fn proto_field_names(json: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    match json {
        Value::Object(m) => Value::Object(
            m.iter()
                .map(|(k, v)| {
                    let name = if k == "payloadType" {
                        k.clone()
                    } else {
                        k.chars().fold(String::new(), |mut s, c| {
                            if c.is_ascii_uppercase() {
                                s.push('_');
                            }
                            s.push(c.to_ascii_lowercase());
                            s
                        })
                    };
                    (name, proto_field_names(v))
                })
                .collect(),
        ),
        Value::Array(a) => Value::Array(a.iter().map(proto_field_names).collect()),
        other => other.clone(),
    }
}
