//! A project page of the simple repository API, parsed (sans-IO): PEP 691
//! JSON, or PEP 503 HTML, each file with its URL resolved against the page
//! (RFC 3986 §5), its `sha256`, PEP 740 `provenance` URL and PEP 592 yank.
//!
//! PEP 691 JSON (`application/vnd.pypi.simple.v1+json`):
//!
//! ```text
//! { "meta": {"api-version": "1.x"}, "name": NAME,
//!   "files": [ { "filename": F, "url": U, "hashes": {"sha256": HEX, ...},
//!                "requires-python": S?, "yanked": bool | REASON,
//!                "provenance": URL | null }, ... ] }
//! ```
//!
//! PEP 503 HTML: `<a href="U#sha256=HEX" data-provenance="URL"
//! data-yanked="REASON" data-requires-python="S">F</a>`.

use crate::error::{Error, Result};
use crate::pep740::dist::{normalize_project_name, DistName, Version};
use regex::Regex;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// PEP 691's JSON media type.
pub const JSON_MEDIA_TYPE: &str = "application/vnd.pypi.simple.v1+json";
/// PEP 691's HTML media type.
pub const HTML_MEDIA_TYPE: &str = "application/vnd.pypi.simple.v1+html";
/// What a client asks for: JSON first, HTML (PEP 503) as a fallback.
pub const ACCEPT: &str = "application/vnd.pypi.simple.v1+json, \
                          application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.1";

/// One file a project page lists.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct IndexFile {
    /// The file name (a wheel or sdist name; never a path).
    pub filename: String,
    /// Where to download it, absolute.
    pub url: String,
    /// Its SHA-256 as the index gives it (lowercase hex), if it gives one.
    pub sha256: Option<String>,
    /// Its PEP 740 provenance URL, absolute, if the index names one.
    pub provenance_url: Option<String>,
    /// `Some(reason)` if the file is yanked (PEP 592; the reason may be empty).
    pub yanked: Option<String>,
    /// The `Requires-Python` the index gives, if any.
    pub requires_python: Option<String>,
}

impl IndexFile {
    /// The version in the file name, as written there (the integrity API's
    /// path segment). `None` for a name that is not a wheel or sdist name.
    pub fn version(&self) -> Option<&str> {
        file_version(&self.filename)
    }
}

/// A project's page of the simple API.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectPage {
    /// The project's name (PEP 691 `name`; for HTML, the name asked for).
    pub name: String,
    /// The page's URL (what relative file URLs resolved against).
    pub url: String,
    /// Its files, in the page's order.
    pub files: Vec<IndexFile>,
}

impl ProjectPage {
    /// The files of release `version` (compared as PEP 440 versions, so
    /// `1.0` names `x-1.0.0.tar.gz` too). Files whose names do not parse as
    /// a wheel or sdist of this project are not part of any release.
    pub fn release(&self, version: &str) -> Result<Vec<&IndexFile>> {
        let want = Version::parse(version).map_err(Error::InvalidInput)?;
        let project = normalize_project_name(&self.name);
        Ok(self
            .files
            .iter()
            .filter(|f| match DistName::parse(&f.filename) {
                Ok(DistName::Sdist {
                    project: p,
                    version: v,
                })
                | Ok(DistName::Wheel {
                    project: p,
                    version: v,
                    ..
                }) => p == project && v == want,
                Err(_) => false,
            })
            .collect())
    }

    /// The file named `filename`.
    pub fn file(&self, filename: &str) -> Option<&IndexFile> {
        self.files.iter().find(|f| f.filename == filename)
    }
}

/// The version component of a wheel or sdist file name, as written.
pub fn file_version(filename: &str) -> Option<&str> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        stem.split('-').nth(1)
    } else {
        let stem = filename
            .strip_suffix(".tar.gz")
            .or_else(|| filename.strip_suffix(".zip"))?;
        stem.rsplit_once('-').map(|(_, v)| v)
    }
}

/// `href` resolved against `base` (RFC 3986 §5.2). Only http(s) results
/// are accepted: a page cannot send the client to `file:` or elsewhere.
pub fn resolve_url(base: &str, href: &str) -> Result<String> {
    let base = url::Url::parse(base)
        .map_err(|e| Error::InvalidInput(format!("{base:?} is not a URL: {e}")))?;
    let joined = base
        .join(href)
        .map_err(|e| Error::InvalidInput(format!("{href:?} (relative to {base}): {e}")))?;
    match joined.scheme() {
        "http" | "https" => Ok(joined.to_string()),
        other => Err(Error::InvalidInput(format!(
            "{href:?} (relative to {base}) is a {other}: URL; only http(s) URLs are followed"
        ))),
    }
}

