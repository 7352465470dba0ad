use super::multipart::{self, Part};
use super::publishers::{match_claims, parse_project_spec};
use super::simple::{negotiate, Format};
use super::*;
use crate::pep740::publisher::{GITHUB_ISSUER, GITLAB_ISSUER, GOOGLE_ISSUER};
use serde_json::json;

const BOUNDARY: &str = "xYzZY";

/// A multipart body of text fields and one optional file.
fn body(fields: &[(&str, &str)], file: Option<(&str, &str, &[u8])>) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in fields {
        out.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            )
            .as_bytes(),
        );
    }
    if let Some((name, filename, data)) = file {
        out.extend_from_slice(
            format!(
                "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"{name}\"; \
                 filename=\"{filename}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
            )
            .as_bytes(),
        );
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(format!("--{BOUNDARY}--\r\n").as_bytes());
    out
}

#[test]
fn multipart_parses_fields_and_files() {
    let data = b"\x00\r\n--not-the-boundary\r\nbinary";
    let b = body(
        &[("name", "demo"), ("version", "1.0")],
        Some(("content", "demo-1.0.tar.gz", data)),
    );
    let parts = multipart::parse(&b, BOUNDARY).unwrap();
    assert_eq!(
        parts,
        vec![
            Part {
                name: "name".into(),
                filename: None,
                data: b"demo".to_vec()
            },
            Part {
                name: "version".into(),
                filename: None,
                data: b"1.0".to_vec()
            },
            Part {
                name: "content".into(),
                filename: Some("demo-1.0.tar.gz".into()),
                data: data.to_vec()
            },
        ]
    );
    // A preamble is skipped; quoted parameters unescape.
    let mut with_preamble = b"ignored preamble\r\n".to_vec();
    with_preamble.extend_from_slice(
        format!("--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\\\"b\"\r\n\r\nv\r\n--{BOUNDARY}--")
            .as_bytes(),
    );
    let parts = multipart::parse(&with_preamble, BOUNDARY).unwrap();
    assert_eq!(parts[0].name, "a\"b");
    // Headerless part has no name: refused.
    let none = format!("--{BOUNDARY}\r\n\r\nv\r\n--{BOUNDARY}--");
    let e = multipart::parse(none.as_bytes(), BOUNDARY).unwrap_err();
    assert!(e.contains("no Content-Disposition"), "{e}");
}

#[test]
fn multipart_refuses_truncated_and_oversized_bodies() {
    let full = body(
        &[("name", "demo")],
        Some(("content", "demo-1.0.tar.gz", b"abc")),
    );
    // Every truncation is refused, none panics.
    for cut in 0..full.len() - 2 {
        assert!(
            multipart::parse(&full[..cut], BOUNDARY).is_err(),
            "cut at {cut}"
        );
    }
    let e = multipart::parse(b"no delimiter at all", BOUNDARY).unwrap_err();
    assert!(e.contains("no boundary delimiter"), "{e}");
    let huge = format!(
        "--{BOUNDARY}\r\nContent-Disposition: form-data; name=\"a\"\r\nX: {}\r\n\r\nv\r\n--{BOUNDARY}--",
        "x".repeat(multipart::MAX_PART_HEADERS)
    );
    let e = multipart::parse(huge.as_bytes(), BOUNDARY).unwrap_err();
    assert!(e.contains("headers do not end within"), "{e}");
    let many: Vec<(&str, &str)> = vec![("f", "v"); multipart::MAX_PARTS + 1];
    let e = multipart::parse(&body(&many, None), BOUNDARY).unwrap_err();
    assert!(e.contains("more than 512 parts"), "{e}");
    let junk = format!("--{BOUNDARY}junk\r\n");
    assert!(multipart::parse(junk.as_bytes(), BOUNDARY).is_err());
}

