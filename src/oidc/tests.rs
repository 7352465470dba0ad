use super::ambient::{self, Env, Provider};
use super::interactive::{parse_query, url_encode, Session};
use super::*;
use crate::net::{Http, RetryPolicy};
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};
use std::time::Duration;

const NOW: i64 = 1_750_000_000;

pub(crate) fn jwt(claims: serde_json::Value) -> String {
    let e = |v: &serde_json::Value| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(v.to_string())
    };
    format!(
        "{}.{}.c2ln",
        e(&serde_json::json!({"alg": "RS256", "typ": "JWT"})),
        e(&claims)
    )
}

fn claims() -> serde_json::Value {
    serde_json::json!({
        "iss": "https://issuer.test", "sub": "subject-1", "aud": "sigstore",
        "iat": NOW - 10, "exp": NOW + 300, "email": "a@example.com", "email_verified": true,
    })
}

fn with(f: impl FnOnce(&mut serde_json::Value)) -> String {
    let mut c = claims();
    f(&mut c);
    jwt(c)
}

#[test]
fn tokens_parse_and_name_their_identity() {
    let t = IdentityToken::parse_at(&jwt(claims()), NOW).expect("parse");
    assert_eq!(t.identity(), "a@example.com");
    assert_eq!(t.issuer(), "https://issuer.test");
    assert_eq!(t.federated_issuer(), "https://issuer.test");
    assert_eq!(t.subject(), "subject-1");
    assert_eq!(t.expiry(), NOW + 300);
    assert!(
        !format!("{t:?}").contains(t.raw()),
        "Debug must not leak the token"
    );

    let unverified = with(|c| c["email_verified"] = false.into());
    assert_eq!(
        IdentityToken::parse_at(&unverified, NOW)
            .expect("parse")
            .identity(),
        "subject-1"
    );
    let no_email = with(|c| {
        c.as_object_mut().map(|o| o.remove("email"));
    });
    assert_eq!(
        IdentityToken::parse_at(&no_email, NOW)
            .expect("parse")
            .identity(),
        "subject-1"
    );
    let github = with(|c| c["iss"] = "https://token.actions.githubusercontent.com".into());
    assert_eq!(
        IdentityToken::parse_at(&github, NOW)
            .expect("parse")
            .identity(),
        "subject-1"
    );
    let dex = with(|c| {
        c["iss"] = "https://oauth2.sigstore.dev/auth".into();
        c["federated_claims"] =
            serde_json::json!({"connector_id": "https://github.com/login/oauth", "user_id": "1"});
    });
    let t = IdentityToken::parse_at(&dex, NOW).expect("parse");
    assert_eq!(t.identity(), "a@example.com");
    assert_eq!(t.federated_issuer(), "https://github.com/login/oauth");
    let aud_list = with(|c| c["aud"] = serde_json::json!(["other", "sigstore"]));
    IdentityToken::parse_at(&aud_list, NOW).expect("audience list");
}

#[test]
fn ci_tokens_name_the_uri_fulcio_certifies() {
    let ci = |iss: &str, extra: serde_json::Value| {
        let token = with(|c| {
            c["iss"] = iss.into();
            for (k, v) in extra.as_object().into_iter().flatten() {
                c[k] = v.clone();
            }
        });
        IdentityToken::parse_at(&token, NOW)
            .expect("parse")
            .ci_identity()
            .map(str::to_string)
    };
    let github = "https://token.actions.githubusercontent.com";
    assert_eq!(
        ci(
            github,
            serde_json::json!({"job_workflow_ref": "o/r/.github/workflows/w.yml@refs/heads/main"})
        )
        .as_deref(),
        Some("https://github.com/o/r/.github/workflows/w.yml@refs/heads/main")
    );
    assert_eq!(ci(github, serde_json::json!({})), None);
    assert_eq!(
        ci("https://gitlab.com", serde_json::json!({"ci_config_ref_uri": "gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main"})).as_deref(),
        Some("https://gitlab.com/g/p//.gitlab-ci.yml@refs/heads/main")
    );
    assert_eq!(
        ci(
            "https://agent.buildkite.com",
            serde_json::json!({"organization_slug": "o", "pipeline_slug": "p"})
        )
        .as_deref(),
        Some("https://buildkite.com/o/p")
    );
    assert_eq!(
        ci(
            "https://oidc.circleci.com/org/1",
            serde_json::json!({
            "oidc.circleci.com/project-id": "P", "oidc.circleci.com/pipeline-definition-id": "D"})
        )
        .as_deref(),
        Some("https://circleci.com/api/v2/projects/P/pipeline-definitions/D")
    );
    assert_eq!(
        ci(
            "https://issuer.test",
            serde_json::json!({"job_workflow_ref": "x"})
        ),
        None
    );
}

