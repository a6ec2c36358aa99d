//! Watching and steering over HTTP (docs/http.md): `tick serve` and `tick run
//! --http`. Calls the same operations as `commands/` (`ops/`, with the
//! flags read by `args/`), never the store directly, so the API validates
//! and answers exactly as the command line.
//!
//! - `server.rs`: HTTP/1.1 on `std::net`, with its limits (`message.rs`:
//!   requests and responses);
//! - `auth.rs`: the token, logins, Origin and Host checks;
//! - `api.rs`: the JSON API under `/api/v1` (`openapi.json` describes it);
//! - `page/`: the web page for people (`html.rs` escapes, `svg.rs` draws
//!   its charts, `tick.css` styles it);
//! - `metrics.rs`: `/metrics` in Prometheus' text format.
//!
//! What is not here: TLS (put a proxy in front) and any script on the page.

mod api;
pub mod auth;
mod html;
mod message;
mod metrics;
mod page;
pub mod server;
mod svg;

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::error::UsageError;
use crate::ops::Ctx;
use auth::{Credential, Sessions, Throttle, Token};
use server::{Limits, Request, Response};

/// How the server is asked to run.
#[derive(Debug, Clone)]
pub struct Options {
    pub listen: String,
    pub token_file: Option<PathBuf>,
    pub read_only: bool,
}

/// Whether the server runs inside `tick run` (its loop's heartbeat tells
/// `/healthz` whether the loop is alive) or alone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Host {
    Serve,
    Runner,
}

/// The loop of `tick run` counts as dead when it has not woken for this
/// long (it wakes at least every second).
const HEARTBEAT_STALE: Duration = Duration::from_secs(10);

/// The nice value of the HTTP threads inside `tick run`.
const RUNNER_NICE: i32 = 10;

/// Requests that read every job or many executions (listings, the page,
/// `/metrics`) served at once; more wait up to [`HEAVY_WAIT`], then 503.
/// They are what a flood is made of: bounded, they bound memory and CPU.
const HEAVY_AT_ONCE: usize = 2;
const HEAVY_WAIT: Duration = Duration::from_secs(1);

/// A counted number of permits, each given back when its guard drops.
pub struct Permits {
    free: std::sync::Mutex<usize>,
    freed: std::sync::Condvar,
}

/// A permit of [`Permits`], held until dropped.
pub struct Permit(Arc<Permits>);

impl Drop for Permit {
    fn drop(&mut self) {
        *self.0.free.lock().unwrap_or_else(|e| e.into_inner()) += 1;
        self.0.freed.notify_one();
    }
}

impl Permits {
    fn new(n: usize) -> Permits {
        Permits {
            free: std::sync::Mutex::new(n),
            freed: std::sync::Condvar::new(),
        }
    }

    /// A permit, waiting up to `wait` for one.
    fn take(self: &Arc<Self>, wait: Duration) -> Option<Permit> {
        let guard = self.free.lock().unwrap_or_else(|e| e.into_inner());
        let (mut free, _) = self
            .freed
            .wait_timeout_while(guard, wait, |free| *free == 0)
            .unwrap_or_else(|e| e.into_inner());
        if *free == 0 {
            return None;
        }
        *free -= 1;
        Some(Permit(self.clone()))
    }
}

/// Whether a GET reads every job or many executions.
fn is_heavy(path: &str) -> bool {
    matches!(
        path,
        "/" | "/executions" | "/timeline" | "/metrics" | "/api/v1/jobs" | "/api/v1/executions"
    )
}

/// Everything a request may need.
pub struct App {
    ctx: Ctx,
    token: Option<Token>,
    read_only: bool,
    loopback: bool,
    port: u16,
    sessions: Sessions,
    metrics: metrics::Collector,
    host: Host,
    throttle: Throttle,
    heavy: Arc<Permits>,
}

/// A server bound to its address, not yet serving.
pub struct Server {
    listener: TcpListener,
    app: Arc<App>,
    pub addr: SocketAddr,
}

