//! Distributions: a file name and its SHA-256.
//!
//! File names are parsed as pypi-attestations parses them (with
//! `packaging.utils`): wheels per PEP 427 / the binary distribution format,
//! sdists per PEP 625 (`.tar.gz`, and the older `.zip` that packaging still
//! accepts). Two names are the same distribution when their parsed forms are
//! equal: the project name normalised (PEP 503), the version compared as
//! PEP 440 versions, and for wheels the build tag and the tag set.
//!
//! A wheel's compressed tag set (`py2.py3-none-any`) stands for the cross
//! product of its three components; two cross products of non-empty sets
//! are equal exactly when each component's set is, so the sets are compared
//! per component and the product is never built (its size is cubic in the
//! name's length). File names are bounded by [`MAX_FILE_NAME_BYTES`].

use crate::crypto::{Digest, HashAlgorithm};
use crate::error::{Error, Result};
use regex::Regex;
use std::collections::BTreeSet;
use std::path::Path;
use std::sync::OnceLock;

/// The longest distribution file name accepted, in bytes: a distribution
/// is a file, and 255 is the longest file name ext4, XFS, Btrfs and APFS
/// store (`NAME_MAX`; NTFS allows 255 UTF-16 units). Neither PEP 427 nor
/// `packaging` sets a limit; PyPI stores each upload under its own name
/// (a wheel also as `NAME.metadata`), so it cannot serve a longer one either.
pub const MAX_FILE_NAME_BYTES: usize = 255;

/// A distribution file: its name (as given) and its SHA-256.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Distribution {
    name: String,
    parsed: DistName,
    digest: Digest,
}

impl Distribution {
    /// `name` must be a valid wheel or sdist file name; `sha256_hex` 64 hex digits.
    pub fn new(name: &str, sha256_hex: &str) -> Result<Distribution> {
        let parsed = DistName::parse(name).map_err(Error::InvalidInput)?;
        let bytes = hex::decode(sha256_hex).map_err(|e| {
            Error::InvalidInput(format!(
                "distribution digest {sha256_hex:?} is not hex: {e}"
            ))
        })?;
        let digest = Digest::new(HashAlgorithm::Sha256, bytes)
            .map_err(|e| Error::InvalidInput(format!("distribution digest: {e}")))?;
        Ok(Distribution {
            name: name.to_owned(),
            parsed,
            digest,
        })
    }

    /// The file's name and streamed SHA-256.
    pub fn from_file(path: &Path) -> Result<Distribution> {
        let name = path.file_name().and_then(|n| n.to_str()).ok_or_else(|| {
            Error::InvalidInput(format!(
                "{} has no UTF-8 file name to name a distribution",
                path.display()
            ))
        })?;
        let parsed = DistName::parse(name).map_err(Error::InvalidInput)?;
        let digest = crate::verify::hash_file(path)?;
        Ok(Distribution {
            name: name.to_owned(),
            parsed,
            digest,
        })
    }

    /// The file name, as given.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Lowercase hex SHA-256.
    pub fn sha256_hex(&self) -> String {
        self.digest.to_hex()
    }

    /// The SHA-256 digest.
    pub fn digest(&self) -> &Digest {
        &self.digest
    }

    /// The parsed file name, which an attestation's subject must equal.
    pub fn parsed_name(&self) -> &DistName {
        &self.parsed
    }
}

/// A parsed distribution file name; equality is "the same distribution".
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DistName {
    /// A source distribution, `{project}-{version}.tar.gz` (PEP 625).
    Sdist {
        /// The project name, normalised (PEP 503).
        project: String,
        /// The version.
        version: Version,
    },
    /// A wheel, `{project}-{version}(-{build})?-{python}-{abi}-{platform}.whl`
    /// (PEP 427).
    Wheel {
        /// The project name, normalised (PEP 503).
        project: String,
        /// The version.
        version: Version,
        /// `(leading number without leading zeros, rest)`.
        build: Option<(String, String)>,
        /// The compressed tag set, lowercased, as its three components;
        /// it stands for their cross product.
        tags: WheelTags,
    },
}

/// A wheel's compressed tag set (`{python}-{abi}-{platform}`, each a
/// `.`-separated set), lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WheelTags {
    /// Python (interpreter) tags, e.g. `py3`, `cp312`.
    pub python: BTreeSet<String>,
    /// ABI tags, e.g. `none`, `abi3`.
    pub abi: BTreeSet<String>,
    /// Platform tags, e.g. `any`, `manylinux_2_17_x86_64`.
    pub platform: BTreeSet<String>,
}