fn err(token: &str) -> String {
    match IdentityToken::parse_at(token, NOW) {
        Err(Error::Identity(m)) => m,
        other => panic!("expected an identity error, got {other:?}"),
    }
}

#[test]
fn bad_tokens_are_refused_clearly() {
    assert!(err(&with(|c| c["aud"] = "other".into())).contains("expected \"sigstore\""));
    let expired = err(&with(|c| c["exp"] = (NOW - 1).into()));
    assert!(
        expired.contains("expired at 2025-06-15T15:06:39Z"),
        "{expired}"
    );
    assert!(err(&with(|c| c["iat"] = (NOW + 60).into())).contains("issued in the future"));
    assert!(err(&with(|c| c["nbf"] = (NOW + 60).into())).contains("not valid before"));
    for claim in ["iss", "sub", "exp", "iat", "aud"] {
        let m = err(&with(|c| {
            c.as_object_mut().map(|o| o.remove(claim));
        }));
        assert!(m.contains(claim), "{claim}: {m}");
    }
    assert!(err("not-a-jwt").contains("not a JWT"));
    assert!(err("a.b.c").contains("base64url") || err("a.b.c").contains("JSON"));
    let dex_without_email = with(|c| {
        c["iss"] = "https://oauth2.sigstore.dev/auth".into();
        c.as_object_mut().map(|o| o.remove("email"));
    });
    assert!(err(&dex_without_email).contains("email"));
    let bad_fed = with(|c| c["federated_claims"] = serde_json::json!({"connector_id": 1}));
    assert!(err(&bad_fed).contains("connector_id"));
}

/// A recorded request: request line, headers, body.
pub(crate) type Recorded = (String, Vec<String>, Vec<u8>);

/// A one-route HTTP server on 127.0.0.1 answering every request with
/// `status` and `body`, recording (request line, headers, body).
pub(crate) struct FakeServer {
    pub url: String,
    pub requests: Arc<Mutex<Vec<Recorded>>>,
}

impl FakeServer {
    pub fn start(
        answer: impl Fn(&str, &[u8]) -> (u16, String, Vec<u8>) + Send + Sync + 'static,
    ) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let url = format!("http://{}", listener.local_addr().expect("addr"));
        let requests = Arc::new(Mutex::new(Vec::new()));
        let log = requests.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { return };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let mut headers = Vec::new();
                let mut len = 0usize;
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h.trim().is_empty() {
                        break;
                    }
                    if let Some(v) = h.to_ascii_lowercase().strip_prefix("content-length:") {
                        len = v.trim().parse().unwrap_or(0);
                    }
                    headers.push(h.trim().to_string());
                }
                let mut body = vec![0u8; len];
                let _ = reader.read_exact(&mut body);
                let (status, ctype, resp) = answer(line.trim(), &body);
                log.lock()
                    .expect("lock")
                    .push((line.trim().to_string(), headers, body));
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    resp.len()
                );
                let _ = stream.write_all(&resp);
            }
        });
        FakeServer { url, requests }
    }

    pub fn count(&self) -> usize {
        self.requests.lock().expect("lock").len()
    }
}

