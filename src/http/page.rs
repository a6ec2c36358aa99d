//! The web page for people (django-apscheduler's admin pages): the jobs
//! table as `tick list` shows it, a job's page (every field as `tick show`
//! lists it, next fires, recent executions, pause/resume/run-now), an
//! execution's page with its captured output, and the runners.
//!
//! Server-rendered HTML and one small style sheet: no script at all (the
//! Content-Security-Policy forbids any), nothing fetched from elsewhere.
//! Pages refresh themselves every 10 seconds. Every text that comes from a
//! job, its output or a runner goes through `html::escape`. Tables are
//! built by the same functions as the terminal's (`output/`), then
//! rendered as HTML.

use chrono::Utc;

use super::html::{self, escape};
use super::server::{form_pairs, Request, Response};
use super::App;
use crate::args::trigger::resolve_tz;
use crate::error::{chain_text, UsageError};
use crate::model::JobState;
use crate::ops::{self, jobs};
use crate::output::{self, rfc3339, Style, Table};

/// At most this many jobs are shown on the jobs page.
const MAX_ROWS: usize = 500;
/// Seconds between refreshes.
const REFRESH: u32 = 10;

const CSS: &str = include_str!("tick.css");

const CSP: &str = "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

pub fn css() -> Response {
    Response::new(200, "text/css; charset=utf-8", CSS)
}

fn html_response(status: u16, body: String) -> Response {
    Response::new(status, "text/html; charset=utf-8", body).with("Content-Security-Policy", CSP)
}

fn see_other(to: &str) -> Response {
    Response::new(303, "text/plain; charset=utf-8", "").with("Location", to)
}

/// What the visitor may do, for the header and the buttons.
struct Visitor {
    logged_in: bool,
    can_write: bool,
    read_only: bool,
    has_token: bool,
}

impl Visitor {
    fn of(app: &App, authed: bool) -> Visitor {
        Visitor {
            logged_in: authed,
            can_write: authed && !app.read_only && app.token.is_some(),
            read_only: app.read_only,
            has_token: app.token.is_some(),
        }
    }
}

/// A whole page.
fn layout(title: &str, v: &Visitor, refresh: bool, body: &str) -> String {
    let refresh = if refresh {
        format!("<meta http-equiv=\"refresh\" content=\"{REFRESH}\">")
    } else {
        String::new()
    };
    let who = if v.logged_in {
        "<form method=\"post\" action=\"/logout\" class=\"inline\"><button>Log out</button></form>"
            .to_string()
    } else if v.read_only {
        "<span class=\"dim\">read-only</span>".to_string()
    } else if v.has_token {
        "<a href=\"/login\">Log in</a>".to_string()
    } else {
        "<span class=\"dim\">no token: read-only</span>".to_string()
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{refresh}\
<title>{} · tick</title><link rel=\"stylesheet\" href=\"/static/tick.css\"></head>\n\
<body><header><a href=\"/\" class=\"brand\">tick</a><nav><a href=\"/\">Jobs</a> \
<a href=\"/#runners\">Runners</a> {who}</nav></header>\n<main>\n{body}\n</main>\n\
<footer>tick {} · refreshes every {REFRESH}s · <a href=\"/api/v1/openapi.json\">API</a> · \
<a href=\"/metrics\">metrics</a></footer></body></html>\n",
        escape(title),
        env!("CARGO_PKG_VERSION"),
    )
}

/// A cell's class: an execution's status has its own (`st-failed`, ...,
/// coloured by tick.css as the terminal colours it).
fn class(style: Style) -> std::borrow::Cow<'static, str> {
    match style {
        Style::Green => "ok".into(),
        Style::Red => "bad".into(),
        Style::Yellow => "warn".into(),
        Style::Cyan => "run".into(),
        Style::Dim => "dim".into(),
        Style::Status(s) => format!("st-{s}").into(),
        Style::Bold | Style::Plain => "".into(),
    }
}

