//! Every job's executions (`/executions`), newest first, filtered as
//! `tick history` filters them (`job`, `status`, `name`, `limit`: the
//! command's flags, read by the same clap definitions as the API's
//! query), a page at a time: `before=ID` starts below an execution.

use std::collections::HashMap;

use super::{escape, layout, param, query, table, Refresh, Visitor};
use crate::args::trigger::resolve_tz;
use crate::cli::HistoryArgs;
use crate::error::UsageError;
use crate::http::api::{pairs_args, Query};
use crate::http::server::{percent_encode, Request};
use crate::http::{html, App};
use crate::model::Status;
use crate::ops;
use crate::output;

/// The most shown at once, whatever `limit` says.
const MAX_ROWS: usize = 500;
/// The page's own parameter, not a flag of `history`.
const OWN: &[&str] = &["before"];

pub(super) fn page(app: &App, req: &Request, v: &Visitor) -> anyhow::Result<String> {
    let pairs = query(req, OWN)?;
    let before = match param(req, "before").filter(|b| !b.is_empty()) {
        Some(b) => Some(b.parse::<i64>().map_err(|_| {
            UsageError::new(format!(
                "invalid before={b}: give an execution number (the last one of the page before)"
            ))
        })?),
        None => None,
    };
    let args: HistoryArgs = pairs_args::<Query<HistoryArgs>>(pairs.clone(), Some("job"))?.args;
    let mut sel = crate::args::history_selection(&args);
    let size = sel.limit.clamp(1, MAX_ROWS);
    // One more than shown: whether there is a next page.
    sel.limit = size + 1;
    sel.before = before;
    let mut execs = ops::history::executions(&sel, &app.ctx)?;
    let more = execs.len() > size;
    execs.truncate(size);
    let mut body = String::from("<h1>Executions</h1>\n");
    body.push_str(&filters(&args));
    if execs.is_empty() {
        body.push_str("<p>None here.</p>\n");
    } else {
        let tz = resolve_tz(None)?;
        let t = output::executions_table(&execs, tz, false, true, true);
        let jobs: HashMap<String, String> = execs
            .iter()
            .map(|e| (e.id.to_string(), e.job_id.clone()))
            .collect();
        body.push_str(&table(
            &t,
            "executions",
            &|row, col| match col {
                0 => jobs
                    .get(row[0])
                    .map(|job| html::path(&["jobs", job, "executions", row[0]])),
                1 => jobs.get(row[0]).map(|job| html::path(&["jobs", job])),
                _ => None,
            },
            &[],
        ));
    }
    body.push_str(&pages(&pairs, before, more, execs.last().map(|e| e.id)));
    Ok(layout("Executions", v, Refresh::Every, &body))
}

/// The filters: `tick history [JOB] --status STATUS --name GLOB` as a form.
fn filters(args: &HistoryArgs) -> String {
    let mut out = format!(
        "<form method=\"get\" action=\"/executions\" class=\"filters\" role=\"search\">\
<label>Job <input type=\"search\" name=\"job\" id=\"filter-job\" value=\"{}\" placeholder=\"id or name\"></label>\
<label>Name <input type=\"search\" name=\"name\" value=\"{}\" placeholder=\"web-*\"></label>\
<label>Status <select name=\"status\" id=\"filter-status\"><option value=\"\">any</option>",
        escape(args.id.as_deref().unwrap_or("")),
        escape(args.name.as_deref().unwrap_or(""))
    );
    for s in Status::ALL {
        out.push_str(&format!(
            "<option{}>{s}</option>",
            if args.status == Some(s) {
                " selected"
            } else {
                ""
            }
        ));
    }
    out.push_str(
        "</select></label> <button id=\"filter\">Filter</button> <a href=\"/executions\">Clear</a></form>\n",
    );
    out
}

/// Links to the newest page and the next older one.
fn pages(pairs: &[(String, String)], before: Option<i64>, more: bool, last: Option<i64>) -> String {
    let q: String = pairs
        .iter()
        .map(|(k, v)| format!("{}={}&", percent_encode(k), percent_encode(v)))
        .collect();
    let mut links = Vec::new();
    if before.is_some() {
        links.push(format!(
            "<a href=\"/executions?{}\">Newest</a>",
            escape(q.trim_end_matches('&'))
        ));
    }
    if let (true, Some(last)) = (more, last) {
        links.push(format!(
            "<a href=\"/executions?{}before={last}\" id=\"older\">Older</a>",
            escape(&q)
        ));
    }
    if links.is_empty() {
        return String::new();
    }
    format!("<p class=\"pages\">{}</p>\n", links.join(" · "))
}
