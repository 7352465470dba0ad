//! The instance's package index: in memory, a PEP 503/691 simple API with
//! PEP 740 provenance, file downloads, PyPI's integrity API and the legacy
//! upload API twine speaks, on its own 127.0.0.1 port.
//!
//! | route | answer |
//! |---|---|
//! | `GET /simple/` | the project list (HTML or JSON, PEP 691 negotiation) |
//! | `GET /simple/<project>/` | the project's files; a name that is not PEP 503-normalized redirects (301) |
//! | `GET /files/<filename>` | the file |
//! | `GET /integrity/<project>/<version>/<filename>/provenance` | the file's provenance object (`application/vnd.pypi.integrity.v1+json`), 404 without one |
//! | `POST /legacy/` | an upload (`multipart/form-data`, `:action=file_upload`) |
//!
//! An upload, in order (Warehouse's `forklift/legacy.py`, reduced to what
//! an index of attestations needs; refusals answer 400 or 403 with the
//! reason in the status line, as Warehouse does, and store nothing):
//! 1. the credential (HTTP Basic): a password that is an identity token
//!    must verify with the instance's issuer, and is then the upload of a
//!    Trusted Publisher; any other password is an API token's;
//! 2. the form parses, `:action` is `file_upload`, `protocol_version` 1,
//!    `name` a valid project name, `version` a PEP 440 version, `filetype`
//!    `sdist` or `bdist_wheel`, and there is one `content` file;
//! 3. a token's claims map to one of the project's Trusted Publishers
//!    ([`publishers::match_claims`]), else 403;
//! 4. the file name parses, for this project and version and file type;
//! 5. `sha256_digest` is the content's SHA-256 (the index checks no other
//!    digest: `md5_digest` and `blake2_256_digest` are ignored);
//! 6. the file name is new (an identical file again is accepted and changes
//!    nothing, as on PyPI);
//! 7. with an `attestations` field, the publisher's kind is one PyPI takes
//!    attestations from (not CircleCI), [`check_upload`] accepts them for
//!    the publisher (none for an API token) and [`build_provenance`] makes
//!    the provenance object served for the file;
//! 8. the file is stored.

mod multipart;
pub mod publishers;
mod simple;

#[cfg(test)]
mod tests;

use super::http::{Request, Response};
use super::oidc::{Issuer, AUDIENCE};
use crate::pep740::dist::{normalize_project_name, DistName, Version};
use crate::pep740::upload::{build_provenance, check_upload, HTTP_400_PREFIX};
use crate::pep740::{Distribution, Publisher};
use crate::tuf::updater::quote;
use crate::verify::Verifier;
use base64::engine::general_purpose::{STANDARD as B64, URL_SAFE_NO_PAD as B64URL};
use base64::Engine as _;
use serde_json::{json, Map, Value};
use sha2::{Digest as _, Sha256};
use simple::{FileEntry, Format};
use std::collections::BTreeMap;
use std::sync::{Mutex, MutexGuard};

/// The integrity API's media type (PyPI's).
pub const INTEGRITY_MEDIA_TYPE: &str = "application/vnd.pypi.integrity.v1+json";

/// The refusal Warehouse gives an upload without usable credentials.
const INVALID_AUTH: &str = "Invalid or non-existent authentication information. \
                            See https://pypi.org/help/#invalid-auth for more information.";

struct StoredFile {
    filename: String,
    version: String,
    sha256: String,
    data: Vec<u8>,
    requires_python: Option<String>,
    upload_time: String,
    /// The provenance object's JSON, for an upload with attestations.
    provenance: Option<String>,
}

struct Project {
    /// The name as first uploaded.
    name: String,
    files: Vec<StoredFile>,
}

/// The index: its files, and each project's Trusted Publishers.
pub struct Index {
    url: String,
    verifier: Verifier,
    /// Keyed by the normalized project name.
    projects: Mutex<BTreeMap<String, Project>>,
    publishers: Mutex<BTreeMap<String, Vec<Publisher>>>,
}

/// Who uploads.
enum Uploader {
    TrustedPublisher(Map<String, Value>),
    ApiToken,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A handler that panicked cannot have left a half-made entry: every
    // change is one insert.
    m.lock().unwrap_or_else(|e| e.into_inner())
}

fn bad(message: impl AsRef<str>) -> Response {
    Response::text_with_reason(400, message.as_ref())
}

