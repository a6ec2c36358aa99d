//! The runner's lease: renewed every sixth of its length; expired runners
//! looked for as often, and at least every 2 s. Another runner
//! declares a runner whose lease ran out (or whose process is gone)
//! expired and takes over what it left: its running executions end
//! `interrupted` (their process groups ended where they are on this host),
//! its claimed but unstarted fires go back to be decided again by the
//! misfire rules. A runner that finds its own lease taken over stops
//! claiming, gives up its waiting fires (they are the taker's now) and
//! exits with an error once its running children have ended.

use std::time::Instant;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::events::Done;
use super::Scheduler;
use crate::executor::KILL_AFTER;
use crate::model::{JobOptions, Status};
use crate::store::{LeaseLost, RunnerRow};

/// Expired runners are looked for at least this often.
const LOOK_EVERY: std::time::Duration = std::time::Duration::from_secs(2);

impl Scheduler {
    /// Renew the lease every sixth of it, and look for expired runners as
    /// often and at least every [`LOOK_EVERY`], so that a dead runner is
    /// taken over within its lease plus 2 s (SPEC §8) whatever the lease.
    /// Looking only reads unless someone expired.
    pub(super) fn keep_lease(&mut self) {
        let Some(id) = self.cfg.owner.runner else {
            return;
        };
        let renew = self.cfg.lease / 6;
        if self.fatal.is_some() || self.lease_looked.elapsed() < renew.min(LOOK_EVERY) {
            return;
        }
        self.lease_looked = Instant::now();
        if self.lease_renewed.elapsed() >= renew {
            match self.store.renew_lease(id) {
                Ok(true) => self.lease_renewed = Instant::now(),
                Ok(false) => return self.trouble(LeaseLost.into()),
                Err(e) => return self.trouble(e),
            }
        }
        if let Err(e) = self.take_over(self.clock.now()) {
            self.trouble(e);
        }
    }

    /// Declare expired runners (lease out, or process gone from this host)
    /// and take over what they left.
    pub(super) fn take_over(&mut self, now: DateTime<Utc>) -> Result<()> {
        let host = &self.cfg.host;
        let newly = self.store.expire_runners(host, &crate::process::alive)?;
        for r in &newly {
            self.log.warn(&format!(
                "runner {} (pid {} on {}) expired: last renewed {}",
                r.name,
                r.pid,
                r.host,
                r.renewed_at.to_rfc3339()
            ));
        }
        // Whoever declared them expired, their executions are left to
        // whichever runner comes next.
        let expired: Vec<RunnerRow> = self
            .store
            .runners()?
            .into_iter()
            .filter(|r| r.state == "expired")
            .collect();
        self.recover(now, &expired)
    }

    /// Executions of dead owners: those of processes of this machine that
    /// are gone, of owners from before identities were recorded, and of the
    /// `expired` runners (a runner on another host is known dead only by
    /// its lease).
    pub(super) fn recover(&mut self, now: DateTime<Utc>, expired: &[RunnerRow]) -> Result<()> {
        let me = &self.cfg.owner.process;
        let dead: Vec<_> = self
            .store
            .running_executions()?
            .into_iter()
            .filter(|r| match r.owner.as_deref() {
                None => true,
                Some(o) if o == me => false,
                Some(o) => crate::process::gone_here(o) || expired.iter().any(|x| x.process == o),
            })
            .collect();
        if dead.is_empty() {
            return Ok(());
        }
        let (started, unstarted): (Vec<_>, Vec<_>) = dead.into_iter().partition(|r| r.started);
        if !unstarted.is_empty() {
            let ids: Vec<i64> = unstarted.iter().map(|r| r.execution_id).collect();
            let n = self.store.release_unstarted(&ids)?;
            self.next_due = None;
            self.log.info(&format!(
                "{n} fire(s) a previous runner claimed but never started will be decided again"
            ));
        }
        if started.is_empty() {
            return Ok(());
        }
        let groups: Vec<(i32, i64)> = started
            .iter()
            .filter_map(|r| Some((r.pid?, r.execution_id)))
            .collect();
        let grace = KILL_AFTER.to_std().unwrap_or_default();
        let ended = crate::process::end_orphan_groups(&groups, grace);
        if ended > 0 {
            self.log.warn(&format!(
                "ended {ended} process(es) a previous runner left running"
            ));
        }
        let ids: Vec<i64> = started.iter().map(|r| r.execution_id).collect();
        let n = self.store.interrupt(&ids, now)?;
        self.log.warn(&format!(
            "marked {n} execution(s) of a previous runner as interrupted"
        ));
        let options = JobOptions::default();
        for r in &started {
            self.emit(&Done {
                job_id: &r.job_id,
                job_name: r.job_name.as_deref(),
                command: &r.command,
                options: &options,
                execution_id: Some(r.execution_id),
                status: Status::Interrupted,
                result: None,
                scheduled_at: r.scheduled_at,
                duration_ms: None,
                attempt: 1,
                retry_of: None,
                reason: None,
            });
        }
        Ok(())
    }
}
