//! The trusted metadata set: the metadata this client currently trusts,
//! changed only through one method per role, each applying the checks of
//! the TUF client workflow (specification 1.0, §5.3–§5.6) in order. The
//! updater ([`super::updater`]) does the I/O around it. The order of checks
//! and what is kept on failure follow python-tuf's
//! `trusted_metadata_set.py`, whose behaviour the TUF conformance suite
//! pins down: a new timestamp or snapshot becomes trusted before its expiry
//! is checked, so that an expired one still protects against rollback of
//! the next.

use super::metadata::{
    Key, MetaFile, Metadata, RoleKeys, Root, Signed, Snapshot, Targets, Timestamp,
};
use super::metadata::{ROOT, SNAPSHOT, TARGETS, TIMESTAMP};
use super::{Check, MetadataError};
use crate::crypto::{CryptoBackend, HashAlgorithm};
use std::collections::BTreeMap;

fn err(role: &str, check: Check, message: impl Into<String>) -> MetadataError {
    MetadataError {
        role: role.to_string(),
        check,
        message: message.into(),
    }
}

/// Checks `data` against the length and hashes its referrer lists (§5.5.2,
/// §5.6.2, §5.7.3): every listed digest must match; an algorithm this
/// client cannot compute fails.
pub(crate) fn check_length_and_hashes(
    crypto: &dyn CryptoBackend,
    role: &str,
    data: &[u8],
    length: Option<u64>,
    hashes: Option<&BTreeMap<String, String>>,
) -> Result<(), MetadataError> {
    if let Some(length) = length {
        if data.len() as u64 != length {
            return Err(err(
                role,
                Check::Length,
                format!("expected {length} bytes, got {}", data.len()),
            ));
        }
    }
    for (alg, expected) in hashes.into_iter().flatten() {
        let algorithm = match alg.as_str() {
            "sha256" => HashAlgorithm::Sha256,
            "sha384" => HashAlgorithm::Sha384,
            "sha512" => HashAlgorithm::Sha512,
            other => {
                return Err(err(
                    role,
                    Check::Hashes,
                    format!("unsupported hash algorithm {other:?}"),
                ))
            }
        };
        let got = crypto.digest(algorithm, data).to_hex();
        if &got != expected {
            return Err(err(
                role,
                Check::Hashes,
                format!("expected {alg} {expected}, got {got}"),
            ));
        }
    }
    Ok(())
}

/// A delegated targets role as trusted: its metadata and the delegator it
/// was verified through.
#[derive(Debug, Clone)]
struct TrustedTargets {
    metadata: Metadata<Targets>,
    delegator: String,
}

/// The metadata this client trusts, at one reference time.
#[derive(Debug)]
pub struct TrustedSet<'c> {
    crypto: &'c dyn CryptoBackend,
    now: i64,
    /// False only to read a cache offline (expired metadata is then used,
    /// and the caller says how old it is).
    check_expiry: bool,
    root: Metadata<Root>,
    timestamp: Option<Metadata<Timestamp>>,
    snapshot: Option<Metadata<Snapshot>>,
    targets: BTreeMap<String, TrustedTargets>,
}

fn parse<T: Signed>(role: &str, data: &[u8]) -> Result<Metadata<T>, MetadataError> {
    Metadata::from_bytes(data).map_err(|m| err(role, Check::Format, m))
}

impl<'c> TrustedSet<'c> {
    /// Starts from a trusted root (§5.2), which must be signed by a
    /// threshold of its own root keys. Its expiry is not checked here: an
    /// expired root may still be updated (§5.3.10 checks the final one).
    pub fn new(
        root: &[u8],
        crypto: &'c dyn CryptoBackend,
        now: i64,
    ) -> Result<Self, MetadataError> {
        let root: Metadata<Root> = parse(ROOT, root)?;
        Self::verify_root_by(crypto, &root, &root.signed)?;
        Ok(TrustedSet {
            crypto,
            now,
            check_expiry: true,
            root,
            timestamp: None,
            snapshot: None,
            targets: BTreeMap::new(),
        })
    }

    /// Stops checking expiry, for reading a cache offline: signatures,
    /// versions, lengths and hashes are all still checked.
    pub fn ignore_expiry(&mut self) {
        self.check_expiry = false;
    }

    fn expired(&self, common: &super::metadata::Common) -> bool {
        self.check_expiry && common.is_expired(self.now)
    }

    fn verify_root_by(
        crypto: &dyn CryptoBackend,
        md: &Metadata<Root>,
        by: &Root,
    ) -> Result<(), MetadataError> {
        let role = by
            .roles
            .get(ROOT)
            .ok_or_else(|| err(ROOT, Check::Format, "no root role"))?;
        md.verify_by(crypto, &by.keys, role).map_err(|m| {
            err(
                ROOT,
                Check::Signatures,
                format!("version {}: {m}", by.common.version),
            )
        })
    }

    /// The trusted root.
    pub fn root(&self) -> &Root {
        &self.root.signed
    }