/// The URL of `project`'s page under the simple API at `index_url`
/// (its name PEP 503-normalized, as an index redirects to).
pub fn project_url(index_url: &str, project: &str) -> Result<String> {
    let name = normalize_project_name(project);
    if name.is_empty() || !name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-') {
        return Err(Error::InvalidInput(format!(
            "{project:?} is not a valid project name"
        )));
    }
    let base = if index_url.ends_with('/') {
        index_url.to_owned()
    } else {
        format!("{index_url}/")
    };
    resolve_url(&base, &format!("{name}/"))
}

/// PyPI's integrity API URL for a file's provenance:
/// `{origin}/integrity/{project}/{version}/{filename}/provenance`, the
/// origin (scheme, host, port) being the simple API's.
pub fn integrity_url(index_url: &str, filename: &str) -> Result<String> {
    let name = DistName::parse(filename).map_err(Error::InvalidInput)?;
    let version = file_version(filename)
        .ok_or_else(|| Error::InvalidInput(format!("{filename:?} names no version")))?;
    let base = url::Url::parse(index_url)
        .map_err(|e| Error::InvalidInput(format!("{index_url:?} is not a URL: {e}")))?;
    let mut u = base.clone();
    u.set_query(None);
    u.set_fragment(None);
    u.path_segments_mut()
        .map_err(|()| Error::InvalidInput(format!("{index_url:?} cannot have a path")))?
        .clear()
        .extend(["integrity", name.project(), version, filename, "provenance"]);
    resolve_url(u.as_str(), "")
}

fn page_error(url: &str, reason: impl std::fmt::Display) -> Error {
    Error::InvalidInput(format!("the project page {url} is malformed: {reason}"))
}

/// Parses a project page by its content type: PEP 691 JSON, else HTML.
pub fn parse_project_page(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &str,
    project: &str,
) -> Result<ProjectPage> {
    let media = content_type
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match media.as_str() {
        JSON_MEDIA_TYPE | "application/json" => parse_json_page(body, page_url),
        HTML_MEDIA_TYPE | "text/html" | "" => parse_html_page(body, page_url, project),
        other => Err(page_error(
            page_url,
            format!("content type {other:?} is neither PEP 691 JSON nor HTML"),
        )),
    }
}

#[derive(Deserialize)]
struct JsonPage {
    meta: JsonMeta,
    name: String,
    files: Vec<JsonFile>,
}

#[derive(Deserialize)]
struct JsonMeta {
    #[serde(rename = "api-version")]
    api_version: String,
}

#[derive(Deserialize)]
struct JsonFile {
    filename: String,
    url: String,
    hashes: BTreeMap<String, String>,
    #[serde(rename = "requires-python", default)]
    requires_python: Option<String>,
    #[serde(default)]
    yanked: Option<Yanked>,
    #[serde(default)]
    provenance: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Yanked {
    Flag(bool),
    Reason(String),
}

/// PEP 691 JSON. A major `api-version` other than 1 is refused (PEP 629:
/// clients must not guess at an incompatible format).
pub fn parse_json_page(body: &[u8], page_url: &str) -> Result<ProjectPage> {
    let page: JsonPage = serde_json::from_slice(body).map_err(|e| page_error(page_url, e))?;
    let major = page.meta.api_version.split('.').next().unwrap_or_default();
    if major != "1" {
        return Err(page_error(
            page_url,
            format!(
                "api-version {:?} is not 1.x, the version this client reads",
                page.meta.api_version
            ),
        ));
    }
    let files = page
        .files
        .into_iter()
        .map(|f| {
            let yanked = match f.yanked {
                None | Some(Yanked::Flag(false)) => None,
                Some(Yanked::Flag(true)) => Some(String::new()),
                Some(Yanked::Reason(r)) => Some(r),
            };
            entry(
                page_url,
                &f.filename,
                &f.url,
                f.hashes.get("sha256").map(String::as_str),
                f.provenance.as_deref(),
                yanked,
                f.requires_python,
            )
        })
        .collect::<Result<Vec<_>>>()?;
    Ok(ProjectPage {
        name: page.name,
        url: page_url.to_owned(),
        files,
    })
}

fn entry(
    page_url: &str,
    filename: &str,
    href: &str,
    sha256: Option<&str>,
    provenance: Option<&str>,
    yanked: Option<String>,
    requires_python: Option<String>,
) -> Result<IndexFile> {
    // The name becomes a path when the file is saved: it must be one
    // component.
    if filename.is_empty()
        || filename.contains(['/', '\\', '\0'])
        || filename == "."
        || filename == ".."
    {
        return Err(page_error(
            page_url,
            format!("{filename:?} is not a file name"),
        ));
    }
    let sha256 = match sha256 {
        Some(h) if h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()) => {
            Some(h.to_ascii_lowercase())
        }
        Some(h) => {
            return Err(page_error(
                page_url,
                format!("the sha256 of {filename} is {h:?}, not 64 hex digits"),
            ))
        }
        None => None,
    };
    let resolve = |href: &str| resolve_url(page_url, href).map_err(|e| page_error(page_url, e));
    Ok(IndexFile {
        filename: filename.to_owned(),
        url: resolve(href)?,
        sha256,
        provenance_url: provenance.map(resolve).transpose()?,
        yanked,
        requires_python,
    })
}

