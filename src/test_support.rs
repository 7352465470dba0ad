//! Helpers shared by unit tests: the recorded Sigstore material in
//! `tests/assets/` (its `NOTICE.md` names the sources, `MANIFEST.md` the
//! verdicts), and the assertions on errors that the tests make again and
//! again: which variant ([`expect_err!`]), which verification step
//! ([`expect_step`]), which words ([`expect_message`], [`assert_mentions`]).
//! Each panics with the error's message, so a failing case says why.
//!
//! The material ships with the repository, so a missing file is a broken
//! checkout and the test fails; it never skips.

use crate::error::{Error, Step};
use std::path::PathBuf;

/// A fresh, empty directory under the system's temporary directory,
/// removed when dropped; `name` and the process and thread keep
/// concurrent tests apart.
pub struct TempDir(pub PathBuf);

impl TempDir {
    pub fn new(name: &str) -> TempDir {
        let dir = std::env::temp_dir().join(format!(
            "sigstore-rs-{name}-{}-{:?}",
            std::process::id(),
            std::thread::current().id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap_or_else(|e| panic!("creating {}: {e}", dir.display()));
        TempDir(dir)
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

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

/// The error `result` must be: panics, naming the pattern and what came
/// instead, unless it is an `Err` matching `pattern` (which may carry an
/// `if` guard). Trailing format arguments name the case in the panic message.
///
/// ```ignore
/// let e = expect_err!(verify(..), TlogError::CheckpointOrigin { .. }, "{bad}");
/// ```
macro_rules! expect_err {
    ($result:expr, $pattern:pat $(if $guard:expr)? $(,)?) => {
        $crate::test_support::expect_err!(
            $result,
            $pattern $(if $guard)?,
            "{}",
            stringify!($result)
        )
    };
    ($result:expr, $pattern:pat $(if $guard:expr)?, $($context:tt)+) => {
        match $result {
            Ok(v) => panic!(
                "{}: expected an error matching `{}`, got Ok({v:?})",
                format_args!($($context)+),
                stringify!($pattern $(if $guard)?),
            ),
            Err(e) => {
                assert!(
                    matches!(&e, $pattern $(if $guard)?),
                    "{}: expected an error matching `{}`, got: {e}",
                    format_args!($($context)+),
                    stringify!($pattern $(if $guard)?),
                );
                e
            }
        }
    };
}
pub(crate) use expect_err;

/// Panics unless `err`'s message contains each of `phrases`.
#[track_caller]
pub fn assert_mentions(err: &dyn std::fmt::Display, phrases: &[&str]) {
    let message = err.to_string();
    for p in phrases {
        assert!(message.contains(p), "{p:?} not in: {message}");
    }
}

/// The error `result` must be, whose message contains each of `phrases`.
#[track_caller]
pub fn expect_message<T: std::fmt::Debug, E: std::fmt::Display>(
    result: Result<T, E>,
    phrases: &[&str],
) -> E {
    match result {
        Ok(v) => panic!("expected an error mentioning {phrases:?}, got Ok({v:?})"),
        Err(e) => {
            assert_mentions(&e, phrases);
            e
        }
    }
}

/// The message of the verification failure `result` must be: an
/// [`Error::Verification`] at `step` whose message contains each of `phrases`.
#[track_caller]
pub fn expect_step<T: std::fmt::Debug>(
    result: Result<T, Error>,
    step: Step,
    phrases: &[&str],
) -> String {
    match result {
        Err(Error::Verification { step: s, message }) if s == step => {
            for p in phrases {
                assert!(
                    message.contains(p),
                    "{p:?} not in the {step:?} failure: {message}"
                );
            }
            message
        }
        Err(e) => panic!("expected a {step:?} failure, got: {e}"),
        Ok(v) => panic!("expected a {step:?} failure, got Ok({v:?})"),
    }
}