#[test]
fn multipart_boundary_from_content_type() {
    assert_eq!(
        multipart::boundary("multipart/form-data; boundary=abc").unwrap(),
        "abc"
    );
    assert_eq!(
        multipart::boundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"").unwrap(),
        "a b"
    );
    let e = multipart::boundary("application/json").unwrap_err();
    assert!(e.contains("expected multipart/form-data"), "{e}");
    assert!(multipart::boundary("multipart/form-data").is_err());
    assert!(
        multipart::boundary(&format!("multipart/form-data; boundary={}", "b".repeat(71))).is_err()
    );
}

#[test]
fn content_negotiation_follows_pep_691() {
    assert_eq!(negotiate(None), Some(Format::TextHtml));
    assert_eq!(
        negotiate(Some("application/vnd.pypi.simple.v1+json")),
        Some(Format::Json)
    );
    assert_eq!(
        negotiate(Some(
            "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
        )),
        Some(Format::Json)
    );
    assert_eq!(
        negotiate(Some(
            "application/vnd.pypi.simple.v1+json;q=0.1, application/vnd.pypi.simple.v1+html"
        )),
        Some(Format::Html)
    );
    assert_eq!(negotiate(Some("text/html")), Some(Format::TextHtml));
    assert_eq!(negotiate(Some("*/*")), Some(Format::TextHtml));
    assert_eq!(negotiate(Some("application/json")), None);
    assert_eq!(
        negotiate(Some("application/vnd.pypi.simple.v1+json;q=0")),
        None
    );
}

#[test]
fn publisher_specs() {
    assert_eq!(
        Publisher::from_spec("github:o/r:release.yml:pypi").unwrap(),
        Publisher::GitHub {
            repository: "o/r".into(),
            workflow: "release.yml".into(),
            environment: Some("pypi".into())
        }
    );
    assert_eq!(
        Publisher::from_spec("gitlab:g/sub/p:ci/release.yml").unwrap(),
        Publisher::GitLab {
            repository: "g/sub/p".into(),
            workflow_filepath: "ci/release.yml".into(),
            environment: None
        }
    );
    assert_eq!(
        Publisher::from_spec("google:sa@p.iam.gserviceaccount.com").unwrap(),
        Publisher::Google {
            email: "sa@p.iam.gserviceaccount.com".into()
        }
    );
    for bad in [
        "github:o/r",
        "github:o:w.yml",
        "gitlab:p:w.yml",
        "google:nobody",
        "bitbucket:x",
        "",
        "github:o/r:w.yml:e:x",
        "github:o/r::e",
    ] {
        let e = Publisher::from_spec(bad).unwrap_err();
        assert!(e.contains("expected") || e.contains("is not"), "{bad}: {e}");
    }
    let (project, p) = parse_project_spec("demo=github:o/r:w.yml").unwrap();
    assert_eq!((project.as_str(), p.kind()), ("demo", "GitHub"));
    assert!(parse_project_spec("github:o/r:w.yml").is_err());
}

fn claims(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => Map::new(),
    }
}

fn github_claims(workflow: &str, environment: Option<&str>) -> Map<String, Value> {
    let mut c = claims(json!({
        "iss": GITHUB_ISSUER,
        "sub": "repo:o/r:ref:refs/heads/main",
        "repository": "o/r",
        "repository_owner": "o",
        "ref": "refs/heads/main",
        "sha": "a".repeat(40),
        "job_workflow_ref": format!("o/r/.github/workflows/{workflow}@refs/heads/main"),
        "workflow_ref": format!("o/r/.github/workflows/{workflow}@refs/heads/main"),
        "event_name": "push",
    }));
    if let Some(e) = environment {
        c.insert("environment".into(), json!(e));
    }
    c
}

