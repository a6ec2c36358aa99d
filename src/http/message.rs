//! HTTP/1.1 messages as `server.rs` reads and writes them: a parsed
//! [`Request`] (request line, headers, body, the peer's address), a
//! [`Response`] (whole, or streamed by a closure so that a long listing is
//! never held whole), and the percent-encoding of paths, queries and forms.

use std::io::Write;
use std::net::IpAddr;

/// A parsed request.
#[derive(Debug)]
pub struct Request {
    pub method: String,
    /// The path, percent-decoded (`/jobs/a%20b` is `/jobs/a b`).
    pub path: String,
    /// The raw query string, without `?`.
    pub query: String,
    /// Header names in lower case, in order.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// Who sent it (the TCP peer), for throttling wrong tokens.
    pub peer: Option<IpAddr>,
}

impl Request {
    /// The first header of that (lower-case) name.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// The query's `key=value` pairs, percent-decoded (`+` is a space).
    pub fn query_pairs(&self) -> Result<Vec<(String, String)>, String> {
        form_pairs(&self.query)
    }

    /// A cookie's value.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .filter(|(k, _)| k == "cookie")
            .flat_map(|(_, v)| v.split(';'))
            .filter_map(|c| c.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
}

/// `a=1&b=x+y` (a query or a form body) as decoded pairs.
pub fn form_pairs(text: &str) -> Result<Vec<(String, String)>, String> {
    text.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            Ok((
                percent_decode(&k.replace('+', " "))?,
                percent_decode(&v.replace('+', " "))?,
            ))
        })
        .collect()
}

/// `%41` → `A`; the result must be UTF-8.
pub fn percent_decode(s: &str) -> Result<String, String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' {
            let hex = b
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok())
                .and_then(|h| u8::from_str_radix(h, 16).ok());
            match hex {
                Some(v) => out.push(v),
                None => return Err(format!("bad percent escape in '{s}'")),
            }
            i += 3;
        } else {
            out.push(b[i]);
            i += 1;
        }
    }
    String::from_utf8(out).map_err(|_| format!("'{s}' is not UTF-8 once decoded"))
}

/// `a b/c` → `a%20b%2Fc`: a path segment or query value.
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Writes a streamed body; an `Err` before anything was sent becomes the
/// response instead (after, the connection is cut: the client sees a
/// body that does not end).
pub type Stream = Box<dyn FnOnce(&mut dyn Write) -> Result<(), Response> + Send>;

/// A response to write: `body`, or what `stream` writes.
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
    /// A body written piece by piece (chunked), instead of `body`.
    pub stream: Option<Stream>,
    /// Kept until the response is written (a permit, say).
    pub hold: Option<Box<dyn std::any::Any + Send>>,
}

impl std::fmt::Debug for Response {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Response")
            .field("status", &self.status)
            .field("headers", &self.headers)
            .field("body", &String::from_utf8_lossy(&self.body))
            .field("stream", &self.stream.is_some())
            .finish()
    }
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
            stream: None,
            hold: None,
        }
    }

    /// A 200 whose body `write` writes as it goes.
    pub fn streamed(content_type: &str, write: Stream) -> Response {
        Response {
            stream: Some(write),
            ..Response::new(200, content_type, Vec::new())
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
        self
    }

    /// Keep `value` alive until this response is written.
    pub fn holding(mut self, value: impl std::any::Any + Send) -> Response {
        self.hold = Some(Box::new(value));
        self
    }

    /// `{"error": "..."}` with a 4xx or 5xx status.
    pub fn error(status: u16, msg: &str) -> Response {
        let body = serde_json::json!({ "error": msg }).to_string();
        Response::new(status, "application/json", body)
    }
}

pub fn reason(status: u16) -> &'static str {
    match status {
        100 => "Continue",
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        303 => "See Other",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        415 => "Unsupported Media Type",
        421 => "Misdirected Request",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

/// The request line and headers (without the blank line), parsed.
pub fn parse_head(head: &str) -> Result<Request, String> {
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or_default();
    let mut parts = line.split(' ');
    let (Some(method), Some(target), Some(version), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err("bad request line".into());
    };
    if !version.starts_with("HTTP/1.") {
        return Err(format!("unsupported protocol '{version}'"));
    }
    if method.is_empty() || !method.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(format!("bad method '{method}'"));
    }
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    if !path.starts_with('/') {
        return Err(format!("bad request target '{target}'"));
    }
    let mut headers = Vec::new();
    for l in lines {
        let (k, v) = l
            .split_once(':')
            .ok_or_else(|| format!("bad header line '{l}'"))?;
        if k.is_empty() || k.contains(char::is_whitespace) {
            return Err(format!("bad header name '{k}'"));
        }
        headers.push((k.to_ascii_lowercase(), v.trim().to_string()));
    }
    if version == "HTTP/1.0" {
        headers.push(("x-http-1.0".into(), String::new()));
    }
    Ok(Request {
        method: method.to_string(),
        path: percent_decode(path)?,
        query: query.to_string(),
        headers,
        body: Vec::new(),
        peer: None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn heads_parse_and_bad_ones_are_refused() {
        let r = parse_head("GET /jobs/a%20b?x=1 HTTP/1.1\r\nHost: h\r\nX-A: b").unwrap();
        assert_eq!(r.path, "/jobs/a b");
        assert_eq!(r.query, "x=1");
        assert_eq!(r.header("host"), Some("h"));
        assert!(parse_head("GET /x").is_err());
        assert!(parse_head("GET x HTTP/1.1").is_err());
        assert!(parse_head("get / HTTP/1.1").is_err());
        assert!(parse_head("GET / HTTP/2").is_err());
        assert!(parse_head("GET / HTTP/1.1\r\nno colon").is_err());
        assert!(parse_head("GET /%zz HTTP/1.1").is_err());
    }

    #[test]
    fn forms_and_cookies_decode() {
        assert_eq!(
            form_pairs("a=1&b=x+y%21&c").unwrap(),
            vec![
                ("a".into(), "1".into()),
                ("b".into(), "x y!".into()),
                ("c".into(), "".into())
            ]
        );
        let r = parse_head("GET / HTTP/1.1\r\nCookie: a=1; tick_session=abc").unwrap();
        assert_eq!(r.cookie("tick_session"), Some("abc"));
        assert_eq!(percent_encode("a b/ü"), "a%20b%2F%C3%BC");
    }
}