fn forbidden(message: impl AsRef<str>) -> Response {
    Response::text_with_reason(403, message.as_ref())
}

impl Index {
    /// An empty index served at `url`, checking attestations with `verifier`.
    pub fn new(url: String, verifier: Verifier) -> Index {
        Index {
            url,
            verifier,
            projects: Mutex::new(BTreeMap::new()),
            publishers: Mutex::new(BTreeMap::new()),
        }
    }

    /// The base URL (`http://127.0.0.1:PORT`).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The simple API's base URL (`…/simple/`).
    pub fn simple_url(&self) -> String {
        format!("{}/simple/", self.url)
    }

    /// The legacy upload API's URL (`…/legacy/`).
    pub fn upload_url(&self) -> String {
        format!("{}/legacy/", self.url)
    }

    /// Adds a Trusted Publisher for `project` (any spelling of its name).
    pub fn add_trusted_publisher(&self, project: &str, publisher: Publisher) {
        let mut all = lock(&self.publishers);
        let list = all.entry(normalize_project_name(project)).or_default();
        if !list.contains(&publisher) {
            list.push(publisher);
        }
    }

    pub fn handle(&self, req: &Request, issuer: &Issuer) -> Response {
        let segments: Vec<String> = req.path.trim_matches('/').split('/').map(unquote).collect();
        let segs: Vec<&str> = segments.iter().map(String::as_str).collect();
        let get = req.method == "GET" || req.method == "HEAD";
        match segs.as_slice() {
            ["simple"] if get => self.index_page(req),
            ["simple", project] if get => self.project_page(req, project),
            ["files", filename] if get => self.download(filename),
            ["integrity", project, version, filename, "provenance"] if get => {
                self.provenance(project, version, filename)
            }
            ["legacy"] | [""] if req.method == "POST" => match self.upload(req, issuer) {
                Ok(()) => Response::bytes(200, "text/plain; charset=utf-8", b"OK".to_vec()),
                Err(refused) => refused,
            },
            _ => Response::not_found(req),
        }
    }

    fn format(req: &Request) -> Result<Format, Response> {
        // PyPI's `?format=` overrides the Accept header. Its `+` is the
        // media type's (`…v1+json`), never an encoded space.
        let format = req
            .query
            .split('&')
            .find_map(|pair| pair.strip_prefix("format="))
            .map(unquote);
        let asked = format.as_deref().or(req.header("Accept"));
        simple::negotiate(asked).ok_or_else(|| {
            Response::error(
                406,
                format!(
                    "none of {asked:?} is served; ask for {}, {} or {}",
                    simple::JSON,
                    simple::HTML,
                    simple::TEXT_HTML
                ),
            )
        })
    }

    fn index_page(&self, req: &Request) -> Response {
        let format = match Self::format(req) {
            Ok(f) => f,
            Err(r) => return r,
        };
        let projects = lock(&self.projects);
        let list: Vec<(&str, String)> = projects
            .iter()
            .map(|(key, p)| (p.name.as_str(), format!("{}/simple/{key}/", self.url)))
            .collect();
        Response::bytes(
            200,
            format.content_type(),
            simple::index_page(format, &list),
        )
    }

    fn project_page(&self, req: &Request, name: &str) -> Response {
        let key = normalize_project_name(name);
        if key != name {
            // PyPI redirects every other spelling to the normalized name.
            let mut r = Response::redirect(&format!("{}/simple/{}/", self.url, quote(&key)));
            r.status = 301;
            return r;
        }
        let format = match Self::format(req) {
            Ok(f) => f,
            Err(r) => return r,
        };
        let projects = lock(&self.projects);
        let Some(project) = projects.get(&key) else {
            return Response::error(404, format!("no project {name:?} on this index"));
        };
        let mut versions: Vec<String> = Vec::new();
        for f in &project.files {
            if !versions.contains(&f.version) {
                versions.push(f.version.clone());
            }
        }
        let files: Vec<FileEntry<'_>> = project
            .files
            .iter()
            .map(|f| FileEntry {
                filename: &f.filename,
                url: format!("{}/files/{}", self.url, quote(&f.filename)),
                sha256: &f.sha256,
                size: f.data.len(),
                upload_time: &f.upload_time,
                requires_python: f.requires_python.as_deref(),
                provenance: f
                    .provenance
                    .as_ref()
                    .map(|_| self.integrity_url(&key, &f.version, &f.filename)),
            })
            .collect();
        let body = simple::project_page(format, &project.name, &versions, &files);
        Response::bytes(200, format.content_type(), body)
    }