pub(crate) fn quick_http() -> Http {
    Http::with_retry(RetryPolicy {
        attempts: 3,
        backoff: Duration::from_millis(10),
    })
}

fn env(vars: &[(&str, &str)]) -> Env {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut e = Env::from_map(map);
    e.gcp_product_file = "/nonexistent/product_name".into();
    e
}

#[test]
fn no_ambient_credential_outside_ci() {
    assert_eq!(
        ambient::detect_credential(&env(&[]), &quick_http()).expect("detect"),
        None
    );
}

#[test]
fn github_actions() {
    let token = jwt(claims());
    let t2 = token.clone();
    let server = FakeServer::start(move |line, _| {
        assert!(line.contains("audience=sigstore"), "{line}");
        (
            200,
            "application/json".into(),
            serde_json::json!({"value": t2}).to_string().into_bytes(),
        )
    });
    let url = format!("{}/token?api-version=2.0", server.url);
    let e = env(&[
        ("GITHUB_ACTIONS", "true"),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", &url),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "req-token"),
    ]);
    let (got, provider) = ambient::detect_credential(&e, &quick_http())
        .expect("detect")
        .expect("a token");
    assert_eq!(
        (got.as_str(), provider),
        (token.as_str(), Provider::GitHubActions)
    );
    let reqs = server.requests.lock().expect("lock");
    assert!(reqs[0]
        .0
        .starts_with("GET /token?api-version=2.0&audience=sigstore"));
    assert!(reqs[0]
        .1
        .iter()
        .any(|h| h.eq_ignore_ascii_case("authorization: bearer req-token")));
    drop(reqs);

    let m = ambient::detect_credential(&env(&[("GITHUB_ACTIONS", "true")]), &quick_http())
        .expect_err("no permission");
    assert!(m.to_string().contains("id-token: write"), "{m}");
    let refusing = FakeServer::start(|_, _| (403, "text/plain".into(), b"nope".to_vec()));
    let e = env(&[
        ("GITHUB_ACTIONS", "true"),
        ("ACTIONS_ID_TOKEN_REQUEST_URL", &refusing.url),
        ("ACTIONS_ID_TOKEN_REQUEST_TOKEN", "t"),
    ]);
    let m = ambient::detect_credential(&e, &quick_http()).expect_err("403");
    assert!(m.to_string().contains("HTTP 403"), "{m}");
}

#[test]
fn gitlab() {
    let e = env(&[("GITLAB_CI", "true"), ("SIGSTORE_ID_TOKEN", "tok")]);
    assert_eq!(
        ambient::detect_credential(&e, &quick_http()).expect("detect"),
        Some(("tok".to_string(), Provider::GitLab))
    );
    let m = ambient::detect_credential(&env(&[("GITLAB_CI", "true")]), &quick_http())
        .expect_err("no variable");
    assert!(m.to_string().contains("SIGSTORE_ID_TOKEN"), "{m}");
}

