//! Signed checkpoints: C2SP signed-note (c2sp.org/signed-note) whose text is
//! a C2SP tlog-checkpoint (c2sp.org/tlog-checkpoint).
//!
//! ```text
//! rekor.sigstore.dev - 2605736670972794746      origin (non-empty)
//! 75408393                                      tree size, decimal, no leading zeros
//! Fnnj13Uu1jdksPc4HZLapKX329dVlD5+MGNsiqBq1XM=  root hash, base64 (RFC 4648 §4)
//! Timestamp: 1689177396617352539                optional extension lines, non-empty
//!                                               blank line
//! — rekor.sigstore.dev wNI9ajBFAiBTyiBM9Wty...  "— " key name " " base64(key ID[4] || signature)
//! — witness.example O8PH5AAAAABopO8+4O9u...     further lines: cosignatures, other keys
//! ```
//!
//! The signed message is the note text up to and including the newline
//! before the blank line. signed-note: "the text is separated from the
//! signatures by the last empty line"; "Verifiers MUST ignore signatures from
//! unknown keys"; "If a signature from a known key fails to verify, clients
//! SHOULD reject the whole note. If no signature from a known key verifies
//! successfully, clients MUST reject the note." We reject in both cases.
//!
//! signed-note identifies a key by its name *and* its hash, so the log's own
//! signature line must carry the log's name; and the origin identifies the
//! log (protobuf-specs `Checkpoint`: "The checkpoint MUST contain an origin
//! string as a unique log identifier"), so it must be the log's. See
//! [`LogName`] for what the trusted root lets us check.

use super::merkle::sha256;
use super::TlogError;
use crate::crypto::{CryptoBackend, KeyKind};
use crate::trust::TransparencyLog;
use base64::Engine as _;

/// signed-note asks verifiers to accept at least 16 signatures; anything far
/// beyond that is not a checkpoint we were meant to read.
const MAX_SIGNATURES: usize = 64;

/// DER prefix of every Ed25519 SubjectPublicKeyInfo (RFC 8410 §4): SEQUENCE,
/// AlgorithmIdentifier { id-Ed25519 }, BIT STRING of 32 key bytes.
const ED25519_SPKI_PREFIX: [u8; 12] = [
    0x30, 0x2a, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x03, 0x21, 0x00,
];

/// C2SP signed-note signature type bytes that enter the key ID.
const SIG_TYPE_ED25519: u8 = 0x01;

/// One signature line of a signed note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    /// The 4-byte key ID (big-endian uint32) that prefixes the signature.
    pub key_id: [u8; 4],
    pub signature: Vec<u8>,
}

/// A signed note split into its signed text and its signature lines,
/// syntax checked but not verified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    /// The signed text, including its final newline.
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

impl SignedNote {
    pub fn parse(note: &str) -> Result<Self, TlogError> {
        let bad = |m: String| TlogError::MalformedCheckpoint(m);
        if let Some(c) = note.chars().find(|c| c.is_control() && *c != '\n') {
            return Err(bad(format!(
                "expected no control characters other than newline, found U+{:04X}",
                c as u32
            )));
        }
        if !note.ends_with('\n') {
            return Err(bad("expected the note to end with a newline".into()));
        }
        let sep = note.rfind("\n\n").ok_or_else(|| {
            bad("expected a blank line between the note text and its signatures, found none".into())
        })?;
        let text = &note[..sep + 1];
        let sig_block = &note[sep + 2..];
        let Some(sig_block) = sig_block.strip_suffix('\n') else {
            return Err(bad(
                "expected at least one signature line after the blank line, found none".into(),
            ));
        };
        let lines: Vec<&str> = sig_block.split('\n').collect();
        if lines.len() > MAX_SIGNATURES {
            return Err(bad(format!(
                "expected at most {MAX_SIGNATURES} signature lines, found {}",
                lines.len()
            )));
        }
        let signatures = lines
            .iter()
            .enumerate()
            .map(|(i, l)| {
                parse_signature_line(l).map_err(|m| bad(format!("signature line {}: {m}", i + 1)))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(SignedNote {
            text: text.to_string(),
            signatures,
        })
    }
}

fn parse_signature_line(line: &str) -> Result<NoteSignature, String> {
    let rest = line.strip_prefix("\u{2014} ").ok_or_else(|| {
        format!("expected \"\u{2014} <name> <signature>\" starting with an em dash (U+2014) and a space, found {line:?}")
    })?;
    let (name, b64) = rest.split_once(' ').ok_or_else(|| {
        format!("expected a key name and a signature separated by a space, found {rest:?}")
    })?;
    if name.is_empty() || name.contains(char::is_whitespace) || name.contains('+') {
        return Err(format!(
            "expected a non-empty key name without spaces or '+', found {name:?}"
        ));
    }
    let raw = base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| format!("signature is not valid base64 ({e}): {b64:?}"))?;
    // 4 bytes of key ID and a signature of at least one byte.
    if raw.len() < 5 {
        return Err(format!(
            "expected a 4-byte key ID followed by a signature, found only {} bytes",
            raw.len()
        ));
    }
    let (id, sig) = raw.split_at(4);
    let mut key_id = [0u8; 4];
    key_id.copy_from_slice(id);
    Ok(NoteSignature {
        name: name.to_string(),
        key_id,
        signature: sig.to_vec(),
    })
}

/// The tree head a checkpoint commits to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    pub origin: String,
    pub tree_size: u64,
    pub root_hash: [u8; 32],
    /// Extension lines (e.g. Rekor v1's `Timestamp: <ns>`), opaque.
    pub extensions: Vec<String>,
}

