//! `tick show ID`: every field, the next 5 fire times, the last 10 executions.

use std::io::Write;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::Ctx;
use crate::cli::ShowArgs;
use crate::model::{Execution, Job};
use crate::output::{self, job_tz, opt_text, rfc3339};
use crate::trigger::Trigger;

/// What `tick show` shows of a job (and the HTTP API and page too).
pub struct Details {
    pub job: Job,
    /// Whether a live runner holds the store (else a past next run is
    /// overdue: nothing will run it).
    pub runner: bool,
    /// The last 10, newest first.
    pub executions: Vec<Execution>,
    /// The next 5 fire times.
    pub fires: Vec<DateTime<Utc>>,
}

/// `tick show --json`'s object.
#[derive(serde::Serialize)]
pub struct DetailsJson<'a> {
    #[serde(flatten)]
    job: output::JobJson<'a>,
    next_fires: Vec<output::FireJson>,
    executions: Vec<output::ExecutionJson<'a>>,
}

impl Details {
    pub fn json(&self) -> DetailsJson<'_> {
        let tz = job_tz(&self.job);
        DetailsJson {
            job: output::JobJson::new(
                &self.job,
                self.executions.first().map(|e| e.last_run()).as_ref(),
            ),
            next_fires: output::fire_times_json(&self.fires, tz),
            executions: self
                .executions
                .iter()
                .map(|e| output::ExecutionJson::new(e, tz))
                .collect(),
        }
    }
}

/// A job, its last 10 executions and next 5 fires; an unknown id is a
/// usage error.
pub fn details(id: &str, ctx: &Ctx) -> Result<Details> {
    let now = ctx.now();
    let (store, job) = ctx.store_with_job(id)?;
    let runner = super::status::live_runner(store.as_ref())?.is_some();
    let executions = store.executions_of(&job.id, 10)?;
    // Upcoming fires continue from the stored next run (or now when paused).
    let fires = match Trigger::from_spec(&job.trigger) {
        Ok(t) if job.state != crate::model::JobState::Finished => {
            let mut fires: Vec<_> = job.next_run_at.into_iter().collect();
            let from = job.next_run_at.unwrap_or(now);
            fires.extend(t.fires_after(from, 5 - fires.len()));
            fires
        }
        _ => Vec::new(),
    };
    Ok(Details {
        job,
        runner,
        executions,
        fires,
    })
}

/// Every field of a job for people, as `tick show` (and the web page)
/// lists them.
/// `runner`: whether a live runner holds the store.
pub fn fields(job: &Job, now: DateTime<Utc>, runner: bool) -> Vec<(&'static str, String)> {
    let tz = job_tz(job);
    let o = &job.options;
    let env = if o.env.is_empty() {
        "-".to_string()
    } else {
        o.env
            .iter()
            .map(|(k, v)| format!("{k}={}", shell_words::quote(v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let next = job.next_run_at.map_or("-".into(), |n| {
        output::NextRun(job, n, now, runner).to_string()
    });
    vec![
        ("id", job.id.clone()),
        ("name", job.name.clone().unwrap_or("-".into())),
        ("command", job.command.clone()),
        ("trigger", output::describe_trigger(job)),
        ("timezone", job.trigger.timezone.clone()),
        ("state", job.state.to_string()),
        ("next run", next),
        ("max instances", o.max_instances.to_string()),
        ("coalesce", if o.coalesce { "yes" } else { "no" }.into()),
        ("misfire grace", opt_text(o.misfire_grace)),
        ("timeout", opt_text(o.timeout)),
        (
            "jitter",
            opt_text(Some(job.trigger.jitter).filter(|j| *j > 0)),
        ),
        ("cwd", o.cwd.clone().unwrap_or("-".into())),
        ("on success", o.on_success.clone().unwrap_or("-".into())),
        ("on failure", o.on_failure.clone().unwrap_or("-".into())),
        (
            "retries",
            if o.retries == 0 {
                "none".into()
            } else {
                format!(
                    "{} (after {}, doubling up to {})",
                    o.retries,
                    crate::units::format_duration(o.retry_delay),
                    crate::units::format_duration(o.retry_max_delay)
                )
            },
        ),
        (
            "first run",
            o.first_run.map_or("-".into(), |t| rfc3339(t, tz)),
        ),
        ("env", env),
        ("created", rfc3339(job.created_at, tz)),
        ("updated", rfc3339(job.updated_at, tz)),
    ]
}

pub fn run(args: &ShowArgs, ctx: &Ctx) -> Result<()> {
    let now = ctx.now();
    let details = details(&args.id, ctx)?;
    if !details.runner {
        super::status::note_no_runner(ctx)?;
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        output::write_json(&mut out, &details.json())?;
        out.flush()?;
        return Ok(());
    }
    let Details {
        job,
        runner,
        executions: execs,
        fires,
    } = &details;
    let tz = job_tz(job);
    for (k, v) in fields(job, now, *runner) {
        // One line each, like a table cell: a command's ESC or newline shows escaped.
        let v = crate::escape::text(&v, crate::escape::Newlines::Escape);
        writeln!(out, "{:<14} {v}", format!("{k}:"))?;
    }
    writeln!(out, "next fires:")?;
    if fires.is_empty() {
        writeln!(out, "  none")?;
    }
    for f in fires {
        writeln!(out, "  {}", rfc3339(*f, tz))?;
    }
    writeln!(out, "last executions:")?;
    if execs.is_empty() {
        writeln!(out, "  none")?;
    } else {
        output::executions_table(execs, tz, ctx.color, false).write(&mut out, "  ")?;
    }
    out.flush()?;
    Ok(())
}