#[test]
fn google_cloud() {
    let dir = tempdir("gcp");
    let product = dir.join("product_name");
    std::fs::write(&product, "Google Compute Engine\n").expect("write");
    let server = FakeServer::start(|line, body| {
        if line.contains("/identity?") {
            assert!(line.contains("audience=sigstore&format=full"), "{line}");
            (200, "text/plain".into(), b"gcp-token".to_vec())
        } else if line.contains("/token?") {
            (
                200,
                "application/json".into(),
                br#"{"access_token":"at"}"#.to_vec(),
            )
        } else {
            let v: serde_json::Value = serde_json::from_slice(body).expect("json");
            assert_eq!(v["audience"], "sigstore");
            (
                200,
                "application/json".into(),
                br#"{"token":"impersonated"}"#.to_vec(),
            )
        }
    });
    let mut e = env(&[]);
    e.gcp_product_file = product.clone();
    e.gcp_metadata_url = format!("{}/sa", server.url);
    assert_eq!(
        ambient::detect_credential(&e, &quick_http()).expect("detect"),
        Some(("gcp-token".to_string(), Provider::GoogleCloud))
    );
    assert!(server.requests.lock().expect("lock")[0]
        .1
        .iter()
        .any(|h| h.eq_ignore_ascii_case("metadata-flavor: google")));
    let mut e = env(&[(
        "GOOGLE_SERVICE_ACCOUNT_NAME",
        "sa@p.iam.gserviceaccount.com",
    )]);
    e.gcp_metadata_url = format!("{}/sa", server.url);
    e.gcp_iam_url = format!("{}/iam", server.url);
    assert_eq!(
        ambient::gcp(&e, &quick_http()).expect("impersonate"),
        Some("impersonated".to_string())
    );
    let last = server
        .requests
        .lock()
        .expect("lock")
        .last()
        .cloned()
        .expect("req");
    assert!(last
        .0
        .contains("serviceAccounts/sa%40p.iam.gserviceaccount.com:generateIdToken"));
    // Another machine's product name is not Google Cloud.
    std::fs::write(&product, "Other").expect("write");
    let mut e = env(&[]);
    e.gcp_product_file = product;
    assert_eq!(ambient::gcp(&e, &quick_http()).expect("detect"), None);
}

fn tempdir(tag: &str) -> std::path::PathBuf {
    let d = std::env::temp_dir().join(format!(
        "sigstore-rs-{tag}-{}-{}",
        std::process::id(),
        hex::encode(crate::crypto::random_bytes(4).expect("rng"))
    ));
    std::fs::create_dir_all(&d).expect("mkdir");
    d
}

#[cfg(unix)]
fn fake_tool(dir: &std::path::Path, name: &str, script: &str) {
    use std::os::unix::fs::PermissionsExt;
    let p = dir.join(name);
    std::fs::write(&p, format!("#!/bin/sh\n{script}\n")).expect("write");
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).expect("chmod");
}

#[cfg(unix)]
#[test]
fn buildkite_and_circleci_run_their_tools() {
    let dir = tempdir("ci-tools");
    fake_tool(
        &dir,
        "buildkite-agent",
        r#"[ "$*" = "oidc request-token --audience sigstore" ] && echo bk-token || { echo "bad args: $*" >&2; exit 3; }"#,
    );
    fake_tool(
        &dir,
        "circleci",
        r#"[ "$*" = 'run oidc get --claims {"aud":"sigstore"} --root-issuer' ] && echo cc-token || { echo "bad args: $*" >&2; exit 3; }"#,
    );
    let path = dir.display().to_string();
    let e = env(&[("BUILDKITE", "true"), ("PATH", &path)]);
    assert_eq!(
        ambient::detect_credential(&e, &quick_http()).expect("detect"),
        Some(("bk-token".to_string(), Provider::Buildkite))
    );
    let e = env(&[("CIRCLECI", "true"), ("PATH", &path)]);
    assert_eq!(
        ambient::detect_credential(&e, &quick_http()).expect("detect"),
        Some(("cc-token".to_string(), Provider::CircleCi))
    );
    let m = ambient::detect_credential(
        &env(&[("BUILDKITE", "true"), ("PATH", "/nonexistent")]),
        &quick_http(),
    )
    .expect_err("no agent");
    assert!(
        m.to_string().contains("buildkite-agent is not on PATH"),
        "{m}"
    );
    fake_tool(&dir, "circleci", "echo broken >&2; exit 1");
    let m = ambient::detect_credential(
        &env(&[("CIRCLECI", "true"), ("PATH", &path)]),
        &quick_http(),
    )
    .expect_err("tool fails");
    assert!(m.to_string().contains("broken"), "{m}");
}

#[test]
fn detect_prefers_an_explicit_token_then_the_environment() {
    let token = {
        let mut c = claims();
        c["exp"] = (now() + 300).into();
        c["iat"] = now().into();
        jwt(c)
    };
    let (t, src) = detect(Some(&token), &env(&[]), &quick_http())
        .expect("detect")
        .expect("token");
    assert_eq!((t.raw(), src), (token.as_str(), TokenSource::Explicit));
    let e = env(&[("SIGSTORE_ID_TOKEN", &token)]);
    let (_, src) = detect(None, &e, &quick_http())
        .expect("detect")
        .expect("token");
    assert_eq!(src, TokenSource::Environment);
    assert!(detect(None, &env(&[]), &quick_http())
        .expect("detect")
        .is_none());
}

