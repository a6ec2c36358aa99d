//! `tick list`: the jobs table (APScheduler's print_jobs for a terminal).

use std::io::Write;

use anyhow::Result;

use super::Ctx;
use crate::cli::ListArgs;
use crate::model::{Job, JobState};
use crate::output;

pub fn run(args: &ListArgs, ctx: &Ctx) -> Result<()> {
    let now = ctx.now();
    let (mut jobs, last) = match ctx.store_for_read()? {
        None => (Vec::new(), Default::default()),
        Some(store) => {
            let mut jobs = Vec::new();
            for row in store.jobs()? {
                match row {
                    Ok(job) => jobs.push(job),
                    Err(e) => eprintln!("warning: {e}"),
                }
            }
            (jobs, store.last_executions()?)
        }
    };
    jobs.retain(|j| args.all || j.state != JobState::Finished);
    // Soonest next run first; jobs without one after, by id.
    jobs.sort_by(|a: &Job, b: &Job| match (a.next_run_at, b.next_run_at) {
        (Some(x), Some(y)) => x.cmp(&y).then_with(|| a.id.cmp(&b.id)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.id.cmp(&b.id),
    });
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let items: Vec<_> = jobs
            .iter()
            .map(|j| output::JobJson::new(j, last.get(&j.id)))
            .collect();
        output::write_json(&mut out, &items)?;
    } else if jobs.is_empty() {
        if !ctx.quiet {
            writeln!(
                out,
                "No jobs. Add one with: tick add cron '0 3 * * *' -- backup.sh"
            )?;
        }
    } else {
        output::jobs_table(&jobs, &last, now, ctx.color).write(&mut out, "")?;
    }
    out.flush()?;
    Ok(())
}
