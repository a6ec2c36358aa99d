//! `tick history` and `tick prune`: reading and trimming the execution
//! table (`tick logs` is in `logs.rs`); what history selects is
//! `ops::history`'s. Times are shown in your zone
//! (`$TZ`, else the system's): history spans jobs, some of them removed.

use std::io::Write;

use anyhow::Result;

use super::Ctx;
use crate::args::trigger::resolve_tz;
use crate::cli::{HistoryArgs, PruneArgs};
use crate::error::UsageError;
use crate::ops;
use crate::output;
use crate::trigger::input::parse_duration;

pub fn history(args: &HistoryArgs, ctx: &Ctx) -> Result<()> {
    let tz = resolve_tz(None)?;
    let sel = crate::args::history_selection(args);
    // Flags are checked before the store is looked for.
    sel.name.as_deref().map(ops::name_glob).transpose()?;
    let execs = ops::history::executions_in(&sel, ctx.store_to_read()?.as_mut())?;
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
        let mut t = output::executions_table(&execs, tz, ctx.color, args.id.is_none(), args.wide);
        if let Some(width) = super::terminal_width().filter(|_| !args.wide) {
            t.fit_named(width, output::EXECUTIONS_FIT);
        }
        t.write(&mut out, "")?;
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
