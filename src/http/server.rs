//! A small HTTP/1.1 server on `std::net`: one thread per connection, each
//! request bounded in header size, body size and time. It knows nothing of
//! tick: it parses requests (`message.rs`), hands each to a handler and
//! writes the response, whole or streamed (chunked).
//!
//! Connections are bounded so that nobody can take them all:
//!
//! - at most [`Limits::max_connections`] at once; when they are all taken,
//!   the one that has waited longest for (the rest of) a request, an idle
//!   keep-alive or a slow sender, is closed for the newcomer, so idle and
//!   trickling clients cannot keep others out;
//! - when every one is busy answering, up to [`Limits::reserve`] more are
//!   served one request each, which must arrive within
//!   [`Limits::reserve_time`] (a liveness probe still gets its answer); past
//!   those, 503 at once.
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
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

pub use super::message::*;

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
    /// Connections served at once; when all are taken, the one waiting
    /// longest for a request is closed for a new one.
    pub max_connections: usize,
    /// Connections beyond `max_connections` when all of those are busy
    /// answering: one request each, read within `reserve_time`.
    pub reserve: usize,
    pub reserve_time: Duration,
    /// A streamed response must be written within this.
    pub response_time: Duration,
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
            reserve: 8,
            reserve_time: Duration::from_secs(1),
            response_time: Duration::from_secs(60),
            max_requests: 1000,
        }
    }
}

pub type Handler = dyn Fn(&Request) -> Response + Send + Sync;