/// Parses checkpoint note text (the signed part of the note, ending in a
/// newline) per tlog-checkpoint "Note text". Does not verify anything.
pub fn parse_checkpoint(text: &str) -> Result<Checkpoint, TlogError> {
    let bad = |m: String| TlogError::MalformedCheckpoint(m);
    let body = text
        .strip_suffix('\n')
        .ok_or_else(|| bad("expected the checkpoint text to end with a newline".into()))?;
    let lines: Vec<&str> = body.split('\n').collect();
    if lines.len() < 3 {
        return Err(bad(format!(
            "expected at least 3 lines (origin, tree size, root hash), found {}: {text:?}",
            lines.len()
        )));
    }
    let origin = lines[0];
    if origin.is_empty() {
        return Err(bad(
            "expected a non-empty origin on line 1, found an empty line".into(),
        ));
    }
    let size = lines[1];
    let size_ok = !size.is_empty()
        && size.bytes().all(|b| b.is_ascii_digit())
        && (size == "0" || !size.starts_with('0'));
    let tree_size = size
        .parse::<u64>()
        .ok()
        .filter(|_| size_ok)
        .ok_or_else(|| {
            bad(format!(
                "expected the tree size on line 2 as a decimal number without leading zeros, found {size:?}"
            ))
        })?;
    let root = base64::engine::general_purpose::STANDARD
        .decode(lines[2])
        .map_err(|e| {
            bad(format!(
                "expected the root hash on line 3 in base64, found {:?} ({e})",
                lines[2]
            ))
        })?;
    let root_hash = <[u8; 32]>::try_from(root.as_slice()).map_err(|_| {
        bad(format!(
            "expected a 32-byte root hash on line 3, found {} bytes",
            root.len()
        ))
    })?;
    let extensions = lines[3..].iter().map(|l| l.to_string()).collect::<Vec<_>>();
    if extensions.iter().any(String::is_empty) {
        return Err(bad(
            "expected non-empty extension lines, found an empty line".into(),
        ));
    }
    Ok(Checkpoint {
        origin: origin.to_string(),
        tree_size,
        root_hash,
        extensions,
    })
}

/// Which Rekor API a log serves. It fixes how the log names itself in its
/// checkpoints, and whether its entries' indices are global or per shard.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RekorVersion {
    /// Rekor v1: sharded Trillian trees; `logIndex` is global, the inclusion
    /// proof's index is within the shard.
    V1,
    /// Rekor v2 (rekor-tiles): one tree per log, a C2SP checkpoint.
    V2,
}

