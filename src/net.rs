//! The one place that opens sockets. Everything else in the crate is sans-IO:
//! the request and response shapes live in the domain modules (here, the
//! Rekor v1 API in `legacy::api`) and this module only moves bytes.
//!
//! Verification never needs the network, except to look up the Rekor v1
//! entry of a legacy detached signature ([`RekorV1Client`]). Signing uses
//! [`Http`] for Fulcio, Rekor, the TSAs and OIDC providers.
//!
//! HTTP is ureq with rustls and the webpki root certificates. Proxies come
//! from the environment as curl reads them (`https_proxy`, `http_proxy`,
//! `ALL_PROXY`, `NO_PROXY`). Every
//! request has a connect timeout and an overall timeout, and every response
//! a size bound.

use crate::crypto::Digest;
use crate::error::{Error, Result, Step};
use crate::legacy::{self, api, DetachedSignature, LoggedEntry};
use std::io::Read;
use std::time::Duration;

const CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// A log entry is a few KiB; an intoto entry carries its payload. 16 MiB is
/// far above any real one.
const MAX_RESPONSE_BYTES: u64 = 16 << 20;
/// Entries fetched for one artifact before giving up: each artifact digest
/// has one entry per signature over it, and a detached signature's
/// certificate is ephemeral, so a real lookup needs one or a few.
const MAX_CANDIDATES: usize = 32;

/// A client of one Rekor v1 instance (`https://rekor.sigstore.dev`, or a
/// trusted root's Rekor v1 `baseUrl`).
pub struct RekorV1Client {
    base_url: String,
    agent: ureq::Agent,
}

impl RekorV1Client {
    /// A client for the Rekor v1 API at `base_url` (http or https), with
    /// the proxy the environment names for it.
    pub fn new(base_url: &str) -> Result<Self> {
        let base_url = base_url.trim_end_matches('/').to_string();
        if !(base_url.starts_with("https://") || base_url.starts_with("http://")) {
            return Err(Error::InvalidInput(format!(
                "Rekor URL {base_url:?} is not an http(s) URL"
            )));
        }
        let mut agent = ureq::AgentBuilder::new()
            .timeout_connect(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .user_agent(concat!("sigstore_rs/", env!("CARGO_PKG_VERSION")));
        if let Some(p) = proxy_from_env(&base_url, |k| std::env::var(k).ok()) {
            let proxy = ureq::Proxy::new(&p).map_err(|e| {
                Error::InvalidInput(format!("proxy {p:?} from the environment: {e}"))
            })?;
            agent = agent.proxy(proxy);
        }
        Ok(RekorV1Client {
            base_url,
            agent: agent.build(),
        })
    }

    /// The base URL, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    fn net_err(&self, what: &str, e: impl std::fmt::Display) -> Error {
        Error::Network(format!("{what} {}: {e}", self.base_url))
    }

    fn read(
        &self,
        what: &str,
        r: std::result::Result<ureq::Response, ureq::Error>,
    ) -> Result<Vec<u8>> {
        let resp = match r {
            Ok(resp) => resp,
            Err(ureq::Error::Status(code, resp)) => {
                let mut detail = String::new();
                // Rekor's error body is `{"code", "message"}`; its first
                // bytes are enough to say why.
                let _ = resp.into_reader().take(512).read_to_string(&mut detail);
                return Err(self.net_err(what, format!("HTTP status {code} {}", detail.trim())));
            }
            Err(e) => return Err(self.net_err(what, e)),
        };
        let mut buf = Vec::new();
        resp.into_reader()
            .take(MAX_RESPONSE_BYTES + 1)
            .read_to_end(&mut buf)
            .map_err(|e| self.net_err(what, format!("reading the response: {e}")))?;
        if buf.len() as u64 > MAX_RESPONSE_BYTES {
            return Err(self.net_err(
                what,
                format!("the response is larger than {MAX_RESPONSE_BYTES} bytes"),
            ));
        }
        Ok(buf)
    }

    /// `POST /api/v1/index/retrieve {"hash": "sha256:<hex>"}`: the UUIDs of
    /// the entries that record this artifact digest.
    pub fn search_by_digest(&self, digest: &Digest) -> Result<Vec<String>> {
        let what = "searching the Rekor index at";
        let body = api::index_query(digest)?;
        let r = self
            .agent
            .post(&format!("{}{}", self.base_url, api::INDEX_PATH))
            .set("Content-Type", "application/json")
            .set("Accept", "application/json")
            .send_bytes(&body);
        let data = self.read(what, r)?;
        api::parse_index_response(&data).map_err(|e| self.net_err(what, e))
    }

