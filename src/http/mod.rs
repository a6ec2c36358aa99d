//! Watching and steering over HTTP (SPEC §9): `tick serve` and `tick run
//! --http`. Calls the same functions as `commands/`, never the store
//! directly, so the API validates and answers exactly as the command line.
//!
//! - `server.rs`: HTTP/1.1 on `std::net`, with its limits;
//! - `auth.rs`: the token, logins, Origin and Host checks;
//! - `api.rs`: the JSON API under `/api/v1` (`openapi.json` describes it);
//! - `page.rs`: the web page for people (`html.rs` escapes);
//! - `metrics.rs`: `/metrics` in Prometheus' text format.
//!
//! What is not here: TLS (put a proxy in front) and any script on the page.

mod api;
pub mod auth;
mod html;
mod metrics;
mod page;
pub mod server;

use std::net::{SocketAddr, TcpListener, ToSocketAddrs};
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};

use crate::commands::Ctx;
use crate::error::UsageError;
use auth::{Credential, Sessions, Token};
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

    /// Serve until the process exits.
    pub fn run(self) {
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
            let segs: Vec<&str> = path.split('/').skip(1).collect();
            let allow = match segs.as_slice() {
                ["api", "v1", rest @ ..] => api::allowed(rest).unwrap_or("GET"),
                ["login" | "logout"] | ["jobs", _, "pause" | "resume" | "run"] => "GET, POST",
                _ => "GET",
            };
            return Response::error(
                405,
                &format!("method {} is not served here; use {allow}", req.method),
            )
            .with("Allow", allow);
        }
        let api = path.starts_with("/api/") || path == "/metrics";
        // Open to all: the health check, the style sheet, the login.
        match path {
            "/healthz" => return self.health(),
            "/static/tick.css" => return page::css(),
            "/login" | "/logout" => return page::login(self, req, method),
            _ => {}
        }
        let mut cred = auth::credential(req, self.token.as_ref(), &self.sessions);
        if cred == Credential::Bad && !api && req.header("authorization").is_none() {
            // A stale login (the server restarted): the page shows logged out.
            cred = Credential::None;
        }
        if cred == Credential::Bad {
            return Response::error(401, "wrong token or expired login")
                .with("WWW-Authenticate", "Bearer");
        }
        let authed = matches!(cred, Credential::Bearer | Credential::Cookie);
        if !self.loopback && !authed {
            return if api {
                Response::error(401, "this server needs the token for reads too (it listens beyond loopback): send Authorization: Bearer TOKEN")
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
        let segs: Vec<&str> = path.split('/').skip(1).collect();
        match segs.as_slice() {
            ["metrics"] if method == "GET" => self.metrics.render(self),
            ["metrics"] => Response::error(405, "/metrics takes GET"),
            ["api", "v1", rest @ ..] => api::handle(self, req, method, rest),
            ["api", ..] => Response::error(404, "no such API: the API is under /api/v1"),
            _ => page::handle(self, req, method, &segs, authed),
        }
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
    /// alive), else 503.
    fn health(&self) -> Response {
        let store = crate::commands::serve::store_answers(&self.ctx);
        let loop_state = match self.host {
            Host::Serve => Ok(()),
            Host::Runner => heartbeat_age()
                .ok_or_else(|| {
                    "the scheduler loop has not started (standing by for the runner lock?)"
                        .to_string()
                })
                .and_then(|age| {
                    if age <= HEARTBEAT_STALE {
                        Ok(())
                    } else {
                        Err(format!(
                            "the scheduler loop has not woken for {}s",
                            age.as_secs()
                        ))
                    }
                }),
        };
        match (store, loop_state) {
            (Ok(()), Ok(())) => Response::new(200, "application/json", r#"{"status":"ok"}"#),
            (Err(e), _) => Response::error(
                503,
                &format!(
                    "the store does not answer: {}",
                    crate::error::chain_text(&e)
                ),
            ),
            (_, Err(e)) => Response::error(503, &e),
        }
    }
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
