//! `tick copy FROM TO [--history] [--replace]`: every job (and execution)
//! from one store to another, file or PostgreSQL, in one transaction of
//! the target: all or nothing.

use anyhow::Result;

use super::Ctx;
use crate::cli::CopyArgs;
use crate::error::UsageError;
use crate::store::{Folder, HistoryFilter, Location, Output};

pub fn run(args: &CopyArgs, ctx: &Ctx) -> Result<()> {
    let from = Location::given(&args.from)?;
    let to = Location::given(&args.to)?;
    if from == to {
        return Err(UsageError::new(format!("FROM and TO are the same store ({from})")).into());
    }
    let Some(source) = from.open_existing()? else {
        return Err(
            UsageError::new(format!("nothing to copy: there is no store at {from}")).into(),
        );
    };
    let mut jobs = Vec::new();
    for row in source.jobs()? {
        // A row that cannot be read cannot be copied faithfully.
        jobs.push(row.map_err(|bad| {
            UsageError::new(format!(
                "{bad}; mend or remove it in {from}; nothing was copied"
            ))
        })?);
    }
    // Ids as `tick add --id` takes them (not `.` or `..`, say), whatever
    // wrote FROM.
    for job in &jobs {
        crate::args::job_options::validate_id(&job.id).map_err(|e| {
            UsageError::new(format!(
                "{from} has a job tick does not take: {e}; remove it there (tick remove) and add it again with a valid id; nothing was copied"
            ))
        })?;
    }
    let mut history: Vec<Output> = Vec::new();
    if args.history {
        // Oldest first, so that the copies keep their order.
        let mut execs = source.history(&HistoryFilter::newest(usize::MAX))?;
        execs.reverse();
        for e in execs {
            history.push(source.output(&e.job_id, Some(e.id))?);
        }
    }
    drop(source);
    let mut target = to.open_or_create(Folder::MustExist)?;
    let n = target.copy_in(&jobs, &history, args.replace)?;
    let executions = if args.history {
        format!(" and {n} execution(s)")
    } else {
        String::new()
    };
    ctx.say(&format!(
        "copied {} job(s){executions} from {from} to {to}",
        jobs.len()
    ));
    Ok(())
}
