//! A job's page (every field as `tick show` lists it, a chart of its last
//! 50 runs' durations and peak memory, its next fires, its recent
//! executions, its buttons) and an execution's page with its captured
//! output.

use super::{escape, layout, param, run_mark, status_counts, table, Refresh, Say, Visitor};
use crate::args::trigger::resolve_tz;
use crate::error::UsageError;
use crate::http::server::Request;
use crate::http::{html, svg, App};
use crate::model::{Execution, Job, JobState, Status};
use crate::ops::{self, jobs};
use crate::output::{self, rfc3339};

/// Runs in a job's charts.
const CHART_RUNS: usize = 50;

pub(super) fn page(app: &App, req: &Request, id: &str, v: &Visitor) -> anyhow::Result<String> {
    let now = app.ctx.now();
    let d = ops::show::details(id, &app.ctx)?;
    let tz = output::job_tz(&d.job);
    let mut body = format!("<h1>Job {}</h1>\n", escape(&d.job.id));
    let text = match param(req, "did").as_deref() {
        Some("paused") => Some("Paused."),
        Some("resumed") => Some("Resumed: the next run is computed from now."),
        Some("run") => Some("Its next run is now: a runner fires it within a second or so."),
        Some("added") => Some("Added."),
        Some("changed") => Some("Changed."),
        _ => None,
    };
    if let Some(text) = text {
        body.push_str(&format!("<p class=\"flash\">{text}</p>\n"));
    }
    // After the add or change form: the warnings `tick add` and `tick
    // reschedule` print for the same trigger.
    if matches!(param(req, "did").as_deref(), Some("added" | "changed")) {
        if let Ok(trigger) = crate::trigger::Trigger::from_spec(&d.job.trigger) {
            for w in crate::args::trigger::warnings(&trigger, now) {
                body.push_str(&format!(
                    "<p class=\"warning\">warning: {}</p>\n",
                    escape(&w)
                ));
            }
        }
    }
    body.push_str(&buttons(&d.job, v, d.runner));
    let runs = ops::history::executions(
        &ops::history::Selection {
            id: Some(d.job.id.clone()),
            name: None,
            status: None,
            limit: CHART_RUNS,
            before: None,
        },
        &app.ctx,
    )?;
    body.push_str(&charts(&d.job, runs, tz));
    body.push_str(&fields(&d, now, tz));
    body.push_str("<h2>Recent executions</h2>\n");
    if d.executions.is_empty() {
        body.push_str("<p>none yet</p>\n");
    } else {
        let t = output::executions_table(&d.executions, tz, false, false, true);
        let job = d.job.id.clone();
        body.push_str(&format!(
            "{}<p><a href=\"/executions?job={}\">All of its executions</a></p>\n",
            table(
                &t,
                "executions",
                &|row, col| (col == 0).then(|| html::path(&["jobs", &job, "executions", row[0]])),
                &[],
            ),
            crate::http::server::percent_encode(&job)
        ));
    }
    Ok(layout(
        &format!("Job {}", d.job.id),
        v,
        Refresh::Every,
        &body,
    ))
}

/// Every field as `tick show` lists it, then the next fires.
fn fields(d: &ops::show::Details, now: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    let mut out = String::from("<h2>Settings</h2>\n<table class=\"fields\">\n");
    for (k, val) in output::fields(&d.job, now, d.runner) {
        let val = if k == "command" || k == "on success" || k == "on failure" {
            format!("<code>{}</code>", escape(&val))
        } else {
            escape(&val).into_owned()
        };
        out.push_str(&format!("<tr><th>{}</th><td>{val}</td></tr>\n", escape(k)));
    }
    out.push_str("</table>\n<h2>Next fires</h2>\n");
    if d.fires.is_empty() {
        out.push_str("<p>none</p>\n");
    } else {
        out.push_str("<ul>");
        for f in &d.fires {
            out.push_str(&format!(
                "<li>{} <span class=\"dim\">({})</span></li>",
                escape(&output::local_time(*f, tz)),
                escape(&output::relative(*f, now))
            ));
        }
        out.push_str("</ul>\n");
    }
    out
}

/// The charts of a job's last runs (`runs` newest first, as read): how
/// long each took, coloured by status, and its peak memory, each bar a
/// link with its tooltip; with what they show said in words.
fn charts(job: &Job, mut runs: Vec<Execution>, tz: chrono_tz::Tz) -> String {
    if runs.is_empty() {
        return String::new();
    }
    runs.reverse();
    let who = match &job.name {
        Some(n) => format!("{} ({n})", job.id),
        None => job.id.clone(),
    };
    let durations: Vec<svg::Mark> = runs
        .iter()
        .map(|e| run_mark(e, tz, e.duration_ms().map(|ms| ms.max(0) as f64), Say::Cost))
        .collect();
    let longest = runs.iter().filter_map(Execution::duration_ms).max();
    let said = format!(
        "How long the last {} run(s) of {who} took, oldest first ({}); the longest {}",
        runs.len(),
        status_counts(&runs),
        longest.map_or("-".into(), crate::units::human_ms)
    );
    let mut out = format!(
        "<h2>Last {} runs</h2>\n<figure class=\"chart\"><figcaption>Duration, coloured by status \
(longest <span class=\"num\">{}</span>); each bar links to its run.</figcaption>\n{}",
        runs.len(),
        escape(&longest.map_or("-".into(), crate::units::human_ms)),
        svg::bars("durations", &said, &durations, CHART_RUNS)
    );
    let memory: Vec<svg::Mark> = runs
        .iter()
        .map(|e| {
            let mut m = run_mark(e, tz, e.usage.map(|u| u.peak_memory_kib as f64), Say::Cost);
            m.class = "mem".into();
            m
        })
        .collect();
    if let Some(peak) = runs
        .iter()
        .filter_map(|e| e.usage)
        .map(|u| u.peak_memory_kib)
        .max()
    {
        let said = format!(
            "Peak memory of the last {} run(s) of {who}, oldest first; the most {}",
            runs.len(),
            crate::units::human_kib(peak)
        );
        out.push_str(&format!(
            "<figcaption>Peak memory (most <span class=\"num\">{}</span>).</figcaption>\n{}",
            escape(&crate::units::human_kib(peak)),
            svg::bars("memory", &said, &memory, CHART_RUNS)
        ));
    }
    out.push_str("</figure>\n");
    out
}

/// Pause/resume, run now and change, for whoever may write (with a token,
/// nobody else sees the page at all). Run-now needs a live runner
/// (`runner`): without one the page says so instead of offering it.
fn buttons(job: &Job, v: &Visitor, runner: bool) -> String {
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
    out.push_str(&format!(
        "<a class=\"button\" id=\"change\" href=\"{base}/edit\">Change</a></div>\n"
    ));
    out
}

pub(super) fn execution_page(app: &App, id: &str, n: &str, v: &Visitor) -> anyhow::Result<String> {
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
    let running = e.status == Status::Running;
    if running {
        body.push_str(
            "<p class=\"dim\" id=\"live\">Running: this page refreshes until it ends.</p>\n",
        );
    }
    body.push_str(&table(&t, "executions", &|_, _| None, &[]));
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
    let refresh = if running {
        Refresh::Every
    } else {
        Refresh::Never
    };
    Ok(layout(&format!("Execution {}", e.id), v, refresh, &body))
}
