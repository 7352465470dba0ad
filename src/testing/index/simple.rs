//! The simple repository API's two serializations: PEP 503 HTML and PEP 691
//! JSON, chosen by content negotiation (PEP 691 "Version + Format
//! Selection"), with PEP 700's `versions`, `size` and `upload-time` and PEP
//! 740's `provenance` (JSON) and `data-provenance` (HTML).

use serde_json::{json, Value};

/// PEP 740 raised the API version to 1.3.
pub const API_VERSION: &str = "1.3";
pub const JSON: &str = "application/vnd.pypi.simple.v1+json";
pub const HTML: &str = "application/vnd.pypi.simple.v1+html";
pub const TEXT_HTML: &str = "text/html";

/// The serialization to answer in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Json,
    /// `application/vnd.pypi.simple.v1+html`.
    Html,
    /// The same HTML as `text/html` (PEP 503 clients).
    TextHtml,
}

impl Format {
    pub fn content_type(self) -> &'static str {
        match self {
            Format::Json => JSON,
            Format::Html => HTML,
            Format::TextHtml => "text/html; charset=utf-8",
        }
    }
}

/// The format for an `Accept` header (or PyPI's `format` query parameter,
/// which overrides it): the acceptable type with the highest quality, the
/// server's order (JSON, HTML, text/html) breaking ties. No header means
/// `text/html`, as PEP 691 lets a server choose; nothing acceptable is `None`
/// (HTTP 406).
pub fn negotiate(accept: Option<&str>) -> Option<Format> {
    let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
        return Some(Format::TextHtml);
    };
    let mut best: Option<(f32, usize, Format)> = None;
    for item in accept.split(',') {
        let mut fields = item.split(';');
        let mime = fields
            .next()
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase();
        let q = fields
            .filter_map(|p| p.split_once('='))
            .find(|(k, _)| k.trim() == "q")
            .and_then(|(_, v)| v.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        if q <= 0.0 || q.is_nan() {
            continue;
        }
        let choices: &[(usize, Format)] = match mime.as_str() {
            JSON | "application/vnd.pypi.simple.latest+json" => &[(0, Format::Json)],
            HTML | "application/vnd.pypi.simple.latest+html" => &[(1, Format::Html)],
            TEXT_HTML | "text/*" => &[(2, Format::TextHtml)],
            "*/*" | "application/*" => &[(2, Format::TextHtml)],
            _ => &[],
        };
        for &(rank, format) in choices {
            let better = match best {
                None => true,
                Some((bq, brank, _)) => q > bq || (q == bq && rank < brank),
            };
            if better {
                best = Some((q, rank, format));
            }
        }
    }
    best.map(|(_, _, f)| f)
}

/// One file of a project page.
pub struct FileEntry<'a> {
    pub filename: &'a str,
    pub url: String,
    pub sha256: &'a str,
    pub size: usize,
    pub upload_time: &'a str,
    pub requires_python: Option<&'a str>,
    pub provenance: Option<String>,
}

/// `/simple/`: the project list.
pub fn index_page(format: Format, projects: &[(&str, String)]) -> Vec<u8> {
    match format {
        Format::Json => json!({
            "meta": {"api-version": API_VERSION},
            "projects": projects.iter().map(|(name, _)| json!({"name": name})).collect::<Vec<_>>(),
        })
        .to_string()
        .into_bytes(),
        Format::Html | Format::TextHtml => {
            let mut out = head("Simple index");
            for (name, url) in projects {
                out.push_str(&format!(
                    "    <a href=\"{}\">{}</a><br/>\n",
                    escape(url),
                    escape(name)
                ));
            }
            out.push_str("  </body>\n</html>\n");
            out.into_bytes()
        }
    }
}

/// `/simple/<project>/`: the project's files.
pub fn project_page(
    format: Format,
    name: &str,
    versions: &[String],
    files: &[FileEntry<'_>],
) -> Vec<u8> {
    match format {
        Format::Json => {
            let files: Vec<Value> = files
                .iter()
                .map(|f| {
                    json!({
                        "filename": f.filename,
                        "url": f.url,
                        "hashes": {"sha256": f.sha256},
                        "requires-python": f.requires_python,
                        "size": f.size,
                        "upload-time": f.upload_time,
                        "yanked": false,
                        "provenance": f.provenance,
                    })
                })
                .collect();
            json!({
                "meta": {"api-version": API_VERSION},
                "name": name,
                "versions": versions,
                "files": files,
            })
            .to_string()
            .into_bytes()
        }
        Format::Html | Format::TextHtml => {
            let mut out = head(&format!("Links for {name}"));
            out.push_str(&format!("    <h1>Links for {}</h1>\n", escape(name)));
            for f in files {
                let mut attrs = String::new();
                if let Some(rp) = f.requires_python {
                    attrs.push_str(&format!(" data-requires-python=\"{}\"", escape(rp)));
                }
                if let Some(p) = &f.provenance {
                    attrs.push_str(&format!(" data-provenance=\"{}\"", escape(p)));
                }
                out.push_str(&format!(
                    "    <a href=\"{}#sha256={}\"{attrs}>{}</a><br/>\n",
                    escape(&f.url),
                    f.sha256,
                    escape(f.filename)
                ));
            }
            out.push_str("  </body>\n</html>\n");
            out.into_bytes()
        }
    }
}

fn head(title: &str) -> String {
    format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    <meta name=\"pypi:repository-version\" \
         content=\"{API_VERSION}\">\n    <title>{}</title>\n  </head>\n  <body>\n",
        escape(title)
    )
}

/// HTML text and attribute escaping.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#x27;"),
            c => out.push(c),
        }
    }
    out
}