impl DistName {
    /// Parses a wheel (`.whl`) or sdist (`.tar.gz`, `.zip`) file name of at
    /// most [`MAX_FILE_NAME_BYTES`].
    pub fn parse(name: &str) -> Result<DistName, String> {
        if name.len() > MAX_FILE_NAME_BYTES {
            // Only the start: the name may be many kilobytes.
            let start: String = name.chars().take(40).collect();
            return Err(format!(
                "distribution file name {start:?}... is {} bytes long; a file name is at most \
                 {MAX_FILE_NAME_BYTES} bytes",
                name.len()
            ));
        }
        if let Some(stem) = name.strip_suffix(".whl") {
            parse_wheel(stem).map_err(|e| format!("invalid wheel file name {name:?}: {e}"))
        } else if let Some(stem) = name
            .strip_suffix(".tar.gz")
            .or_else(|| name.strip_suffix(".zip"))
        {
            parse_sdist(stem).map_err(|e| format!("invalid sdist file name {name:?}: {e}"))
        } else {
            Err(format!(
                "unknown distribution format: {name:?} (expected a .whl, .tar.gz or .zip file name)"
            ))
        }
    }

    /// The normalised project name.
    pub fn project(&self) -> &str {
        match self {
            DistName::Sdist { project, .. } | DistName::Wheel { project, .. } => project,
        }
    }
}

/// PEP 503 normalisation: runs of `-`, `_`, `.` become one `-`, lowercased.
pub fn normalize_project_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut in_sep = false;
    for ch in name.chars() {
        if matches!(ch, '-' | '_' | '.') {
            if !in_sep {
                out.push('-');
            }
            in_sep = true;
        } else {
            out.extend(ch.to_lowercase());
            in_sep = false;
        }
    }
    out
}

fn parse_sdist(stem: &str) -> Result<DistName, String> {
    // A PEP 440 version has no dash, so the name ends at the last one.
    let (project, version) = stem
        .rsplit_once('-')
        .ok_or("expected NAME-VERSION before the extension")?;
    if project.is_empty() {
        return Err("empty project name".into());
    }
    Ok(DistName::Sdist {
        project: normalize_project_name(project),
        version: Version::parse(version)?,
    })
}

