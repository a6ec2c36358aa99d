//! Who may do what over HTTP. Writing a job is running a command as this
//! user, so every write needs the token: `Authorization: Bearer TOKEN`, or
//! a session cookie from the page's login (HttpOnly, SameSite=Strict).
//!
//! - The token comes from a file that only its owner may read or write,
//!   owned by the user tick runs as, in folders nobody else may change
//!   (checked as the jobs file is); it is compared in constant time and
//!   never printed. Wrong tokens are throttled ([`Throttle`]).
//! - A server without a token takes no writes; a non-loopback address
//!   needs a token, and there reads need it too (a job's command and
//!   environment may hold secrets).
//! - A write with an `Origin` must come from this server's own origin, and
//!   a write by cookie must carry one (cross-site forms are refused).
//! - On a loopback address the `Host` must name loopback (a DNS-rebinding
//!   page cannot read the API through a name of its own).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};

use super::server::Request;
use crate::error::UsageError;
use crate::store::sqlite::safety;

/// The session cookie's name.
pub const COOKIE: &str = "tick_session";
/// How long a login lasts.
pub const SESSION_TTL: Duration = Duration::from_secs(12 * 3600);
/// Sessions kept at once; the oldest goes first.
const MAX_SESSIONS: usize = 64;
/// The shortest token taken.
const MIN_TOKEN: usize = 16;

/// The secret writes need. `Debug` does not show it.
pub struct Token(String);

impl std::fmt::Debug for Token {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Token(..)")
    }
}

impl Token {
    /// Read a token file: refused if group or others may read or write it,
    /// if it is empty or shorter than 16 characters, or if it holds
    /// whitespace or control characters inside.
    pub fn from_file(path: &Path) -> Result<Token> {
        let shown = path.display();
        let meta = std::fs::metadata(path)
            .with_context(|| format!("cannot read the token file {shown}"))?;
        // Whoever owns the file, or can swap it in its folder, holds the
        // token: checked as the jobs file is, on the real path.
        let real = std::fs::canonicalize(path)
            .with_context(|| format!("cannot read the token file {shown}"))?;
        safety::check_private_file(&real, "token file", &meta)
            .and_then(|()| safety::check_folders_of(&real, "token file", true))
            .map_err(|e| UsageError::new(e.to_string()))?;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(UsageError::new(format!(
                "the token file {shown} is open to group or others (mode {mode:04o}): run 'chmod 600 {shown}'"
            ))
            .into());
        }
        if !meta.is_file() {
            bail!(UsageError::new(format!(
                "the token file {shown} is not a regular file"
            )));
        }
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("cannot read the token file {shown}"))?;
        let token = text.trim();
        if token.chars().count() < MIN_TOKEN
            || token.contains(|c: char| c.is_whitespace() || c.is_control())
        {
            return Err(UsageError::new(format!(
                "the token in {shown} must be one word of at least {MIN_TOKEN} characters (e.g. head -c 24 /dev/urandom | base64 > {shown})"
            ))
            .into());
        }
        Ok(Token(token.to_string()))
    }

    /// Whether `given` is the token, in time independent of where they differ.
    pub fn matches(&self, given: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), given.as_bytes())
    }
}

/// Equal bytes, compared in time that depends only on the lengths.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    let mut diff = (a.len() ^ b.len()) as u64;
    for i in 0..a.len().max(b.len()) {
        let x = a.get(i).copied().unwrap_or(0);
        let y = b.get(i).copied().unwrap_or(0xff);
        diff |= u64::from(x ^ y);
    }
    std::hint::black_box(diff) == 0
}

/// Logins from the page: random ids, in memory only (a restart logs out).
#[derive(Default)]
pub struct Sessions(Mutex<HashMap<String, Instant>>);