    /// `GET /api/v1/log/entries/{uuid}`: one entry, checked to be the one
    /// asked for.
    pub fn entry(&self, uuid: &str) -> Result<LoggedEntry> {
        let what = "fetching a log entry from";
        if !legacy::is_entry_uuid(uuid) {
            return Err(Error::InvalidInput(format!(
                "{uuid:?} is not a Rekor entry UUID"
            )));
        }
        let r = self
            .agent
            .get(&format!("{}{}{uuid}", self.base_url, api::ENTRY_PATH))
            .set("Accept", "application/json")
            .call();
        let data = self.read(what, r)?;
        let (got, entry) = legacy::entry_from_rekor_api(&data)?;
        // Both are leaf hashes, optionally behind a tree ID.
        if got[got.len() - 64..] != uuid.to_ascii_lowercase()[uuid.len() - 64..] {
            return Err(self.net_err(
                what,
                format!("asked for entry {uuid}, the log returned {got}"),
            ));
        }
        Ok(entry.into())
    }

    /// Finds the entry that logged this detached signature over `digest`:
    /// searches the index by digest, then fetches candidates until one
    /// records this signature and certificate. Not finding one is a failure
    /// of the transparency log step.
    pub fn find_detached(&self, sig: &DetachedSignature, digest: &Digest) -> Result<LoggedEntry> {
        let uuids = self.search_by_digest(digest)?;
        if uuids.is_empty() {
            return Err(Error::verification(
                Step::TlogEntry,
                format!(
                    "the transparency log at {} has no entry for this artifact ({digest:?}): it was not signed into this log (is it the right Sigstore instance?)",
                    self.base_url
                ),
            ));
        }
        for uuid in uuids.iter().take(MAX_CANDIDATES) {
            let logged = self.entry(uuid)?;
            if legacy::records(&logged.entry, sig, digest) {
                return Ok(logged);
            }
        }
        let examined = uuids.len().min(MAX_CANDIDATES);
        Err(Error::verification(
            Step::TlogEntry,
            format!(
                "the transparency log at {} has {} entries for this artifact ({digest:?}); none of the {examined} examined records this signature and certificate",
                self.base_url,
                uuids.len()
            ),
        ))
    }
}

/// A response: any status (the caller decides what a status means), its
/// body (bounded), content type and location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HttpResponse {
    /// The HTTP status code.
    pub status: u16,
    /// The body, at most 16 MiB.
    pub body: Vec<u8>,
    /// The `Content-Type` header, if sent.
    pub content_type: Option<String>,
    /// The `Location` header, if sent (Rekor v1 names an existing entry
    /// with it when it answers 409).
    pub location: Option<String>,
}

impl HttpResponse {
    /// Whether the status is 2xx.
    pub fn is_success(&self) -> bool {
        (200..300).contains(&self.status)
    }

    /// The first bytes of the body as text, for error messages.
    pub fn body_snippet(&self) -> String {
        let text = String::from_utf8_lossy(&self.body);
        let text = text.trim();
        match text.char_indices().nth(300) {
            Some((i, _)) => format!("{}…", &text[..i]),
            None => text.to_string(),
        }
    }
}

/// How hard [`Http`] tries: attempts per request (connection failures,
/// 5xx and 429 answers are retried; other 4xx answers are final) and the
/// first backoff, doubled after each failed attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts per request, at least 1 (default 3).
    pub attempts: u32,
    /// The wait before the second attempt (default 250 ms).
    pub backoff: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            attempts: 3,
            backoff: Duration::from_millis(250),
        }
    }
}

/// A plain HTTP(S) client for the signing services (Fulcio, Rekor, TSA)
/// and OIDC providers: timeouts, proxies from the environment
/// (as curl reads them, chosen per URL), bounded retries with backoff, and
/// bounded responses. The request and response *shapes* live in
/// [`crate::sign`] and [`crate::oidc`]; this only moves bytes.
#[derive(Debug, Clone, Default)]
pub struct Http {
    retry: RetryPolicy,
}

impl Http {
    /// A client with the default [`RetryPolicy`].
    pub fn new() -> Http {
        Http::default()
    }

    /// A client with the given retry policy.
    pub fn with_retry(retry: RetryPolicy) -> Http {
        Http { retry }
    }

