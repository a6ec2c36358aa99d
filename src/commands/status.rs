//! `tick status`: is a runner alive (pid, host, since), jobs by state, the
//! next fire and the last failure (read by `ops::status`). Also the note
//! `add`, `list` and `show` give when no live runner holds the jobs file
//! ([`runner_note`], asking `ops::runners::live_runner`): a job added with
//! no runner never fires, and nothing else would say so.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use chrono_tz::Tz;

use super::Ctx;
use crate::args::trigger::resolve_tz;
use crate::cli::StatusArgs;
use crate::ops::runners::live_runner;
use crate::ops::status::{facts, Facts};
use crate::output::{self, local_time, Relative};
use crate::store::{JobStates, Location, Store};

/// Where to read how to keep a runner running.
const HOW_TO_RUN: &str =
    "start one with 'tick run'; to keep one running, see \"Running it in production\" in the README";

/// For `list` and `show`: whether a live runner holds the store; when
/// none does, [`note_no_runner`].
pub fn runner_note(ctx: &Ctx, store: Option<&dyn Store>) -> Result<bool> {
    let live = match store {
        Some(store) => live_runner(store)?.is_some(),
        None => false,
    };
    if !live {
        note_no_runner(ctx)?;
    }
    Ok(live)
}

/// For `add`: [`note_no_runner`] when no live runner holds the store
/// (asked only when the note would be seen).
pub fn runner_note_for_add(ctx: &Ctx, store: &dyn Store) -> Result<()> {
    if noted(ctx) && live_runner(store)?.is_none() {
        note_no_runner(ctx)?;
    }
    Ok(())
}

/// Whether the note is for someone: stderr a terminal, no `--quiet`.
fn noted(ctx: &Ctx) -> bool {
    !ctx.quiet && std::io::stderr().is_terminal()
}

/// One line on stderr: no runner, so no job will fire, and how to start
/// one (for people: only when stderr is a terminal, never with `--quiet`).
pub fn note_no_runner(ctx: &Ctx) -> Result<()> {
    if noted(ctx) {
        eprintln!(
            "note: no tick run is running on {}, so no job will fire: {HOW_TO_RUN}",
            ctx.location()?
        );
    }
    Ok(())
}

#[derive(Serialize)]
struct Status<'a> {
    /// Where the jobs are: a jobs file's path or a PostgreSQL URL (without
    /// its password).
    store: String,
    /// `file` or `postgresql`.
    store_kind: &'static str,
    /// The same as `store`, under its old name (deprecated: kept for one
    /// release, see docs/guide.md).
    jobs_file: String,
    runner: Option<RunnerJson<'a>>,
    jobs: JobStatesJson,
    next_fire: Option<NextFireJson>,
    last_failure: Option<output::ExecutionJson<'a>>,
}

#[derive(Serialize)]
struct RunnerJson<'a> {
    name: &'a str,
    host: &'a str,
    pid: i64,
    version: &'a str,
    started_at: String,
    renewed_at: String,
    /// As `tick runners --json` says it.
    lease_ms: i64,
    /// `lease_ms` in whole seconds, under its old name (deprecated: kept
    /// for one release, see docs/guide.md).
    lease_seconds: i64,
}

#[derive(Serialize)]
struct JobStatesJson {
    active: i64,
    paused: i64,
    finished: i64,
}

#[derive(Serialize)]
struct NextFireJson {
    job_id: String,
    job_name: Option<String>,
    at: String,
    overdue: bool,
}