/// How a log names itself in its own checkpoints, derived from the trusted
/// root's `baseUrl` (the only name for the log the trusted root gives).
///
/// * The key name on the log's signature line is the `baseUrl` without its
///   scheme and without a trailing slash (`rekor.sigstore.dev`,
///   `log2025-1.rekor.sigstore.dev`, `localhost:8000`), for both versions.
/// * Rekor v2: the origin is that same name (rekor-tiles signs with its
///   origin as the key name; C2SP tlog-checkpoint recommends a schema-less
///   URL).
/// * Rekor v1: the origin is `"<name> - <tree ID>"`, the tree ID being the
///   decimal Trillian tree ID (an int64) of the shard that signed. The
///   trusted root does not know the shard tree IDs, and a bundle does not
///   carry them, so only the shape is checked: the log's name, `" - "`, and
///   a canonical non-negative decimal int64.
///
/// Names are compared byte for byte, as signed-note compares key names.
/// Every checkpoint in the recorded material (conformance cases,
/// sigstore-python, pypi-attestations) follows these rules (see the test
/// `every_recorded_checkpoint_names_its_log`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LogName {
    /// The key name of the log's signature line.
    pub key_name: String,
    pub version: RekorVersion,
}

impl LogName {
    pub fn of(log: &TransparencyLog, version: RekorVersion) -> Result<LogName, TlogError> {
        let url = log.base_url.as_str();
        let name = url
            .split_once("://")
            .map_or(url, |(_, rest)| rest)
            .trim_end_matches('/');
        if name.is_empty() {
            return Err(TlogError::UnnamedLog {
                log_id: hex::encode(&log.log_id),
                base_url: url.to_string(),
            });
        }
        Ok(LogName {
            key_name: name.to_string(),
            version,
        })
    }

    /// What the origin must look like, for messages.
    fn expected_origin(&self) -> String {
        match self.version {
            RekorVersion::V2 => format!("{:?} (Rekor v2: the log's name)", self.key_name),
            RekorVersion::V1 => format!(
                "\"{} - <tree ID>\" (Rekor v1: the log's name and a decimal tree ID)",
                self.key_name
            ),
        }
    }

    pub fn check_origin(&self, origin: &str) -> Result<(), TlogError> {
        let ok = match self.version {
            RekorVersion::V2 => origin == self.key_name,
            RekorVersion::V1 => origin
                .strip_prefix(self.key_name.as_str())
                .and_then(|rest| rest.strip_prefix(" - "))
                .is_some_and(is_tree_id),
        };
        if ok {
            Ok(())
        } else {
            Err(TlogError::CheckpointOrigin {
                found: origin.to_string(),
                expected: self.expected_origin(),
            })
        }
    }
}

/// A Trillian tree ID as Rekor v1 prints it: a non-negative int64 in
/// canonical decimal (no sign, no leading zeros).
fn is_tree_id(s: &str) -> bool {
    !s.is_empty()
        && s.bytes().all(|b| b.is_ascii_digit())
        && (s == "0" || !s.starts_with('0'))
        && s.parse::<i64>().is_ok()
}

