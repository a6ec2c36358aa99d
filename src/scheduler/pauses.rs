//! Pauses that end by themselves (`tick pause --until`): the earliest end
//! among paused jobs, read again only when the store's version moves or it
//! sends news (like `due.rs`), and the resuming of those whose end came.

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::Scheduler;
use crate::model::JobState;
use crate::store::{JobFilter, StateSet, Store, Version};

#[derive(Debug, Default)]
pub(super) struct PauseEnds {
    /// The earliest end and the paused jobs ending then or before it, as
    /// read at this version.
    seen: Option<(Version, Option<DateTime<Utc>>)>,
}

impl PauseEnds {
    /// The earliest `--until` of a paused job, read again only when it may
    /// have changed.
    pub fn earliest(&mut self, store: &dyn Store) -> Result<Option<DateTime<Utc>>> {
        let version = store.version()?;
        if let Some((v, at)) = &self.seen {
            if *v == version {
                return Ok(*at);
            }
        }
        let at = ending(store, None)?.into_iter().map(|(_, at)| at).min();
        self.seen = Some((version, at));
        Ok(at)
    }

    /// The store's news: another process may have paused or resumed jobs.
    pub fn news(&mut self) {
        self.seen = None;
    }
}

/// The paused jobs with an end (by `by` when given), with it.
fn ending(store: &dyn Store, by: Option<DateTime<Utc>>) -> Result<Vec<(String, DateTime<Utc>)>> {
    let filter = JobFilter {
        states: StateSet::of(&[JobState::Paused]),
        any_order: true,
        ..JobFilter::default()
    };
    let mut found = Vec::new();
    store.each_job(filter, &mut |row| {
        if let Some(at) = row
            .ok()
            .and_then(|job| job.paused_until().map(|at| (job.id, at)))
        {
            if by.is_none_or(|by| at.1 <= by) {
                found.push(at);
            }
        }
        Ok(())
    })?;
    Ok(found)
}

impl Scheduler {
    /// Resume the paused jobs whose `--until` has come; a store's failure
    /// is the loop's trouble.
    pub(super) fn resume_paused(&mut self, now: DateTime<Utc>) {
        if let Err(e) = self.resume_due(now) {
            self.trouble(e);
        }
    }

    /// [`Scheduler::resume_paused`], in one transaction that checks each
    /// job again: another runner may have resumed it first.
    fn resume_due(&mut self, now: DateTime<Utc>) -> Result<()> {
        match self.pause_ends.earliest(self.store.as_ref())? {
            Some(at) if at <= now => {}
            _ => return Ok(()),
        }
        let ids: Vec<String> = ending(self.store.as_ref(), Some(now))?
            .into_iter()
            .map(|(id, _)| id)
            .collect();
        let mut resumed = Vec::new();
        self.store.update_jobs(Some(&ids), &mut |job| {
            if job.paused_until().is_some_and(|at| at <= now) {
                job.resume(now).map_err(anyhow::Error::msg)?;
                resumed.push(job.id.clone());
            }
            Ok(())
        })?;
        for id in resumed {
            self.log
                .info(&format!("job {id} resumed: its pause --until came"));
        }
        self.pause_ends.news();
        self.due.news();
        Ok(())
    }
}