pub fn run(args: &StatusArgs, ctx: &Ctx) -> Result<()> {
    let now = Utc::now();
    let location = ctx.location()?;
    let store = ctx.store_for_read()?;
    let f = match &store {
        Some(store) => facts(store.as_ref())?,
        None => Facts::default(),
    };
    let tz = resolve_tz(None)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        output::write_json(&mut out, &status_json(location, &f, tz, now))?;
    } else {
        let created = if store.is_some() {
            ""
        } else {
            " (not created yet)"
        };
        // A PostgreSQL URL is no file: said as what it is.
        let (label, kind) = match location {
            Location::File(_) => ("jobs file", ""),
            Location::Postgres(_) => ("store", " (PostgreSQL)"),
        };
        for (k, v) in [
            (label, format!("{location}{kind}{created}")),
            ("runner", runner_line(&f, tz, now)),
            ("jobs", jobs_line(&f.states)),
            ("next fire", next_line(&f, now)),
            ("last failure", failure_line(&f, tz, now)),
        ] {
            let v = crate::escape::text(&v, crate::escape::Newlines::Escape);
            writeln!(out, "{:<14}{v}", format!("{k}:"))?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Whether a next run at `at` is overdue: past, and no live runner.
fn overdue(f: &Facts, at: DateTime<Utc>, now: DateTime<Utc>) -> bool {
    f.runner.is_none() && at < now
}

/// `tick status --json`'s object.
fn status_json<'a>(location: &Location, f: &'a Facts, tz: Tz, now: DateTime<Utc>) -> Status<'a> {
    Status {
        store: location.to_string(),
        store_kind: match location {
            Location::File(_) => "file",
            Location::Postgres(_) => "postgresql",
        },
        jobs_file: location.to_string(),
        runner: f.runner.as_ref().map(|r| RunnerJson {
            name: &r.name,
            host: &r.host,
            pid: r.pid,
            version: &r.version,
            started_at: output::rfc3339(r.started_at, tz),
            renewed_at: output::rfc3339(r.renewed_at, tz),
            lease_ms: r.lease_ms,
            lease_seconds: r.lease_ms / 1000,
        }),
        jobs: JobStatesJson {
            active: f.states.active,
            paused: f.states.paused,
            finished: f.states.finished,
        },
        next_fire: f.next.as_ref().and_then(|j| {
            let at = j.next_run_at?;
            Some(NextFireJson {
                job_id: j.id.clone(),
                job_name: j.name.clone(),
                at: output::rfc3339(at, output::job_tz(j)),
                overdue: overdue(f, at, now),
            })
        }),
        last_failure: f
            .failure
            .as_ref()
            .map(|e| output::ExecutionJson::new(e, tz)),
    }
}

/// The live runner, or that there is none and how to start one.
fn runner_line(f: &Facts, tz: Tz, now: DateTime<Utc>) -> String {
    match &f.runner {
        Some(r) => format!(
            "alive: {} (pid {} on {}), since {} ({}), lease renewed {}",
            r.name,
            r.pid,
            r.host,
            local_time(r.started_at, tz),
            Relative(r.started_at, now),
            Relative(r.renewed_at, now)
        ),
        None => format!("none, so no job will fire: {HOW_TO_RUN}"),
    }
}

/// `3 active, 1 paused, 0 finished`.
fn jobs_line(s: &JobStates) -> String {
    let mut jobs = format!(
        "{} active, {} paused, {} finished",
        s.active, s.paused, s.finished
    );
    if s.unreadable > 0 {
        jobs.push_str(&format!(", {} unreadable", s.unreadable));
    }
    jobs
}

/// When the soonest job fires, in its zone, and which job.
fn next_line(f: &Facts, now: DateTime<Utc>) -> String {
    match f.next.as_ref().and_then(|j| Some((j, j.next_run_at?))) {
        Some((j, at)) => format!(
            "{} ({}{}): {}",
            local_time(at, output::job_tz(j)),
            Relative(at, now),
            if overdue(f, at, now) { ", overdue" } else { "" },
            job_label(&j.id, j.name.as_deref())
        ),
        None => "none".into(),
    }
}

/// The last failed execution: when, which job, how it ended, where its
/// output is.
fn failure_line(f: &Facts, tz: Tz, now: DateTime<Utc>) -> String {
    let Some(e) = &f.failure else {
        return "none".into();
    };
    let when = e.finished_at.or(e.started_at).unwrap_or(e.scheduled_at);
    let how = match (e.exit_code, e.signal, &e.reason) {
        (Some(c), _, _) => format!(" with exit code {c}"),
        (None, Some(sig), _) => format!(" by signal {sig}"),
        (None, None, Some(r)) => format!(": {r}"),
        _ => String::new(),
    };
    format!(
        "{} ({}): {} {}{how} (execution {}; tick logs {} --execution {})",
        local_time(when, tz),
        Relative(when, now),
        job_label(&e.job_id, e.job_name.as_deref()),
        e.status,
        e.id,
        e.job_id,
        e.id
    )
}

/// `backup` or `k7mx2p (nightly)`.
fn job_label(id: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    }
}
