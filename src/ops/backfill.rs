//! `tick backfill`: the past fires of a job's trigger in a range that
//! have no execution, stored for a runner to run (see
//! `store/backfill.rs`), or only listed.

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::Ctx;
use crate::error::{Conflict, UsageError};
use crate::model::{Job, BACKFILL_TOGETHER};
use crate::trigger::Trigger;

/// The most fires one backfill looks at.
pub const MAX_FIRES: usize = 10_000;

/// What to backfill: fires after `from`, up to `to`.
pub struct Range {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
    /// List only.
    pub dry_run: bool,
    /// All at once (`--overlap allow`) rather than one after another.
    pub together: bool,
}

/// The job, and its fires in the range that had no execution: stored for
/// a runner (or, with `dry_run`, listed), oldest first.
pub fn backfill(ctx: &Ctx, given: &str, range: &Range) -> Result<(Job, Vec<DateTime<Utc>>)> {
    let (mut store, job) = ctx.store_with_job(given)?;
    let fires = fires(&job, range)?;
    let unrun = store.unrun(&job.id, &fires)?;
    if range.dry_run || unrun.is_empty() {
        return Ok((job, unrun));
    }
    if super::runners::live_runner(store.as_ref())?.is_none() {
        return Err(Conflict("no runner is running: start `tick run`".into()).into());
    }
    let pace = if range.together { BACKFILL_TOGETHER } else { 0 };
    let stored = store.backfill(&job.id, &unrun, pace)?;
    Ok((job, stored))
}

/// Every fire of the job's trigger after `from`, up to `to`.
fn fires(job: &Job, range: &Range) -> Result<Vec<DateTime<Utc>>> {
    let trigger = Trigger::from_spec(&job.trigger)?;
    let mut out = Vec::new();
    let mut next = trigger.next_fire(range.from);
    while let Some(t) = next.filter(|t| *t <= range.to) {
        if out.len() == MAX_FIRES {
            return Err(UsageError::new(format!(
                "the range holds more than {MAX_FIRES} fires of job '{}'; backfill a shorter one",
                job.id
            ))
            .into());
        }
        out.push(t);
        next = trigger.next_fire(t);
    }
    Ok(out)
}
