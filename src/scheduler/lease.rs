//! The runner's lease, and what each fire's once-only start rests on.
//!
//! - Renewed every sixth of its length; a renewal that did not go through
//!   is tried again at every wake-up (at most every [`RENEW_RETRY`]) until
//!   it does, not only at the next look.
//! - **Fencing**: a runner claims and spawns only within half its lease of
//!   the moment it sent its last renewal that went through, by its own
//!   clock that never steps and counts a suspend (`CLOCK_BOOTTIME`). No
//!   other runner declares it expired before a whole lease has passed on
//!   that runner's clock without a renewal seen ([`Lapses`]), so a runner
//!   frozen (SIGSTOP, a suspended VM) past its lease never spawns a fire
//!   after it thaws.
//! - Expired runners are looked for as often as the renewal, and at least
//!   every 2 s. A runner whose lease lapsed (or whose process is gone from
//!   this host) is declared expired and what it left is taken over: every
//!   execution it had claimed ends `interrupted` with the reason, started
//!   or not (the claim is the start: a fire claimed may have spawned in
//!   the instant before its runner died, so it is never decided again);
//!   process groups it left running on this host are ended.
//! - A runner that finds its own lease taken over stops claiming, gives up
//!   its waiting fires (the taker recorded them) and exits with an error
//!   once its running children have ended. A runner never expires itself.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::events::Done;
use super::Scheduler;
use crate::clock::{Clock, SystemClock};
use crate::executor::KILL_AFTER;
use crate::model::{JobOptions, RunnerState, Status};
use crate::store::{LeaseLost, RunnerRow, RunningRow};

/// Expired runners are looked for at least this often.
const LOOK_EVERY: Duration = Duration::from_secs(2);
/// A renewal that failed is tried again this soon (and so the end of an
/// outage is seen this soon).
const RENEW_RETRY: Duration = Duration::from_millis(250);

/// Why the executions of a runner that died or froze end `interrupted`.
const DIED_RUNNING: &str = "its runner stopped renewing its lease or died while it ran";
const DIED_CLAIMED: &str = "its runner stopped renewing its lease or died after claiming it, before its start was recorded; not run again, since its command may have started";

/// Which runners have lapsed, as one runner sees them: one whose process
/// is gone from this host at once; any other once a whole lease has passed
/// on the observer's own clock (one that never steps) without a renewal
/// seen. The stored renewal times are compared only with themselves, never
/// with a clock, so a step of any host's clock (or the database's) expires
/// no one.
#[derive(Debug, Default)]
pub struct Lapses {
    /// Per runner: the renewal last seen, and when it was first seen.
    seen: HashMap<i64, (DateTime<Utc>, Duration)>,
}

impl Lapses {
    /// Whether `r` has lapsed, seen at `elapsed` by the runner `me` (never
    /// itself) on `host`.
    pub fn lapsed(
        &mut self,
        r: &RunnerRow,
        me: Option<i64>,
        host: &str,
        elapsed: Duration,
    ) -> bool {
        if Some(r.id) == me {
            return false;
        }
        if r.host == host && !crate::process::alive(&r.process) {
            return true;
        }
        let seen = self.seen.entry(r.id).or_insert((r.renewed_at, elapsed));
        if seen.0 != r.renewed_at {
            *seen = (r.renewed_at, elapsed);
        }
        let lease = Duration::from_millis(r.lease_ms.max(0) as u64);
        elapsed.saturating_sub(seen.1) >= lease
    }

    /// Forget runners no longer alive.
    pub fn keep_only(&mut self, alive: &[&RunnerRow]) {
        self.seen.retain(|id, _| alive.iter().any(|r| r.id == *id));
    }
}

/// Until when a runner may spawn, on the real clock that never steps
/// ([`SystemClock::elapsed`]): checked right before each spawn, so that a
/// runner frozen in the middle of a burst spawns nothing after it thaws.
#[derive(Debug, Clone, Copy)]
pub(super) struct Fence(Option<Duration>);

impl Fence {
    pub fn holds(self) -> bool {
        self.0.is_none_or(|until| SystemClock.elapsed() < until)
    }
}

impl Scheduler {
    /// How long this runner may still claim and spawn without a renewal:
    /// `None` without a lease (`tick fire`), else what is left of half the
    /// lease since the last renewal that went through was sent.
    fn lease_left(&self) -> Option<Duration> {
        self.cfg.owner.runner?;
        Some((self.cfg.lease / 2).saturating_sub(self.since_renewal()))
    }

    /// Time since the last renewal that went through was sent.
    fn since_renewal(&self) -> Duration {
        self.clock.elapsed().saturating_sub(self.lease_renewed)
    }

    /// Whether the lease is provably this runner's own now.
    pub(super) fn lease_holds(&self) -> bool {
        self.lease_left() != Some(Duration::ZERO)
    }

    /// The fence for spawns from now on.
    pub(super) fn fence(&self) -> Fence {
        Fence(self.lease_left().map(|left| SystemClock.elapsed() + left))
    }

    /// When the lease must be renewed next (for the loop's sleep).
    pub(super) fn renewal_due(&self) -> Option<Duration> {
        self.cfg.owner.runner?;
        let left = (self.cfg.lease / 6).saturating_sub(self.since_renewal());
        Some(left.max(RENEW_RETRY))
    }

    /// Renew the lease now; the time taken before sending it counts.
    pub(super) fn renew_lease(&mut self) -> Result<()> {
        let Some(id) = self.cfg.owner.runner else {
            return Ok(());
        };
        self.renew_tried = Instant::now();
        let sent = self.clock.elapsed();
        if !self.store.renew_lease(id)? {
            return Err(LeaseLost.into());
        }
        self.lease_renewed = sent;
        Ok(())
    }