/// A terminal table as HTML; `link(row, col, text)` may make a cell a link.
fn table(t: &Table, link: &dyn Fn(&[&str], usize) -> Option<String>) -> String {
    let cols = t.columns().max(1);
    let cells: Vec<(&str, Style)> = t.cells().collect();
    let mut out = String::from("<div class=\"wrap\"><table>\n<thead><tr>");
    for (text, _) in cells.iter().take(cols) {
        out.push_str(&format!("<th>{}</th>", escape(text)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for row in cells[cols.min(cells.len())..].chunks(cols) {
        let texts: Vec<&str> = row.iter().map(|c| c.0).collect();
        out.push_str("<tr>");
        for (i, (text, style)) in row.iter().enumerate() {
            let cls = class(*style);
            let attr = if cls.is_empty() {
                String::new()
            } else {
                format!(" class=\"{cls}\"")
            };
            match link(&texts, i) {
                Some(href) => out.push_str(&format!(
                    "<td{attr}><a href=\"{}\">{}</a></td>",
                    escape(&href),
                    escape(text)
                )),
                None => out.push_str(&format!("<td{attr}>{}</td>", escape(text))),
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody></table></div>\n");
    out
}

pub fn handle(app: &App, req: &Request, method: &str, segs: &[&str], authed: bool) -> Response {
    let v = Visitor::of(app, authed);
    let result = match (method, segs) {
        ("GET", [""]) => jobs_page(app, req, &v),
        ("GET", ["jobs", id]) => job_page(app, req, id, &v),
        ("GET", ["jobs", id, "executions", n]) => execution_page(app, id, n, &v),
        ("POST", ["jobs", id, action @ ("pause" | "resume" | "run")]) => {
            return act(app, id, action);
        }
        _ => {
            return html_response(
                404,
                layout(
                    "Not found",
                    &v,
                    false,
                    "<h1>Not found</h1><p><a href=\"/\">All jobs</a></p>",
                ),
            )
        }
    };
    match result {
        Ok(body) => html_response(200, body),
        Err(e) => error_page(&v, &e),
    }
}

fn error_page(v: &Visitor, e: &anyhow::Error) -> Response {
    let msg = chain_text(e);
    let status = super::api::status_of(e);
    let body = format!(
        "<h1>Error</h1><p class=\"bad\">{}</p><p><a href=\"/\">All jobs</a></p>",
        escape(&msg)
    );
    html_response(status, layout("Error", v, false, &body))
}

/// A refused write from the page: the reason, as a page.
pub fn refused(app: &App, resp: Response) -> Response {
    let msg = serde_json::from_slice::<serde_json::Value>(&resp.body)
        .ok()
        .and_then(|v| v["error"].as_str().map(str::to_string))
        .unwrap_or_default();
    let v = Visitor::of(app, false);
    let body = format!(
        "<h1>Not allowed</h1><p class=\"bad\">{}</p><p><a href=\"/login\">Log in</a> · <a href=\"/\">All jobs</a></p>",
        escape(&msg)
    );
    html_response(resp.status, layout("Not allowed", &v, false, &body))
}

/// The page's buttons: pause, resume, run now; then back to the job.
fn act(app: &App, id: &str, action: &str) -> Response {
    let ids = [id.to_string()];
    let done = match action {
        "pause" => jobs::pause(&app.ctx, Some(&ids), &Default::default()).map(|_| "paused"),
        "resume" => jobs::resume(&app.ctx, Some(&ids)).map(|_| "resumed"),
        _ => jobs::run_now(id, &app.ctx).map(|_| "run"),
    };
    match done {
        Ok(done) => see_other(&format!("{}?did={done}", html::path(&["jobs", id]))),
        Err(e) => error_page(&Visitor::of(app, true), &e),
    }
}

fn jobs_page(app: &App, req: &Request, v: &Visitor) -> anyhow::Result<String> {
    let now = app.ctx.now();
    let all = req
        .query_pairs()
        .unwrap_or_default()
        .iter()
        .any(|(k, val)| k == "all" && val != "false");
    let sel = ops::list::Selection {
        all,
        ..Default::default()
    };
    // Without a live runner a past next run is marked overdue, as in `list`.
    let runner = match app.ctx.store_for_read()? {
        Some(store) => ops::runners::live_runner(store.as_ref())?.is_some(),
        None => false,
    };
    let mut t = output::jobs_table(false);
    let mut shown = 0usize;
    let mut total = 0usize;
    ops::list::each(&sel, &app.ctx, &mut |l| {
        total += 1;
        if shown < MAX_ROWS {
            output::job_row(&mut t, l.job, l.last, l.retry, now, runner);
            shown += 1;
        }
        Ok(())
    })?;
    let mut body = String::from("<h1>Jobs</h1>\n");
    body.push_str(&format!(
        "<p class=\"dim\">{total} job(s){}. <a href=\"/?all={}\">{}</a></p>\n",
        if all { ", finished ones too" } else { "" },
        !all,
        if all {
            "Hide finished"
        } else {
            "Show finished"
        }
    ));
    if total == 0 {
        body.push_str(
            "<p>No jobs. Add one with <code>tick add cron '0 3 * * *' -- backup.sh</code></p>\n",
        );
    } else {
        body.push_str(&table(&t, &|row, col| {
            (col == 0).then(|| html::path(&["jobs", row[0]]))
        }));
        if total > shown {
            body.push_str(&format!(
                "<p class=\"dim\">Showing the first {shown} of {total}: the API (/api/v1/jobs) or tick list has them all.</p>\n"
            ));
        }
    }
    body.push_str(&runners_section(app)?);
    Ok(layout("Jobs", v, true, &body))
}

fn runners_section(app: &App) -> anyhow::Result<String> {
    let rows = ops::runners::runners(&app.ctx)?;
    let mut out = String::from("<h2 id=\"runners\">Runners</h2>\n");
    if rows.is_empty() {
        out.push_str(
            "<p>No runner has registered yet. Start one with <code>tick run</code>.</p>\n",
        );
        return Ok(out);
    }
    let tz = resolve_tz(None)?;
    let now = Utc::now();
    let t = output::runners_table(&rows[..rows.len().min(50)], now, tz, false);
    out.push_str(&table(&t, &|_, _| None));
    Ok(out)
}

fn job_page(app: &App, req: &Request, id: &str, v: &Visitor) -> anyhow::Result<String> {
    let now = app.ctx.now();
    let d = ops::show::details(id, &app.ctx)?;
    let tz = output::job_tz(&d.job);
    let mut body = format!("<h1>Job {}</h1>\n", escape(&d.job.id));
    let did = req.query_pairs().unwrap_or_default();
    if let Some((_, what)) = did.iter().find(|(k, _)| k == "did") {
        let text = match what.as_str() {
            "paused" => Some("Paused."),
            "resumed" => Some("Resumed: the next run is computed from now."),
            "run" => Some("Its next run is now: a runner fires it within a second or so."),
            _ => None,
        };
        if let Some(text) = text {
            body.push_str(&format!("<p class=\"flash\">{text}</p>\n"));
        }
    }
    body.push_str(&buttons(&d.job, v, d.runner));
    body.push_str("<div class=\"wrap\"><table class=\"fields\">\n");
    for (k, val) in output::fields(&d.job, now, d.runner) {
        let val = if k == "command" || k == "on success" || k == "on failure" {
            format!("<code>{}</code>", escape(&val))
        } else {
            escape(&val).into_owned()
        };
        body.push_str(&format!("<tr><th>{}</th><td>{val}</td></tr>\n", escape(k)));
    }
    body.push_str("</table></div>\n<h2>Next fires</h2>\n");
    if d.fires.is_empty() {
        body.push_str("<p>none</p>\n");
    } else {
        body.push_str("<ul>");
        for f in &d.fires {
            body.push_str(&format!(
                "<li>{} <span class=\"dim\">({})</span></li>",
                escape(&output::local_time(*f, tz)),
                escape(&output::relative(*f, now))
            ));
        }
        body.push_str("</ul>\n");
    }
    body.push_str("<h2>Recent executions</h2>\n");
    if d.executions.is_empty() {
        body.push_str("<p>none yet</p>\n");
    } else {
        let t = output::executions_table(&d.executions, tz, false, false, true);
        let job = d.job.id.clone();
        body.push_str(&table(&t, &|row, col| {
            (col == 0).then(|| html::path(&["jobs", &job, "executions", row[0]]))
        }));
    }
    Ok(layout(&format!("Job {}", d.job.id), v, true, &body))
}

/// Pause/resume and run-now for whoever may write (with a token, nobody
/// else sees the page at all). Run-now needs a live runner (`runner`):
/// without one the page says so instead of offering it.
fn buttons(job: &crate::model::Job, v: &Visitor, runner: bool) -> String {
    if !v.can_write {
        return String::new();
    }
    let base = html::path(&["jobs", &job.id]);
    let toggle = if job.state == JobState::Paused {
        "resume"
    } else {
        "pause"
    };
    let mut out = String::from("<div class=\"actions\">");
    out.push_str(&format!(
        "<form method=\"post\" action=\"{base}/{toggle}\"><button id=\"{toggle}\">{}</button></form>",
        if toggle == "pause" { "Pause" } else { "Resume" }
    ));
    if job.state != JobState::Paused && runner {
        out.push_str(&format!(
            "<form method=\"post\" action=\"{base}/run\"><button id=\"run\">Run now</button></form>"
        ));
    } else if job.state != JobState::Paused {
        out.push_str(&format!(
            "<p class=\"dim\" id=\"no-runner\">Run now: {}.</p>",
            escape(jobs::NO_RUNNER)
        ));
    }
    out.push_str("</div>\n");
    out
}

fn execution_page(app: &App, id: &str, n: &str, v: &Visitor) -> anyhow::Result<String> {
    let execution = n
        .parse::<i64>()
        .map_err(|_| UsageError::missing(format!("job '{id}' has no execution '{n}'")))?;
    let (e, result) = ops::logs::captured(id, Some(execution), &app.ctx)?;
    let tz = resolve_tz(None)?;
    let t = output::executions_table(std::slice::from_ref(&e), tz, false, true, true);
    let mut body = format!(
        "<h1>Execution {} of <a href=\"{}\">{}</a></h1>\n",
        e.id,
        html::path(&["jobs", &e.job_id]),
        escape(&e.job_id)
    );
    body.push_str(&table(&t, &|_, _| None));
    body.push_str(&format!(
        "<p>Command: <code>{}</code></p>\n",
        escape(&e.command)
    ));
    if let Some(started) = e.started_at {
        body.push_str(&format!(
            "<p class=\"dim\">scheduled {}, started {}</p>\n",
            escape(&rfc3339(e.scheduled_at, tz)),
            escape(&output::rfc3339_ms(started, tz))
        ));
    }
    for (name, data, cut) in [
        ("stdout", &result.stdout, result.stdout_truncated),
        ("stderr", &result.stderr, result.stderr_truncated),
    ] {
        body.push_str(&format!("<h2>{name}</h2>\n"));
        if cut {
            body.push_str(&format!(
                "<p class=\"cut\">{}</p>\n",
                escape(&ops::logs::cut_marker())
            ));
        }
        if data.is_empty() {
            body.push_str("<p class=\"dim\">(nothing)</p>\n");
        } else {
            body.push_str(&format!(
                "<pre id=\"{name}\">{}</pre>\n",
                html::escape_output(data)
            ));
        }
    }
    let running = e.status == crate::model::Status::Running;
    Ok(layout(&format!("Execution {}", e.id), v, running, &body))
}

/// Send to the login page, coming back to `path` after.
pub fn to_login(path: &str) -> Response {
    see_other(&format!(
        "/login?next={}",
        super::server::percent_encode(path)
    ))
}

/// Where to go after a login: only a path on this server, `/` followed by
/// anything but `/` or `\` (`//host` and `/\host` name another site), with
/// no control character (a browser drops a tab: `/<TAB>/evil.example` is
/// `//evil.example` to it). Anything else goes to `/`.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n)
            if n.starts_with('/')
                && !matches!(n.as_bytes().get(1), Some(b'/' | b'\\'))
                && !n.chars().any(char::is_control) =>
        {
            n.to_string()
        }
        _ => "/".to_string(),
    }
}

/// `GET /login` (the form), `POST /login` (check the token, set the
/// cookie), `POST /logout`.
pub fn login(app: &App, req: &Request, method: &str) -> Response {
    let v = Visitor::of(app, false);
    if method == "POST" {
        if let Some(why) = super::auth::check_origin(req, true) {
            return html_response(
                403,
                layout(
                    "Not allowed",
                    &v,
                    false,
                    &format!("<p class=\"bad\">{}</p>", escape(&why)),
                ),
            );
        }
    }
    match (req.path.as_str(), method) {
        ("/logout", "POST") => {
            if let Some(id) = req.cookie(super::auth::COOKIE) {
                app.sessions.close(id);
            }
            see_other("/").with(
                "Set-Cookie",
                format!(
                    "{}=; Path=/; Max-Age=0; HttpOnly; SameSite=Strict",
                    super::auth::COOKIE
                ),
            )
        }
        ("/login", "GET") => {
            let next = req
                .query_pairs()
                .unwrap_or_default()
                .into_iter()
                .find(|(k, _)| k == "next")
                .map(|(_, v)| v);
            html_response(200, login_form(&v, &safe_next(next.as_deref()), None))
        }
        ("/login", "POST") => {
            let form = form_pairs(&String::from_utf8_lossy(&req.body)).unwrap_or_default();
            let get = |k: &str| {
                form.iter()
                    .find(|(key, _)| key == k)
                    .map(|(_, v)| v.as_str())
            };
            let next = safe_next(get("next"));
            if !app.throttle.allows(req.peer) {
                let why = "Too many wrong tokens from your address: wait a second and try again.";
                return html_response(429, login_form(&v, &next, Some(why)))
                    .with("Retry-After", "1");
            }
            let ok = match (&app.token, get("token")) {
                (Some(t), Some(given)) => t.matches(given.trim()),
                _ => false,
            };
            if !ok {
                // Slows down guessing (without holding the connection).
                app.throttle.failed(req.peer);
                let why = if app.token.is_none() {
                    "This server has no token (--token-file), so there is nothing to log in to."
                } else {
                    "Wrong token."
                };
                return html_response(401, login_form(&v, &next, Some(why)));
            }
            match app.sessions.open() {
                Ok(id) => see_other(&next).with(
                    "Set-Cookie",
                    format!(
                        "{}={id}; Path=/; Max-Age={}; HttpOnly; SameSite=Strict",
                        super::auth::COOKIE,
                        super::auth::SESSION_TTL.as_secs()
                    ),
                ),
                Err(e) => error_page(&v, &e),
            }
        }
        _ => Response::error(405, "use GET or POST"),
    }
}

fn login_form(v: &Visitor, next: &str, error: Option<&str>) -> String {
    let error = error
        .map(|e| format!("<p class=\"bad\">{}</p>", escape(e)))
        .unwrap_or_default();
    let body = format!(
        "<h1>Log in</h1>{error}\n<p>Give the token of this server's <code>--token-file</code> \
to pause, resume and run jobs from this page.</p>\n\
<form method=\"post\" action=\"/login\" class=\"login\">\
<input type=\"hidden\" name=\"next\" value=\"{}\">\
<label>Token <input type=\"password\" name=\"token\" id=\"token\" autocomplete=\"current-password\" required></label> \
<button id=\"login\">Log in</button></form>\n",
        escape(next)
    );
    layout("Log in", v, false, &body)
}
