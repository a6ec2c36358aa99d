//! A small HTTP/1.1 server on `std::net`: one thread per connection, at
//! most [`Limits::max_connections`] of them, each request bounded in header
//! size, body size and time. It knows nothing of tick: it parses requests,
//! hands each to a handler and writes the response.
//!
//! Why not a crate: `tiny_http` (the well-kept synchronous server) has no
//! limit on header size (its issue #56), no connection limit and no
//! per-request deadline (its issue #21), which an endpoint that runs
//! commands must have; the async servers need a runtime tick does not have.
//!
//! What it does not do: transfer encodings other than chunked, TLS (put
//! a proxy in front). Pipelined requests are answered one after another.

use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

/// What one client may cost.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    /// Request line plus headers, in bytes (more: 431).
    pub max_header: usize,
    /// Request body, in bytes (more: 413).
    pub max_body: usize,
    /// From a request's first byte to its last (slower: 408).
    pub request_time: Duration,
    /// How long a kept-alive connection may wait for its next request.
    pub idle: Duration,
    /// Connections served at once; one more is answered 503 and closed.
    pub max_connections: usize,
    /// Requests on one connection before it is closed.
    pub max_requests: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_header: 16 * 1024,
            max_body: 1024 * 1024,
            request_time: Duration::from_secs(10),
            idle: Duration::from_secs(5),
            max_connections: 32,
            max_requests: 1000,
        }
    }
}

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

/// A response to write.
#[derive(Debug, Clone)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

impl Response {
    pub fn new(status: u16, content_type: &str, body: impl Into<Vec<u8>>) -> Response {
        Response {
            status,
            headers: vec![("Content-Type", content_type.to_string())],
            body: body.into(),
        }
    }

    pub fn with(mut self, name: &'static str, value: impl Into<String>) -> Response {
        self.headers.push((name, value.into()));
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
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        505 => "HTTP Version Not Supported",
        _ => "Unknown",
    }
}

pub type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// Accept connections until the process exits; each on its own thread,
/// at most `limits.max_connections` at once.
pub fn serve(listener: TcpListener, limits: Limits, handler: Arc<Handler>) {
    let active = Arc::new(AtomicUsize::new(0));
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // EMFILE and the like: back off rather than spin.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        if active.fetch_add(1, Ordering::SeqCst) >= limits.max_connections {
            active.fetch_sub(1, Ordering::SeqCst);
            refuse_busy(stream);
            continue;
        }
        let slot = Slot(active.clone());
        let handler = handler.clone();
        let spawned = std::thread::Builder::new()
            .name("tick-http".into())
            .stack_size(256 * 1024)
            .spawn(move || {
                let _slot = slot;
                let _ = Connection::new(stream, limits).run(&*handler);
            });
        if spawned.is_err() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// Frees its connection's place when the thread ends, even by a panic.
struct Slot(Arc<AtomicUsize>);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// One connection too many: 503 and close, without waiting for the
/// request (what of it has arrived is read, so that closing does not
/// reset the connection before the client reads the 503).
fn refuse_busy(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let resp =
        Response::error(503, "too many connections; try again shortly").with("Retry-After", "1");
    let _ = write_response(&mut stream, &resp, false, false);
    let _ = stream.shutdown(Shutdown::Write);
    if stream.set_nonblocking(true).is_ok() {
        let mut sink = [0u8; 4096];
        for _ in 0..4 {
            if !matches!(stream.read(&mut sink), Ok(n) if n > 0) {
                break;
            }
        }
    }
}

/// Close after a refusal without losing it: Linux answers a close with
/// unread bytes (a body we refused, say) with a reset, which can destroy
/// the response before the client reads it. So stop writing, then read
/// and drop what comes for up to a second or 1 MiB, then close.
fn linger_close(mut stream: TcpStream) {
    let _ = stream.shutdown(Shutdown::Write);
    let end = Instant::now() + Duration::from_secs(1);
    let mut sink = [0u8; 8192];
    let mut left = 1024 * 1024usize;
    while left > 0 {
        let wait = end.saturating_duration_since(Instant::now());
        if wait.is_zero() || stream.set_read_timeout(Some(wait)).is_err() {
            break;
        }
        match stream.read(&mut sink) {
            Ok(0) | Err(_) => break,
            Ok(n) => left = left.saturating_sub(n),
        }
    }
}

