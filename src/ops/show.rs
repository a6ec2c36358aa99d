//! One job in full: every field, its last 10 executions and next 5 fires
//! (`tick show`, `GET /api/v1/jobs/{id}`, the job's page).

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::Ctx;
use crate::model::{Execution, Job, JobState};
use crate::store::Store;
use crate::trigger::Trigger;

/// What is shown of a job.
pub struct Details {
    pub job: Job,
    /// Whether a live runner holds the store (else a past next run is
    /// overdue: nothing will run it).
    pub runner: bool,
    /// The last 10, newest first.
    pub executions: Vec<Execution>,
    /// The next 5 fire times.
    pub fires: Vec<DateTime<Utc>>,
}

/// A job, its last 10 executions and next 5 fires; an unknown id is a
/// usage error.
pub fn details(id: &str, ctx: &Ctx) -> Result<Details> {
    let (store, job) = ctx.store_with_job(id)?;
    details_in(store.as_ref(), job, ctx.now())
}

/// [`details`] of a job already read from an open store.
pub fn details_in(store: &dyn Store, job: Job, now: DateTime<Utc>) -> Result<Details> {
    let runner = super::runners::live_runner(store)?.is_some();
    let executions = store.executions_of(&job.id, 10)?;
    // Upcoming fires continue from the stored next run (or now when paused).
    let fires = match Trigger::from_spec(&job.trigger) {
        Ok(t) if job.state != JobState::Finished => {
            let mut fires: Vec<_> = job.next_run_at.into_iter().collect();
            let from = job.next_run_at.unwrap_or(now);
            fires.extend(t.fires_after(from, 5 - fires.len()));
            fires
        }
        _ => Vec::new(),
    };
    Ok(Details {
        job,
        runner,
        executions,
        fires,
    })
}
