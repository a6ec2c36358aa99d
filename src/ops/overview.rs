//! What the web page's overviews read: the jobs a listing selects, each
//! with its newest executions (the jobs page's strip: one query for all
//! the jobs shown, never one per job), and the fires of the next hours
//! over all jobs (the timeline), bounded in jobs and fires.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use super::list::{self, Selection};
use super::Ctx;
use crate::model::{Execution, Job, JobState, LastRun, RunnerState};
use crate::store::{JobFilter, RunnerRow, StateSet};
use crate::trigger::Trigger;

/// One job of [`Board`].
pub struct BoardRow {
    pub job: Job,
    /// Its latest execution.
    pub last: Option<LastRun>,
    /// Its pending retry: (due, attempt).
    pub retry: Option<(DateTime<Utc>, u32)>,
    /// Its newest executions, oldest first (as a strip is drawn).
    pub recent: Vec<Execution>,
}

/// The first jobs a listing selects, with their recent runs.
pub struct Board {
    pub rows: Vec<BoardRow>,
    /// How many jobs the listing selects in all.
    pub total: usize,
    /// Whether a live runner holds the store (see
    /// [`crate::store::RunnerRow::state_at`]).
    pub runner: bool,
    /// The runners registered, newest first (read with the jobs: one
    /// connection for the whole page).
    pub runners: Vec<RunnerRow>,
}

/// The first `shown` jobs `sel` selects, in list order, each with its
/// newest `per_job` executions, read in one query for all of them; and
/// how many it selects in all. No store yet: no jobs.
pub fn board(sel: &Selection, ctx: &Ctx, shown: usize, per_job: usize) -> Result<Board> {
    let filter = list::filter(sel)?;
    let Some(store) = ctx.store_for_read()? else {
        return Ok(Board {
            rows: Vec::new(),
            total: 0,
            runner: false,
            runners: Vec::new(),
        });
    };
    let runners = store.runners()?;
    let now = Utc::now();
    let runner = runners
        .iter()
        .any(|r| r.state_at(now) == RunnerState::Alive);
    let mut rows = Vec::new();
    let mut total = 0usize;
    list::each_in(store.as_ref(), filter, &mut |l| {
        total += 1;
        if rows.len() < shown {
            rows.push(BoardRow {
                job: l.job.clone(),
                last: l.last.cloned(),
                retry: l.retry.copied(),
                recent: Vec::new(),
            });
        }
        Ok(())
    })?;
    let ids: Vec<String> = rows.iter().map(|r| r.job.id.clone()).collect();
    let mut recent: HashMap<String, Vec<Execution>> = HashMap::new();
    for e in store.recent_executions(&ids, per_job)? {
        recent.entry(e.job_id.clone()).or_default().push(e);
    }
    for row in &mut rows {
        if let Some(mut runs) = recent.remove(&row.job.id) {
            runs.sort_by_key(|e| e.id);
            row.recent = runs;
        }
    }
    Ok(Board {
        rows,
        total,
        runner,
        runners,
    })
}

/// One job's fires within the timeline's hours.
pub struct Upcoming {
    pub job: Job,
    /// In order, the first of each stretch of [`Horizon::bucket`] that has
    /// any; the first may be past (overdue: its runner is late, or there is
    /// none).
    pub fires: Vec<DateTime<Utc>>,
    /// Whether a stretch held more than one fire (so `fires` counts less
    /// than all of them).
    pub dense: bool,
}

/// The timeline's bounds: how far ahead, how many jobs, and the stretch
/// of time one tick stands for (a job that fires every second costs a
/// tick a stretch, not 86,400 fires a day).
#[derive(Debug, Clone, Copy)]
pub struct Horizon {
    pub ahead: Duration,
    pub max_jobs: usize,
    pub bucket: Duration,
}

/// The jobs that fire within `h.ahead` of `now`, soonest first (at most
/// `h.max_jobs`), each with its fires in that time, and whether more jobs
/// fire in it than are given. Read in list order (soonest next run
/// first), so the reading stops after `max_jobs` jobs.
pub fn upcoming(ctx: &Ctx, now: DateTime<Utc>, h: Horizon) -> Result<(Vec<Upcoming>, bool)> {
    let Some(store) = ctx.store_for_read()? else {
        return Ok((Vec::new(), false));
    };
    let until = now + h.ahead;
    let filter = JobFilter {
        states: StateSet::of(&[JobState::Active]),
        limit: Some(h.max_jobs + 1),
        summary: true,
        ..JobFilter::default()
    };
    let mut jobs = Vec::new();
    store.each_job(filter, &mut |row| {
        if let Ok(job) = row {
            if job.next_run_at.is_some_and(|n| n < until) {
                jobs.push(job);
            }
        }
        Ok(())
    })?;
    let more = jobs.len() > h.max_jobs;
    jobs.truncate(h.max_jobs);
    let out = jobs
        .into_iter()
        .map(|job| fires_of(job, now, until, h.bucket))
        .collect();
    Ok((out, more))
}

/// A job's fires from its stored next run up to `until`: the first in
/// each `bucket` (two trigger steps a tick at most, whatever its rate).
/// Those after an overdue next run are counted from `now`.
fn fires_of(job: Job, now: DateTime<Utc>, until: DateTime<Utc>, bucket: Duration) -> Upcoming {
    let mut out = Upcoming {
        fires: Vec::new(),
        dense: false,
        job,
    };
    let Some(first) = out.job.next_run_at else {
        return out;
    };
    out.fires.push(first);
    let Ok(trigger) = Trigger::from_spec(&out.job.trigger) else {
        return out;
    };
    let mut next = trigger.next_fire(first.max(now));
    while let Some(t) = next.filter(|t| *t < until) {
        let end = *out.fires.last().unwrap_or(&t) + bucket;
        if t < end {
            // Another fire in the last tick's stretch: skip to the next.
            out.dense = true;
            next = trigger.next_fire(end - Duration::seconds(1));
            continue;
        }
        out.fires.push(t);
        next = trigger.next_fire(t);
    }
    out
}