#[test]
fn pkce_session() {
    let s = Session::new("http://localhost:1/auth/callback".into()).expect("session");
    // RFC 7636 appendix B vector.
    let rfc = Session {
        code_verifier: "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk".into(),
        ..s.clone()
    };
    assert_eq!(
        rfc.code_challenge(),
        "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
    );
    let issuer = interactive::Issuer {
        url: "https://i".into(),
        authorization_endpoint: "https://i/auth".into(),
        token_endpoint: "https://i/token".into(),
    };
    let url = s.authorization_url(&issuer);
    let q = parse_query(url.split_once('?').expect("query").1);
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
    assert_eq!(get("code_challenge_method"), Some("S256"));
    assert_eq!(get("client_id"), Some("sigstore"));
    assert_eq!(
        get("redirect_uri"),
        Some("http://localhost:1/auth/callback")
    );
    assert_eq!(get("state"), Some(s.state.as_str()));
    assert!(get("nonce").is_some());
    let ok = format!("code=abc&state={}", url_encode(&s.state));
    assert_eq!(s.code_from_redirect(&ok).expect("code"), "abc");
    assert!(s.code_from_redirect("code=abc&state=other").is_err());
    assert!(s.code_from_redirect("error=access_denied").is_err());
}

#[test]
fn interactive_flow_with_a_loopback_redirect() {
    let token = {
        let mut c = claims();
        c["exp"] = (now() + 300).into();
        c["iat"] = now().into();
        jwt(c)
    };
    let t2 = token.clone();
    let issuer = FakeServer::start(move |line, body| {
        if line.contains("openid-configuration") {
            return (
                200,
                "application/json".into(),
                br#"{"authorization_endpoint":"http://127.0.0.1:9/auth","token_endpoint":"TOKEN"}"#
                    .to_vec(),
            );
        }
        let form = String::from_utf8_lossy(body).to_string();
        assert!(form.contains("grant_type=authorization_code"), "{form}");
        assert!(form.contains("code=the-code"), "{form}");
        assert!(form.contains("code_verifier="), "{form}");
        (
            200,
            "application/json".into(),
            serde_json::json!({"id_token": t2}).to_string().into_bytes(),
        )
    });
    // Discovery names the token endpoint; point it back at the fake.
    let base = issuer.url.clone();
    let http = quick_http();
    let mut found = interactive::Issuer::discover(&http, &base).expect("discover");
    assert_eq!(found.token_endpoint, "TOKEN");
    found.token_endpoint = format!("{base}/token");
    // The out-of-band exchange.
    let s = Session::new(interactive::OOB_REDIRECT_URI.into()).expect("session");
    let got = s.exchange(&http, &found, "the-code").expect("exchange");
    assert_eq!(got.raw(), token);
    // The loopback listener hands back the browser's query.
    let listener = crate::net::RedirectListener::bind().expect("bind");
    let port = listener.port();
    let browser = std::thread::spawn(move || {
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        write!(s, "GET /favicon.ico HTTP/1.1\r\nHost: x\r\n\r\n").expect("write");
        let mut s = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
        write!(
            s,
            "GET /auth/callback?code=the-code&state=xyz HTTP/1.1\r\nHost: x\r\n\r\n"
        )
        .expect("write");
        let mut out = String::new();
        let _ = s.read_to_string(&mut out);
        out
    });
    let q = listener
        .wait("/auth/callback", Duration::from_secs(10))
        .expect("redirect");
    assert_eq!(q, "code=the-code&state=xyz");
    assert!(browser.join().expect("browser").starts_with("HTTP/1.1 200"));
}
