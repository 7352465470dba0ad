//! The instance's HTTP side: one small blocking server (tiny_http) per
//! service, each on its own 127.0.0.1 port, answering each request on its
//! own thread, so a service's delay (or a slow client) holds up no other
//! request, as concurrent clients need.

use serde_json::Value;
use std::io::Read as _;
use std::sync::Arc;
use std::thread::JoinHandle;

/// Request bodies above this are refused (a proposed entry is a few KiB;
/// a DSSE envelope carries its payload).
const MAX_BODY: u64 = 16 << 20;

pub struct Request {
    pub method: String,
    pub path: String,
    pub query: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

pub struct Response {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub location: Option<String>,
    /// A reason phrase for the status line instead of the standard one:
    /// the legacy upload API answers its refusals there, and clients
    /// (twine, through requests) show it.
    pub reason: Option<String>,
}

impl Response {
    pub fn json(status: u16, v: &Value) -> Response {
        Response {
            status,
            content_type: "application/json",
            body: v.to_string().into_bytes(),
            location: None,
            reason: None,
        }
    }

    pub fn bytes(status: u16, content_type: &'static str, body: Vec<u8>) -> Response {
        Response {
            status,
            content_type,
            body,
            location: None,
            reason: None,
        }
    }

    /// The `{"code", "message"}` error body Fulcio and Rekor return.
    pub fn error(status: u16, message: impl Into<String>) -> Response {
        Response::json(
            status,
            &serde_json::json!({"code": status, "message": message.into()}),
        )
    }

    pub fn oauth_error(status: u16, error: &str, description: &str) -> Response {
        Response::json(
            status,
            &serde_json::json!({"error": error, "error_description": description}),
        )
    }

    pub fn not_found(req: &Request) -> Response {
        Response::error(404, format!("no route for {} {}", req.method, req.path))
    }

    pub fn redirect(location: &str) -> Response {
        Response {
            status: 302,
            content_type: "text/plain",
            body: Vec::new(),
            location: Some(location.to_string()),
            reason: None,
        }
    }

    /// A plain-text answer whose message is also the status line's reason
    /// phrase, as Warehouse's legacy upload API answers.
    pub fn text_with_reason(status: u16, message: &str) -> Response {
        Response {
            status,
            content_type: "text/plain; charset=utf-8",
            body: message.as_bytes().to_vec(),
            location: None,
            reason: Some(message.to_string()),
        }
    }
}

pub type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// A bound, not yet serving, listener.
pub struct Listener {
    server: Arc<tiny_http::Server>,
    pub url: String,
}

pub fn bind() -> crate::Result<Listener> {
    let server = tiny_http::Server::http("127.0.0.1:0")
        .map_err(|e| crate::Error::Io(format!("cannot listen on 127.0.0.1: {e}")))?;
    let port = server
        .server_addr()
        .to_ip()
        .map(|a| a.port())
        .ok_or_else(|| crate::Error::Io("the listener has no IP address".into()))?;
    Ok(Listener {
        server: Arc::new(server),
        url: format!("http://127.0.0.1:{port}"),
    })
}

/// A serving listener; [`Service::stop`] (or drop) ends its thread.
pub struct Service {
    server: Arc<tiny_http::Server>,
    thread: Option<JoinHandle<()>>,
    load: Arc<Load>,
}

/// Requests being answered now, and the most ever at once: what tests of
/// concurrent clients check, rather than timing them.
#[derive(Default)]
pub struct Load {
    now: std::sync::atomic::AtomicUsize,
    peak: std::sync::atomic::AtomicUsize,
}

impl Load {
    fn enter(&self) {
        use std::sync::atomic::Ordering::SeqCst;
        let now = self.now.fetch_add(1, SeqCst) + 1;
        self.peak.fetch_max(now, SeqCst);
    }

    fn leave(&self) {
        self.now.fetch_sub(1, std::sync::atomic::Ordering::SeqCst);
    }