#[test]
fn github_claims_map_to_the_publisher_warehouse_would_pick() {
    let plain = Publisher::from_spec("github:o/r:release.yml").unwrap();
    let env = Publisher::from_spec("github:o/r:release.yml:PyPI").unwrap();
    let other = Publisher::from_spec("github:o/r:other.yml").unwrap();
    let all = [plain.clone(), env.clone(), other.clone()];
    assert_eq!(
        match_claims(&github_claims("release.yml", None), &all).unwrap(),
        &plain
    );
    // The environment-specific publisher is more specific; case-insensitive.
    assert_eq!(
        match_claims(&github_claims("release.yml", Some("pypi")), &all).unwrap(),
        &env
    );
    assert_eq!(
        match_claims(&github_claims("release.yml", Some("staging")), &all).unwrap(),
        &plain
    );
    assert_eq!(
        match_claims(&github_claims("other.yml", None), &all).unwrap(),
        &other
    );
    let e = match_claims(
        &github_claims("release.yml", None),
        std::slice::from_ref(&env),
    )
    .unwrap_err();
    assert!(e.contains("requires the environment \"PyPI\""), "{e}");
    let e = match_claims(&github_claims("nightly.yml", None), &all).unwrap_err();
    assert!(
        e.contains(
            "job_workflow_ref claim is \"o/r/.github/workflows/nightly.yml@refs/heads/main\""
        ),
        "{e}"
    );
    // The sha stands for the ref, as Warehouse allows.
    let mut by_sha = github_claims("release.yml", None);
    by_sha.insert(
        "job_workflow_ref".into(),
        json!(format!(
            "o/r/.github/workflows/release.yml@{}",
            "a".repeat(40)
        )),
    );
    assert_eq!(match_claims(&by_sha, &all).unwrap(), &plain);
    let mut other_repo = github_claims("release.yml", None);
    other_repo.insert("repository".into(), json!("o/fork"));
    let e = match_claims(&other_repo, &all).unwrap_err();
    assert!(
        e.contains("the repository claim is \"o/fork\", expected \"o/r\""),
        "{e}"
    );
    let mut sub = github_claims("release.yml", None);
    sub.insert("sub".into(), json!("repo:o/fork:ref:refs/heads/main"));
    let e = match_claims(&sub, &all).unwrap_err();
    assert!(
        e.contains("the sub claim is \"repo:o/fork:ref:refs/heads/main\""),
        "{e}"
    );
    let mut prt = github_claims("release.yml", None);
    prt.insert("event_name".into(), json!("pull_request_target"));
    assert!(match_claims(&prt, &all)
        .unwrap_err()
        .contains("pull_request_target"));
}

#[test]
fn reusable_workflows_are_matched_by_job_workflow_ref() {
    let caller = Publisher::from_spec("github:o/r:release.yml").unwrap();
    let reusable = Publisher::from_spec("github:o/r:publish.yml").unwrap();
    let mut c = github_claims("publish.yml", None);
    c.insert(
        "workflow_ref".into(),
        json!("o/r/.github/workflows/release.yml@refs/heads/main"),
    );
    assert_eq!(
        match_claims(&c, &[caller.clone(), reusable.clone()]).unwrap(),
        &reusable
    );
    let e = match_claims(&c, &[caller]).unwrap_err();
    assert!(e.contains("the job ran the reusable workflow"), "{e}");
    assert!(e.contains("matched against job_workflow_ref"), "{e}");
}

#[test]
fn gitlab_google_and_unknown_issuers() {
    let gl = Publisher::from_spec("gitlab:g/p:ci/release.yml:prod").unwrap();
    let mut c = claims(json!({
        "iss": GITLAB_ISSUER,
        "project_path": "G/p",
        "ref_path": "refs/heads/main",
        "sha": "b".repeat(40),
        "ci_config_ref_uri": "gitlab.com/g/p//ci/release.yml@refs/heads/main",
        "environment": "prod",
    }));
    assert_eq!(match_claims(&c, std::slice::from_ref(&gl)).unwrap(), &gl);
    c.remove("sha");
    let e = match_claims(&c, std::slice::from_ref(&gl)).unwrap_err();
    assert!(e.contains("needs all of"), "{e}");
    let google = Publisher::from_spec("google:sa@p.iam.gserviceaccount.com").unwrap();
    let c = claims(
        json!({"iss": GOOGLE_ISSUER, "email": "sa@p.iam.gserviceaccount.com", "email_verified": true}),
    );
    assert_eq!(
        match_claims(&c, std::slice::from_ref(&google)).unwrap(),
        &google
    );
    let e = match_claims(&c, std::slice::from_ref(&gl)).unwrap_err();
    assert!(
        e.contains("no Google Trusted Publisher (it has: GitLab project g/p"),
        "{e}"
    );
    let c = claims(json!({"iss": "http://127.0.0.1:1", "email": "a@b.c"}));
    let e = match_claims(&c, &[google]).unwrap_err();
    assert!(e.contains("is not one Trusted Publishers use"), "{e}");
}