fn regex(cell: &'static OnceLock<Option<Regex>>, pattern: &str) -> Result<&'static Regex, String> {
    cell.get_or_init(|| Regex::new(pattern).ok())
        .as_ref()
        .ok_or_else(|| format!("internal error: bad pattern {pattern:?}"))
}

fn parse_wheel(stem: &str) -> Result<DistName, String> {
    static NAME: OnceLock<Option<Regex>> = OnceLock::new();
    static BUILD: OnceLock<Option<Regex>> = OnceLock::new();
    static IDENT: OnceLock<Option<Regex>> = OnceLock::new();

    // {name}-{version}(-{build})?-{python}-{abi}-{platform}
    let dashes = stem.matches('-').count();
    if dashes != 4 && dashes != 5 {
        return Err(format!(
            "expected 5 or 6 dash-separated parts, found {}",
            dashes + 1
        ));
    }
    let parts: Vec<&str> = stem.splitn(dashes - 1, '-').collect();
    let (name, version, tag) = match parts.as_slice() {
        [n, v, t] => (*n, *v, *t),
        [n, v, _, t] => (*n, *v, *t),
        _ => return Err("malformed parts".into()),
    };
    // PEP 427 escapes runs of separators in the name to a single `_`.
    if name.contains("__") || !regex(&NAME, r"^[\w._]+$")?.is_match(name) {
        return Err(format!("invalid project name {name:?}"));
    }
    let version = Version::parse(version)?;
    let build = if dashes == 5 {
        let b = parts[2];
        let caps = regex(&BUILD, r"^([0-9]+)([^\n]*)$")?
            .captures(b)
            .ok_or_else(|| format!("invalid build tag {b:?} (must start with a digit)"))?;
        Some((strip_zeros(&caps[1]), caps[2].to_owned()))
    } else {
        None
    };
    let fields: Vec<Vec<&str>> = tag.split('-').map(|c| c.split('.').collect()).collect();
    let [interpreters, abis, platforms] = fields.as_slice() else {
        return Err(format!("tag {tag:?} must have exactly three components"));
    };
    if fields.iter().flatten().any(|p| p.is_empty()) {
        return Err(format!("tag {tag:?} has an empty component"));
    }
    let ident = regex(&IDENT, r"^[\p{XID_Start}_]\p{XID_Continue}*$")?;
    if let Some(bad) = interpreters.iter().find(|i| !ident.is_match(i)) {
        return Err(format!("tag {tag:?} has an invalid interpreter {bad:?}"));
    }
    let set = |parts: &[&str]| parts.iter().map(|p| p.to_lowercase()).collect();
    let tags = WheelTags {
        python: set(interpreters),
        abi: set(abis),
        platform: set(platforms),
    };
    Ok(DistName::Wheel {
        project: normalize_project_name(name),
        version,
        build,
        tags,
    })
}

/// Decimal digits without leading zeros (`"0"` for zero): integer equality
/// without a size limit.
fn strip_zeros(digits: &str) -> String {
    let s = digits.trim_start_matches('0');
    if s.is_empty() {
        "0".into()
    } else {
        s.into()
    }
}

/// A PEP 440 version reduced to what its equality compares: epoch, release
/// without trailing zeros, pre-, post- and dev-release, local segments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Version {
    epoch: String,
    release: Vec<String>,
    pre: Option<(&'static str, String)>,
    post: Option<String>,
    dev: Option<String>,
    local: Vec<LocalPart>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum LocalPart {
    Num(String),
    Text(String),
}

impl Version {
    /// Parses a version as `packaging.version.Version` does (PEP 440,
    /// "Appendix B: Parsing version strings with regular expressions").
    pub fn parse(s: &str) -> Result<Version, String> {
        static RE: OnceLock<Option<Regex>> = OnceLock::new();
        let re = regex(
            &RE,
            r"(?xi)^\s*
            v?
            (?:(?P<epoch>[0-9]+)!)?
            (?P<release>[0-9]+(?:\.[0-9]+)*)
            (?:[._-]?(?P<pre_l>alpha|a|beta|b|preview|pre|c|rc)[._-]?(?P<pre_n>[0-9]+)?)?
            (?:
                -(?P<post_n1>[0-9]+)
              | [._-]?(?P<post_l>post|rev|r)[._-]?(?P<post_n2>[0-9]+)?
            )?
            (?:[._-]?(?P<dev_l>dev)[._-]?(?P<dev_n>[0-9]+)?)?
            (?:\+(?P<local>[a-z0-9]+(?:[._-][a-z0-9]+)*))?
            \s*$",
        )?;
        let c = re
            .captures(s)
            .ok_or_else(|| format!("invalid version {s:?} (not PEP 440)"))?;
        let num = |name: &str| c.name(name).map(|m| strip_zeros(m.as_str()));
        let mut release: Vec<String> = c
            .name("release")
            .map(|m| m.as_str().split('.').map(strip_zeros).collect())
            .unwrap_or_default();
        while release.len() > 1 && release.last().is_some_and(|r| r == "0") {
            release.pop();
        }
        let pre = c.name("pre_l").map(|l| {
            let kind = match l.as_str().to_ascii_lowercase().as_str() {
                "alpha" | "a" => "a",
                "beta" | "b" => "b",
                _ => "rc",
            };
            (kind, num("pre_n").unwrap_or_else(|| "0".into()))
        });
        let post = if c.name("post_n1").is_some() {
            num("post_n1")
        } else {
            c.name("post_l")
                .map(|_| num("post_n2").unwrap_or_else(|| "0".into()))
        };
        let dev = c
            .name("dev_l")
            .map(|_| num("dev_n").unwrap_or_else(|| "0".into()));
        let local = c
            .name("local")
            .map(|m| {
                m.as_str()
                    .split(['.', '_', '-'])
                    .map(|p| {
                        if p.bytes().all(|b| b.is_ascii_digit()) {
                            LocalPart::Num(strip_zeros(p))
                        } else {
                            LocalPart::Text(p.to_ascii_lowercase())
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        Ok(Version {
            epoch: num("epoch").unwrap_or_else(|| "0".into()),
            release,
            pre,
            post,
            dev,
            local,
        })
    }
}