impl Sessions {
    /// A new session's id.
    pub fn open(&self) -> Result<String> {
        let mut bytes = [0u8; 24];
        use std::io::Read;
        std::fs::File::open("/dev/urandom")
            .and_then(|mut f| f.read_exact(&mut bytes))
            .context("cannot read /dev/urandom for a session id")?;
        let id: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.retain(|_, t| now.duration_since(*t) < SESSION_TTL);
        if map.len() >= MAX_SESSIONS {
            if let Some(oldest) = map.iter().min_by_key(|(_, t)| **t).map(|(k, _)| k.clone()) {
                map.remove(&oldest);
            }
        }
        map.insert(id.clone(), now);
        Ok(id)
    }

    /// Whether `id` is a live session (every stored id is compared in
    /// constant time).
    pub fn valid(&self, id: &str) -> bool {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        map.iter().fold(false, |found, (k, t)| {
            let same = constant_time_eq(k.as_bytes(), id.as_bytes());
            found | (same && now.duration_since(*t) < SESSION_TTL)
        })
    }

    pub fn close(&self, id: &str) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        map.retain(|k, _| !constant_time_eq(k.as_bytes(), id.as_bytes()));
    }
}

/// Wrong tokens taken from one address at once, and per second after.
const FAIL_BURST: f64 = 10.0;
const FAIL_RATE: f64 = 2.0;
/// Addresses remembered; past this, the unknown ones share one bucket.
const MAX_PEERS: usize = 1024;

/// Slows down guessing the token: every wrong Bearer token (or login)
/// takes one try from its address's bucket, which refills at
/// [`FAIL_RATE`] a second up to [`FAIL_BURST`]; with the bucket empty,
/// tokens from that address are not checked at all (429), so guesses stay
/// at a couple a second however fast they come. A right token takes
/// nothing, and waits only while its own address is guessing (a session
/// cookie is never held back). All loopback addresses (and an
/// IPv6 /64) count as one address.
#[derive(Default)]
pub struct Throttle(Mutex<HashMap<IpAddr, (f64, Instant)>>);

impl Throttle {
    /// Whether a credential from `peer` may be checked now.
    pub fn allows(&self, peer: Option<IpAddr>) -> bool {
        let map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match map.get(&peer_key(peer)) {
            None => true,
            Some(&(left, at)) => refilled(left, at, Instant::now()) >= 1.0,
        }
    }

    /// A wrong credential from `peer`.
    pub fn failed(&self, peer: Option<IpAddr>) {
        let mut map = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let now = Instant::now();
        let mut key = peer_key(peer);
        if map.len() >= MAX_PEERS && !map.contains_key(&key) {
            map.retain(|_, (left, at)| refilled(*left, *at, now) < FAIL_BURST);
            if map.len() >= MAX_PEERS {
                key = IpAddr::from([0u16; 8]); // `::`: one bucket for the rest
            }
        }
        let entry = map.entry(key).or_insert((FAIL_BURST, now));
        *entry = ((refilled(entry.0, entry.1, now) - 1.0).max(0.0), now);
    }
}

/// What is left of a bucket that held `left` at `at`.
fn refilled(left: f64, at: Instant, now: Instant) -> f64 {
    (left + now.duration_since(at).as_secs_f64() * FAIL_RATE).min(FAIL_BURST)
}

/// The bucket an address counts in.
fn peer_key(peer: Option<IpAddr>) -> IpAddr {
    let peer = match peer {
        Some(IpAddr::V6(v6)) => v6
            .to_ipv4_mapped()
            .map(IpAddr::V4)
            .unwrap_or(IpAddr::V6(v6)),
        Some(ip) => ip,
        None => return IpAddr::V4(Ipv4Addr::new(0, 0, 0, 0)),
    };
    match peer {
        ip if ip.is_loopback() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) => {
            let mut seg = v6.segments();
            seg[4..].fill(0);
            IpAddr::V6(seg.into())
        }
        ip => ip,
    }
}

/// How a request proved itself.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Credential {
    None,
    Bearer,
    Cookie,
    /// A token or cookie that is wrong.
    Bad,
}

