//! The output so far of children that run a while, written to the store
//! about once a second, so that `tick logs --follow` shows it as it comes.
//! Best effort: a failed write is retried with the next output, never an
//! outage. A child that ends within its first second costs nothing here.

use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::Scheduler;
use crate::model::RunResult;

/// How often the output so far is written, and how long a child runs
/// before its output is.
const EVERY: Duration = Duration::from_secs(1);

impl Scheduler {
    pub(super) fn write_output_so_far(&mut self, now: DateTime<Utc>) {
        if self.output_written.elapsed() < EVERY || !self.store_usable() {
            return;
        }
        self.output_written = Instant::now();
        let after = chrono::Duration::from_std(EVERY).unwrap_or_default();
        let so_far: Vec<(i64, RunResult)> = self
            .running
            .iter()
            .filter(|(_, r)| now - r.watch.started >= after)
            .filter_map(|(id, r)| Some((*id, r.child.so_far.changed()?)))
            .collect();
        if so_far.is_empty() {
            return;
        }
        let rows: Vec<(i64, &RunResult)> = so_far.iter().map(|(id, r)| (*id, r)).collect();
        match self.store.record_output_so_far(&rows) {
            Ok(()) => self.writes += 1,
            Err(e) => self.log.debug(&format!(
                "could not write the output so far: {}",
                crate::error::chain_text(&e)
            )),
        }
    }
}
