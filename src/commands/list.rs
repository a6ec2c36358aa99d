//! `tick list`: the jobs table (APScheduler's print_jobs for a terminal),
//! soonest next run first, fitted to the terminal's width (piped, whole).
//! Jobs are streamed from the store one at a time; `--state`, `--name` and
//! `--limit` are the store's query (`ops::list`), not a sieve here.

use std::io::Write;

use anyhow::Result;
use serde::ser::{SerializeSeq, Serializer};

use super::Ctx;
use crate::cli::ListArgs;
use crate::ops::list::{self, each_in};
use crate::output;
use crate::store::JobFilter;

pub fn run(args: &ListArgs, ctx: &Ctx) -> Result<()> {
    let filter = list::filter(&crate::args::list_selection(args))?;
    let now = ctx.now();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    let store = ctx.store_to_read()?;
    let runner = super::status::runner_note(ctx, Some(store.as_ref()))?;
    if args.json {
        let mut ser = serde_json::Serializer::pretty(&mut out);
        let mut seq = ser.serialize_seq(None)?;
        each_in(store.as_ref(), filter, &mut |listed| {
            Ok(seq.serialize_element(&output::JobJson::new(listed.job, listed.last))?)
        })?;
        seq.end()?;
        writeln!(out)?;
    } else {
        let filtered = !args.state.is_empty() || args.name.is_some() || args.limit.is_some();
        let mut table = output::jobs_table(ctx.color);
        // The table holds every row anyway: the store may hand them over
        // in any order, and they are put in list order here.
        let mut order = Vec::new();
        let filter = JobFilter {
            any_order: true,
            ..filter
        };
        each_in(store.as_ref(), filter, &mut |listed| {
            output::job_row(
                &mut table,
                listed.job,
                listed.last,
                listed.retry,
                now,
                runner,
            );
            let next = listed.job.next_run_at;
            order.push((next.is_none(), next, listed.job.id.clone()));
            Ok(())
        })?;
        let rows = order.len();
        table.sort_rows(&order);
        if rows > 0 {
            if let Some(width) = super::terminal_width().filter(|_| !args.wide) {
                table.fit(width, output::JOBS_FIT);
            }
            table.write(&mut out, "")?;
        } else if ctx.quiet {
        } else if filtered {
            writeln!(out, "No jobs match.")?;
        } else {
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