    fn agent(&self, url: &str) -> Result<ureq::Agent> {
        let mut agent = ureq::AgentBuilder::new()
            .timeout_connect(CONNECT_TIMEOUT)
            .timeout(REQUEST_TIMEOUT)
            .redirects(0)
            .user_agent(concat!("sigstore_rs/", env!("CARGO_PKG_VERSION")));
        if let Some(p) = proxy_from_env(url, |k| std::env::var(k).ok()) {
            let proxy = ureq::Proxy::new(&p).map_err(|e| {
                Error::InvalidInput(format!("proxy {p:?} from the environment: {e}"))
            })?;
            agent = agent.proxy(proxy);
        }
        Ok(agent.build())
    }

    /// `GET url` with `headers`.
    pub fn get(&self, url: &str, headers: &[(&str, &str)]) -> Result<HttpResponse> {
        self.request("GET", url, headers, None)
    }

    /// `GET url` with `headers`, the body bounded by `limit` bytes instead
    /// of the default 16 MiB (a distribution file can be larger).
    pub fn get_bounded(
        &self,
        url: &str,
        headers: &[(&str, &str)],
        limit: u64,
    ) -> Result<HttpResponse> {
        self.request_bounded("GET", url, headers, None, limit)
            .map_err(|e| match e {
                Bounded::Failed(e) => e,
                Bounded::TooLong(limit) => Error::Network(format!(
                    "GET {url}: the response is larger than {limit} bytes"
                )),
            })
    }

    /// `POST url` with `headers` and `body`.
    pub fn post(&self, url: &str, headers: &[(&str, &str)], body: &[u8]) -> Result<HttpResponse> {
        self.request("POST", url, headers, Some(body))
    }

    /// One request, retried on connection failures and 5xx answers up to
    /// the policy's attempts. Returns the last answer whatever its status;
    /// fails only when no answer came.
    pub fn request(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
    ) -> Result<HttpResponse> {
        self.request_bounded(method, url, headers, body, MAX_RESPONSE_BYTES)
            .map_err(|e| match e {
                Bounded::Failed(e) => e,
                Bounded::TooLong(limit) => Error::Network(format!(
                    "{method} {url}: the response is larger than {limit} bytes"
                )),
            })
    }

    fn request_bounded(
        &self,
        method: &str,
        url: &str,
        headers: &[(&str, &str)],
        body: Option<&[u8]>,
        limit: u64,
    ) -> std::result::Result<HttpResponse, Bounded> {
        if !(url.starts_with("https://") || url.starts_with("http://")) {
            return Err(Error::InvalidInput(format!("{url:?} is not an http(s) URL")).into());
        }
        let agent = self.agent(url)?;
        let attempts = self.retry.attempts.max(1);
        let mut backoff = self.retry.backoff;
        let mut last_err = String::new();
        for attempt in 1..=attempts {
            let mut req = agent.request(method, url);
            for (k, v) in headers {
                req = req.set(k, v);
            }
            let result = match body {
                Some(b) => req.send_bytes(b),
                None => req.call(),
            };
            let resp = match result {
                Ok(r) => Some(r),
                Err(ureq::Error::Status(_, r)) => Some(r),
                Err(ureq::Error::Transport(t)) => {
                    last_err = t.to_string();
                    None
                }
            };
            if let Some(resp) = resp {
                let status = resp.status();
                let content_type = resp.header("Content-Type").map(str::to_string);
                let location = resp.header("Location").map(str::to_string);
                let mut buf = Vec::new();
                resp.into_reader()
                    .take(limit.saturating_add(1))
                    .read_to_end(&mut buf)
                    .map_err(|e| {
                        Error::Network(format!("{method} {url}: reading the response: {e}"))
                    })?;
                if buf.len() as u64 > limit {
                    return Err(Bounded::TooLong(limit));
                }
                let answer = HttpResponse {
                    status,
                    body: buf,
                    content_type,
                    location,
                };
                // 5xx and 429 (rate limited) are worth another attempt.
                if (status < 500 && status != 429) || attempt == attempts {
                    return Ok(answer);
                }
                last_err = format!("HTTP status {status} {}", answer.body_snippet());
            }
            if attempt < attempts {
                std::thread::sleep(backoff);
                backoff = backoff.saturating_mul(2);
            }
        }
        Err(Error::Network(format!(
            "{method} {url} failed after {attempts} attempts: {last_err}"
        ))
        .into())
    }
}

/// How a bounded request failed.
enum Bounded {
    /// The body was longer than the limit.
    TooLong(u64),
    /// Anything else.
    Failed(Error),
}