    fn integrity_url(&self, project: &str, version: &str, filename: &str) -> String {
        format!(
            "{}/integrity/{}/{}/{}/provenance",
            self.url,
            quote(project),
            quote(version),
            quote(filename)
        )
    }

    fn download(&self, filename: &str) -> Response {
        let projects = lock(&self.projects);
        match projects
            .values()
            .flat_map(|p| &p.files)
            .find(|f| f.filename == filename)
        {
            Some(f) => Response::bytes(200, "application/octet-stream", f.data.clone()),
            None => Response::error(404, format!("no file {filename:?} on this index")),
        }
    }

    fn provenance(&self, project: &str, version: &str, filename: &str) -> Response {
        let key = normalize_project_name(project);
        let projects = lock(&self.projects);
        let file = projects.get(&key).and_then(|p| {
            p.files.iter().find(|f| {
                f.filename == filename && same_version(&f.version, version).unwrap_or(false)
            })
        });
        let not_found = |m: String| Response::json(404, &json!({"message": m}));
        match file {
            None => not_found(format!(
                "no file {filename:?} of {project} {version} on this index"
            )),
            Some(StoredFile {
                provenance: None, ..
            }) => not_found(format!("No provenance available for {filename}")),
            Some(StoredFile {
                provenance: Some(p),
                ..
            }) => Response::bytes(200, INTEGRITY_MEDIA_TYPE, p.clone().into_bytes()),
        }
    }

    /// The upload steps of the module documentation.
    fn upload(&self, req: &Request, issuer: &Issuer) -> Result<(), Response> {
        // Step 1.
        let uploader = credential(req, issuer)?;
        self.upload_by(req, uploader)
    }

