//! The web page for people (django-apscheduler's admin pages, Cronicle's
//! graphs, healthchecks' strips):
//!
//! - `jobs.rs`: the jobs table as `tick list` shows it, each job with a
//!   strip of its last 20 runs and its buttons, filters by state and name,
//!   a banner when no runner is alive, and the runners;
//! - `job.rs`: a job's page (every field as `tick show` lists it, a chart
//!   of its last 50 runs, next fires, recent executions) and an
//!   execution's page with its captured output;
//! - `executions.rs`: every job's executions, filtered as `tick history`;
//! - `timeline.rs`: the fires of the next 24 hours over all jobs;
//! - `forms.rs`: adding and changing a job, and the buttons (pause,
//!   resume, run now), through the command line's own parsing;
//! - `login.rs`: the login.
//!
//! Server-rendered HTML, SVG drawn by tick (`svg.rs`) and one small style
//! sheet: no script at all (the Content-Security-Policy forbids any),
//! nothing fetched from elsewhere. Overviews refresh themselves every 10
//! seconds; forms and finished executions do not. Every text that comes
//! from a job, its output or a runner goes through `html::escape`. Tables
//! are built by the same functions as the terminal's (`output/`), then
//! rendered as HTML.

mod executions;
mod forms;
mod job;
mod jobs;
mod login;
mod timeline;

pub use login::{login, to_login};

use super::html::escape;
use super::server::{Request, Response};
use super::App;
use crate::error::{chain_text, UsageError};
use crate::output::{Style, Table};

/// Seconds between refreshes.
const REFRESH: u32 = 10;

const CSS: &str = include_str!("../tick.css");

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

    /// Why this visitor cannot write, for a page that offers writes.
    fn why_not(&self) -> &'static str {
        if self.read_only {
            "This server is read-only (--read-only): it takes no changes."
        } else if !self.has_token {
            "This server has no token (--token-file), so it takes no changes: start it with one, then log in."
        } else {
            "Log in to add or change jobs."
        }
    }
}

/// Whether a page refreshes itself.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Refresh {
    Every,
    Never,
}

/// A whole page.
fn layout(title: &str, v: &Visitor, refresh: Refresh, body: &str) -> String {
    let (meta, said) = match refresh {
        Refresh::Every => (
            format!("<meta http-equiv=\"refresh\" content=\"{REFRESH}\">"),
            format!(" · refreshes every {REFRESH}s"),
        ),
        Refresh::Never => (String::new(), String::new()),
    };
    let who = if v.logged_in {
        "<form method=\"post\" action=\"/logout\" class=\"inline\"><button>Log out</button></form>"
    } else if v.read_only {
        "<span class=\"dim\">read-only</span>"
    } else if v.has_token {
        "<a href=\"/login\">Log in</a>"
    } else {
        "<span class=\"dim\">no token: read-only</span>"
    };
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">{meta}\
<title>{} · tick</title><link rel=\"stylesheet\" href=\"/static/tick.css\"></head>\n\
<body><header><a href=\"/\" class=\"brand\">tick</a><nav><a href=\"/\">Jobs</a> \
<a href=\"/executions\">Executions</a> <a href=\"/timeline\">Timeline</a> \
<a href=\"/new\">Add a job</a> <a href=\"/#runners\">Runners</a> {who}</nav></header>\n\
<main>\n{body}\n</main>\n\
<footer>tick {}{said} · <a href=\"/api/v1/openapi.json\">API</a> · \
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
        Style::Status(s) => status_class(s).into(),
        Style::Bold | Style::Plain => "".into(),
    }
}

/// The class of an execution's status: `st-failed`, ...
fn status_class(s: crate::model::Status) -> String {
    format!("st-{s}")
}

/// A column of HTML cells added to a terminal table: its header, the
/// column it goes before, and a cell per row (already HTML).
struct Extra<'a> {
    header: &'a str,
    before: usize,
    cells: Vec<String>,
}

/// A link for a cell: `link(row, col)` may make a cell a link.
type Link<'a> = &'a dyn Fn(&[&str], usize) -> Option<String>;