impl From<Error> for Bounded {
    fn from(e: Error) -> Self {
        Bounded::Failed(e)
    }
}

/// TUF metadata and targets over HTTP(S): the same timeouts, proxies and
/// retries as every other request, the body bounded by what the TUF
/// metadata allows, non-2xx statuses reported as such (the updater stops
/// the root walk on 403/404).
impl crate::tuf::updater::Fetcher for Http {
    fn fetch(
        &self,
        url: &str,
        max_length: u64,
    ) -> std::result::Result<Vec<u8>, crate::tuf::FetchError> {
        use crate::tuf::FetchError;
        match self.request_bounded("GET", url, &[], None, max_length) {
            Ok(r) if r.is_success() => Ok(r.body),
            Ok(r) => Err(FetchError::Status(r.status)),
            Err(Bounded::TooLong(n)) => Err(FetchError::TooLong(n)),
            Err(Bounded::Failed(e)) => Err(FetchError::Other(e.to_string())),
        }
    }
}

/// The local end of an OAuth 2.0 authorization-code redirect (RFC 8252
/// §7.3, loopback interface redirection): a one-shot HTTP listener on
/// 127.0.0.1 at an OS-chosen port that waits for the browser to arrive at
/// `path` and returns the query string it carried.
pub(crate) struct RedirectListener {
    listener: std::net::TcpListener,
    port: u16,
}

impl RedirectListener {
    pub fn bind() -> Result<Self> {
        let listener = std::net::TcpListener::bind(("127.0.0.1", 0))
            .map_err(|e| Error::Network(format!("cannot listen on 127.0.0.1: {e}")))?;
        let port = listener
            .local_addr()
            .map_err(|e| Error::Network(format!("cannot listen on 127.0.0.1: {e}")))?
            .port();
        Ok(RedirectListener { listener, port })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    /// Waits (up to `timeout`) for `GET {path}?query`, answers it with a
    /// short page, and returns the raw query. Other requests (a browser's
    /// favicon) are answered 404 and ignored.
    pub fn wait(&self, path: &str, timeout: Duration) -> Result<String> {
        use std::io::{BufRead, BufReader, Write};
        let deadline = std::time::Instant::now() + timeout;
        self.listener
            .set_nonblocking(true)
            .map_err(|e| Error::Network(format!("OAuth redirect listener: {e}")))?;
        loop {
            let (stream, _) = match self.listener.accept() {
                Ok(c) => c,
                Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                    if std::time::Instant::now() > deadline {
                        return Err(Error::Network(format!(
                            "no OAuth redirect arrived within {}s",
                            timeout.as_secs()
                        )));
                    }
                    std::thread::sleep(Duration::from_millis(50));
                    continue;
                }
                Err(e) => return Err(Error::Network(format!("OAuth redirect listener: {e}"))),
            };
            let _ = stream.set_nonblocking(false);
            let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
            let mut reader = BufReader::new(&stream);
            let mut line = String::new();
            if reader.by_ref().take(8192).read_line(&mut line).is_err() {
                continue;
            }
            // Drain the headers so the browser sees a clean answer.
            loop {
                let mut h = String::new();
                match reader.by_ref().take(8192).read_line(&mut h) {
                    Ok(0) | Err(_) => break,
                    Ok(_) if h.trim().is_empty() => break,
                    Ok(_) => {}
                }
            }
            let target = line.split_whitespace().nth(1).unwrap_or_default();
            let (p, query) = target.split_once('?').unwrap_or((target, ""));
            let mut out = &stream;
            if line.starts_with("GET ") && p == path {
                let page = "<html><body>Sigstore authentication complete. You may close this window.</body></html>";
                let _ = write!(
                    out,
                    "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{page}",
                    page.len()
                );
                return Ok(query.to_string());
            }
            let _ = write!(
                out,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
        }
    }
}

/// The proxy to reach `url` through, from the environment as curl reads it:
/// none if the host matches `NO_PROXY` (comma-separated names, each also
/// matching its subdomains; `*` matches every host), else the scheme's own
/// `https_proxy`/`http_proxy` (lower case first), else `ALL_PROXY`. Empty
/// values count as unset. (ureq 2's own lookup ignores `NO_PROXY` and the
/// scheme.) A loopback host (`localhost`, `127.0.0.0/8`, `::1`) is never
/// proxied: a proxy cannot reach the caller's own loopback interface (the
/// local test instance, an OAuth redirect).
pub(crate) fn proxy_from_env(url: &str, env: impl Fn(&str) -> Option<String>) -> Option<String> {
    let var = |names: &[&str]| {
        names
            .iter()
            .filter_map(|n| env(n))
            .map(|v| v.trim().to_string())
            .find(|v| !v.is_empty())
    };
    let (scheme, rest) = url.split_once("://")?;
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host_port = authority.rsplit('@').next().unwrap_or_default();
    let host = match host_port.strip_prefix('[') {
        Some(v6) => v6.split(']').next().unwrap_or_default(),
        None => host_port.split(':').next().unwrap_or_default(),
    }
    .to_ascii_lowercase();
    let loopback = host == "localhost"
        || host
            .parse::<std::net::IpAddr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback {
        return None;
    }
    if let Some(no_proxy) = var(&["no_proxy", "NO_PROXY"]) {
        let bypass = no_proxy.split(',').any(|entry| {
            let entry = entry.trim().trim_start_matches('.').to_ascii_lowercase();
            let entry = match entry.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or_default().to_string(),
                None if entry.matches(':').count() == 1 => {
                    entry.split(':').next().unwrap_or_default().to_string()
                }
                None => entry,
            };
            entry == "*"
                || (!entry.is_empty() && (host == entry || host.ends_with(&format!(".{entry}"))))
        });
        if bypass {
            return None;
        }
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => var(&["https_proxy", "HTTPS_PROXY"]),
        // curl ignores upper-case HTTP_PROXY (CGI sets it from a request header).
        "http" => var(&["http_proxy"]),
        _ => None,
    }
    .or_else(|| var(&["all_proxy", "ALL_PROXY"]))
}

