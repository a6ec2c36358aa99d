//! The jobs page (`/`): the jobs table as `tick list` shows it, filtered
//! by state and name as `tick list --state --name` (the same flags, read
//! by the same clap definitions as the API's query), each job with a
//! strip of its last 20 runs and, for whoever may write, its buttons; a
//! banner when no runner is alive; the runners.

use chrono::Utc;

use super::{
    escape, layout, param, query, run_mark, status_counts, table, Extra, Refresh, Say, Visitor,
};
use crate::args::trigger::resolve_tz;
use crate::cli::ListArgs;
use crate::http::api::{pairs_args, Query};
use crate::http::html;
use crate::http::server::{percent_encode, Request};
use crate::http::svg;
use crate::http::App;
use crate::model::{JobState, Status};
use crate::ops::overview::{Board, BoardRow};
use crate::ops::{self, jobs};
use crate::output;

/// At most this many jobs are shown.
const MAX_ROWS: usize = 500;
/// Runs in a job's strip.
pub const STRIP: usize = 20;
/// The page's own query parameters (a flash after a button), not flags.
const OWN: &[&str] = &["did", "job"];

pub(super) fn page(app: &App, req: &Request, v: &Visitor) -> anyhow::Result<String> {
    let now = app.ctx.now();
    let pairs = query(req, OWN)?;
    let back = back_to(&pairs);
    let args: ListArgs = pairs_args::<Query<ListArgs>>(pairs, None)?.args;
    let sel = crate::args::list_selection(&args);
    let board = ops::overview::board(&sel, &app.ctx, MAX_ROWS, STRIP)?;
    let mut body = String::from("<h1>Jobs</h1>\n");
    body.push_str(&flash(req));
    if !board.runner {
        body.push_str(
            "<p class=\"banner\" role=\"status\" id=\"no-runner\">No runner is alive: no job fires, \
and Run now is refused, until one is started with <code>tick run</code>.</p>\n",
        );
    }
    body.push_str(&filters(&args));
    let shown = board.rows.len();
    body.push_str(&format!(
        "<p class=\"dim\" id=\"count\">{} job(s).</p>\n",
        board.total
    ));
    if board.total == 0 {
        body.push_str(
            "<p>No jobs here. Add one with <a href=\"/new\">the form</a> or <code>tick add cron '0 3 * * *' -- backup.sh</code></p>\n",
        );
    } else {
        let mut t = output::jobs_table(false);
        for r in &board.rows {
            output::job_row(
                &mut t,
                &r.job,
                r.last.as_ref(),
                r.retry.as_ref(),
                now,
                board.runner,
            );
        }
        let mut extras = vec![Extra {
            header: "LAST 20 RUNS",
            before: 5,
            cells: board.rows.iter().map(strip).collect(),
        }];
        if v.can_write {
            extras.push(Extra {
                header: "ACTIONS",
                before: 7,
                cells: board
                    .rows
                    .iter()
                    .map(|r| actions(r, board.runner, &back))
                    .collect(),
            });
        }
        body.push_str(&table(
            &t,
            "jobs",
            &|row, col| (col == 0).then(|| html::path(&["jobs", row[0]])),
            &extras,
        ));
        if board.total > shown {
            body.push_str(&format!(
                "<p class=\"dim\">Showing the first {shown} of {}: narrow them with the filters, or see them all with the API (/api/v1/jobs) or tick list.</p>\n",
                board.total
            ));
        }
    }
    body.push_str(&runners_section(&board)?);
    Ok(layout("Jobs", v, Refresh::Every, &body))
}

/// Where a button on this page comes back to: the page with its filters.
fn back_to(pairs: &[(String, String)]) -> String {
    let q: Vec<String> = pairs
        .iter()
        .map(|(k, v)| format!("{}={}", percent_encode(k), percent_encode(v)))
        .collect();
    if q.is_empty() {
        "/".into()
    } else {
        format!("/?{}", q.join("&"))
    }
}