    /// The trusted timestamp, if any.
    pub fn timestamp(&self) -> Option<&Timestamp> {
        self.timestamp.as_ref().map(|m| &m.signed)
    }

    /// The trusted snapshot, if any.
    pub fn snapshot(&self) -> Option<&Snapshot> {
        self.snapshot.as_ref().map(|m| &m.signed)
    }

    /// A trusted targets role (`"targets"` or a delegated one), if loaded.
    pub fn targets(&self, role: &str) -> Option<&Targets> {
        self.targets.get(role).map(|t| &t.metadata.signed)
    }

    fn top_role(&self, role: &str) -> Result<&RoleKeys, MetadataError> {
        self.root
            .signed
            .roles
            .get(role)
            .ok_or_else(|| err(role, Check::Format, "the root lists no such role"))
    }

    /// §5.3.4–§5.3.8: the next root, signed by a threshold of the trusted
    /// root's keys and of its own, with exactly the next version.
    pub fn update_root(&mut self, data: &[u8]) -> Result<(), MetadataError> {
        if self.timestamp.is_some() {
            return Err(err(
                ROOT,
                Check::Order,
                "cannot update root after timestamp",
            ));
        }
        let new: Metadata<Root> = parse(ROOT, data)?;
        Self::verify_root_by(self.crypto, &new, &self.root.signed)?;
        let expected = self.root.signed.common.version + 1;
        if new.signed.common.version != expected {
            return Err(err(
                ROOT,
                Check::Version,
                format!(
                    "expected version {expected}, got {}",
                    new.signed.common.version
                ),
            ));
        }
        Self::verify_root_by(self.crypto, &new, &new.signed)?;
        self.root = new;
        Ok(())
    }

    /// §5.3.10 and §5.4: a new timestamp. Returns `false` when its version
    /// equals the trusted one (the trusted one is kept, §5.4.3.1); fails on
    /// an expired final root, bad signatures, a version or snapshot version
    /// rollback, and (after it became trusted) its own expiry.
    pub fn update_timestamp(&mut self, data: &[u8]) -> Result<bool, MetadataError> {
        if self.snapshot.is_some() {
            return Err(err(
                TIMESTAMP,
                Check::Order,
                "cannot update timestamp after snapshot",
            ));
        }
        if self.expired(&self.root.signed.common) {
            return Err(err(ROOT, Check::Expiry, "the final root has expired"));
        }
        let new: Metadata<Timestamp> = parse(TIMESTAMP, data)?;
        new.verify_by(
            self.crypto,
            &self.root.signed.keys,
            self.top_role(TIMESTAMP)?,
        )
        .map_err(|m| err(TIMESTAMP, Check::Signatures, m))?;
        if let Some(old) = &self.timestamp {
            let (old_v, new_v) = (old.signed.common.version, new.signed.common.version);
            if new_v < old_v {
                return Err(err(
                    TIMESTAMP,
                    Check::Rollback,
                    format!("version {new_v} is lower than the trusted version {old_v}"),
                ));
            }
            if new_v == old_v {
                return Ok(false);
            }
            let (old_s, new_s) = (old.signed.snapshot.version, new.signed.snapshot.version);
            if new_s < old_s {
                return Err(err(
                    TIMESTAMP,
                    Check::Rollback,
                    format!("snapshot version {new_s} is lower than the trusted {old_s}"),
                ));
            }
        }
        self.timestamp = Some(new);
        self.check_final_timestamp()?;
        Ok(true)
    }

    fn check_final_timestamp(&self) -> Result<&MetaFile, MetadataError> {
        let ts = self
            .timestamp
            .as_ref()
            .ok_or_else(|| err(SNAPSHOT, Check::Order, "no trusted timestamp"))?;
        if self.expired(&ts.signed.common) {
            return Err(err(
                TIMESTAMP,
                Check::Expiry,
                expired_message(ts.signed.common.expires),
            ));
        }
        Ok(&ts.signed.snapshot)
    }

    /// §5.5: a new snapshot. `trusted` is for the locally cached copy,
    /// which was checked against a timestamp's hashes when it was stored.
    /// Fails on hashes, signatures, a removed or rolled-back targets file,
    /// and (after it became trusted) expiry or a version other than the
    /// timestamp's.
    pub fn update_snapshot(&mut self, data: &[u8], trusted: bool) -> Result<(), MetadataError> {
        if !self.targets.is_empty() {
            return Err(err(
                SNAPSHOT,
                Check::Order,
                "cannot update snapshot after targets",
            ));
        }
        let meta = self.check_final_timestamp()?;
        if !trusted {
            check_length_and_hashes(
                self.crypto,
                SNAPSHOT,
                data,
                meta.length,
                meta.hashes.as_ref(),
            )?;
        }
        let new: Metadata<Snapshot> = parse(SNAPSHOT, data)?;
        new.verify_by(
            self.crypto,
            &self.root.signed.keys,
            self.top_role(SNAPSHOT)?,
        )
        .map_err(|m| err(SNAPSHOT, Check::Signatures, m))?;
        if let Some(old) = &self.snapshot {
            for (name, old_file) in &old.signed.meta {
                let Some(new_file) = new.signed.meta.get(name) else {
                    return Err(err(
                        SNAPSHOT,
                        Check::Rollback,
                        format!("{name} was removed"),
                    ));
                };
                if new_file.version < old_file.version {
                    return Err(err(
                        SNAPSHOT,
                        Check::Rollback,
                        format!(
                            "{name} version {} is lower than the trusted {}",
                            new_file.version, old_file.version
                        ),
                    ));
                }
            }
        }
        self.snapshot = Some(new);
        self.check_final_snapshot()?;
        Ok(())
    }

