//! [`Notices`]: which notification conditions of a job are raised (a run
//! failed, it ran long, it has been silent...), so that each is notified
//! once until it clears, whichever runner sees it, and a restarted runner
//! sends nothing twice. A raise or a clear is one statement whose rows
//! say who changed it: on PostgreSQL, exactly one runner.

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::model::Job;

/// A job watched for silence (`--expect-success-within`), with no
/// `silent` raised yet: when its latest success ended, if it has one.
#[derive(Debug, Clone)]
pub struct Watched {
    pub job: Job,
    pub last_success: Option<DateTime<Utc>>,
}

pub trait Notices {
    /// Raise `condition` of job `job_id` at `at`; `true` when it was not
    /// raised (the caller notifies). With `quiet_since`, only while the
    /// job has no success that ended after it (a dead man's switch
    /// checked against the rows, not a cached time).
    fn raise_notice(
        &mut self,
        job_id: &str,
        condition: &str,
        at: DateTime<Utc>,
        quiet_since: Option<DateTime<Utc>>,
    ) -> Result<bool>;
    /// Clear these conditions of job `job_id`; those that were raised.
    fn clear_notices(&mut self, job_id: &str, conditions: &[&str]) -> Result<Vec<String>>;
    /// Active jobs with `--expect-success-within` and no `silent` raised.
    fn watched_for_silence(&self) -> Result<Vec<Watched>>;
}

/// `$1` job, `$2` condition, `$3` since (ms), `$4` raised only if no
/// success ended after it (ms; `i64::MAX`: always). Both dialects.
pub const RAISE: &str = "INSERT INTO notices (job_id, condition, since)
     SELECT CAST($1 AS TEXT), CAST($2 AS TEXT), CAST($3 AS BIGINT)
     WHERE NOT EXISTS (SELECT 1 FROM executions
                       WHERE job_id = $1 AND status = 'success' AND finished_at > $4)
     ON CONFLICT (job_id, condition) DO NOTHING";

/// `$1` job, then the conditions from `$2` on.
pub fn clear_sql(conditions: usize) -> String {
    let list: Vec<String> = (0..conditions).map(|i| format!("${}", i + 2)).collect();
    format!(
        "DELETE FROM notices WHERE job_id = $1 AND condition IN ({}) RETURNING condition",
        list.join(", ")
    )
}

/// Where [`watched_sql`]'s latest success is: after the job's columns.
pub const LAST_SUCCESS: usize = 9;

/// The watched jobs (`columns` the job's), their latest success last.
pub fn watched_sql(columns: &str) -> String {
    format!(
        "SELECT {columns},
            (SELECT max(finished_at) FROM executions e
             WHERE e.job_id = jobs.id AND e.status = 'success')
         FROM jobs
         WHERE state = 'active' AND options LIKE '%\"expect_success_within\"%'
           AND NOT EXISTS (SELECT 1 FROM notices n
                           WHERE n.job_id = jobs.id AND n.condition = 'silent')"
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_latest_success_follows_the_job_columns() {
        let n = crate::store::rows::JOB_COLUMNS.split(',').count();
        assert_eq!(n, super::LAST_SUCCESS);
    }
}
