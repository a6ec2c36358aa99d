//! `tick list`: the jobs table (APScheduler's print_jobs for a terminal),
//! soonest next run first, fitted to the terminal's width (piped, whole).
//! Jobs are streamed from the store one at a time.

use std::io::Write;

use anyhow::Result;
use serde::ser::{SerializeSeq, Serializer};

use super::Ctx;
use crate::cli::ListArgs;
use crate::output;
use crate::store::JobFilter;

pub fn run(args: &ListArgs, ctx: &Ctx) -> Result<()> {
    let now = ctx.now();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let store = ctx.store_for_read()?;
    let runner = super::status::runner_note(ctx, store.as_deref())?;
    let last = match &store {
        Some(s) => s.last_executions()?,
        None => Default::default(),
    };
    let retries: std::collections::HashMap<String, (chrono::DateTime<chrono::Utc>, u32)> =
        match &store {
            Some(s) => s
                .pending_retries()?
                .into_iter()
                .map(|(job, due, attempt)| (job, (due, attempt)))
                .collect(),
            None => Default::default(),
        };
    let warn = |e: crate::store::BadRow| eprintln!("warning: {e}");
    if args.json {
        let mut ser = serde_json::Serializer::pretty(&mut out);
        let mut seq = ser.serialize_seq(None)?;
        if let Some(store) = &store {
            let filter = JobFilter {
                finished: args.all,
                summary: false,
            };
            store.each_job(filter, &mut |row| {
                match row {
                    Ok(job) => {
                        seq.serialize_element(&output::JobJson::new(&job, last.get(&job.id)))?
                    }
                    Err(e) => warn(e),
                }
                Ok(())
            })?;
        }
        seq.end()?;
        writeln!(out)?;
    } else {
        let mut table = output::jobs_table(ctx.color);
        let mut rows = 0usize;
        if let Some(store) = &store {
            let filter = JobFilter {
                finished: args.all,
                summary: true,
            };
            store.each_job(filter, &mut |row| {
                match row {
                    Ok(job) => {
                        output::job_row(
                            &mut table,
                            &job,
                            last.get(&job.id),
                            retries.get(&job.id),
                            now,
                            runner,
                        );
                        rows += 1;
                    }
                    Err(e) => warn(e),
                }
                Ok(())
            })?;
        }
        if rows > 0 {
            if let Some(width) = terminal_width().filter(|_| !args.wide) {
                table.fit(width, output::JOBS_FIT);
            }
            table.write(&mut out, "")?;
        } else if !ctx.quiet {
            writeln!(
                out,
                "No jobs. Add one with: tick add cron '0 3 * * *' -- backup.sh"
            )?;
        }
    }
    out.flush()?;
    // Nothing was written: leave freeing SQLite's page cache (thousands of
    // pages, a visible share of a large listing) to the process's exit.
    std::mem::forget(store);
    Ok(())
}

/// The width to fit the table into: stdout's terminal (`$COLUMNS` first,
/// as `ls` reads it), or `None` when stdout is not a terminal.
fn terminal_width() -> Option<usize> {
    use std::io::IsTerminal;
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    columns
        .or_else(|| terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0 as usize))
        .filter(|w| *w > 0)
        .or(Some(80))
}
