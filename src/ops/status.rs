//! What `tick status` reports, read from the store: the live runner, jobs
//! by state, the job that fires next and the last failure. How it is
//! shown is `commands/status.rs`'s.

use anyhow::Result;

use crate::model::{Execution, Job, JobState};
use crate::store::{JobFilter, JobStates, RunnerRow, Store};

/// What `tick status` reads from the store.
#[derive(Default)]
pub struct Facts {
    pub runner: Option<RunnerRow>,
    pub states: JobStates,
    pub next: Option<Job>,
    pub failure: Option<Execution>,
}

pub fn facts(store: &dyn Store) -> Result<Facts> {
    Ok(Facts {
        runner: super::runners::live_runner(store)?,
        states: store.job_states()?,
        next: soonest(store)?,
        failure: store.last_failure()?,
    })
}

/// The job with the soonest next run: the first in list order (jobs
/// without a next run come last), read without reading the rest.
fn soonest(store: &dyn Store) -> Result<Option<Job>> {
    #[derive(Debug)]
    struct Found;
    impl std::fmt::Display for Found {
        fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
            f.write_str("found")
        }
    }
    impl std::error::Error for Found {}
    let mut first = None;
    let filter = JobFilter {
        summary: true,
        ..JobFilter::default()
    };
    let walk = store.each_job(filter, &mut |row| match row {
        Ok(job) if job.next_run_at.is_some() && job.state == JobState::Active => {
            first = Some(job);
            // Stop the walk: the rest come later.
            Err(Found.into())
        }
        Ok(_) => Err(Found.into()),
        Err(_) => Ok(()),
    });
    match walk {
        Err(e) if !e.is::<Found>() => Err(e),
        _ => Ok(first),
    }
}
