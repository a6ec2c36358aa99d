//! `tick history` and `tick prune`: reading and trimming the execution
//! table (`tick logs` is in `logs.rs`); history's filters are the store's
//! query (see [`HistoryFilter`]). Times are shown in your zone
//! (`$TZ`, else the system's): history spans jobs, some of them removed.

use std::io::Write;

use anyhow::Result;

use super::trigger::resolve_tz;
use super::Ctx;
use crate::cli::{HistoryArgs, PruneArgs};
use crate::error::UsageError;
use crate::model::Execution;
use crate::output;
use crate::store::{HistoryFilter, Store};
use crate::trigger::input::parse_duration;

pub(super) fn unknown(id: &str) -> UsageError {
    UsageError::missing(format!(
        "unknown job '{id}': no job or history has that id, and no job that name (see 'tick list --all')"
    ))
}

/// The job's id: one with history (the job may be removed since), or
/// the id or unique name of a job.
pub(super) fn known(store: &mut dyn Store, given: &str) -> Result<String> {
    super::job_id_with_history(store, given).map_err(|e| match e.downcast::<UsageError>() {
        Ok(u) if u == UsageError::unknown_job(given) => unknown(given).into(),
        Ok(u) => u.into(),
        Err(e) => e,
    })
}

/// The executions `args` select, newest first (the HTTP API's too).
pub fn executions(args: &HistoryArgs, ctx: &Ctx) -> Result<Vec<Execution>> {
    let name = args.name.as_deref().map(super::name_glob).transpose()?;
    Ok(match ctx.store_for_read()? {
        None => match &args.id {
            Some(id) => return Err(unknown(id).into()),
            None => Vec::new(),
        },
        Some(mut store) => {
            let id = match &args.id {
                Some(given) => Some(known(store.as_mut(), given)?),
                None => None,
            };
            store.history(&HistoryFilter {
                job_id: id.as_deref(),
                name: name.as_ref(),
                status: args.status,
                limit: args.limit,
            })?
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