impl Server {
    /// Check the options (a non-loopback address needs a token; the token
    /// file must be private) and bind. `ctx` is the server's own: quiet,
    /// opening its own store connections.
    pub fn bind(opts: &Options, ctx: Ctx, host: Host) -> Result<Server> {
        let addrs: Vec<SocketAddr> = opts
            .listen
            .to_socket_addrs()
            .map_err(|e| {
                UsageError::new(format!(
                    "invalid listen address '{}': {e} (use IP:PORT, e.g. 127.0.0.1:8484)",
                    opts.listen
                ))
            })?
            .collect();
        let loopback = auth::is_loopback(&addrs);
        let token = opts
            .token_file
            .as_deref()
            .map(Token::from_file)
            .transpose()?;
        if !loopback && token.is_none() {
            return Err(UsageError::new(format!(
                "refusing to listen on '{}' without --token-file: anyone who can reach it could run commands as you (listen on 127.0.0.1, or give a token)",
                opts.listen
            ))
            .into());
        }
        let listener = TcpListener::bind(&addrs[..])
            .with_context(|| format!("cannot listen on {}", opts.listen))?;
        let addr = listener.local_addr()?;
        let app = App {
            ctx,
            token,
            read_only: opts.read_only,
            loopback,
            port: addr.port(),
            sessions: Sessions::default(),
            metrics: metrics::Collector::default(),
            host,
            throttle: Throttle::default(),
            heavy: Arc::new(Permits::new(HEAVY_AT_ONCE)),
        };
        Ok(Server {
            listener,
            app: Arc::new(app),
            addr,
        })
    }

    /// What to tell people: where, and what writes need.
    pub fn banner(&self) -> String {
        let writes = match (&self.app.token, self.app.read_only) {
            (_, true) => "read-only",
            (None, false) => "read-only: no --token-file, so no writes",
            (Some(_), false) => "writes need the token",
        };
        format!("serving http://{} ({writes})", self.addr)
    }

    /// Serve until the process exits. Inside `tick run` this thread, and
    /// so every thread it starts, runs at a lower priority (nice
    /// [`RUNNER_NICE`]): the scheduler loop and its executions come first.
    pub fn run(self) {
        if self.app.host == Host::Runner {
            // Per thread on Linux: `None` is the calling thread. Failing to
            // lower one's own priority costs nothing but that priority.
            let _ = rustix::process::setpriority_process(None, RUNNER_NICE);
        }
        let app = self.app.clone();
        metrics::Collector::start_background(app.clone());
        server::serve(
            self.listener,
            Limits::default(),
            Arc::new(move |req: &Request| app.handle(req)),
        );
    }
}

fn is_write(method: &str) -> bool {
    matches!(method, "POST" | "PATCH" | "DELETE" | "PUT")
}

impl App {
    fn handle(&self, req: &Request) -> Response {
        let mut resp = self.route(req);
        for (k, v) in [
            ("Cache-Control", "no-store"),
            ("X-Content-Type-Options", "nosniff"),
            ("Referrer-Policy", "same-origin"),
            ("X-Frame-Options", "DENY"),
        ] {
            resp.headers.push((k, v.to_string()));
        }
        resp
    }

    fn route(&self, req: &Request) -> Response {
        if self.loopback {
            if let Some(why) = auth::check_host(req, self.port) {
                return Response::error(421, &why);
            }
        }
        let method = if req.method == "HEAD" {
            "GET"
        } else {
            req.method.as_str()
        };
        let path = req.path.as_str();
        if method != "GET" && !is_write(method) {
            return not_allowed(req, path);
        }
        let api = path.starts_with("/api/") || path == "/metrics";
        // Open to all: the health check (its reason only with the token),
        // the style sheet, the login.
        match path {
            "/healthz" => return self.health(req),
            "/static/tick.css" => return page::css(),
            "/login" | "/logout" => return page::login(self, req, method),
            _ => {}
        }
        let mut cred = match self.credential(req) {
            Ok(cred) => cred,
            Err(throttled) => return throttled,
        };
        if cred == Credential::Bad && !api && req.header("authorization").is_none() {
            // A stale login (the server restarted): the page shows logged out.
            cred = Credential::None;
        }
        if cred == Credential::Bad {
            return Response::error(401, "wrong token or expired login")
                .with("WWW-Authenticate", "Bearer");
        }
        let authed = matches!(cred, Credential::Bearer | Credential::Cookie);
        if self.token.is_some() && !authed {
            return if api {
                Response::error(401, "this server has a token (--token-file), and every request but /healthz needs it: send Authorization: Bearer TOKEN")
                    .with("WWW-Authenticate", "Bearer")
            } else {
                page::to_login(path)
            };
        }
        if is_write(method) {
            if let Some(refusal) = self.refuse_write(req, cred) {
                return if api {
                    refusal
                } else {
                    page::refused(self, refusal)
                };
            }
        }
        let permit = if method == "GET" && is_heavy(path) {
            match self.heavy.take(HEAVY_WAIT) {
                Some(p) => Some(p),
                None => {
                    return Response::error(503, "busy with other listings; try again shortly")
                        .with("Retry-After", "1")
                }
            }
        } else {
            None
        };
        let segs: Vec<&str> = path.split('/').skip(1).collect();
        let resp = match segs.as_slice() {
            ["metrics"] if method == "GET" => self.metrics.render(self),
            ["metrics"] => Response::error(405, "/metrics takes GET"),
            ["api", "v1", rest @ ..] => api::handle(self, req, method, rest),
            ["api", ..] => Response::error(404, "no such API: the API is under /api/v1"),
            _ => page::handle(self, req, method, &segs, authed),
        };
        // A streamed listing keeps its permit until it is written.
        match permit {
            Some(p) => resp.holding(p),
            None => resp,
        }
    }

