use super::page::{self, integrity_url, parse_project_page, project_url, resolve_url};
use super::*;
use crate::pep740::Publisher;
use crate::test_support::{read, TempDir};
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

fn index_err(e: &Error) -> Option<&IndexError> {
    match e {
        Error::Index(i) => Some(i),
        _ => None,
    }
}

const DIST: &str = "pypi_attestations-0.0.19.tar.gz";

fn dist_bytes() -> Vec<u8> {
    read(&format!("pypi-attestations/{DIST}"))
}

fn provenance_bytes() -> Vec<u8> {
    read(&format!("pypi-attestations/{DIST}.provenance"))
}

fn sha256(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

fn release_yml() -> Publisher {
    Publisher::GitHub {
        repository: "trailofbits/pypi-attestations".into(),
        workflow: "release.yml".into(),
        environment: None,
    }
}

#[test]
fn json_pages_resolve_urls_and_read_pep_740_and_592_keys() {
    let body = serde_json::json!({
        "meta": {"api-version": "1.3"},
        "name": "Demo.Project",
        "files": [
            {"filename": "demo_project-1.0.tar.gz", "url": "../../files/demo_project-1.0.tar.gz",
             "hashes": {"sha256": "AB".repeat(32), "md5": "x"}, "yanked": false,
             "provenance": "/integrity/demo-project/1.0/demo_project-1.0.tar.gz/provenance"},
            {"filename": "demo_project-1.0.0-py3-none-any.whl",
             "url": "https://files.example/w.whl", "hashes": {}, "yanked": "broken",
             "requires-python": ">=3.9", "unknown-key": 1},
            {"filename": "demo_project-2.0.tar.gz", "url": "x.tar.gz", "hashes": {},
             "yanked": true},
        ],
    });
    let url = "https://index.example/simple/demo-project/";
    let p = parse_project_page(
        body.to_string().as_bytes(),
        Some("application/vnd.pypi.simple.v1+json; charset=utf-8"),
        url,
        "demo-project",
    )
    .unwrap();
    assert_eq!(p.name, "Demo.Project");
    let [a, b, c] = p.files.as_slice() else {
        panic!("{:?}", p.files)
    };
    assert_eq!(a.url, "https://index.example/files/demo_project-1.0.tar.gz");
    assert_eq!(a.sha256.as_deref(), Some("ab".repeat(32).as_str()));
    assert_eq!(
        a.provenance_url.as_deref(),
        Some("https://index.example/integrity/demo-project/1.0/demo_project-1.0.tar.gz/provenance")
    );
    assert_eq!(a.yanked, None);
    assert_eq!(b.yanked.as_deref(), Some("broken"));
    assert_eq!(b.requires_python.as_deref(), Some(">=3.9"));
    assert_eq!(
        (b.sha256.as_deref(), b.provenance_url.as_deref()),
        (None, None)
    );
    assert_eq!(c.yanked.as_deref(), Some(""));
    assert_eq!(c.url, "https://index.example/simple/demo-project/x.tar.gz");
    // Releases compare as PEP 440 versions.
    let names = |v: &str| -> Vec<String> {
        p.release(v)
            .unwrap()
            .iter()
            .map(|f| f.filename.clone())
            .collect()
    };
    assert_eq!(
        names("1.0.0"),
        [
            "demo_project-1.0.tar.gz",
            "demo_project-1.0.0-py3-none-any.whl"
        ]
    );
    assert_eq!(names("2"), ["demo_project-2.0.tar.gz"]);
    assert!(names("3.0").is_empty());
    assert!(p.release("not a version").is_err());
}

#[test]
fn malformed_json_pages_are_refused() {
    let url = "https://i/simple/p/";
    let cases: &[(&str, &str)] = &[
        (
            r#"{"meta": {"api-version": "2.0"}, "name": "p", "files": []}"#,
            "not 1.x",
        ),
        (
            r#"{"meta": {"api-version": "1.0"}, "name": "p"}"#,
            "missing field `files`",
        ),
        ("<html>", "malformed"),
        (
            r#"{"meta": {"api-version": "1.0"}, "name": "p", "files": [{"filename": "../p-1.tar.gz", "url": "u", "hashes": {}}]}"#,
            "is not a file name",
        ),
        (
            r#"{"meta": {"api-version": "1.0"}, "name": "p", "files": [{"filename": "p-1.tar.gz", "url": "u", "hashes": {"sha256": "zz"}}]}"#,
            "not 64 hex digits",
        ),
        (
            r#"{"meta": {"api-version": "1.0"}, "name": "p", "files": [{"filename": "p-1.tar.gz", "url": "file:///etc/passwd", "hashes": {}}]}"#,
            "only http(s) URLs",
        ),
    ];
    for (body, want) in cases {
        let e = parse_project_page(body.as_bytes(), Some(page::JSON_MEDIA_TYPE), url, "p")
            .unwrap_err()
            .to_string();
        assert!(e.contains(want), "{body}: {e}");
    }
    let e = parse_project_page(b"{}", Some("application/zip"), url, "p").unwrap_err();
    assert!(
        e.to_string().contains("neither PEP 691 JSON nor HTML"),
        "{e}"
    );
}

#[test]
fn html_pages_are_read_as_pep_503_says() {
    let body = br#"<!DOCTYPE html><html><body>
      <a href="../../files/p-1.0.tar.gz#sha256=00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
         data-provenance="/integrity/p/1.0/p-1.0.tar.gz/provenance" data-requires-python="&gt;=3.9">p-1.0.tar.gz</a><br/>
      <A HREF='https://cdn.example/p-1.0-py3-none-any.whl' data-yanked="bad &amp; old">p-1.0-py3-none-any.whl</A>
      <a name="anchor-without-href">x</a>
    </body></html>"#;
    let p =
        parse_project_page(body, Some("text/html"), "http://127.0.0.1:1/simple/p/", "p").unwrap();
    assert_eq!(p.files.len(), 2);
    let a = &p.files[0];
    assert_eq!(a.url, "http://127.0.0.1:1/files/p-1.0.tar.gz");
    assert_eq!(a.sha256.as_deref().map(str::len), Some(64));
    assert_eq!(
        a.provenance_url.as_deref(),
        Some("http://127.0.0.1:1/integrity/p/1.0/p-1.0.tar.gz/provenance")
    );
    assert_eq!(a.requires_python.as_deref(), Some(">=3.9"));
    assert_eq!(p.files[1].yanked.as_deref(), Some("bad & old"));
    assert_eq!(p.files[1].sha256, None);
}

#[test]
fn urls_resolve_like_rfc_3986() {
    assert_eq!(
        project_url("https://pypi.org/simple", "Foo_Bar.baz").unwrap(),
        "https://pypi.org/simple/foo-bar-baz/"
    );
    assert_eq!(
        project_url("http://127.0.0.1:8080/simple/", "x").unwrap(),
        "http://127.0.0.1:8080/simple/x/"
    );
    assert!(project_url("https://pypi.org/simple/", "../etc").is_err());
    assert!(project_url("https://pypi.org/simple/", "").is_err());
    assert_eq!(
        resolve_url("https://a/simple/p/", "//cdn/x.whl").unwrap(),
        "https://cdn/x.whl"
    );
    assert!(resolve_url("not a url", "x").is_err());
    assert_eq!(
        integrity_url("https://pypi.org/simple/", "Sample_Project-1.0.tar.gz").unwrap(),
        "https://pypi.org/integrity/sample-project/1.0/Sample_Project-1.0.tar.gz/provenance"
    );
    assert_eq!(
        integrity_url("http://127.0.0.1:9/simple/?x=1", "p-2.0-1-py3-none-any.whl").unwrap(),
        "http://127.0.0.1:9/integrity/p/2.0/p-2.0-1-py3-none-any.whl/provenance"
    );
    assert!(integrity_url("https://pypi.org/simple/", "README.md").is_err());
}

#[test]
fn publishers_differ_by_their_first_differing_claim() {
    let gh = |r: &str, w: &str, e: Option<&str>| Publisher::GitHub {
        repository: r.into(),
        workflow: w.into(),
        environment: e.map(Into::into),
    };
    let d = |a: &Publisher, b: &Publisher| first_difference(a, b);
    assert_eq!(
        d(&gh("o/r", "a.yml", None), &gh("o/r", "a.yml", Some("pypi"))),
        None
    );
    assert_eq!(
        d(&gh("o/r", "a.yml", Some("pypi")), &gh("o/r", "a.yml", None)),
        Some(("environment", "pypi".into(), "(none)".into()))
    );
    assert_eq!(
        d(&gh("o/r", "a.yml", None), &gh("o/x", "b.yml", None)),
        Some(("repository", "o/r".into(), "o/x".into()))
    );
    assert_eq!(
        d(&gh("o/r", "a.yml", None), &gh("o/r", "b.yml", None)),
        Some(("workflow", "a.yml".into(), "b.yml".into()))
    );
    let google = Publisher::Google {
        email: "a@b.iam.gserviceaccount.com".into(),
    };
    assert_eq!(
        d(&gh("o/r", "a.yml", None), &google),
        Some(("kind", "GitHub".into(), "Google".into()))
    );
}

#[test]
fn hashes_are_checked_against_the_index_then_the_caller() {
    let file = IndexFile {
        filename: DIST.into(),
        url: "http://x/f".into(),
        sha256: Some("aa".repeat(32)),
        provenance_url: None,
        yanked: None,
        requires_python: None,
    };
    check_hash(&file, &"aa".repeat(32), None, "the lock file").unwrap();
    let e = check_hash(&file, &"bb".repeat(32), None, "x").unwrap_err();
    assert!(
        matches!(index_err(&e), Some(IndexError::HashMismatch { source_name, .. }) if source_name == "the index"),
        "{e}"
    );
    let e = check_hash(
        &file,
        &"aa".repeat(32),
        Some(&"CC".repeat(32)),
        "the lock file",
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        format!(
            "{DIST}: its sha256 is {}, but the lock file gives {}",
            "aa".repeat(32),
            "cc".repeat(32)
        )
    );
}

#[test]
fn pinned_and_trust_on_first_use_verification_of_recorded_provenance() {
    let verifier = Verifier::production().unwrap();
    let dist = Distribution::new(DIST, &sha256(&dist_bytes())).unwrap();
    let prov = Provenance::from_json(&provenance_bytes()).unwrap();

    let pinned = ExpectedPublisher::Pinned(release_yml());
    let (p, v) = verify_provenance(&verifier, &dist, &prov, &pinned).unwrap();
    assert_eq!((p, v.len()), (release_yml(), 1));

    let (p, _) =
        verify_provenance(&verifier, &dist, &prov, &ExpectedPublisher::TrustOnFirstUse).unwrap();
    assert_eq!(p, release_yml());

    let other = ExpectedPublisher::Pinned(Publisher::GitHub {
        repository: "trailofbits/pypi-attestations".into(),
        workflow: "other.yml".into(),
        environment: None,
    });
    let e = verify_provenance(&verifier, &dist, &prov, &other).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!(
            "{DIST}: the publisher differs: expected workflow other.yml, the provenance names release.yml"
        )),
        "{e}"
    );

    // The same provenance served for another file.
    let wrong =
        Distribution::new("pypi_attestations-0.0.20.tar.gz", &sha256(&dist_bytes())).unwrap();
    let e = verify_provenance(&verifier, &wrong, &prov, &pinned).unwrap_err();
    assert!(
        matches!(&e, Error::Verification { step: crate::Step::Statement, message } if message.starts_with("pypi_attestations-0.0.20.tar.gz: ")),
        "{e}"
    );
    let swapped = Distribution::new(DIST, &"00".repeat(32)).unwrap();
    let e = verify_provenance(&verifier, &swapped, &prov, &pinned).unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Verification {
                step: crate::Step::ArtifactDigest,
                ..
            }
        ),
        "{e}"
    );

    // Two publishers: trust on first use cannot choose.
    let mut two = prov.clone();
    let mut b = two.attestation_bundles[0].clone();
    b.publisher = Publisher::Google {
        email: "x@y.iam.gserviceaccount.com".into(),
    };
    two.attestation_bundles.push(b);
    let e =
        verify_provenance(&verifier, &dist, &two, &ExpectedPublisher::TrustOnFirstUse).unwrap_err();
    assert!(e.to_string().contains("names two publishers"), "{e}");
    let e = verify_provenance(&verifier, &dist, &two, &pinned).unwrap_err();
    assert!(
        matches!(index_err(&e), Some(IndexError::PublisherMismatch { claim, .. }) if claim == "kind"),
        "{e}"
    );
}