/// A terminal table as HTML (`class` on the table), with `extras`. Each
/// cell carries its header as `data-label`: on a phone every row is a
/// card of `label: value` lines (tick.css).
fn table(t: &Table, class_name: &str, link: Link, extras: &[Extra]) -> String {
    let cols = t.columns().max(1);
    let cells: Vec<(&str, Style)> = t.cells().collect();
    let own: Vec<&str> = cells.iter().take(cols).map(|c| c.0).collect();
    let mut headers: Vec<&str> = own.clone();
    for (n, x) in extras.iter().enumerate() {
        headers.insert((x.before + n).min(headers.len()), x.header);
    }
    let mut out = format!("<table class=\"{class_name}\">\n<thead><tr>");
    for h in &headers {
        out.push_str(&format!("<th>{}</th>", escape(h)));
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (r, row) in cells[cols.min(cells.len())..].chunks(cols).enumerate() {
        let texts: Vec<&str> = row.iter().map(|c| c.0).collect();
        let mut tds: Vec<String> = row
            .iter()
            .enumerate()
            .map(|(i, (text, style))| {
                let cls = class(*style);
                let mut attr = String::new();
                if !cls.is_empty() {
                    attr = format!(" class=\"{cls}\"");
                }
                let label = escape(own.get(i).copied().unwrap_or(""));
                let text = escape(text);
                match link(&texts, i) {
                    Some(href) => format!(
                        "<td{attr} data-label=\"{label}\"><a href=\"{}\">{text}</a></td>",
                        escape(&href)
                    ),
                    None => format!("<td{attr} data-label=\"{label}\">{text}</td>"),
                }
            })
            .collect();
        for (n, x) in extras.iter().enumerate() {
            let cell = x.cells.get(r).map(String::as_str).unwrap_or("");
            let at = (x.before + n).min(tds.len());
            let label = escape(x.header);
            tds.insert(
                at,
                format!("<td class=\"x\" data-label=\"{label}\">{cell}</td>"),
            );
        }
        out.push_str(&format!("<tr>{}</tr>\n", tds.concat()));
    }
    out.push_str("</tbody></table>\n");
    out
}

pub fn handle(app: &App, req: &Request, method: &str, segs: &[&str], authed: bool) -> Response {
    let v = Visitor::of(app, authed);
    let page = match (method, segs) {
        ("GET", [""]) => jobs::page(app, req, &v),
        ("GET", ["executions"]) => executions::page(app, req, &v),
        ("GET", ["timeline"]) => timeline::page(app, &v),
        ("GET", ["jobs", id]) => job::page(app, req, id, &v),
        ("GET", ["jobs", id, "executions", n]) => job::execution_page(app, id, n, &v),
        ("GET", ["new"]) => return forms::add_form(&v),
        ("POST", ["new"]) => return forms::add(app, req, &v),
        ("GET", ["jobs", id, "edit"]) => return forms::edit_form(app, id, &v),
        ("POST", ["jobs", id, "edit"]) => return forms::edit(app, req, id, &v),
        ("POST", ["jobs", id, action @ ("pause" | "resume" | "run")]) => {
            return forms::act(app, req, id, action);
        }
        _ => {
            return html_response(
                404,
                layout(
                    "Not found",
                    &v,
                    Refresh::Never,
                    "<h1>Not found</h1><p><a href=\"/\">All jobs</a></p>",
                ),
            )
        }
    };
    match page {
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
    html_response(status, layout("Error", v, Refresh::Never, &body))
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
    html_response(
        resp.status,
        layout("Not allowed", &v, Refresh::Never, &body),
    )
}

/// The query's pairs, without those named in `page_only` (the page's own,
/// not the command's flags) and without empty values (a form's blank
/// field means "not filtered on").
fn query(req: &Request, page_only: &[&str]) -> Result<Vec<(String, String)>, UsageError> {
    Ok(req
        .query_pairs()
        .map_err(UsageError::new)?
        .into_iter()
        .filter(|(k, v)| !page_only.contains(&k.as_str()) && !v.is_empty())
        .collect())
}

/// The value of `key` in the query (the page's own parameters).
fn param(req: &Request, key: &str) -> Option<String> {
    req.query_pairs()
        .ok()?
        .into_iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v)
}

/// What a tooltip says of an execution: [`Say::Short`] for a strip (the
/// jobs page has many), [`Say::Cost`] with its peak memory too.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Say {
    Short,
    Cost,
}

/// An execution in a few words, for a tooltip: `#12 failed (exit 3) ·
/// 2026-05-01 03:00:00 CEST · took 1.2s · peak 12.0 MiB`.
fn run_title(e: &crate::model::Execution, tz: chrono_tz::Tz, say: Say) -> String {
    let mut t = format!("#{} {}", e.id, e.status);
    match (e.exit_code, e.signal) {
        (Some(c), _) if c != 0 => t.push_str(&format!(" (exit {c})")),
        (None, Some(s)) => t.push_str(&format!(" (signal {s})")),
        _ => {}
    }
    if e.attempt > 1 {
        t.push_str(&format!(", attempt {}", e.attempt));
    }
    t.push_str(&format!(
        " · {}",
        crate::output::local_time(e.started_at.unwrap_or(e.scheduled_at), tz)
    ));
    if let Some(ms) = e.duration_ms() {
        t.push_str(&format!(" · took {}", crate::units::human_ms(ms)));
    }
    if let Some(u) = e.usage.filter(|_| say == Say::Cost) {
        t.push_str(&format!(
            " · peak {}",
            crate::units::human_kib(u.peak_memory_kib)
        ));
    }
    if let Some(r) = &e.reason {
        t.push_str(&format!(" · {r}"));
    }
    t
}

/// An execution as a mark of a strip or chart, linking to its page,
/// `value` its measure (`None`: nothing to measure).
fn run_mark(
    e: &crate::model::Execution,
    tz: chrono_tz::Tz,
    value: Option<f64>,
    say: Say,
) -> super::svg::Mark {
    super::svg::Mark {
        href: super::html::path(&["jobs", &e.job_id, "executions", &e.id.to_string()]),
        class: status_class(e.status),
        value,
        title: run_title(e, tz, say),
    }
}

/// How many runs of each status, most first: `18 success, 2 failed`.
fn status_counts(runs: &[crate::model::Execution]) -> String {
    let mut counts: Vec<(crate::model::Status, usize)> = Vec::new();
    for e in runs {
        match counts.iter_mut().find(|(s, _)| *s == e.status) {
            Some((_, n)) => *n += 1,
            None => counts.push((e.status, 1)),
        }
    }
    counts.sort_by_key(|c| std::cmp::Reverse(c.1));
    counts
        .iter()
        .map(|(s, n)| format!("{n} {s}"))
        .collect::<Vec<_>>()
        .join(", ")
}
