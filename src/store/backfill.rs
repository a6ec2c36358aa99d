//! [`Backfills`]: `tick backfill`'s past fires, stored for a runner to
//! claim. Each is a row of the `retries` table of attempt 1 (a retry is
//! attempt 2 or more): it is due at once, and a runner claims it as it
//! claims a retry (the row goes, an execution row of its scheduled time
//! comes, in one transaction), so none runs twice, whichever runner takes
//! it. Its `retry_of` holds the pace ([`crate::model::BACKFILL_TOGETHER`]
//! or one after another). No fire with an execution, or already waiting,
//! is stored again: a second backfill of a range finds nothing.

use anyhow::Result;
use chrono::{DateTime, Utc};

pub trait Backfills {
    /// Of `fires` of job `job_id`, those with no execution and not waiting
    /// to run yet.
    fn unrun(&self, job_id: &str, fires: &[DateTime<Utc>]) -> Result<Vec<DateTime<Utc>>>;
    /// Store `fires` of job `job_id` for a runner to run (`pace`: the
    /// `retry_of` of each row), in one transaction; those stored (none
    /// that has an execution or waits already, even if a concurrent
    /// backfill stored it a moment ago).
    fn backfill(
        &mut self,
        job_id: &str,
        fires: &[DateTime<Utc>],
        pace: i64,
    ) -> Result<Vec<DateTime<Utc>>>;
}

/// `$1` job, `$2` scheduled time (ms): how many executions and waiting
/// rows it has. Both dialects.
pub const TAKEN: &str =
    "SELECT (SELECT count(*) FROM executions WHERE job_id = $1 AND scheduled_at = $2)
      + (SELECT count(*) FROM retries WHERE job_id = $1 AND due_at = $2)";

/// `$1` job, `$2` scheduled time (ms), `$3` pace: one fire stored, unless
/// it has an execution or waits already. Both dialects.
pub const STORE: &str = "INSERT INTO retries (job_id, due_at, attempt, retry_of)
     SELECT CAST($1 AS text), CAST($2 AS bigint), 1, CAST($3 AS bigint)
     WHERE NOT EXISTS (SELECT 1 FROM executions WHERE job_id = $1 AND scheduled_at = $2)
     ON CONFLICT (job_id, due_at) DO NOTHING";
