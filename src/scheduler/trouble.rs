//! When the store fails under a running scheduler: a full disk, a write
//! lock held by another process, a lost database. The runner keeps its
//! children and their results, claims nothing, retries with backoff and
//! says so once per outage; what ended is written when the store is back.
//!
//! One failure is not like the others: the store itself is gone (the jobs
//! file deleted or replaced under the runner). Then the runner stops as on
//! a first SIGTERM (no new fires, running ones finish) and exits with the
//! error, rather than schedule a world no one else can see.

use std::time::{Duration, Instant};

use super::Scheduler;
use crate::store::{CannotUse, LeaseLost, StoreGone};
use crate::units::human_ms;

/// The first retry after a failure, doubling up to the second.
const BACKOFF: (Duration, Duration) = (Duration::from_millis(250), Duration::from_secs(10));
/// How often the store's identity (the jobs file's inode) is checked.
const CHECK_IDENTITY: Duration = Duration::from_millis(500);

/// The store has been failing since `since`.
pub(super) struct Outage {
    since: Instant,
    retry_at: Instant,
    backoff: Duration,
}

impl Scheduler {
    /// A store call failed.
    pub(super) fn trouble(&mut self, e: anyhow::Error) {
        let lease_lost = e.chain().any(|c| c.is::<LeaseLost>());
        if lease_lost || e.chain().any(|c| c.is::<StoreGone>()) {
            if self.fatal.is_none() {
                if lease_lost {
                    // Its claimed fires are the taker's to decide now.
                    self.waiting.clear();
                }
                self.log.error(&format!(
                    "{}; stopping: no new fires, waiting for running jobs",
                    crate::error::chain_text(&e)
                ));
                self.fatal = Some(e);
                self.drain();
            }
            return;
        }
        let now = Instant::now();
        match &mut self.outage {
            Some(o) => {
                o.backoff = (o.backoff * 2).min(BACKOFF.1);
                o.retry_at = now + o.backoff;
            }
            None => {
                let text = crate::error::chain_text(&e);
                let what = if CannotUse::names(&e) {
                    text
                } else {
                    format!("{}: {text}", CannotUse::new(self.store.location()))
                };
                self.log.error(&format!(
                    "{what}; claiming nothing and keeping results of running jobs until it works again (retrying)"
                ));
                self.outage = Some(Outage {
                    since: now,
                    retry_at: now + BACKOFF.0,
                    backoff: BACKOFF.0,
                });
            }
        }
    }

    /// Whether the store may be tried now: no outage, or its retry is due.
    pub(super) fn store_usable(&self) -> bool {
        self.outage
            .as_ref()
            .is_none_or(|o| Instant::now() >= o.retry_at)
    }

    /// When an outage's next retry is due, if there is one.
    pub(super) fn retry_at(&self) -> Option<Instant> {
        self.outage.as_ref().map(|o| o.retry_at)
    }

    /// A write went through: an outage, if any, is over.
    pub(super) fn wrote(&mut self) {
        self.writes += 1;
        if let Some(o) = self.outage.take() {
            self.log.info(&format!(
                "{} works again after {}; results kept meanwhile are written",
                self.store.location(),
                human_ms(o.since.elapsed().as_millis() as i64)
            ));
        }
    }

    /// Every [`CHECK_IDENTITY`], whether the store is still the one opened.
    pub(super) fn check_identity(&mut self) {
        if self.fatal.is_some() || self.identity_checked.elapsed() < CHECK_IDENTITY {
            return;
        }
        self.identity_checked = Instant::now();
        if let Err(e) = self.store.check_identity() {
            self.trouble(e);
        }
    }
}