/// Path -> (status, content type, body).
type Routes = Arc<Mutex<BTreeMap<String, (u16, String, Vec<u8>)>>>;

/// A tiny index on 127.0.0.1: `routes` maps a path to (status, content type, body).
struct Server {
    url: String,
    routes: Routes,
    _thread: std::thread::JoinHandle<()>,
}

impl Server {
    fn start() -> Server {
        let server = tiny_http::Server::http("127.0.0.1:0").unwrap();
        let url = format!("http://{}", server.server_addr().to_ip().unwrap());
        let routes: Routes = Arc::default();
        let r = routes.clone();
        let thread = std::thread::spawn(move || {
            for req in server.incoming_requests() {
                let found = r.lock().unwrap().get(req.url()).cloned();
                let (status, ct, body) =
                    found.unwrap_or((404, "text/plain".into(), b"not found".to_vec()));
                let header =
                    tiny_http::Header::from_bytes(&b"Content-Type"[..], ct.as_bytes()).unwrap();
                let _ = req.respond(
                    tiny_http::Response::from_data(body)
                        .with_status_code(status)
                        .with_header(header),
                );
            }
        });
        Server {
            url,
            routes,
            _thread: thread,
        }
    }

    fn set(&self, path: &str, status: u16, ct: &str, body: Vec<u8>) {
        self.routes
            .lock()
            .unwrap()
            .insert(path.into(), (status, ct.into(), body));
    }