struct Connection {
    stream: TcpStream,
    limits: Limits,
    /// Bytes read past the previous request.
    buf: Vec<u8>,
}

/// Why a connection stops reading.
enum Stop {
    /// The client closed or the idle time ran out before a request began.
    Quiet,
    /// Answer this, then close.
    Refuse(Response),
}

impl Connection {
    fn new(stream: TcpStream, limits: Limits) -> Connection {
        Connection {
            stream,
            limits,
            buf: Vec::new(),
        }
    }

    fn run(mut self, handler: &Handler) -> io::Result<()> {
        self.stream.set_nodelay(true)?;
        self.stream
            .set_write_timeout(Some(self.limits.request_time))?;
        for n in 0..self.limits.max_requests {
            let req = match self.read_request() {
                Ok(req) => req,
                Err(Stop::Quiet) => break,
                Err(Stop::Refuse(resp)) => {
                    write_response(&mut self.stream, &resp, false, false)?;
                    linger_close(self.stream);
                    return Ok(());
                }
            };
            let keep = wants_keep_alive(&req) && n + 1 < self.limits.max_requests;
            let head = req.method == "HEAD";
            let resp = handler(&req);
            write_response(&mut self.stream, &resp, keep, head)?;
            if !keep {
                break;
            }
        }
        let _ = self.stream.shutdown(Shutdown::Both);
        Ok(())
    }

