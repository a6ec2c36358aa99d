//! The jobs a listing selects, in list order, one at a time (`tick list`,
//! `GET /api/v1/jobs`, the jobs page). The selection is the store's query
//! (see [`JobFilter`]), not a sieve here.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::Ctx;
use crate::model::{Job, JobState, LastRun};
use crate::store::{JobFilter, StateSet, Store};

/// Which jobs: these states (none given: active and paused, with `all`
/// finished too), a name matching a glob, at most `limit`; `whole` reads
/// every field (else a summary of each, enough for a table).
#[derive(Debug, Clone, Default)]
pub struct Selection {
    pub states: Vec<JobState>,
    pub all: bool,
    pub name: Option<String>,
    pub limit: Option<usize>,
    pub whole: bool,
}

/// One job of a listing.
pub struct Listed<'a> {
    pub job: &'a Job,
    /// Its latest execution.
    pub last: Option<&'a LastRun>,
    /// Its pending retry: (due, attempt).
    pub retry: Option<&'a (DateTime<Utc>, u32)>,
}

/// The jobs `sel` selects, in list order, handed to `f` one at a time.
/// Returns the store (if there is one), so that a caller can leave closing
/// it to the process's exit.
pub fn each(
    sel: &Selection,
    ctx: &Ctx,
    f: &mut dyn FnMut(Listed) -> Result<()>,
) -> Result<Option<Box<dyn Store>>> {
    let filter = filter(sel)?;
    let Some(store) = ctx.store_for_read()? else {
        return Ok(None);
    };
    each_in(store.as_ref(), filter, f)?;
    Ok(Some(store))
}

/// The store's query for `sel`.
pub fn filter(sel: &Selection) -> Result<JobFilter> {
    let states = if !sel.states.is_empty() {
        StateSet::of(&sel.states)
    } else if sel.all {
        StateSet::ALL
    } else {
        StateSet::UNFINISHED
    };
    Ok(JobFilter {
        states,
        name: sel.name.as_deref().map(super::name_glob).transpose()?,
        limit: sel.limit,
        summary: !sel.whole,
        any_order: false,
    })
}

/// [`each`] on an open store, with its query.
pub fn each_in(
    store: &dyn Store,
    filter: JobFilter,
    f: &mut dyn FnMut(Listed) -> Result<()>,
) -> Result<()> {
    let retries: HashMap<String, (DateTime<Utc>, u32)> = store
        .pending_retries()?
        .into_iter()
        // Attempt 1: a `tick backfill` fire, not a retry.
        .filter(|(_, _, attempt)| *attempt > 1)
        .map(|(job, due, attempt)| (job, (due, attempt)))
        .collect();
    store.each_listed(filter, &mut |row, last| {
        match row {
            Ok(job) => f(Listed {
                job: &job,
                last: last.as_ref(),
                retry: retries.get(&job.id),
            })?,
            Err(e) => eprintln!("warning: {e}"),
        }
        Ok(())
    })
}
