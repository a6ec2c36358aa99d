//! `tick backfill ID --from --to [--dry-run] [--overlap queue|allow]`:
//! the job's past fires without an execution, run by a runner (or listed).

use anyhow::Result;

use super::Ctx;
use crate::cli::BackfillArgs;
use crate::error::UsageError;
use crate::ops::backfill::Range;
use crate::trigger::input::parse_datetime;

pub fn run(args: &BackfillArgs, ctx: &Ctx) -> Result<()> {
    let together = match args.overlap.as_deref() {
        None => false,
        Some(p) if p.eq_ignore_ascii_case("queue") => false,
        Some(p) if p.eq_ignore_ascii_case("allow") => true,
        Some(p) => {
            return Err(UsageError::new(format!(
                "invalid --overlap {p:?} for backfill: queue (one after another, the default) or allow (all at once)"
            ))
            .into())
        }
    };
    // Times without a zone are read in the job's zone: the job first.
    let (_, job) = ctx.store_with_job(&args.id)?;
    let tz = crate::output::job_tz(&job);
    let when = |flag: &str, text: &str| {
        if flag == "--to" && text.eq_ignore_ascii_case("now") {
            return Ok(ctx.now());
        }
        parse_datetime(text, tz).map_err(|e| UsageError::new(format!("{flag}: {e}")))
    };
    let (from, to) = (when("--from", &args.from)?, when("--to", &args.to)?);
    if from >= to {
        return Err(UsageError::new(format!(
            "--from '{}' is not before --to '{}'",
            args.from, args.to
        ))
        .into());
    }
    if to > ctx.now() {
        return Err(UsageError::new(format!(
            "--to '{}' is in the future; backfill runs past fires (the schedule runs the others)",
            args.to
        ))
        .into());
    }
    let range = Range {
        from,
        to,
        dry_run: args.dry_run,
        together,
    };
    let (job, fires) = crate::ops::backfill::backfill(ctx, &job.id, &range)?;
    let verb = if args.dry_run { "would run" } else { "runs" };
    if fires.is_empty() {
        println!("nothing to backfill: every fire of job {} in the range has an execution or waits for one", job.id);
        return Ok(());
    }
    println!("a runner {verb} {} fire(s) of job {}:", fires.len(), job.id);
    for t in fires {
        println!("  {}", t.with_timezone(&tz).to_rfc3339());
    }
    Ok(())
}