    /// Read until `need` says enough, or `deadline` passes.
    fn fill(&mut self, deadline: Instant) -> Result<usize, Stop> {
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(Stop::Refuse(Response::error(
                408,
                "the request took too long to arrive",
            )));
        }
        self.stream
            .set_read_timeout(Some(left))
            .map_err(|_| Stop::Quiet)?;
        let mut chunk = [0u8; 8192];
        match self.stream.read(&mut chunk) {
            Ok(0) => Err(Stop::Quiet),
            Ok(n) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(n)
            }
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::WouldBlock | io::ErrorKind::TimedOut
                ) =>
            {
                Err(Stop::Refuse(Response::error(
                    408,
                    "the request took too long to arrive",
                )))
            }
            Err(e) if e.kind() == io::ErrorKind::Interrupted => Ok(0),
            Err(_) => Err(Stop::Quiet),
        }
    }

    fn read_request(&mut self) -> Result<Request, Stop> {
        // Wait for the first byte for the idle time; from then on the whole
        // request has `request_time`.
        if self.buf.is_empty() {
            let idle = Instant::now() + self.limits.idle;
            match self.fill(idle) {
                Ok(_) => {}
                Err(Stop::Refuse(_)) => return Err(Stop::Quiet),
                Err(e) => return Err(e),
            }
        }
        let deadline = Instant::now() + self.limits.request_time;
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            if self.buf.len() > self.limits.max_header {
                return Err(Stop::Refuse(Response::error(
                    431,
                    &format!(
                        "the request line and headers are longer than {} bytes",
                        self.limits.max_header
                    ),
                )));
            }
            self.fill(deadline)?;
        };
        if head_end + 4 > self.limits.max_header {
            return Err(Stop::Refuse(Response::error(
                431,
                &format!(
                    "the request line and headers are longer than {} bytes",
                    self.limits.max_header
                ),
            )));
        }
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end + 4);
        let mut req = parse_head(&head).map_err(|m| Stop::Refuse(Response::error(400, &m)))?;
        let expects = req
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
        if let Some(te) = req.header("transfer-encoding") {
            if !te.eq_ignore_ascii_case("chunked") || req.header("content-length").is_some() {
                return Err(Stop::Refuse(Response::error(
                    501,
                    &format!(
                        "Transfer-Encoding '{te}' is not served; send chunked or a Content-Length"
                    ),
                )));
            }
            if expects {
                let _ = self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
            }
            req.body = self.read_chunked(deadline)?;
            return Ok(req);
        }
        let len = match req.header("content-length") {
            None => 0,
            Some(v) => v.trim().parse::<usize>().map_err(|_| {
                Stop::Refuse(Response::error(400, &format!("bad Content-Length '{v}'")))
            })?,
        };
        if len > self.limits.max_body {
            return Err(self.too_large(len));
        }
        if len > self.buf.len() && expects {
            let _ = self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
        }
        while self.buf.len() < len {
            self.fill(deadline)?;
        }
        req.body = self.buf.drain(..len).collect();
        Ok(req)
    }

    fn too_large(&self, len: usize) -> Stop {
        Stop::Refuse(Response::error(
            413,
            &format!(
                "the body is {len} bytes or more; at most {} are taken",
                self.limits.max_body
            ),
        ))
    }

    /// A chunked body: sizes in hex, each chunk followed by CRLF, a zero
    /// size and trailers (ignored) at the end; bounded like any body.
    fn read_chunked(&mut self, deadline: Instant) -> Result<Vec<u8>, Stop> {
        let mut body = Vec::new();
        loop {
            let line = self.read_line(deadline)?;
            let size = line.split(';').next().unwrap_or("").trim();
            let size = usize::from_str_radix(size, 16).map_err(|_| {
                Stop::Refuse(Response::error(400, &format!("bad chunk size '{size}'")))
            })?;
            if size == 0 {
                while !self.read_line(deadline)?.is_empty() {}
                return Ok(body);
            }
            if body.len() + size > self.limits.max_body {
                return Err(self.too_large(body.len() + size));
            }
            while self.buf.len() < size + 2 {
                self.fill(deadline)?;
            }
            body.extend(self.buf.drain(..size));
            if self.buf.drain(..2).as_slice() != b"\r\n" {
                return Err(Stop::Refuse(Response::error(
                    400,
                    "a chunk does not end with CRLF",
                )));
            }
        }
    }

    /// One CRLF-terminated line of a chunked body (at most 4 KiB).
    fn read_line(&mut self, deadline: Instant) -> Result<String, Stop> {
        loop {
            if let Some(i) = find(&self.buf, b"\r\n") {
                let line = String::from_utf8_lossy(&self.buf[..i]).into_owned();
                self.buf.drain(..i + 2);
                return Ok(line);
            }
            if self.buf.len() > 4096 {
                return Err(Stop::Refuse(Response::error(
                    400,
                    "a chunk line is too long",
                )));
            }
            self.fill(deadline)?;
        }
    }
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn parse_head(head: &str) -> Result<Request, String> {
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
    })
}

fn wants_keep_alive(req: &Request) -> bool {
    let conn = req.header("connection").unwrap_or("").to_ascii_lowercase();
    if req.header("x-http-1.0").is_some() {
        conn.contains("keep-alive")
    } else {
        !conn.contains("close")
    }
}

fn write_response(
    stream: &mut TcpStream,
    resp: &Response,
    keep: bool,
    head_only: bool,
) -> io::Result<()> {
    let mut out = Vec::with_capacity(256 + resp.body.len());
    write!(
        out,
        "HTTP/1.1 {} {}\r\nContent-Length: {}\r\nConnection: {}\r\n",
        resp.status,
        reason(resp.status),
        resp.body.len(),
        if keep { "keep-alive" } else { "close" }
    )?;
    for (k, v) in &resp.headers {
        // A value never carries a line break (a header injection).
        let v: String = v.chars().filter(|c| !c.is_control()).collect();
        write!(out, "{k}: {v}\r\n")?;
    }
    out.extend_from_slice(b"\r\n");
    if !head_only {
        out.extend_from_slice(&resp.body);
    }
    stream.write_all(&out)?;
    stream.flush()
}

/// The address a listener really has (port 0 becomes the port chosen).
pub fn local_addr(listener: &TcpListener) -> io::Result<SocketAddr> {
    listener.local_addr()
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