fn regex(cell: &'static OnceLock<Option<Regex>>, pattern: &str) -> Result<&'static Regex> {
    cell.get_or_init(|| Regex::new(pattern).ok())
        .as_ref()
        .ok_or_else(|| Error::InvalidInput(format!("internal error: bad pattern {pattern}")))
}

/// PEP 503 HTML: every `<a>` with an `href`; its text is the file name.
pub fn parse_html_page(body: &[u8], page_url: &str, project: &str) -> Result<ProjectPage> {
    static ANCHOR: OnceLock<Option<Regex>> = OnceLock::new();
    static ATTR: OnceLock<Option<Regex>> = OnceLock::new();
    let anchor = regex(&ANCHOR, r"(?is)<a(\s[^>]*)?>(.*?)</a\s*>")?;
    let attr = regex(
        &ATTR,
        r#"(?s)([A-Za-z_:][-A-Za-z0-9_:.]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'=<>`]+)))?"#,
    )?;
    let text = std::str::from_utf8(body).map_err(|e| page_error(page_url, e))?;
    let mut files = Vec::new();
    for a in anchor.captures_iter(text) {
        let mut attrs: BTreeMap<String, String> = BTreeMap::new();
        for c in attr.captures_iter(a.get(1).map_or("", |m| m.as_str())) {
            let name = c.get(1).map_or("", |m| m.as_str()).to_ascii_lowercase();
            let value = c
                .get(2)
                .or_else(|| c.get(3))
                .or_else(|| c.get(4))
                .map_or("", |m| m.as_str());
            attrs.entry(name).or_insert_with(|| unescape(value));
        }
        let Some(href) = attrs.get("href") else {
            continue;
        };
        let filename = unescape(a.get(2).map_or("", |m| m.as_str()).trim());
        let (link, fragment) = href.split_once('#').unwrap_or((href, ""));
        let sha256 = fragment.strip_prefix("sha256=");
        files.push(entry(
            page_url,
            &filename,
            link,
            sha256,
            attrs.get("data-provenance").map(String::as_str),
            attrs.get("data-yanked").cloned(),
            attrs.get("data-requires-python").cloned(),
        )?);
    }
    Ok(ProjectPage {
        name: project.to_owned(),
        url: page_url.to_owned(),
        files,
    })
}

/// HTML character references: the named ones an index escapes with, and
/// numeric ones.
fn unescape(s: &str) -> String {
    if !s.contains('&') {
        return s.to_owned();
    }
    let mut out = String::with_capacity(s.len());
    let mut rest = s;
    while let Some(i) = rest.find('&') {
        out.push_str(&rest[..i]);
        rest = &rest[i..];
        let decoded = rest.find(';').filter(|&end| end <= 10).and_then(|end| {
            let name = &rest[1..end];
            let c = match name {
                "amp" => Some('&'),
                "lt" => Some('<'),
                "gt" => Some('>'),
                "quot" => Some('"'),
                "apos" => Some('\''),
                _ => name
                    .strip_prefix("#x")
                    .or_else(|| name.strip_prefix("#X"))
                    .and_then(|h| u32::from_str_radix(h, 16).ok())
                    .or_else(|| name.strip_prefix('#').and_then(|d| d.parse().ok()))
                    .and_then(char::from_u32),
            };
            c.map(|c| (c, end))
        });
        match decoded {
            Some((c, end)) => {
                out.push(c);
                rest = &rest[end + 1..];
            }
            None => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}