/// What a button did, said after it (`?did=paused&job=ID`).
fn flash(req: &Request) -> String {
    let (Some(did), Some(job)) = (param(req, "did"), param(req, "job")) else {
        return String::new();
    };
    let text = match did.as_str() {
        "paused" => "Paused",
        "resumed" => "Resumed",
        "run" => "Run now: its next run is now, for a runner to fire",
        _ => return String::new(),
    };
    format!("<p class=\"flash\">{text}: {}.</p>\n", escape(&job))
}

/// The filters: `tick list --name GLOB --state STATE,...` as a form.
fn filters(args: &ListArgs) -> String {
    let chosen = |s: JobState| {
        if args.state.is_empty() {
            s != JobState::Finished || args.all
        } else {
            args.state.contains(&s)
        }
    };
    let mut out = format!(
        "<form method=\"get\" action=\"/\" class=\"filters\" role=\"search\">\
<label>Name or id <input type=\"search\" name=\"name\" id=\"filter-name\" value=\"{}\" placeholder=\"web-*\"></label>\
<fieldset><legend>State</legend>",
        escape(args.name.as_deref().unwrap_or(""))
    );
    for s in [JobState::Active, JobState::Paused, JobState::Finished] {
        out.push_str(&format!(
            "<label><input type=\"checkbox\" name=\"state\" value=\"{s}\"{}> {s}</label> ",
            if chosen(s) { " checked" } else { "" },
            s = s.as_str()
        ));
    }
    out.push_str(
        "</fieldset><button id=\"filter\">Filter</button> <a href=\"/\">Clear</a></form>\n",
    );
    out
}

/// A job's strip: its last runs, oldest left, each a link to its page.
fn strip(r: &BoardRow) -> String {
    if r.recent.is_empty() {
        return "<span class=\"dim\">no runs yet</span>".into();
    }
    let tz = output::job_tz(&r.job);
    let marks: Vec<svg::Mark> = r
        .recent
        .iter()
        .map(|e| {
            let ran = !matches!(e.status, Status::Missed | Status::Skipped);
            run_mark(e, tz, ran.then_some(1.0), Say::Short)
        })
        .collect();
    let who = match &r.job.name {
        Some(n) => format!("{} ({n})", r.job.id),
        None => r.job.id.clone(),
    };
    let label = format!(
        "{who}: last {} run(s), oldest first: {}",
        r.recent.len(),
        status_counts(&r.recent)
    );
    svg::strip(&label, &marks, STRIP)
}

/// A job's buttons: pause or resume, run now (refused without a live
/// runner: disabled, saying why), change.
fn actions(r: &BoardRow, runner: bool, back: &str) -> String {
    let base = html::path(&["jobs", &r.job.id]);
    let hidden = format!(
        "<input type=\"hidden\" name=\"back\" value=\"{}\">",
        escape(back)
    );
    let button = |action: &str, text: &str, extra: &str| {
        format!(
            "<form method=\"post\" action=\"{base}/{action}\">{hidden}<button{extra}>{text}</button></form>"
        )
    };
    let mut out = String::from("<div class=\"row-actions\">");
    match r.job.state {
        JobState::Active => out.push_str(&button("pause", "Pause", "")),
        JobState::Paused => out.push_str(&button("resume", "Resume", "")),
        JobState::Finished => {}
    }
    if r.job.state != JobState::Paused {
        let why = if runner {
            String::new()
        } else {
            format!(" disabled title=\"{}\"", escape(jobs::NO_RUNNER))
        };
        out.push_str(&button("run", "Run now", &why));
    }
    out.push_str(&format!("<a href=\"{base}/edit\">Change</a></div>"));
    out
}

/// The runners registered, newest first (at most 50).
fn runners_section(board: &Board) -> anyhow::Result<String> {
    let rows = &board.runners;
    let mut out = String::from("<h2 id=\"runners\">Runners</h2>\n");
    if rows.is_empty() {
        out.push_str(
            "<p>No runner has registered yet. Start one with <code>tick run</code>.</p>\n",
        );
        return Ok(out);
    }
    let tz = resolve_tz(None)?;
    let t = output::runners_table(&rows[..rows.len().min(50)], Utc::now(), tz, false);
    out.push_str(&table(&t, "runners", &|_, _| None, &[]));
    Ok(out)
}