fn index() -> (Index, Issuer) {
    let index = Index::new(
        "http://127.0.0.1:9".into(),
        Verifier::new(crate::trust::TrustedRoot::default()),
    );
    (
        index,
        Issuer::new("http://127.0.0.1:8".into(), "x@example.com".into()),
    )
}

fn request(method: &str, path: &str, headers: &[(&str, &str)], body: Vec<u8>) -> Request {
    let (path, query) = path.split_once('?').unwrap_or((path, ""));
    Request {
        method: method.into(),
        path: if path.len() > 1 {
            path.trim_end_matches('/').into()
        } else {
            path.into()
        },
        query: query.into(),
        headers: headers
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
        body,
    }
}

const DIST: &[u8] = b"not really a tarball";

fn upload_request(password: &str, fields: &[(&str, &str)], filename: &str, data: &[u8]) -> Request {
    let auth = format!("Basic {}", B64.encode(format!("__token__:{password}")));
    let content_type = format!("multipart/form-data; boundary={BOUNDARY}");
    request(
        "POST",
        "/legacy/",
        &[("Authorization", &auth), ("Content-Type", &content_type)],
        body(fields, Some(("content", filename, data))),
    )
}

type Fields = Vec<(&'static str, String)>;

fn fields(sha256: &str) -> Fields {
    vec![
        (":action", "file_upload".into()),
        ("protocol_version", "1".into()),
        ("metadata_version", "2.1".into()),
        ("name", "Demo_Pkg".into()),
        ("version", "1.0".into()),
        ("filetype", "sdist".into()),
        ("pyversion", "source".into()),
        ("sha256_digest", sha256.into()),
        ("requires_python", ">=3.9".into()),
    ]
}

fn upload(
    index: &Index,
    issuer: &Issuer,
    password: &str,
    f: &[(&str, String)],
    filename: &str,
) -> Response {
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    index.handle(&upload_request(password, &f, filename, DIST), issuer)
}

fn reason(r: &Response) -> &str {
    r.reason.as_deref().unwrap_or_default()
}

fn file_count(index: &Index) -> usize {
    lock(&index.projects).values().map(|p| p.files.len()).sum()
}

#[test]
fn api_token_uploads_are_served_without_provenance() {
    let (index, issuer) = index();
    let sha = hex::encode(Sha256::digest(DIST));
    let r = upload(
        &index,
        &issuer,
        "pypi-AgEI",
        &fields(&sha),
        "demo_pkg-1.0.tar.gz",
    );
    assert_eq!(r.status, 200, "{}", reason(&r));
    // The same file again changes nothing (PyPI); another one of that name is refused.
    let r = upload(
        &index,
        &issuer,
        "pypi-AgEI",
        &fields(&sha),
        "demo_pkg-1.0.tar.gz",
    );
    assert_eq!(r.status, 200);
    assert_eq!(file_count(&index), 1);

    let json_page = index.handle(
        &request(
            "GET",
            "/simple/demo-pkg/",
            &[("Accept", simple::JSON)],
            vec![],
        ),
        &issuer,
    );
    assert_eq!(
        (json_page.status, json_page.content_type),
        (200, simple::JSON)
    );
    let doc: Value = serde_json::from_slice(&json_page.body).unwrap();
    assert_eq!(doc["meta"]["api-version"], "1.3");
    assert_eq!(doc["name"], "Demo_Pkg");
    assert_eq!(doc["versions"], json!(["1.0"]));
    let file = &doc["files"][0];
    assert_eq!(file["filename"], "demo_pkg-1.0.tar.gz");
    assert_eq!(file["hashes"]["sha256"], sha.as_str());
    assert_eq!(file["provenance"], Value::Null);
    assert_eq!(file["requires-python"], ">=3.9");
    assert_eq!(file["url"], "http://127.0.0.1:9/files/demo_pkg-1.0.tar.gz");

    let html = index.handle(&request("GET", "/simple/demo-pkg/", &[], vec![]), &issuer);
    let text = String::from_utf8(html.body).unwrap();
    assert!(
        text.contains(&format!(
            "href=\"http://127.0.0.1:9/files/demo_pkg-1.0.tar.gz#sha256={sha}\""
        )),
        "{text}"
    );
    assert!(text.contains("data-requires-python=\"&gt;=3.9\""), "{text}");
    assert!(!text.contains("data-provenance"), "{text}");

    let by_format = index.handle(
        &request(
            "GET",
            "/simple/?format=application/vnd.pypi.simple.v1+json",
            &[],
            vec![],
        ),
        &issuer,
    );
    let doc: Value = serde_json::from_slice(&by_format.body).unwrap();
    assert_eq!(doc["projects"], json!([{"name": "Demo_Pkg"}]));

    let redirect = index.handle(&request("GET", "/simple/Demo.Pkg/", &[], vec![]), &issuer);
    assert_eq!(
        (redirect.status, redirect.location.as_deref()),
        (301, Some("http://127.0.0.1:9/simple/demo-pkg/"))
    );
    let file = index.handle(
        &request("GET", "/files/demo_pkg-1.0.tar.gz", &[], vec![]),
        &issuer,
    );
    assert_eq!((file.status, file.body.as_slice()), (200, DIST));
    let none = index.handle(
        &request(
            "GET",
            "/integrity/demo-pkg/1.0/demo_pkg-1.0.tar.gz/provenance",
            &[],
            vec![],
        ),
        &issuer,
    );
    assert_eq!(none.status, 404);
    assert!(String::from_utf8_lossy(&none.body).contains("No provenance available"));
    let r = index.handle(
        &request("GET", "/simple/", &[("Accept", "application/json")], vec![]),
        &issuer,
    );
    assert_eq!(r.status, 406);
    assert_eq!(
        index
            .handle(&request("GET", "/simple/nothing/", &[], vec![]), &issuer)
            .status,
        404
    );
}

#[test]
fn refused_uploads_leave_the_index_unchanged() {
    let (index, issuer) = index();
    let sha = hex::encode(Sha256::digest(DIST));
    let ok = fields(&sha);
    let with = |k: &'static str, v: &str| {
        let mut f: Vec<(&str, String)> = ok.iter().filter(|(n, _)| *n != k).cloned().collect();
        f.push((k, v.to_string()));
        f
    };
    let without = |k: &str| {
        ok.iter()
            .filter(|(n, _)| *n != k)
            .cloned()
            .collect::<Vec<_>>()
    };
    let cases: Vec<(Fields, &str, u16, &str)> = vec![
        (with("sha256_digest", &"0".repeat(64)), "demo_pkg-1.0.tar.gz", 400, "The digest supplied does not match"),
        (without("sha256_digest"), "demo_pkg-1.0.tar.gz", 400, "Missing sha256_digest"),
        (ok.clone(), "other-1.0.tar.gz", 400, "is not for project \"Demo_Pkg\""),
        (ok.clone(), "demo_pkg-2.0.tar.gz", 400, "is not for version \"1.0\""),
        (ok.clone(), "demo_pkg-1.0-py3-none-any.whl", 400, "is not a sdist file"),
        (ok.clone(), "demo_pkg-1.0.exe", 400, "Invalid distribution file name"),
        (with(":action", "submit"), "demo_pkg-1.0.tar.gz", 400, "Unknown action"),
        (with("protocol_version", "2"), "demo_pkg-1.0.tar.gz", 400, "Unknown protocol version"),
        (with("name", "-bad"), "demo_pkg-1.0.tar.gz", 400, "Invalid value for name"),
        (with("version", "one"), "demo_pkg-1.0.tar.gz", 400, "Invalid value for version"),
        (with("filetype", "bdist_egg"), "demo_pkg-1.0.tar.gz", 400, "Invalid value for filetype"),
        (without("name"), "demo_pkg-1.0.tar.gz", 400, "Missing name field"),
        (with("attestations", "[]"), "demo_pkg-1.0.tar.gz", 400,
         "Invalid attestations supplied during upload: Attestations are only supported when using Trusted Publishing"),
    ];
    for (f, filename, status, message) in cases {
        let r = upload(&index, &issuer, "pypi-AgEI", &f, filename);
        assert_eq!(r.status, status, "{message}: {}", reason(&r));
        assert!(
            reason(&r).contains(message),
            "expected {message:?} in {:?}",
            reason(&r)
        );
        assert_eq!(file_count(&index), 0, "{message}");
    }
    // A token of the instance that no publisher stands for.
    index.add_trusted_publisher(
        "demo-pkg",
        Publisher::from_spec("github:o/r:release.yml").unwrap(),
    );
    let token = issuer.mint("alice@example.com", 600, &Map::new());
    let r = upload(&index, &issuer, &token, &ok, "demo_pkg-1.0.tar.gz");
    assert_eq!(r.status, 403, "{}", reason(&r));
    assert!(
        reason(&r)
            .contains("The identity token is not a Trusted Publisher of project \"Demo_Pkg\""),
        "{}",
        reason(&r)
    );
    // An expired one, or a token of another issuer, is no credential at all.
    let expired = issuer.mint("alice@example.com", -3600, &Map::new());
    let r = upload(&index, &issuer, &expired, &ok, "demo_pkg-1.0.tar.gz");
    assert_eq!(r.status, 403);
    assert!(
        reason(&r).starts_with("Invalid identity token: the identity token expired"),
        "{}",
        reason(&r)
    );
    let stranger = Issuer::new("http://127.0.0.1:7".into(), "x@example.com".into()).mint(
        "a@b.c",
        600,
        &Map::new(),
    );
    let r = upload(&index, &issuer, &stranger, &ok, "demo_pkg-1.0.tar.gz");
    assert_eq!(r.status, 403);
    // No credential; not multipart; a duplicated field.
    let mut no_auth = upload_request("x", &[], "demo_pkg-1.0.tar.gz", DIST);
    no_auth.headers.retain(|(k, _)| k != "Authorization");
    assert_eq!(index.handle(&no_auth, &issuer).status, 403);
    let mut not_form = upload_request("x", &[], "demo_pkg-1.0.tar.gz", DIST);
    not_form.headers.retain(|(k, _)| k != "Content-Type");
    assert!(reason(&index.handle(&not_form, &issuer)).contains("no Content-Type"));
    let mut twice = ok.clone();
    twice.push(("name", "Demo_Pkg".into()));
    let r = upload(&index, &issuer, "pypi-AgEI", &twice, "demo_pkg-1.0.tar.gz");
    assert!(
        reason(&r).contains("the field \"name\" is given more than once"),
        "{}",
        reason(&r)
    );
    assert_eq!(file_count(&index), 0);

    // Another file under an existing name.
    assert_eq!(
        upload(&index, &issuer, "pypi-AgEI", &ok, "demo_pkg-1.0.tar.gz").status,
        200
    );
    let other = b"other content";
    let f: Vec<(&str, String)> = with("sha256_digest", &hex::encode(Sha256::digest(other)));
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let r = index.handle(
        &upload_request("pypi-AgEI", &f, "demo_pkg-1.0.tar.gz", other),
        &issuer,
    );
    assert_eq!(r.status, 400);
    assert!(
        reason(&r).starts_with("File already exists (\"demo_pkg-1.0.tar.gz\""),
        "{}",
        reason(&r)
    );
    assert_eq!(file_count(&index), 1);
}