/// What the request carries: a Bearer header is judged before a cookie.
/// A server without a token knows no credentials (it takes no writes).
pub fn credential(req: &Request, token: Option<&Token>, sessions: &Sessions) -> Credential {
    if token.is_none() {
        return Credential::None;
    }
    if let Some(auth) = req.header("authorization") {
        let given = auth
            .strip_prefix("Bearer ")
            .or_else(|| auth.strip_prefix("bearer "))
            .map(str::trim);
        return match (given, token) {
            (Some(g), Some(t)) if t.matches(g) => Credential::Bearer,
            _ => Credential::Bad,
        };
    }
    match req.cookie(COOKIE) {
        Some(id) if token.is_some() && sessions.valid(id) => Credential::Cookie,
        Some(_) => Credential::Bad,
        None => Credential::None,
    }
}

/// Whether every address `listen` resolves to is loopback.
pub fn is_loopback(addrs: &[SocketAddr]) -> bool {
    !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback())
}

/// On a loopback listener, the `Host` a browser sends must be a loopback
/// name for this port; `None` if it is acceptable, else why not.
pub fn check_host(req: &Request, port: u16) -> Option<String> {
    let Some(host) = req.header("host") else {
        return Some("a Host header is required".into());
    };
    let (name, p) = match host.rsplit_once(':') {
        Some((n, p)) if !n.ends_with(':') || n.starts_with('[') => (n, p.parse::<u16>().ok()),
        _ => (host, Some(80)),
    };
    let loopback = matches!(name, "localhost" | "[::1]")
        || name
            .parse::<std::net::Ipv4Addr>()
            .is_ok_and(|ip| ip.is_loopback());
    if loopback && p == Some(port) {
        None
    } else {
        Some(format!(
            "this server answers only to loopback names (127.0.0.1:{port}, localhost:{port}), not Host '{host}'"
        ))
    }
}

/// A write's origin: a browser's `Origin` (or, for a form without one,
/// `Referer`) must be this server's; a write by cookie must name one.
pub fn check_origin(req: &Request, by_cookie: bool) -> Option<String> {
    let host = req.header("host").unwrap_or("");
    let own = format!("http://{host}");
    if let Some(site) = req.header("sec-fetch-site") {
        if !matches!(site, "same-origin" | "none") {
            return Some(format!(
                "a cross-site write (Sec-Fetch-Site: {site}) is refused"
            ));
        }
    }
    let origin = req.header("origin").map(str::to_string).or_else(|| {
        req.header("referer")
            .map(|r| r.splitn(4, '/').take(3).collect::<Vec<_>>().join("/"))
    });
    match origin {
        Some(o) if o == own => None,
        Some(o) => Some(format!(
            "a write from origin '{o}' is refused; only {own} may write"
        )),
        None if by_cookie => Some("a write by the page must carry an Origin header".into()),
        None => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_only_when_equal() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"abcd"));
        assert!(!constant_time_eq(b"", b"a"));
        assert!(constant_time_eq(b"", b""));
    }

    #[test]
    fn sessions_open_check_and_close() {
        let s = Sessions::default();
        let id = s.open().unwrap();
        assert_eq!(id.len(), 48);
        assert!(s.valid(&id));
        assert!(!s.valid("nope"));
        s.close(&id);
        assert!(!s.valid(&id));
    }

    #[test]
    fn wrong_tokens_are_throttled_per_address() {
        let t = Throttle::default();
        let me: Option<IpAddr> = Some("127.0.0.5".parse().unwrap());
        for _ in 0..FAIL_BURST as usize {
            assert!(t.allows(me));
            t.failed(me);
        }
        assert!(!t.allows(me));
        assert!(
            !t.allows(Some("127.0.0.1".parse().unwrap())),
            "one loopback"
        );
        assert!(t.allows(Some("192.0.2.1".parse().unwrap())));
    }

    #[test]
    fn token_debug_hides_it() {
        assert_eq!(
            format!("{:?}", Token("secret-secret-secret".into())),
            "Token(..)"
        );
    }
}