    /// Renew the lease when due (and again soon after a failure), and look
    /// for expired runners every sixth of the lease and at least every
    /// [`LOOK_EVERY`], so that a dead runner is taken over within its
    /// lease plus 2 s whatever the lease. Looking only reads unless
    /// someone lapsed.
    pub(super) fn keep_lease(&mut self) {
        if self.cfg.owner.runner.is_none() || self.fatal.is_some() {
            return;
        }
        let renew = self.cfg.lease / 6;
        if self.since_renewal() >= renew && self.renew_tried.elapsed() >= RENEW_RETRY {
            match self.renew_lease() {
                // The store answers: an outage, if any, is over.
                Ok(()) => self.wrote(),
                Err(e) if self.outage.is_none() || e.chain().any(|c| c.is::<LeaseLost>()) => {
                    return self.trouble(e)
                }
                // Tried again soon, without lengthening the outage's backoff.
                Err(_) => return,
            }
        }
        if self.lease_looked.elapsed() < renew.min(LOOK_EVERY) {
            return;
        }
        self.lease_looked = Instant::now();
        if let Err(e) = self.take_over(self.clock.now()) {
            self.trouble(e);
        }
    }

    /// Declare lapsed runners expired and take over what they left.
    pub(super) fn take_over(&mut self, now: DateTime<Utc>) -> Result<()> {
        let (me, host, elapsed) = (self.cfg.owner.runner, &self.cfg.host, self.clock.elapsed());
        let lapses = &mut self.lapses;
        let newly = self
            .store
            .expire_runners(&mut |r| lapses.lapsed(r, me, host, elapsed))?;
        for r in &newly {
            self.log.warn(&format!(
                "runner {} (pid {} on {}) expired: no renewal seen for its lease of {} (last renewed {})",
                r.name,
                r.pid,
                r.host,
                crate::units::human_ms(r.lease_ms),
                crate::log::time(r.renewed_at)
            ));
            self.notify_runner_lost(r);
        }
        // Whoever declared them expired, their executions are left to
        // whichever runner comes next.
        let runners = self.store.runners()?;
        self.lapses.keep_only(
            &runners
                .iter()
                .filter(|r| r.state == RunnerState::Alive)
                .collect::<Vec<_>>(),
        );
        let expired: Vec<RunnerRow> = runners
            .into_iter()
            .filter(|r| r.state == RunnerState::Expired)
            .collect();
        self.recover(now, &expired)
    }

    /// Executions of dead owners: those of processes of this machine that
    /// are gone, of owners from before identities were recorded, and of the
    /// `expired` runners (a runner on another host is known dead only by
    /// its lease). Every one ends `interrupted`.
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
        let (started, claimed): (Vec<_>, Vec<_>) = dead.into_iter().partition(|r| r.started);
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
        self.interrupt_all(&started, now, DIED_RUNNING, "execution(s)")?;
        self.interrupt_all(&claimed, now, DIED_CLAIMED, "claimed fire(s)")
    }

    /// Mark a dead owner's executions `interrupted` with `reason`, and tell
    /// the listeners.
    fn interrupt_all(
        &mut self,
        rows: &[RunningRow],
        now: DateTime<Utc>,
        reason: &str,
        what: &str,
    ) -> Result<()> {
        if rows.is_empty() {
            return Ok(());
        }
        let ids: Vec<i64> = rows.iter().map(|r| r.execution_id).collect();
        let n = self.store.interrupt(&ids, now, reason)?;
        self.log.warn(&format!(
            "marked {n} {what} of a previous runner as interrupted: {reason}"
        ));
        let options = JobOptions::default();
        for r in rows {
            self.emit(&Done {
                execution_id: Some(r.execution_id),
                reason: Some(reason.to_string()),
                ..Done::new(&r.fire, &options, Status::Interrupted)
            });
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn runner(id: i64, renewed_at: DateTime<Utc>) -> RunnerRow {
        RunnerRow {
            id,
            name: format!("r{id}"),
            host: "elsewhere".into(),
            pid: 1,
            process: "p".into(),
            version: "0".into(),
            started_at: renewed_at,
            renewed_at,
            lease_ms: 30_000,
            state: RunnerState::Alive,
            running: 0,
        }
    }

    #[test]
    fn a_runner_lapses_after_a_whole_lease_without_a_renewal_seen_whatever_the_times_say() {
        let secs = Duration::from_secs;
        let mut lapses = Lapses::default();
        // Renewed "an hour ago" by the stored time: not judged by it.
        let old = Utc::now() - chrono::Duration::hours(1);
        let r = runner(1, old);
        assert!(!lapses.lapsed(&r, None, "here", secs(100)));
        assert!(!lapses.lapsed(&r, None, "here", secs(129)));
        assert!(lapses.lapsed(&r, None, "here", secs(130)));
        // A renewal (even to an earlier time: a clock stepped back) resets it.
        let r = runner(1, old - chrono::Duration::minutes(5));
        assert!(!lapses.lapsed(&r, None, "here", secs(131)));
        assert!(!lapses.lapsed(&r, None, "here", secs(160)));
        assert!(lapses.lapsed(&r, None, "here", secs(161)));
        // Never itself.
        assert!(!lapses.lapsed(&r, Some(1), "here", secs(1000)));
        lapses.keep_only(&[]);
        assert!(!lapses.lapsed(&r, None, "here", secs(1000)));
    }
}