    /// Steps 2 to 8, for an authenticated `uploader`.
    fn upload_by(&self, req: &Request, uploader: Uploader) -> Result<(), Response> {
        // Step 2.
        let form = Form::parse(req)?;
        match form.text(":action")? {
            Some("file_upload") => {}
            Some(other) => {
                return Err(bad(format!(
                    "Unknown action {other:?}: only file_upload is supported"
                )))
            }
            None => return Err(bad("Missing :action field: expected :action=file_upload")),
        }
        match form.text("protocol_version")? {
            Some("1") | None => {}
            Some(other) => {
                return Err(bad(format!(
                    "Unknown protocol version {other:?}: expected 1"
                )))
            }
        }
        let name = form.required("name")?;
        if !valid_project_name(name) {
            return Err(bad(format!(
                "Invalid value for name: {name:?}. Must start and end with a letter or numeral \
                 and contain only ascii numeric and '.', '_' and '-'."
            )));
        }
        let version = form.required("version")?;
        let parsed_version = Version::parse(version)
            .map_err(|e| bad(format!("Invalid value for version: {version:?}: {e}")))?;
        let filetype = form.required("filetype")?;
        if filetype != "sdist" && filetype != "bdist_wheel" {
            return Err(bad(format!(
                "Invalid value for filetype: {filetype:?}. Use sdist or bdist_wheel."
            )));
        }
        let content = form.file("content")?;
        let filename = content.filename.as_deref().unwrap_or_default();
        let project = normalize_project_name(name);
        // Step 3.
        let publisher = match &uploader {
            Uploader::ApiToken => None,
            Uploader::TrustedPublisher(claims) => {
                let all = lock(&self.publishers);
                let configured = all.get(&project).map(Vec::as_slice).unwrap_or_default();
                let p = publishers::match_claims(claims, configured).map_err(|why| {
                    forbidden(format!(
                        "The identity token is not a Trusted Publisher of project {name:?}: {why}"
                    ))
                })?;
                Some(p.clone())
            }
        };
        // Step 4.
        let parsed = DistName::parse(filename)
            .map_err(|e| bad(format!("Invalid distribution file name: {e}")))?;
        let (file_project, file_version, is_wheel) = match &parsed {
            DistName::Sdist { project, version } => (project, version, false),
            DistName::Wheel {
                project, version, ..
            } => (project, version, true),
        };
        if *file_project != project {
            return Err(bad(format!(
                "The filename {filename:?} is not for project {name:?}: its project is \
                 {file_project:?}, expected {project:?}"
            )));
        }
        if *file_version != parsed_version {
            return Err(bad(format!(
                "The filename {filename:?} is not for version {version:?} of {name:?}"
            )));
        }
        if is_wheel != (filetype == "bdist_wheel") {
            return Err(bad(format!(
                "The filename {filename:?} is not a {filetype} file"
            )));
        }
        // Step 5.
        let sha256 = hex::encode(Sha256::digest(&content.data));
        match form.text("sha256_digest")? {
            Some(d) if d.eq_ignore_ascii_case(&sha256) => {}
            Some(d) => {
                return Err(bad(format!(
                    "The digest supplied does not match a digest calculated from the uploaded \
                     file: sha256_digest is {d:?}, the file's SHA-256 is {sha256:?}"
                )))
            }
            None => {
                return Err(bad(
                    "Missing sha256_digest field: this index checks the file's SHA-256",
                ))
            }
        }
        // Step 6, first without the lock held through verification; again
        // when storing.
        if let Some(response) = self.existing(filename, &sha256) {
            return response;
        }
        // Step 7.
        let provenance = match form.text("attestations")? {
            None => None,
            Some(attestations) => {
                if let Some(p) = publisher.as_ref().filter(|p| !attests(p)) {
                    return Err(bad(format!(
                        "{HTTP_400_PREFIX}Attestations are not currently supported with {} \
                         publishers",
                        p.kind()
                    )));
                }
                let dist = Distribution::new(filename, &sha256)
                    .map_err(|e| bad(format!("Invalid distribution: {e}")))?;
                let accepted = check_upload(
                    &self.verifier,
                    &dist,
                    attestations.as_bytes(),
                    publisher.as_ref(),
                )
                .map_err(|e| bad(e.http_message()))?;
                let attestations: Vec<_> = accepted.into_iter().map(|a| a.attestation).collect();
                // check_upload accepted attestations only with a publisher.
                let publisher = publisher.as_ref().ok_or_else(|| {
                    bad("Attestations are only supported when using Trusted Publishing")
                })?;
                let json = build_provenance(publisher, &attestations)
                    .to_json()
                    .map_err(|e| {
                        Response::error(500, format!("serializing the provenance: {e}"))
                    })?;
                Some(json)
            }
        };
        // Step 8.
        let mut projects = lock(&self.projects);
        if let Some(response) = existing_in(&projects, filename, &sha256) {
            return response;
        }
        let entry = projects.entry(project).or_insert_with(|| Project {
            name: name.to_string(),
            files: Vec::new(),
        });
        entry.files.push(StoredFile {
            filename: filename.to_string(),
            version: version.to_string(),
            sha256,
            data: content.data.clone(),
            requires_python: form
                .text("requires_python")?
                .filter(|s| !s.is_empty())
                .map(str::to_string),
            upload_time: super::rfc3339(super::now()),
            provenance,
        });
        Ok(())
    }

    /// Step 6: `Some(Ok(()))` for an identical file (nothing to do),
    /// `Some(Err(…))` for another file of that name.
    fn existing(&self, filename: &str, sha256: &str) -> Option<Result<(), Response>> {
        existing_in(&lock(&self.projects), filename, sha256)
    }
}

fn existing_in(
    projects: &BTreeMap<String, Project>,
    filename: &str,
    sha256: &str,
) -> Option<Result<(), Response>> {
    let f = projects
        .values()
        .flat_map(|p| &p.files)
        .find(|f| f.filename == filename)?;
    Some(if f.sha256 == sha256 {
        Ok(())
    } else {
        Err(bad(format!(
            "File already exists ({filename:?}, with sha256 hash {:?}). A file name can be \
             used only once.",
            f.sha256
        )))
    })
}

/// Whether PyPI accepts attestations from uploads of `publisher`'s kind:
/// Warehouse has no attestation identity for CircleCI publishers yet (its
/// `oidc/models/circleci.py`), though pypi-attestations 0.0.30 has one.
fn attests(publisher: &Publisher) -> bool {
    !matches!(publisher, Publisher::CircleCI { .. })
}