    /// The request's credential. A Bearer token is checked only while its
    /// address has not sent too many wrong ones (else 429, unchecked:
    /// guessing stays slow); a session cookie always is (its 192 random
    /// bits are not guessed).
    fn credential(&self, req: &Request) -> Result<Credential, Response> {
        if self.token.is_none() {
            return Ok(Credential::None);
        }
        let bearer = req.header("authorization").is_some();
        if bearer && !self.throttle.allows(req.peer) {
            return Err(Response::error(
                429,
                "too many wrong tokens from your address; wait a second and try again",
            )
            .with("Retry-After", "1"));
        }
        let cred = auth::credential(req, self.token.as_ref(), &self.sessions);
        if bearer && cred == Credential::Bad {
            self.throttle.failed(req.peer);
        }
        Ok(cred)
    }

    /// Why a write may not go ahead, if it may not.
    fn refuse_write(&self, req: &Request, cred: Credential) -> Option<Response> {
        if self.read_only {
            return Some(Response::error(
                403,
                "this server is read-only (--read-only): it takes no writes",
            ));
        }
        if self.token.is_none() {
            return Some(Response::error(
                403,
                "this server has no token (--token-file), so it takes no writes",
            ));
        }
        match cred {
            Credential::Bearer | Credential::Cookie => {}
            _ => {
                return Some(
                    Response::error(401, "writes need the token: send Authorization: Bearer TOKEN, or log in on the page")
                        .with("WWW-Authenticate", "Bearer"),
                )
            }
        }
        auth::check_origin(req, cred == Credential::Cookie).map(|why| Response::error(403, &why))
    }

    /// 200 when the store answers (and, inside `tick run`, the loop is
    /// alive), else 503: `{"status": "unavailable"}`, with the reason as
    /// `error` only for a request with the token (it may name the jobs
    /// file and its folders).
    fn health(&self, req: &Request) -> Response {
        let problem = match self.health_problem() {
            None => return Response::new(200, "application/json", r#"{"status":"ok"}"#),
            Some(why) => why,
        };
        let authed = matches!(
            self.credential(req),
            Ok(Credential::Bearer | Credential::Cookie)
        );
        let body = if authed {
            serde_json::json!({ "status": "unavailable", "error": problem })
        } else {
            serde_json::json!({ "status": "unavailable" })
        };
        Response::new(503, "application/json", body.to_string())
    }

    /// Why the server is not healthy, if it is not.
    fn health_problem(&self) -> Option<String> {
        if let Err(e) = crate::ops::runners::store_answers(&self.ctx) {
            return Some(format!(
                "the store does not answer: {}",
                crate::error::one_line(&crate::error::chain_text(&e))
            ));
        }
        if self.host == Host::Serve {
            return None;
        }
        match heartbeat_age() {
            None => {
                Some("the scheduler loop has not started (standing by for the runner lock?)".into())
            }
            Some(age) if age > HEARTBEAT_STALE => Some(format!(
                "the scheduler loop has not woken for {}s",
                age.as_secs()
            )),
            Some(_) => None,
        }
    }
}

/// 405 for a method that is not served, with the `Allow` of the path.
fn not_allowed(req: &Request, path: &str) -> Response {
    let segs: Vec<&str> = path.split('/').skip(1).collect();
    let allow = match segs.as_slice() {
        ["api", "v1", rest @ ..] => api::allowed(rest).unwrap_or("GET"),
        ["login" | "logout" | "new"] | ["jobs", _, "pause" | "resume" | "run" | "edit"] => {
            "GET, POST"
        }
        _ => "GET",
    };
    Response::error(
        405,
        &format!("method {} is not served here; use {allow}", req.method),
    )
    .with("Allow", allow)
}

/// How long ago the scheduler loop of this process last woke; `None`
/// before it started.
fn heartbeat_age() -> Option<Duration> {
    use crate::clock::Clock;
    let beat = crate::scheduler::HEARTBEAT.load(std::sync::atomic::Ordering::Relaxed);
    (beat > 0).then(|| {
        crate::clock::SystemClock
            .elapsed()
            .saturating_sub(Duration::from_millis(beat))
    })
}