    /// The most requests answered at once.
    pub fn peak(&self) -> usize {
        self.peak.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Listener {
    /// Serves `handler`, each request on its own thread, counted in this
    /// service's load and in `overall` (the instance's, across services).
    pub fn serve(self, handler: Handler, overall: &Arc<Load>) -> Service {
        let server = Arc::clone(&self.server);
        let load = Arc::new(Load::default());
        let counted = Arc::clone(&load);
        let overall = Arc::clone(overall);
        let thread = std::thread::spawn(move || {
            while let Ok(rq) = server.recv() {
                let handler = Arc::clone(&handler);
                let load = Arc::clone(&counted);
                let overall = Arc::clone(&overall);
                // A request outliving `stop` still gets its answer; the
                // services it uses are shared, so nothing dangles.
                std::thread::spawn(move || {
                    load.enter();
                    overall.enter();
                    respond(rq, &handler);
                    overall.leave();
                    load.leave();
                });
            }
        });
        Service {
            server: self.server,
            thread: Some(thread),
            load,
        }
    }
}

impl Service {
    /// The most requests this service has been answering at once.
    pub fn peak_concurrency(&self) -> usize {
        self.load.peak()
    }

    pub fn stop(&mut self) {
        self.server.unblock();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for Service {
    fn drop(&mut self) {
        self.stop();
    }
}

fn respond(mut rq: tiny_http::Request, handler: &Handler) {
    let url = rq.url().to_string();
    let (path, query) = match url.split_once('?') {
        Some((p, q)) => (p.to_string(), q.to_string()),
        None => (url, String::new()),
    };
    let mut body = Vec::new();
    let read = rq.as_reader().take(MAX_BODY + 1).read_to_end(&mut body);
    let resp = if read.is_err() {
        Response::error(400, "cannot read the request body")
    } else if body.len() as u64 > MAX_BODY {
        Response::error(413, "request body too large")
    } else {
        let req = Request {
            method: rq.method().as_str().to_ascii_uppercase(),
            path: if path.len() > 1 {
                path.trim_end_matches('/').to_string()
            } else {
                path
            },
            query,
            headers: rq
                .headers()
                .iter()
                .map(|h| (h.field.as_str().to_string(), h.value.as_str().to_string()))
                .collect(),
            body,
        };
        handler(&req)
    };
    if let Some(reason) = &resp.reason {
        respond_with_reason(rq, &resp, reason);
        return;
    }
    let mut out = tiny_http::Response::from_data(resp.body).with_status_code(resp.status);
    if let Ok(h) = tiny_http::Header::from_bytes("Content-Type", resp.content_type) {
        out = out.with_header(h);
    }
    if let Some(loc) = resp.location {
        if let Ok(h) = tiny_http::Header::from_bytes("Location", loc.as_bytes()) {
            out = out.with_header(h);
        }
    }
    // The client may have gone; nothing to do about it here.
    let _ = rq.respond(out);
}

/// Writes the whole response on the raw connection: tiny_http always sends
/// the standard reason phrase. The phrase is reduced to printable ASCII (a
/// status line is Latin-1 and has no line breaks) and the connection
/// closed, so the client never reads past this response.
fn respond_with_reason(rq: tiny_http::Request, resp: &Response, reason: &str) {
    use std::io::Write as _;
    let reason: String = reason
        .chars()
        .map(|c| {
            if c == ' ' || c.is_ascii_graphic() {
                c
            } else {
                '?'
            }
        })
        .collect();
    let head_only = rq.method() == &tiny_http::Method::Head;
    let mut w = rq.into_writer();
    let head = format!(
        "HTTP/1.1 {} {reason}\r\nContent-Type: {}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        resp.status,
        resp.content_type,
        resp.body.len()
    );
    // The client may have gone; nothing to do about it here.
    let _ = w.write_all(head.as_bytes());
    if !head_only {
        let _ = w.write_all(&resp.body);
    }
    let _ = w.flush();
}

/// `application/x-www-form-urlencoded` pairs (also URL query strings).
pub fn form_params(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect()
}

fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < b.len() => {
                let hi = (b[i + 1] as char).to_digit(16);
                let lo = (b[i + 2] as char).to_digit(16);
                match (hi, lo) {
                    (Some(h), Some(l)) => {
                        out.push((h * 16 + l) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}