/// The key IDs under which a signature line named `name` counts as the
/// log's own signature.
///
/// * `checkpointKeyId` from the trusted root, when given, is the log's
///   declared checkpoint key ID.
/// * The log ID: Rekor v1 prefixes its checkpoint signatures with the first 4
///   bytes of its log ID, SHA-256 of the DER public key; Rekor v2 log IDs are
///   the full C2SP key ID of the checkpoint key.
/// * For ECDSA keys, signed-note type 0x02: SHA-256(DER SPKI)[:4].
/// * For Ed25519 keys, signed-note type 0x01: SHA-256(name || 0x0A || 0x01 ||
///   32-byte key)[:4], which binds the key name as well.
///
/// Any line that matches must then verify with the log key, so matching
/// generously cannot make a forged note acceptable. Only lines named with
/// the log's name are looked at (see [`LogName`]).
fn log_key_ids(crypto: &dyn CryptoBackend, log: &TransparencyLog, name: &str) -> Vec<[u8; 4]> {
    let mut ids = Vec::with_capacity(4);
    let mut push = |bytes: &[u8]| {
        if let Ok(id) = <[u8; 4]>::try_from(bytes.get(..4).unwrap_or_default()) {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
    };
    if let Some(k) = &log.checkpoint_key_id {
        push(k);
    }
    push(&log.log_id);
    let spki = log.key.spki_der.as_slice();
    match log.key.kind {
        KeyKind::EcP256 | KeyKind::EcP384 => push(&sha256(crypto, &[spki])),
        KeyKind::Ed25519 => {
            if let Some(raw) = spki.strip_prefix(&ED25519_SPKI_PREFIX[..]) {
                push(&sha256(
                    crypto,
                    &[name.as_bytes(), &[0x0a, SIG_TYPE_ED25519], raw],
                ));
            }
        }
        KeyKind::Rsa => {}
    }
    ids
}

/// Verifies `note` against one log of API `version`: at least one signature
/// line must be by the log's key under the log's name, every such line must
/// verify, and the origin must be the log's ([`LogName`]); lines by other
/// keys (witness cosignatures, rotated keys, other names) are ignored.
/// Returns the parsed checkpoint, which the caller still has to compare
/// with its proof.
pub fn verify_checkpoint(
    crypto: &dyn CryptoBackend,
    note: &str,
    log: &TransparencyLog,
    version: RekorVersion,
) -> Result<Checkpoint, TlogError> {
    let signed = SignedNote::parse(note)?;
    let checkpoint = parse_checkpoint(&signed.text)?;
    let name = LogName::of(log, version)?;
    verify_signed_note(crypto, &signed, log, &name)?;
    name.check_origin(&checkpoint.origin)?;
    Ok(checkpoint)
}

/// Like [`verify_checkpoint`], for when the log is not known in advance:
/// picks, among `logs`, the one whose key signed the note (by key ID), and
/// returns it with the checkpoint. Rekor v2 callers then check that the
/// chosen log is the one the entry's `logId` names.
#[cfg_attr(
    not(test),
    expect(
        dead_code,
        reason = "the verifier knows the log from the entry's logId; tested for callers that do not"
    )
)]
pub fn verify_checkpoint_any<'l>(
    crypto: &dyn CryptoBackend,
    note: &str,
    logs: &'l [TransparencyLog],
    version: RekorVersion,
) -> Result<(Checkpoint, &'l TransparencyLog), TlogError> {
    let signed = SignedNote::parse(note)?;
    let checkpoint = parse_checkpoint(&signed.text)?;
    let mut first_err = None;
    for log in logs {
        let verified = LogName::of(log, version).and_then(|name| {
            verify_signed_note(crypto, &signed, log, &name)?;
            name.check_origin(&checkpoint.origin)
        });
        match verified {
            Ok(()) => return Ok((checkpoint, log)),
            Err(TlogError::NoLogSignature { .. } | TlogError::CheckpointKeyName { .. }) => {}
            Err(e) => {
                first_err.get_or_insert(e);
            }
        }
    }
    Err(first_err.unwrap_or_else(|| TlogError::NoLogSignature {
        expected: format!("one of {} trusted logs", logs.len()),
        found: describe(&signed.signatures),
    }))
}

fn verify_signed_note(
    crypto: &dyn CryptoBackend,
    signed: &SignedNote,
    log: &TransparencyLog,
    name: &LogName,
) -> Result<(), TlogError> {
    let ids = log_key_ids(crypto, log, &name.key_name);
    let mut verified = false;
    // A line with one of the log's key IDs under another name: another key
    // in signed-note terms, so ignored; reported if nothing else verifies.
    let mut renamed = None;
    for sig in &signed.signatures {
        if !ids.contains(&sig.key_id) {
            continue;
        }
        if sig.name != name.key_name {
            renamed.get_or_insert(sig);
            continue;
        }
        crypto
            .verify(
                &log.key.spki_der,
                log.key.algorithm,
                signed.text.as_bytes(),
                &sig.signature,
            )
            .map_err(|error| TlogError::CheckpointSignature {
                name: sig.name.clone(),
                key_id: hex::encode(sig.key_id),
                error,
            })?;
        verified = true;
    }
    match (verified, renamed) {
        (true, _) => Ok(()),
        (false, Some(sig)) => Err(TlogError::CheckpointKeyName {
            key_id: hex::encode(sig.key_id),
            found: sig.name.clone(),
            expected: name.key_name.clone(),
        }),
        (false, None) => Err(TlogError::NoLogSignature {
            expected: format!(
                "{} named {:?}",
                ids.iter().map(hex::encode).collect::<Vec<_>>().join(" or "),
                name.key_name
            ),
            found: describe(&signed.signatures),
        }),
    }
}

fn describe(sigs: &[NoteSignature]) -> String {
    if sigs.is_empty() {
        return "no signature lines".into();
    }
    sigs.iter()
        .map(|s| format!("{} {}", s.name, hex::encode(s.key_id)))
        .collect::<Vec<_>>()
        .join(", ")
}