    fn check_final_snapshot(&self) -> Result<&Snapshot, MetadataError> {
        let snapshot = self
            .snapshot
            .as_ref()
            .ok_or_else(|| err(TARGETS, Check::Order, "no trusted snapshot"))?;
        if self.expired(&snapshot.signed.common) {
            return Err(err(
                SNAPSHOT,
                Check::Expiry,
                expired_message(snapshot.signed.common.expires),
            ));
        }
        let expected = self.check_final_timestamp()?.version;
        if snapshot.signed.common.version != expected {
            return Err(err(
                SNAPSHOT,
                Check::Version,
                format!(
                    "expected version {expected} (from timestamp), got {}",
                    snapshot.signed.common.version
                ),
            ));
        }
        Ok(&snapshot.signed)
    }

    /// The keys and threshold `delegator` assigns to `role`.
    fn delegation(
        &self,
        role: &str,
        delegator: &str,
    ) -> Result<(&BTreeMap<String, Key>, &RoleKeys), MetadataError> {
        if delegator == ROOT {
            return Ok((&self.root.signed.keys, self.top_role(role)?));
        }
        let parent = self.targets(delegator).ok_or_else(|| {
            err(
                role,
                Check::Order,
                format!("delegator {delegator} is not loaded"),
            )
        })?;
        let delegations = parent.delegations.as_ref().ok_or_else(|| {
            err(
                role,
                Check::Delegation,
                format!("{delegator} delegates nothing"),
            )
        })?;
        let keys = delegations.role_keys(role).ok_or_else(|| {
            err(
                role,
                Check::Delegation,
                format!("{delegator} does not delegate it"),
            )
        })?;
        Ok((&delegations.keys, keys))
    }

    /// §5.6 and §5.7.3: the top-level targets (`delegator` = root) or a
    /// delegated role, checked against the snapshot's entry for it (hashes,
    /// length, version) and the delegator's keys, and not expired.
    pub fn update_targets(
        &mut self,
        data: &[u8],
        role: &str,
        delegator: &str,
    ) -> Result<&Targets, MetadataError> {
        let snapshot = self.check_final_snapshot()?;
        let file = format!("{role}.json");
        let meta = snapshot
            .meta
            .get(&file)
            .ok_or_else(|| {
                err(
                    role,
                    Check::Delegation,
                    format!("the snapshot does not list {file}"),
                )
            })?
            .clone();
        check_length_and_hashes(self.crypto, role, data, meta.length, meta.hashes.as_ref())?;
        let new: Metadata<Targets> = parse(role, data)?;
        let (keys, role_keys) = self.delegation(role, delegator)?;
        new.verify_by(self.crypto, keys, role_keys)
            .map_err(|m| err(role, Check::Signatures, m))?;
        if new.signed.common.version != meta.version {
            return Err(err(
                role,
                Check::Version,
                format!(
                    "expected version {} (from snapshot), got {}",
                    meta.version, new.signed.common.version
                ),
            ));
        }
        if self.expired(&new.signed.common) {
            return Err(err(
                role,
                Check::Expiry,
                expired_message(new.signed.common.expires),
            ));
        }
        let trusted = TrustedTargets {
            metadata: new,
            delegator: delegator.to_string(),
        };
        let slot = match self.targets.entry(role.to_string()) {
            std::collections::btree_map::Entry::Occupied(mut o) => {
                o.insert(trusted);
                o.into_mut()
            }
            std::collections::btree_map::Entry::Vacant(v) => v.insert(trusted),
        };
        Ok(&slot.metadata.signed)
    }

    /// A role already trusted, reached again through `delegator`: its
    /// signatures are checked against that delegator's keys too, so a role
    /// delegated from two places never inherits trust from the other path.
    pub fn cached_targets(
        &self,
        role: &str,
        delegator: &str,
    ) -> Result<Option<&Targets>, MetadataError> {
        let Some(trusted) = self.targets.get(role) else {
            return Ok(None);
        };
        if trusted.delegator != delegator {
            let (keys, role_keys) = self.delegation(role, delegator)?;
            trusted
                .metadata
                .verify_by(self.crypto, keys, role_keys)
                .map_err(|m| {
                    err(
                        role,
                        Check::Signatures,
                        format!("as delegated by {delegator}: {m}"),
                    )
                })?;
        }
        Ok(Some(&trusted.metadata.signed))
    }
}

fn expired_message(expires: i64) -> String {
    format!("expired at {}", super::metadata::format_expires(expires))
}