/// Step 1: the upload's credential.
fn credential(req: &Request, issuer: &Issuer) -> Result<Uploader, Response> {
    let basic = req
        .header("Authorization")
        .and_then(|h| {
            h.strip_prefix("Basic ")
                .or_else(|| h.strip_prefix("basic "))
        })
        .and_then(|b| B64.decode(b.trim()).ok())
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| forbidden(INVALID_AUTH))?;
    let (_, password) = basic
        .split_once(':')
        .ok_or_else(|| forbidden(INVALID_AUTH))?;
    if !looks_like_jwt(password) {
        return Ok(Uploader::ApiToken);
    }
    verified_claims(issuer, password)
        .map(Uploader::TrustedPublisher)
        .map_err(|e| forbidden(format!("Invalid identity token: {e}")))
}

/// A JWS compact serialization whose header is a JSON object naming an
/// algorithm: an identity token, which must then verify (an API token
/// never looks like one).
fn looks_like_jwt(s: &str) -> bool {
    let mut parts = s.split('.');
    let header = parts.next().unwrap_or_default();
    parts.count() == 2
        && B64URL
            .decode(header)
            .ok()
            .and_then(|h| serde_json::from_slice::<Map<String, Value>>(&h).ok())
            .is_some_and(|h| h.contains_key("alg"))
}

/// The claims of a token the instance's issuer verifies, for the audience
/// Sigstore clients ask for or the one PyPI's token exchange takes.
fn verified_claims(issuer: &Issuer, token: &str) -> Result<Map<String, Value>, String> {
    Ok(issuer.verify_for(token, &[AUDIENCE, "pypi"])?.claims)
}

/// Warehouse's project name rule: ASCII letters and digits, with `.`, `_`
/// and `-` inside.
fn valid_project_name(name: &str) -> bool {
    let b = name.as_bytes();
    let inner = |c: &u8| c.is_ascii_alphanumeric() || b"._-".contains(c);
    match (b.first(), b.last()) {
        (Some(f), Some(l)) => {
            f.is_ascii_alphanumeric() && l.is_ascii_alphanumeric() && b.iter().all(inner)
        }
        _ => false,
    }
}

fn same_version(a: &str, b: &str) -> Result<bool, String> {
    Ok(Version::parse(a)? == Version::parse(b)?)
}

/// Percent-decodes one path segment (`+` stays: it is a path character).
fn unquote(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let hex = b
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (b[i], hex) {
            (b'%', Some(v)) => {
                out.push(v);
                i += 3;
            }
            (c, _) => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A parsed upload form.
struct Form(Vec<multipart::Part>);

impl Form {
    fn parse(req: &Request) -> Result<Form, Response> {
        let content_type = req.header("Content-Type").ok_or_else(|| {
            bad("Malformed upload: no Content-Type, expected multipart/form-data")
        })?;
        let boundary =
            multipart::boundary(content_type).map_err(|e| bad(format!("Malformed upload: {e}")))?;
        multipart::parse(&req.body, &boundary)
            .map(Form)
            .map_err(|e| bad(format!("Malformed upload: {e}")))
    }

    /// The one part named `name`, if any.
    fn part(&self, name: &str) -> Result<Option<&multipart::Part>, Response> {
        let mut found = self.0.iter().filter(|p| p.name == name);
        let first = found.next();
        if found.next().is_some() {
            return Err(bad(format!(
                "Malformed upload: the field {name:?} is given more than once"
            )));
        }
        Ok(first)
    }

    /// A text field, which must not be a file.
    fn text(&self, name: &str) -> Result<Option<&str>, Response> {
        let Some(part) = self.part(name)? else {
            return Ok(None);
        };
        if part.filename.is_some() {
            return Err(bad(format!(
                "Malformed upload: the field {name:?} is a file, expected text"
            )));
        }
        std::str::from_utf8(&part.data)
            .map(Some)
            .map_err(|_| bad(format!("Malformed upload: the field {name:?} is not UTF-8")))
    }

    fn required(&self, name: &str) -> Result<&str, Response> {
        self.text(name)?
            .filter(|v| !v.trim().is_empty())
            .ok_or_else(|| bad(format!("Missing {name} field")))
    }

    fn file(&self, name: &str) -> Result<&multipart::Part, Response> {
        match self.part(name)? {
            Some(p) if p.filename.as_deref().is_some_and(|f| !f.is_empty()) => Ok(p),
            Some(_) => Err(bad(format!(
                "Malformed upload: the field {name:?} is not a file (no filename)"
            ))),
            None => Err(bad("Upload payload does not have a file.")),
        }
    }
}
