//! `tick show ID`: every field, the next 5 fire times, the last 10 executions.

use std::io::Write;

use anyhow::Result;

use super::Ctx;
use crate::cli::ShowArgs;
use crate::output::{self, job_tz, opt_text, rfc3339};
use crate::trigger::Trigger;

pub fn run(args: &ShowArgs, ctx: &Ctx) -> Result<()> {
    let now = ctx.now();
    let (store, job) = ctx.store_with_job(&args.id)?;
    let runner = super::status::runner_note(ctx, Some(store.as_ref()))?;
    let execs = store.executions_of(&job.id, 10)?;
    let tz = job_tz(&job);
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
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        #[derive(serde::Serialize)]
        struct Show<'a> {
            #[serde(flatten)]
            job: output::JobJson<'a>,
            next_fires: Vec<output::FireJson>,
            executions: Vec<output::ExecutionJson<'a>>,
        }
        let show = Show {
            job: output::JobJson::new(&job, execs.first()),
            next_fires: output::fire_times_json(&fires, tz),
            executions: execs
                .iter()
                .map(|e| output::ExecutionJson::new(e, tz))
                .collect(),
        };
        output::write_json(&mut out, &show)?;
        out.flush()?;
        return Ok(());
    }
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
        output::NextRun(&job, n, now, runner).to_string()
    });
    let rows = [
        ("id", job.id.clone()),
        ("name", job.name.clone().unwrap_or("-".into())),
        ("command", job.command.clone()),
        ("trigger", output::describe_trigger(&job)),
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
    ];
    for (k, v) in rows {
        // One line each, like a table cell: a command's ESC or newline shows escaped.
        let v = crate::escape::text(&v, crate::escape::Newlines::Escape);
        writeln!(out, "{:<14} {v}", format!("{k}:"))?;
    }
    writeln!(out, "next fires:")?;
    if fires.is_empty() {
        writeln!(out, "  none")?;
    }
    for f in &fires {
        writeln!(out, "  {}", rfc3339(*f, tz))?;
    }
    writeln!(out, "last executions:")?;
    if execs.is_empty() {
        writeln!(out, "  none")?;
    } else {
        output::executions_table(&execs, tz, ctx.color, false).write(&mut out, "  ")?;
    }
    out.flush()?;
    Ok(())
}