/// Accept connections until the process exits; each on its own thread.
pub fn serve(listener: TcpListener, limits: Limits, handler: Arc<Handler>) {
    let table = Arc::new(Table::default());
    for stream in listener.incoming() {
        let Ok(stream) = stream else {
            // EMFILE and the like: back off rather than spin.
            std::thread::sleep(Duration::from_millis(50));
            continue;
        };
        let Some((id, reserve)) = table.admit(&stream, &limits) else {
            refuse_busy(stream);
            continue;
        };
        let mut own = limits;
        if reserve {
            own.request_time = limits.reserve_time;
            own.idle = limits.reserve_time;
            own.max_requests = 1;
        }
        let slot = Slot(table.clone(), id);
        let handler = handler.clone();
        let spawned = std::thread::Builder::new()
            .name("tick-http".into())
            // Reserved, not committed: a request that reads a job's
            // options goes through clap, deep in a debug build (256 KiB
            // overflowed once the options grew).
            .stack_size(512 * 1024)
            .spawn(move || {
                let conn = Connection::new(stream, own, &slot);
                let _ = conn.run(&*handler);
            });
        if spawned.is_err() {
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

/// One connection in the [`Table`].
struct Entry {
    id: u64,
    /// To close it from the accepting thread.
    stream: TcpStream,
    /// Since when it waits for a request (or its rest); `None` while busy.
    waiting: Option<Instant>,
    reserve: bool,
}

/// The connections being served.
#[derive(Default)]
struct Table {
    entries: Mutex<(u64, Vec<Entry>)>,
}

impl Table {
    fn lock(&self) -> std::sync::MutexGuard<'_, (u64, Vec<Entry>)> {
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// A place for a new connection: its id, and whether it is a reserve
    /// one; `None` when there is none (answer 503).
    fn admit(&self, stream: &TcpStream, limits: &Limits) -> Option<(u64, bool)> {
        let handle = stream.try_clone().ok()?;
        let mut guard = self.lock();
        let (next, entries) = &mut *guard;
        let normal = entries.iter().filter(|e| !e.reserve).count();
        let reserve = if normal < limits.max_connections {
            false
        } else if let Some(i) = oldest_waiting(entries) {
            let victim = entries.swap_remove(i);
            let _ = victim.stream.shutdown(Shutdown::Both);
            false
        } else if entries.len() - normal < limits.reserve {
            true
        } else {
            return None;
        };
        *next += 1;
        entries.push(Entry {
            id: *next,
            stream: handle,
            waiting: Some(Instant::now()),
            reserve,
        });
        Some((*next, reserve))
    }

    /// Mark connection `id` waiting (`true`) or busy; `false` when it was
    /// closed for another meanwhile (it must then stop: its request is
    /// not answered, so nothing it asked is done).
    fn set_waiting(&self, id: u64, waiting: bool) -> bool {
        let mut guard = self.lock();
        match guard.1.iter_mut().find(|e| e.id == id) {
            Some(e) => {
                e.waiting = waiting.then(Instant::now);
                true
            }
            None => false,
        }
    }

    fn remove(&self, id: u64) {
        self.lock().1.retain(|e| e.id != id);
    }
}

/// The normal connection that has waited longest for a request.
fn oldest_waiting(entries: &[Entry]) -> Option<usize> {
    entries
        .iter()
        .enumerate()
        .filter(|(_, e)| !e.reserve)
        .filter_map(|(i, e)| e.waiting.map(|t| (i, t)))
        .min_by_key(|(_, t)| *t)
        .map(|(i, _)| i)
}

/// Frees its connection's place when the thread ends, even by a panic.
struct Slot(Arc<Table>, u64);

impl Drop for Slot {
    fn drop(&mut self) {
        self.0.remove(self.1);
    }
}

/// One connection too many: 503 and close, without waiting for the
/// request (what of it has arrived is read, so that closing does not
/// reset the connection before the client reads the 503).
fn refuse_busy(mut stream: TcpStream) {
    let _ = stream.set_write_timeout(Some(Duration::from_secs(1)));
    let resp =
        Response::error(503, "too many connections; try again shortly").with("Retry-After", "1");
    let _ = write_response(&mut stream, resp, false, false, Instant::now());
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

struct Connection<'a> {
    stream: TcpStream,
    limits: Limits,
    /// Bytes read past the previous request.
    buf: Vec<u8>,
    slot: &'a Slot,
}

/// Why a connection stops reading.
enum Stop {
    /// The client closed or the idle time ran out before a request began.
    Quiet,
    /// Answer this, then close.
    Refuse(Response),
}

fn bad(msg: &str) -> Stop {
    Stop::Refuse(Response::error(400, msg))
}

impl<'a> Connection<'a> {
    fn new(stream: TcpStream, limits: Limits, slot: &'a Slot) -> Connection<'a> {
        Connection {
            stream,
            limits,
            buf: Vec::new(),
            slot,
        }
    }

    fn run(mut self, handler: &Handler) -> io::Result<()> {
        self.stream.set_nodelay(true)?;
        self.stream
            .set_write_timeout(Some(self.limits.request_time))?;
        let peer = self.stream.peer_addr().ok().map(|a| a.ip());
        for n in 0..self.limits.max_requests {
            if n > 0 && !self.slot.0.set_waiting(self.slot.1, true) {
                break;
            }
            let mut req = match self.read_request() {
                Ok(req) => req,
                Err(Stop::Quiet) => break,
                Err(Stop::Refuse(resp)) => {
                    let now = Instant::now();
                    write_response(&mut self.stream, resp, false, false, now)?;
                    linger_close(self.stream);
                    return Ok(());
                }
            };
            if !self.slot.0.set_waiting(self.slot.1, false) {
                break;
            }
            req.peer = peer;
            let keep = wants_keep_alive(&req) && n + 1 < self.limits.max_requests;
            let head = req.method == "HEAD";
            let resp = handler(&req);
            let end = Instant::now() + self.limits.response_time;
            if !write_response(&mut self.stream, resp, keep, head, end)? || !keep {
                break;
            }
        }
        let _ = self.stream.shutdown(Shutdown::Both);
        Ok(())
    }

    /// Read what has come, waiting until `deadline` at most.
    fn fill(&mut self, deadline: Instant) -> Result<usize, Stop> {
        let late = || Stop::Refuse(Response::error(408, "the request took too long to arrive"));
        let left = deadline.saturating_duration_since(Instant::now());
        if left.is_zero() {
            return Err(late());
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
                Err(late())
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
        let max_header = self.limits.max_header;
        let too_long = || {
            Stop::Refuse(Response::error(
                431,
                &format!("the request line and headers are longer than {max_header} bytes"),
            ))
        };
        let head_end = loop {
            if let Some(i) = find(&self.buf, b"\r\n\r\n") {
                break i;
            }
            if self.buf.len() > self.limits.max_header {
                return Err(too_long());
            }
            self.fill(deadline)?;
        };
        if head_end + 4 > self.limits.max_header {
            return Err(too_long());
        }
        let head = String::from_utf8_lossy(&self.buf[..head_end]).into_owned();
        self.buf.drain(..head_end + 4);
        let mut req = parse_head(&head).map_err(|m| bad(&m))?;
        let framing = body_framing(&req)?;
        let expects = req
            .header("expect")
            .is_some_and(|e| e.eq_ignore_ascii_case("100-continue"));
        let len = match framing {
            Framing::Chunked => {
                if expects {
                    let _ = self.stream.write_all(b"HTTP/1.1 100 Continue\r\n\r\n");
                }
                req.body = self.read_chunked(deadline)?;
                return Ok(req);
            }
            Framing::Length(len) => len,
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
            let size = chunk_size(&line)?;
            if size == 0 {
                while !self.read_line(deadline)?.is_empty() {}
                return Ok(body);
            }
            let total = body.len().saturating_add(size);
            if total > self.limits.max_body {
                return Err(self.too_large(total));
            }
            while self.buf.len() < size + 2 {
                self.fill(deadline)?;
            }
            body.extend(self.buf.drain(..size));
            if self.buf.drain(..2).as_slice() != b"\r\n" {
                return Err(bad("a chunk does not end with CRLF"));
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
                return Err(bad("a chunk line is too long"));
            }
            self.fill(deadline)?;
        }
    }
}

/// How a request's body is delimited.
enum Framing {
    Chunked,
    Length(usize),
}

/// The body's framing. Two `Content-Length`s, or one with a
/// `Transfer-Encoding`, are refused: a proxy in front might read the
/// framing differently and pass a second request hidden in the first
/// (request smuggling).
fn body_framing(req: &Request) -> Result<Framing, Stop> {
    let named = |n: &str| req.headers.iter().filter(|(k, _)| k == n).count();
    let (lengths, encodings) = (named("content-length"), named("transfer-encoding"));
    if lengths > 1 {
        return Err(bad(&format!(
            "the request has {lengths} Content-Length headers; send one"
        )));
    }
    if encodings > 0 && lengths > 0 {
        return Err(bad(
            "the request has both Transfer-Encoding and Content-Length; send one of them",
        ));
    }
    if let Some(te) = req.header("transfer-encoding") {
        if encodings > 1 || !te.eq_ignore_ascii_case("chunked") {
            return Err(Stop::Refuse(Response::error(
                501,
                &format!(
                    "Transfer-Encoding '{te}' is not served; send chunked or a Content-Length"
                ),
            )));
        }
        return Ok(Framing::Chunked);
    }
    match req.header("content-length") {
        None => Ok(Framing::Length(0)),
        Some(v) if !v.is_empty() && v.len() <= 18 && v.bytes().all(|b| b.is_ascii_digit()) => v
            .parse()
            .map(Framing::Length)
            .map_err(|_| bad(&format!("bad Content-Length '{v}'"))),
        Some(v) => Err(bad(&format!(
            "bad Content-Length '{v}': give the body's length in decimal digits"
        ))),
    }
}

/// A chunk-size line (extensions after `;` ignored): 1 to 8 hex digits.
fn chunk_size(line: &str) -> Result<usize, Stop> {
    let size = line.split(';').next().unwrap_or("").trim();
    if size.is_empty() || size.len() > 8 || !size.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad(&format!(
            "bad chunk size '{size}': give 1 to 8 hex digits"
        )));
    }
    usize::from_str_radix(size, 16).map_err(|_| bad(&format!("bad chunk size '{size}'")))
}

fn find(hay: &[u8], needle: &[u8]) -> Option<usize> {
    hay.windows(needle.len()).position(|w| w == needle)
}

fn wants_keep_alive(req: &Request) -> bool {
    let conn = req.header("connection").unwrap_or("").to_ascii_lowercase();
    if req.header("x-http-1.0").is_some() {
        conn.contains("keep-alive")
    } else {
        !conn.contains("close")
    }
}

/// The status line and headers of `resp`, with the body's framing.
fn head_of(resp: &Response, framing: &str, keep: bool) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    let _ = write!(
        out,
        "HTTP/1.1 {} {}\r\n{framing}\r\nConnection: {}\r\n",
        resp.status,
        reason(resp.status),
        if keep { "keep-alive" } else { "close" }
    );
    for (k, v) in &resp.headers {
        // A value never carries a line break (a header injection).
        let v: String = v.chars().filter(|c| !c.is_control()).collect();
        let _ = write!(out, "{k}: {v}\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// Write `resp`; `Ok(false)` when the connection must close after (a
/// streamed body that failed half-way). A streamed body must be written
/// by `end`.
fn write_response(
    stream: &mut TcpStream,
    mut resp: Response,
    keep: bool,
    head_only: bool,
    end: Instant,
) -> io::Result<bool> {
    let Some(write) = resp.stream.take() else {
        let mut out = head_of(&resp, &format!("Content-Length: {}", resp.body.len()), keep);
        if !head_only {
            out.extend_from_slice(&resp.body);
        }
        stream.write_all(&out)?;
        stream.flush()?;
        return Ok(true);
    };
    if head_only {
        stream.write_all(&head_of(&resp, "Transfer-Encoding: chunked", keep))?;
        return Ok(true);
    }
    let mut out = Chunked {
        stream,
        head: Some(head_of(&resp, "Transfer-Encoding: chunked", keep)),
        buf: Vec::with_capacity(CHUNK),
        end,
    };
    let result = write(&mut out);
    let Chunked {
        stream, head, buf, ..
    } = out;
    match (result, head) {
        // Small enough to have been held whole: sent with its length.
        (Ok(()), Some(_)) => {
            resp.body = buf;
            write_response(stream, resp, keep, false, end)
        }
        (Ok(()), None) => {
            let mut last = Vec::with_capacity(buf.len() + 16);
            chunk_into(&mut last, &buf);
            last.extend_from_slice(b"0\r\n\r\n");
            stream.write_all(&last)?;
            Ok(true)
        }
        (Err(refusal), Some(_)) => write_response(stream, refusal, false, false, end),
        (Err(_), None) => Ok(false),
    }
}

/// Bytes a streamed body holds before it sends them.
const CHUNK: usize = 64 * 1024;

/// A streamed body's writer: holds up to [`CHUNK`] bytes, then sends the
/// head (once) and the bytes as one chunk.
struct Chunked<'s> {
    stream: &'s mut TcpStream,
    /// The status line and headers, until they are sent.
    head: Option<Vec<u8>>,
    buf: Vec<u8>,
    end: Instant,
}

fn chunk_into(out: &mut Vec<u8>, data: &[u8]) {
    if !data.is_empty() {
        let _ = write!(out, "{:x}\r\n", data.len());
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
    }
}

impl Write for Chunked<'_> {
    fn write(&mut self, data: &[u8]) -> io::Result<usize> {
        self.buf.extend_from_slice(data);
        if self.buf.len() >= CHUNK {
            if Instant::now() > self.end {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the response took too long to be read",
                ));
            }
            let mut out = self.head.take().unwrap_or_default();
            chunk_into(&mut out, &self.buf);
            self.stream.write_all(&out)?;
            self.buf.clear();
        }
        Ok(data.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// The address a listener really has (port 0 becomes the port chosen).
pub fn local_addr(listener: &TcpListener) -> io::Result<SocketAddr> {
    listener.local_addr()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(head: &str) -> Request {
        parse_head(head).unwrap()
    }

    #[test]
    fn framing_refuses_what_a_proxy_could_read_otherwise() {
        let refused =
            |h: &str| matches!(body_framing(&req(h)), Err(Stop::Refuse(r)) if r.status == 400);
        assert!(refused(
            "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 1"
        ));
        assert!(refused(
            "POST / HTTP/1.1\r\nContent-Length: 5\r\nTransfer-Encoding: chunked"
        ));
        assert!(refused("POST / HTTP/1.1\r\nContent-Length: +5"));
        assert!(refused(
            "POST / HTTP/1.1\r\nContent-Length: 99999999999999999999"
        ));
        assert!(matches!(
            body_framing(&req("POST / HTTP/1.1\r\nContent-Length: 5")),
            Ok(Framing::Length(5))
        ));
        assert!(matches!(chunk_size("ffffffffffffffff"), Err(Stop::Refuse(r)) if r.status == 400));
        assert!(matches!(chunk_size("1a;ext=1"), Ok(26)));
        assert!(chunk_size("").is_err() && chunk_size("-1").is_err());
    }
}