    /// A project page listing the recorded distribution, with or without
    /// its provenance URL (without: the integrity API is asked).
    fn page(&self, sha256: &str, provenance_key: bool) {
        let mut file = serde_json::json!({
            "filename": DIST, "url": format!("../../files/{DIST}"),
            "hashes": {"sha256": sha256},
        });
        if provenance_key {
            file["provenance"] = format!("/prov/{DIST}").into();
        }
        let page = serde_json::json!({"meta": {"api-version": "1.1"}, "name": "pypi-attestations", "files": [file]});
        self.set(
            "/simple/pypi-attestations/",
            200,
            page::JSON_MEDIA_TYPE,
            page.to_string().into_bytes(),
        );
        self.set(
            &format!("/files/{DIST}"),
            200,
            "application/octet-stream",
            dist_bytes(),
        );
    }
}

fn kind(e: &Error) -> &'static str {
    match index_err(e) {
        Some(IndexError::Fetch { .. }) => "fetch",
        Some(IndexError::NotFound { .. }) => "not found",
        Some(IndexError::NoProvenance { .. }) => "no provenance",
        Some(IndexError::MalformedProvenance { .. }) => "malformed",
        Some(IndexError::HashMismatch { .. }) => "hash",
        Some(IndexError::PublisherMismatch { .. }) => "publisher",
        _ => "other",
    }
}

