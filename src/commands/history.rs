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
use crate::model::{Execution, RunResult};
use crate::output::{self, local_time};
use crate::store::Store;
use crate::trigger::input::parse_duration;
use crate::units::human_ms;

fn unknown(id: &str) -> UsageError {
    UsageError::new(format!(
        "unknown job id '{id}': no such job and no history (see 'tick list --all')"
    ))
}

/// A job id is known if the job exists or has history (it may be removed).
fn check_known(store: &mut dyn Store, id: &str) -> Result<()> {
    if store.has_history(id)? || store.job(id).is_ok() {
        Ok(())
    } else {
        Err(unknown(id).into())
    }
}

/// The executions `args` select, newest first (the HTTP API's too).
pub fn executions(args: &HistoryArgs, ctx: &Ctx) -> Result<Vec<Execution>> {
    Ok(match ctx.store_for_read()? {
        None => match &args.id {
            Some(id) => return Err(unknown(id).into()),
            None => Vec::new(),
        },
        Some(mut store) => {
            if let Some(id) = &args.id {
                check_known(store.as_mut(), id)?;
            }
            store.history(args.id.as_deref(), args.status, args.limit)?
        }
    })
}

pub fn history(args: &HistoryArgs, ctx: &Ctx) -> Result<()> {
    let tz = resolve_tz(None)?;
    let execs = executions(args, ctx)?;
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

/// The execution `args` names (or the job's latest) and its captured
/// output (the HTTP API's and page's too).
pub fn captured(args: &LogsArgs, ctx: &Ctx) -> Result<(Execution, RunResult)> {
    let mut store = ctx.store_for_read()?.ok_or_else(|| unknown(&args.id))?;
    check_known(store.as_mut(), &args.id)?;
    let o = store.output(&args.id, args.execution)?;
    match o.execution {
        Some(e) => Ok((e, o.result)),
        None => Err(match args.execution {
            Some(n) => UsageError::new(format!(
                "job '{}' has no execution {n} (see 'tick history {}')",
                args.id, args.id
            )),
            None => UsageError::new(format!("job '{}' has not run yet", args.id)),
        }
        .into()),
    }
}

pub fn logs(args: &LogsArgs, ctx: &Ctx) -> Result<()> {
    let tz = resolve_tz(None)?;
    let (e, result) = captured(args, ctx)?;
    // On a terminal a job's output could set the title or fake lines:
    // show its control characters escaped there, unless --raw.
    let visible = !args.raw && std::io::stdout().is_terminal();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let when = e.started_at.unwrap_or(e.scheduled_at);
    let took = e
        .duration_ms()
        .map(|d| format!(" in {}", human_ms(d)))
        .unwrap_or_default();
    writeln!(
        out,
        "execution {} of {}: {}{took}, {}",
        e.id,
        e.job_id,
        e.status,
        local_time(when, tz)
    )?;
    for (name, data, cut) in [
        ("stdout", &result.stdout, result.stdout_truncated),
        ("stderr", &result.stderr, result.stderr_truncated),
    ] {
        writeln!(out, "==> {name} <==")?;
        if cut {
            writeln!(out, "{}", cut_marker())?;
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

/// The line shown before a stream whose beginning was cut (here and on
/// the web page).
pub fn cut_marker() -> String {
    format!(
        "[... earlier output cut: only the last {} KiB were kept ...]",
        CAPTURE_BYTES / 1024
    )
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