#[test]
fn path_segments_are_percent_decoded() {
    assert_eq!(unquote("a%2Bb+c%zz%4"), "a+b+c%zz%4");
    assert!(valid_project_name("a") && valid_project_name("a.b-c_D9"));
    assert!(!valid_project_name("") && !valid_project_name("a-") && !valid_project_name("é"));
}

#[test]
fn circleci_publishers_map_but_do_not_attest() {
    let p = Publisher::CircleCI {
        project_id: "p-1".into(),
        pipeline_definition_id: "d-1".into(),
        vcs_origin: Some("github.com/o/r".into()),
        vcs_ref: None,
    };
    let mut c = claims(json!({
        "iss": crate::pep740::publisher::CIRCLECI_ISSUER,
        "oidc.circleci.com/project-id": "p-1",
        "oidc.circleci.com/pipeline-definition-id": "d-1",
        "oidc.circleci.com/vcs-origin": "github.com/o/r",
        "oidc.circleci.com/ssh-rerun": false,
    }));
    assert_eq!(match_claims(&c, std::slice::from_ref(&p)).unwrap(), &p);
    c.insert("oidc.circleci.com/ssh-rerun".into(), json!(true));
    let e = match_claims(&c, std::slice::from_ref(&p)).unwrap_err();
    assert!(e.contains("ssh-rerun"), "{e}");
    assert!(!attests(&p));
    assert!(attests(&Publisher::from_spec("github:o/r:w.yml").unwrap()));

    // Its uploads with attestations are refused before any is read.
    c.insert("oidc.circleci.com/ssh-rerun".into(), json!(false));
    let (index, _) = index();
    index.add_trusted_publisher("demo-pkg", p);
    let sha = hex::encode(Sha256::digest(DIST));
    let mut f = fields(&sha);
    f.push(("attestations", "[]".into()));
    let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let req = upload_request("unused", &f, "demo_pkg-1.0.tar.gz", DIST);
    let r = index
        .upload_by(&req, Uploader::TrustedPublisher(c.clone()))
        .unwrap_err();
    assert_eq!(r.status, 400);
    assert_eq!(
        reason(&r),
        "Invalid attestations supplied during upload: Attestations are not currently \
         supported with CircleCI publishers"
    );
    assert_eq!(file_count(&index), 0);
    // Without attestations it uploads.
    let req = upload_request("unused", &f[..f.len() - 1], "demo_pkg-1.0.tar.gz", DIST);
    assert!(index.upload_by(&req, Uploader::TrustedPublisher(c)).is_ok());
    assert_eq!(file_count(&index), 1);
}