#[test]
fn a_client_fetches_downloads_and_verifies_from_an_index() {
    let server = Server::start();
    let client = IndexClient::new(&format!("{}/simple/", server.url)).unwrap();
    let verifier = Verifier::production().unwrap();
    let digest = sha256(&dist_bytes());
    server.page(&digest, true);
    server.set(
        &format!("/prov/{DIST}"),
        200,
        "application/json",
        provenance_bytes(),
    );

    let files = client.release("PyPI_Attestations", "0.0.19").unwrap();
    assert_eq!(files[0].url, format!("{}/files/{DIST}", server.url));
    let dir = TempDir::new("index-client");
    let mut job = FileJob::new(files[0].clone(), ExpectedPublisher::Pinned(release_yml()));
    job.source = FileSource::Download(Some(dir.0.clone()));
    let v = client.verify_file(&verifier, &job).unwrap();
    assert_eq!(v.publisher, Some(release_yml()));
    assert!(!v.trusted_on_first_use);
    assert_eq!(std::fs::read(dir.0.join(DIST)).unwrap(), dist_bytes());

    let tofu = FileJob::new(files[0].clone(), ExpectedPublisher::TrustOnFirstUse);
    let local = FileJob {
        source: FileSource::Local(dir.0.join(DIST)),
        expected_sha256: Some(digest.clone()),
        ..job.clone()
    };
    let results = client.verify_files(&verifier, &[tofu, local], Some(2));
    let v = results[0].as_ref().unwrap();
    assert!(v.trusted_on_first_use);
    assert_eq!(v.publisher, Some(release_yml()));
    assert!(results[1].is_ok(), "{:?}", results[1]);

    // A lock file's hash that is not the file's.
    let pinned_hash = FileJob {
        expected_sha256: Some("00".repeat(32)),
        expected_sha256_source: "the lock file".into(),
        source: FileSource::Download(None),
        ..job.clone()
    };
    let e = client.verify_file(&verifier, &pinned_hash).unwrap_err();
    assert!(e.to_string().contains("but the lock file gives"), "{e}");

    // The file swapped on the index: the index's own hash refuses it, and
    // nothing is saved.
    let swap_dir = TempDir::new("index-client-swap");
    server.set(
        &format!("/files/{DIST}"),
        200,
        "application/octet-stream",
        b"evil".to_vec(),
    );
    let swapped = FileJob {
        source: FileSource::Download(Some(swap_dir.0.clone())),
        ..job.clone()
    };
    let e = client.verify_file(&verifier, &swapped).unwrap_err();
    assert_eq!(kind(&e), "hash", "{e}");
    assert!(e.to_string().contains("but the index gives"), "{e}");
    assert!(!swap_dir.0.join(DIST).exists());
    // ... and a page that lists the swapped file's hash: the attestation's
    // subject digest refuses it.
    server.page(&sha256(b"evil"), true);
    server.set(
        &format!("/files/{DIST}"),
        200,
        "application/octet-stream",
        b"evil".to_vec(),
    );
    let files = client.release("pypi-attestations", "0.0.19").unwrap();
    let e = client
        .verify_file(
            &verifier,
            &FileJob::new(files[0].clone(), ExpectedPublisher::Pinned(release_yml())),
        )
        .unwrap_err();
    assert!(
        matches!(
            &e,
            Error::Verification {
                step: crate::Step::ArtifactDigest,
                ..
            }
        ),
        "{e}"
    );
    server.page(&digest, true);

    // Malformed provenance, and none (404), through the page's URL.
    server.set(
        &format!("/prov/{DIST}"),
        200,
        "application/json",
        b"{\"attestation_bundles\": 1}".to_vec(),
    );
    let e = client.verify_file(&verifier, &job).unwrap_err();
    assert_eq!(kind(&e), "malformed", "{e}");
    server.set(
        &format!("/prov/{DIST}"),
        404,
        "application/json",
        b"{}".to_vec(),
    );
    let e = client.verify_file(&verifier, &job).unwrap_err();
    assert_eq!(kind(&e), "no provenance", "{e}");
    assert!(
        e.to_string()
            .starts_with(&format!("{DIST}: the index has no provenance")),
        "{e}"
    );
    let optional = FileJob {
        require_provenance: false,
        ..job.clone()
    };
    let v = client.verify_file(&verifier, &optional).unwrap();
    assert_eq!((v.publisher, v.attestations.len()), (None, 0));

    // No provenance key: the integrity API URL derived from the index's origin.
    server.page(&digest, false);
    server.set(
        &format!("/integrity/pypi-attestations/0.0.19/{DIST}/provenance"),
        200,
        "application/vnd.pypi.integrity.v1+json",
        provenance_bytes(),
    );
    let files = client.release("pypi-attestations", "0.0.19").unwrap();
    client
        .verify_file(
            &verifier,
            &FileJob::new(files[0].clone(), ExpectedPublisher::Pinned(release_yml())),
        )
        .unwrap();

    // A publisher other than the pinned one.
    let google = ExpectedPublisher::Pinned(Publisher::Google {
        email: "a@b.iam.gserviceaccount.com".into(),
    });
    let e = client
        .verify_file(&verifier, &FileJob::new(files[0].clone(), google))
        .unwrap_err();
    assert_eq!(kind(&e), "publisher", "{e}");

    // Missing projects and releases; an index that errs.
    assert_eq!(
        kind(&client.project("nothing-here").unwrap_err()),
        "not found"
    );
    assert_eq!(
        kind(&client.release("pypi-attestations", "9.9").unwrap_err()),
        "not found"
    );
    server.set("/simple/broken/", 500, "text/plain", b"oops".to_vec());
    let fast = IndexClient::new(&format!("{}/simple/", server.url))
        .unwrap()
        .with_http(Http::with_retry(crate::net::RetryPolicy {
            attempts: 1,
            backoff: std::time::Duration::ZERO,
        }));
    let e = fast.project("broken").unwrap_err();
    assert_eq!(kind(&e), "fetch", "{e}");
    assert!(e.to_string().contains("answered HTTP 500"), "{e}");
}

