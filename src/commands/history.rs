//! `tick history`, `tick logs` and `tick prune`: reading and trimming the
//! execution table. Times are shown in your zone (`$TZ`, else the system's):
//! history spans jobs, some of them removed. `logs` writes a job's captured
//! bytes as they are, except on a terminal, where control characters are
//! shown escaped (`--raw` writes them as they are there too).

use std::io::{IsTerminal, Write};

use anyhow::Result;

use super::trigger::resolve_tz;
use super::Ctx;
use crate::cli::{HistoryArgs, LogsArgs, PruneArgs};
use crate::error::UsageError;
use crate::escape::{self, Newlines};
use crate::executor::CAPTURE_BYTES;
use crate::output::{self, local_time};
use crate::store::Store;
use crate::trigger::input::parse_duration;
use crate::units::human_ms;

fn unknown(id: &str) -> UsageError {
    UsageError::new(format!(
        "unknown job '{id}': no job or history has that id, and no job that name (see 'tick list --all')"
    ))
}

/// The job's id: one with history (the job may be removed since), or
/// the id or unique name of a job.
fn known(store: &mut dyn Store, given: &str) -> Result<String> {
    super::job_id_with_history(store, given).map_err(|e| match e.downcast::<UsageError>() {
        Ok(u) if u == UsageError::unknown_job(given) => unknown(given).into(),
        Ok(u) => u.into(),
        Err(e) => e,
    })
}

pub fn history(args: &HistoryArgs, ctx: &Ctx) -> Result<()> {
    let tz = resolve_tz(None)?;
    let execs = match ctx.store_for_read()? {
        None => match &args.id {
            Some(id) => return Err(unknown(id).into()),
            None => Vec::new(),
        },
        Some(mut store) => {
            let id = match &args.id {
                Some(given) => Some(known(store.as_mut(), given)?),
                None => None,
            };
            store.history(id.as_deref(), args.status, args.limit)?
        }
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let items: Vec<_> = execs
            .iter()
            .map(|e| output::ExecutionJson::new(e, tz))
            .collect();
        output::write_json(&mut out, &items)?;
    } else if execs.is_empty() {
        if !ctx.quiet {
            writeln!(out, "No executions.")?;
        }
    } else {
        output::executions_table(&execs, tz, ctx.color, args.id.is_none()).write(&mut out, "")?;
    }
    out.flush()?;
    Ok(())
}

pub fn logs(args: &LogsArgs, ctx: &Ctx) -> Result<()> {
    let tz = resolve_tz(None)?;
    let mut store = ctx.store_for_read()?.ok_or_else(|| unknown(&args.id))?;
    let id = known(store.as_mut(), &args.id)?;
    let o = store.output(&id, args.execution)?;
    let Some(e) = &o.execution else {
        return Err(match args.execution {
            Some(n) => UsageError::new(format!(
                "job '{id}' has no execution {n} (see 'tick history {id}')"
            )),
            None => match store.executions_of(&id, 1)?.pop() {
                // Only missed or skipped fires: say why the latest did not run.
                Some(last) => UsageError::new(format!(
                    "job '{id}' has not run yet: its latest fire was {}{} (see 'tick history {id}')",
                    last.status,
                    last.reason.map(|r| format!(", {r}")).unwrap_or_default(),
                )),
                None => UsageError::new(format!("job '{id}' has not run yet")),
            },
        }
        .into());
    };
    // On a terminal a job's output could set the title or fake lines:
    // show its control characters escaped there, unless --raw.
    let visible = !args.raw && std::io::stdout().is_terminal();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let when = e.started_at.unwrap_or(e.scheduled_at);
    let took = e
        .duration_ms()
        .map(|d| format!(" in {}", human_ms(d)))
        .unwrap_or_default();
    let why = e
        .reason
        .as_deref()
        .map(|r| format!(" ({})", escape::text(r, Newlines::Escape)))
        .unwrap_or_default();
    writeln!(
        out,
        "execution {} of {}: {}{took}, {}{why}",
        e.id,
        e.job_id,
        e.status,
        local_time(when, tz)
    )?;
    for (name, data, cut) in [
        ("stdout", &o.result.stdout, o.result.stdout_truncated),
        ("stderr", &o.result.stderr, o.result.stderr_truncated),
    ] {
        writeln!(out, "==> {name} <==")?;
        if cut {
            writeln!(
                out,
                "[... earlier output cut: only the last {} KiB were kept ...]",
                CAPTURE_BYTES / 1024
            )?;
        }
        if visible {
            out.write_all(&escape::bytes(data, Newlines::Keep))?;
        } else {
            out.write_all(data)?;
        }
        if !data.is_empty() && !data.ends_with(b"\n") {
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}

pub fn prune(args: &PruneArgs, ctx: &Ctx) -> Result<()> {
    let age = parse_duration(&args.older_than)
        .map_err(|e| UsageError::new(format!("--older-than: {e}")))?;
    let Some(mut store) = ctx.store_for_read()? else {
        ctx.say("deleted 0 executions");
        return Ok(());
    };
    let before = chrono::Utc::now() - chrono::Duration::seconds(age as i64);
    let n = store.prune(before)?;
    ctx.say(&format!(
        "deleted {n} execution(s) older than {}",
        args.older_than
    ));
    Ok(())
}