#[cfg(test)]
mod tests {
    use super::proxy_from_env;

    fn env<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
        move |k| {
            vars.iter()
                .find(|(n, _)| *n == k)
                .map(|(_, v)| v.to_string())
        }
    }

    #[test]
    fn proxies_from_the_environment() {
        let p = |url: &str, vars: &[(&str, &str)]| proxy_from_env(url, env(vars));
        let https = "https://rekor.sigstore.dev/api";
        assert_eq!(p(https, &[]), None);
        assert_eq!(
            p(https, &[("HTTPS_PROXY", "http://p:1")]).as_deref(),
            Some("http://p:1")
        );
        assert_eq!(
            p(
                https,
                &[("https_proxy", "http://a"), ("HTTPS_PROXY", "http://b")]
            )
            .as_deref(),
            Some("http://a")
        );
        assert_eq!(p(https, &[("http_proxy", "http://a")]), None);
        assert_eq!(
            p(https, &[("ALL_PROXY", "socks5://s")]).as_deref(),
            Some("socks5://s")
        );
        assert_eq!(p("http://h/", &[("HTTP_PROXY", "http://x")]), None);
        assert_eq!(
            p("http://h/", &[("http_proxy", "http://x")]).as_deref(),
            Some("http://x")
        );
        assert_eq!(p(https, &[("HTTPS_PROXY", " ")]), None);
        let with = |no: &'static str| [("HTTPS_PROXY", "http://p"), ("NO_PROXY", no)];
        for bypass in [
            "sigstore.dev",
            ".sigstore.dev",
            "x, rekor.sigstore.dev",
            "*",
            "rekor.sigstore.dev:443",
        ] {
            assert_eq!(p(https, &with(bypass)), None, "{bypass}");
        }
        for keep in ["store.dev", "other.dev", "", "rekor.sigstore.dev.evil"] {
            assert!(p(https, &with(keep)).is_some(), "{keep}");
        }
        let local = [("HTTPS_PROXY", "http://p"), ("no_proxy", "127.0.0.1,::1")];
        assert_eq!(p("https://127.0.0.1:8080/x", &local), None);
        assert_eq!(
            p(
                "https://u:pw@[::1]:8080/x",
                &[("HTTPS_PROXY", "http://p"), ("no_proxy", "[::1]")]
            ),
            None
        );
        assert!(p("https://10.0.0.1/", &local).is_some());
        let proxied = [("HTTPS_PROXY", "http://p"), ("http_proxy", "http://p")];
        for url in [
            "http://127.0.0.1:8080/simple/",
            "https://127.0.0.2/",
            "http://localhost:1/",
            "http://[::1]:80/",
        ] {
            assert_eq!(p(url, &proxied), None, "{url}");
        }
        assert_eq!(p("not a url", &local), None);
    }
}