#[test]
fn an_unreachable_index_is_a_fetch_error() {
    // A port nothing listens on: bind one, then close it.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let client = IndexClient::new(&format!("http://127.0.0.1:{port}/simple/"))
        .unwrap()
        .with_http(Http::with_retry(crate::net::RetryPolicy {
            attempts: 1,
            backoff: std::time::Duration::ZERO,
        }));
    let e = client.project("demo").unwrap_err();
    assert_eq!(kind(&e), "fetch", "{e}");
    assert!(
        e.to_string()
            .starts_with("demo: the index could not be reached"),
        "{e}"
    );
}

#[test]
fn downloads_are_bounded() {
    let server = Server::start();
    server.set("/f", 200, "application/octet-stream", vec![0; 100]);
    let client = IndexClient::new(&format!("{}/simple/", server.url))
        .unwrap()
        .with_max_file_bytes(99);
    let file = IndexFile {
        filename: DIST.into(),
        url: format!("{}/f", server.url),
        sha256: None,
        provenance_url: None,
        yanked: None,
        requires_python: None,
    };
    let e = client.download(&file, None).unwrap_err();
    assert!(e.to_string().contains("larger than 99 bytes"), "{e}");
    let ok = client
        .with_max_file_bytes(100)
        .download(&file, Some(&sha256(&[0; 100])));
    assert_eq!(ok.unwrap().len(), 100);
}