/// The recorded release of pypi-attestations 0.0.19 (signed on GitHub
/// Actions through public-good Sigstore), uploaded by a token of its
/// Trusted Publisher: the index's checks and what it serves, end to end.
#[test]
fn recorded_attestation_upload_is_checked_and_served() {
    let dir = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/assets/pypi-attestations"
    );
    let filename = "pypi_attestations-0.0.19.tar.gz";
    let data = std::fs::read(format!("{dir}/{filename}")).unwrap();
    let attestation =
        std::fs::read_to_string(format!("{dir}/{filename}.publish.attestation")).unwrap();
    let index = Index::new("http://127.0.0.1:9".into(), Verifier::production().unwrap());
    let issuer = Issuer::new("http://127.0.0.1:8".into(), "x@example.com".into());
    let release = Publisher::from_spec("github:trailofbits/pypi-attestations:release.yml").unwrap();
    index.add_trusted_publisher("pypi-attestations", release.clone());
    let token = |workflow: &str| {
        let run = crate::testing::ci::GitHubRun {
            repository: "trailofbits/pypi-attestations".into(),
            workflow: workflow.into(),
            git_ref: "refs/tags/v0.0.19".into(),
            environment: None,
        };
        let (sub, claims) = run.claims();
        issuer.mint(&sub, 600, &claims)
    };
    let sha = hex::encode(Sha256::digest(&data));
    let send = |token: &str, attestations: &str, data: &[u8]| {
        let f = [
            (":action", "file_upload"),
            ("protocol_version", "1"),
            ("name", "pypi-attestations"),
            ("version", "0.0.19"),
            ("filetype", "sdist"),
            ("sha256_digest", &hex::encode(Sha256::digest(data))),
            ("attestations", attestations),
        ];
        index.handle(&upload_request(token, &f, filename, data), &issuer)
    };
    let one = format!("[{attestation}]");
    let two = format!("[{attestation}, {attestation}]");
    let three = format!("[{attestation}, {attestation}, {attestation}]");
    let refusals = [
        (
            token("release.yml"),
            "[{]",
            &data[..],
            "Malformed attestations: not JSON",
        ),
        (
            token("release.yml"),
            "[{}]",
            &data[..],
            "Malformed attestations: attestations[0]",
        ),
        (
            token("release.yml"),
            &three,
            &data[..],
            "A maximum of 2 attestations per file are supported, got 3",
        ),
        (
            token("release.yml"),
            &two,
            &data[..],
            "Multiple attestations for the same file with the same predicate type",
        ),
        (
            token("release.yml"),
            &one,
            b"another file".as_slice(),
            "Could not verify the uploaded artifact",
        ),
    ];
    for (token, attestations, data, message) in &refusals {
        let r = send(token, attestations, data);
        assert_eq!(r.status, 400, "{message}: {}", reason(&r));
        assert!(
            reason(&r).starts_with(crate::pep740::upload::HTTP_400_PREFIX),
            "{}",
            reason(&r)
        );
        assert!(reason(&r).contains(message), "{message}: {}", reason(&r));
        assert_eq!(file_count(&index), 0);
    }
    // A publisher the attestation's certificate does not name.
    let nightly = Publisher::from_spec("github:trailofbits/pypi-attestations:nightly.yml").unwrap();
    index.add_trusted_publisher("pypi-attestations", nightly);
    let r = send(&token("nightly.yml"), &one, &data);
    assert_eq!(r.status, 400);
    assert!(reason(&r).contains("does not match the Trusted Publisher (GitHub repository trailofbits/pypi-attestations, workflow nightly.yml)"), "{}", reason(&r));
    assert_eq!(file_count(&index), 0);

    let r = send(&token("release.yml"), &one, &data);
    assert_eq!(r.status, 200, "{}", reason(&r));
    let integrity = "http://127.0.0.1:9/integrity/pypi-attestations/0.0.19/pypi_attestations-0.0.19.tar.gz/provenance";
    let page = index.handle(
        &request(
            "GET",
            "/simple/pypi-attestations/",
            &[("Accept", simple::JSON)],
            vec![],
        ),
        &issuer,
    );
    let doc: Value = serde_json::from_slice(&page.body).unwrap();
    assert_eq!(doc["files"][0]["provenance"], integrity);
    assert_eq!(doc["files"][0]["hashes"]["sha256"], sha.as_str());
    let html = index.handle(
        &request("GET", "/simple/pypi-attestations/", &[], vec![]),
        &issuer,
    );
    assert!(String::from_utf8(html.body)
        .unwrap()
        .contains(&format!("data-provenance=\"{integrity}\"")));
    let served = index.handle(
        &request("GET", &integrity["http://127.0.0.1:9".len()..], &[], vec![]),
        &issuer,
    );
    assert_eq!(
        (served.status, served.content_type),
        (200, INTEGRITY_MEDIA_TYPE)
    );
    let provenance = crate::pep740::Provenance::from_json(&served.body).unwrap();
    let expected = build_provenance(
        &release,
        &[crate::pep740::Attestation::from_json(attestation.as_bytes()).unwrap()],
    );
    assert_eq!(provenance, expected);
    let dist = Distribution::new(filename, &sha).unwrap();
    let verified = provenance
        .verify(
            &Verifier::production().unwrap(),
            &dist,
            &crate::pep740::Expected::Policy(release.policy()),
        )
        .unwrap();
    assert_eq!(verified[0].publisher.as_ref(), Some(&release));
}
