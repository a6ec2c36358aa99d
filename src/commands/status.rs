//! `tick status`: is a runner alive (pid, host, since), jobs by state, the
//! next fire and the last failure. Also [`live_runner`], the one answer to
//! "does a live runner hold this jobs file?", which `add`, `list` and
//! `show` ask too ([`runner_note`]): a job added with no runner never
//! fires, and nothing else would say so.

use std::io::{IsTerminal, Write};

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::trigger::resolve_tz;
use super::Ctx;
use crate::cli::StatusArgs;
use crate::model::RunnerState;
use crate::model::{Execution, Job, JobState};
use crate::output::{self, local_time, Relative};
use crate::store::{JobFilter, JobStates, RunnerRow, Store};

/// Where to read how to keep a runner running.
const HOW_TO_RUN: &str =
    "start one with 'tick run'; to keep one running, see \"Running it in production\" in the README";

/// The runner that holds the store, if one is live: registered, `alive`,
/// its lease not run out, and (on this machine) its process still there.
pub fn live_runner(store: &dyn Store) -> Result<Option<RunnerRow>> {
    let now = Utc::now();
    Ok(store
        .runners()?
        .into_iter()
        .find(|r| r.state_at(now) == RunnerState::Alive))
}

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

/// What status reads from the store.
#[derive(Default)]
struct Facts {
    runner: Option<RunnerRow>,
    states: JobStates,
    next: Option<Job>,
    failure: Option<Execution>,
}

fn facts(store: &dyn Store) -> Result<Facts> {
    Ok(Facts {
        runner: live_runner(store)?,
        states: store.job_states()?,
        next: soonest(store)?,
        failure: store.last_failure()?,
    })
}

/// The job with the soonest next run: the first in list order (jobs
/// without a next run come last), read without reading the rest.
fn soonest(store: &dyn Store) -> Result<Option<Job>> {
    #[derive(Debug)]
    struct Found;
    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("found")
        }
    }
    impl std::error::Error for Found {}
    let mut first = None;
    let filter = JobFilter {
        summary: true,
        ..JobFilter::default()
    };
    let walk = store.each_job(filter, &mut |row| match row {
        Ok(job) if job.next_run_at.is_some() && job.state == JobState::Active => {
            first = Some(job);
            // Stop the walk: the rest come later.
            Err(Found.into())
        }
        Ok(_) => Err(Found.into()),
        Err(_) => Ok(()),
    });
    match walk {
        Err(e) if !e.is::<Found>() => Err(e),
        _ => Ok(first),
    }
}

pub fn run(args: &StatusArgs, ctx: &Ctx) -> Result<()> {
    let now = Utc::now();
    let location = ctx.location()?;
    let store = ctx.store_for_read()?;
    let f = match &store {
        Some(store) => facts(store.as_ref())?,
        None => Facts::default(),
    };
    let overdue = |at: DateTime<Utc>| f.runner.is_none() && at < now;
    let tz = resolve_tz(None)?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let status = Status {
            jobs_file: location.to_string(),
            runner: f.runner.as_ref().map(|r| RunnerJson {
                name: &r.name,
                host: &r.host,
                pid: r.pid,
                version: &r.version,
                started_at: output::rfc3339(r.started_at, tz),
                renewed_at: output::rfc3339(r.renewed_at, tz),
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
                    overdue: overdue(at),
                })
            }),
            last_failure: f
                .failure
                .as_ref()
                .map(|e| output::ExecutionJson::new(e, tz)),
        };
        output::write_json(&mut out, &status)?;
        out.flush()?;
        return Ok(());
    }
    let created = if store.is_some() {
        ""
    } else {
        " (not created yet)"
    };
    let runner = match &f.runner {
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
    };
    let s = &f.states;
    let mut jobs = format!(
        "{} active, {} paused, {} finished",
        s.active, s.paused, s.finished
    );
    if s.unreadable > 0 {
        jobs.push_str(&format!(", {} unreadable", s.unreadable));
    }
    let next = match f.next.as_ref().and_then(|j| Some((j, j.next_run_at?))) {
        Some((j, at)) => format!(
            "{} ({}{}): {}",
            local_time(at, output::job_tz(j)),
            Relative(at, now),
            if overdue(at) { ", overdue" } else { "" },
            job_label(&j.id, j.name.as_deref())
        ),
        None => "none".into(),
    };
    let failure = match &f.failure {
        Some(e) => {
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
        None => "none".into(),
    };
    for (k, v) in [
        ("jobs file", format!("{location}{created}")),
        ("runner", runner),
        ("jobs", jobs),
        ("next fire", next),
        ("last failure", failure),
    ] {
        let v = crate::escape::text(&v, crate::escape::Newlines::Escape);
        writeln!(out, "{:<14}{v}", format!("{k}:"))?;
    }
    out.flush()?;
    Ok(())
}

/// `backup` or `k7mx2p (nightly)`.
fn job_label(id: &str, name: Option<&str>) -> String {
    match name {
        Some(n) => format!("{id} ({n})"),
        None => id.to_string(),
    }
}
