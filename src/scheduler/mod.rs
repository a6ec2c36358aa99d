//! The scheduler loop of `tick run` (APScheduler's BlockingScheduler):
//! due fires → misfire/coalesce (`plan.rs`) → claim (one transaction) →
//! executor → record → sleep until the next fire, a child's exit, a signal,
//! or at most a second (to pick up other processes' changes).
//!
//! Fires are claimed a little ahead of their time (the lead: twice what
//! recent claims took, plus a margin), so the claim's fsync is done when the
//! instant comes and the loop only has to spawn. Children start first;
//! bookkeeping (started, finished) follows in one transaction per wake-up.
//!
//! Time comes from a [`Clock`]; events (child exits, signals) arrive on one
//! channel, so tests can drive the loop without real signals.
//!
//! - `mod.rs`: the loop, its wake-ups and the stop;
//! - `claim.rs`: what is due, decided (`plan.rs`) and claimed;
//! - `workers.rs`: starting claimed fires and watching them end;
//! - `bookkeeping.rs`: writing starts and ends, checkpoints;
//! - `events.rs`: telling the listeners;
//! - `live.rs`: the output so far of long-running children, for
//!   `tick logs --follow`;
//! - `notices.rs`: notifications (`--notify`), on a thread of their own;
//! - `pauses.rs`: pauses that end by themselves (`--until`).

mod bookkeeping;
mod claim;
mod clock_step;
mod due;
mod events;
mod lease;
mod live;
mod notices;
mod pauses;
pub mod plan;
#[cfg(test)]
mod tests;
mod trouble;
mod workers;

use std::collections::{HashMap, HashSet};
use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Instant;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use crate::clock::Clock;
use crate::executor::{Child, Spec, Watch};
use crate::log::Logger;
use crate::model::{Fire, JobOptions, Overlap, RetryPlan, RunResult, Status};
use crate::store::{Owner, Started, Store};
use crate::units::human_ms;
use events::{Done, Notice};
pub use lease::Lapses;

/// When the loop last woke, in milliseconds of [`Clock::elapsed`] (0: not
/// started): `tick run --http`'s `/healthz` tells a live loop by it.
pub static HEARTBEAT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);

/// The longest sleep: changes by other processes show within this.
const POLL: Duration = Duration::seconds(1);
/// How soon a runner with `--overlap queue`/`replace` copies looks again
/// at a due fire it did not get to claim.
const OVERLAP_RETRY: Duration = Duration::milliseconds(50);
/// At exit, how long unwritten bookkeeping is retried on a failing store.
const FINAL_FLUSH: std::time::Duration = std::time::Duration::from_secs(30);
/// A fire with `--misfire-grace auto` that starts at least this late has
/// its lateness, and why, in its execution's reason and the log.
const LATE: Duration = Duration::seconds(1);

/// What wakes the loop besides the clock.
#[derive(Debug)]
pub enum Event {
    /// A child's shell exited.
    Exited {
        execution_id: i64,
        finished: RunResult,
    },
    /// SIGINT or SIGTERM: the first drains, the second kills.
    Stop,
    /// Another process may have changed the jobs (the store's news, see
    /// `Runs::subscribe`): the next due time is read again.
    Changed,
}

#[derive(Debug, Clone)]
pub struct Config {
    pub max_workers: u16,
    pub echo: bool,
    /// Written into each execution row: who runs it.
    pub owner: Owner,
    /// This host's name (runners on it are known dead when their process is).
    pub host: String,
    /// How long the runner's lease holds without a renewal.
    pub lease: std::time::Duration,
    /// `--on-event`: a listener for every event.
    pub on_event: Option<String>,
    /// `tick run --notify`: where runner events (`runner-lost`) go.
    pub notify: Vec<crate::notify::Target>,
}

/// A child running.
struct Running {
    pub fire: Fire,
    pub options: JobOptions,
    pub child: Child,
    /// Its start, deadline and stop.
    pub watch: Watch,
    /// How late it started and why, when that is worth saying.
    pub late: Option<String>,
    /// Ended by a later fire (`--overlap replace`): why.
    pub replaced: Option<String>,
}

/// A claimed fire waiting for its time (jitter, claimed ahead) or a worker.
struct Pending {
    /// The fire and its execution, as the executor will run it.
    pub spec: Spec,
    pub options: JobOptions,
    pub not_before: DateTime<Utc>,
    /// Claimed ahead of its time: the next run the claim set, so that the
    /// fire can be given back if the runner stops before it starts.
    pub ahead: Option<Option<DateTime<Utc>>>,
    /// Claimed late: why (no runner was running at its time, say).
    pub claimed_late: Option<String>,
    /// The last fire of its job's schedule: said once it starts (or ends
    /// without starting).
    pub ends_job: bool,
    /// A past fire `tick backfill` stored: never too late, its reason
    /// `backfill`.
    pub backfill: bool,
}

/// An execution that ended, to be recorded by the next flush; its
/// listeners are told once it is.
struct Ended {
    pub id: i64,
    pub fire: Fire,
    pub status: Status,
    pub result: RunResult,
    pub at: DateTime<Utc>,
    /// What listeners hear once it is written (for a failure that is
    /// retried: the final one, if the retry cannot be stored).
    pub notice: Notice,
    /// The next attempt, and what listeners hear if it is stored.
    pub retry: Option<(RetryPlan, Notice)>,
    /// Why it did not run (missed while waiting for a worker).
    pub reason: Option<String>,
    /// Its child's start, moved with any clock step meanwhile.
    pub started: Option<DateTime<Utc>>,
    /// Its job's `--pause-after-failures`, for a failure.
    pub pause_after: Option<u32>,
}

pub struct Scheduler {
    store: Box<dyn Store>,
    clock: Box<dyn Clock>,
    cfg: Config,
    log: Logger,
    tx: Sender<Event>,
    rx: Receiver<Event>,
    running: HashMap<i64, Running>,
    waiting: Vec<Pending>,
    stopping: bool,
    /// Problems with unusable rows, each logged once.
    broken: HashSet<String>,
    rng: fastrand::Rng,
    /// Bookkeeping of this wake-up, written after the children started.
    started: Vec<Started>,
    ended: Vec<Ended>,
    /// What a claim costs lately (decaying maximum); sets the lead.
    claim_cost: std::time::Duration,
    /// Write transactions since the last checkpoint, and when that was.
    writes: u32,
    checkpointed: Instant,
    /// Since when bookkeeping has been held back (see [`HOLD_BOOKKEEPING`]).
    held_since: Option<Instant>,
    /// The earliest next run (the loop's one cache).
    due: due::Due,
    /// The earliest end of a pause (`--until`), cached the same way.
    pause_ends: pauses::PauseEnds,
    /// The store has been failing since (see `trouble.rs`).
    outage: Option<trouble::Outage>,
    /// The store is gone: the loop drains, then returns this.
    fatal: Option<anyhow::Error>,
    identity_checked: Instant,
    /// When the last renewal that went through was sent, in [`Clock::elapsed`]:
    /// the lease is this runner's own for a while after (see `lease.rs`).
    lease_renewed: std::time::Duration,
    /// When a renewal was last tried.
    renew_tried: Instant,
    /// What this runner has seen of the others' renewals.
    lapses: lease::Lapses,
    /// The wall clock and elapsed time at the last look (see `clock_step.rs`).
    clock_seen: Option<(DateTime<Utc>, std::time::Duration)>,
    /// When the output so far of running children was last written.
    output_written: Instant,
    /// When expired runners were last looked for (see `lease.rs`).
    lease_looked: Instant,
    /// Since when (wall clock) this runner's loop has run without a gap:
    /// its start, or its last wake-up after a suspend or a freeze. A fire
    /// due before then was due while no runner was running.
    awake_since: DateTime<Utc>,
    /// The notifications thread (see `notices.rs`).
    notices: notices::Notices,
}

impl Scheduler {
    pub fn new(
        store: Box<dyn Store>,
        clock: Box<dyn Clock>,
        cfg: Config,
        log: Logger,
        tx: Sender<Event>,
        rx: Receiver<Event>,
    ) -> Scheduler {
        Scheduler {
            store,
            cfg,
            log,
            tx,
            rx,
            running: HashMap::new(),
            waiting: Vec::new(),
            stopping: false,
            broken: HashSet::new(),
            rng: fastrand::Rng::new(),
            started: Vec::new(),
            ended: Vec::new(),
            claim_cost: claim::LEAD_MARGIN,
            writes: 0,
            checkpointed: Instant::now(),
            held_since: None,
            due: due::Due::default(),
            pause_ends: pauses::PauseEnds::default(),
            outage: None,
            fatal: None,
            identity_checked: Instant::now(),
            lease_renewed: std::time::Duration::ZERO,
            renew_tried: Instant::now(),
            lapses: lease::Lapses::default(),
            clock_seen: None,
            output_written: Instant::now(),
            lease_looked: Instant::now(),
            awake_since: clock.now(),
            clock,
            notices: notices::Notices::default(),
        }
    }
    /// Run until stopped. Every execution is finalised before it returns.
    pub fn run(mut self) -> Result<()> {
        self.store.become_runner()?;
        self.notices.start(self.store.location(), &self.log);
        let changed = self.tx.clone();
        self.store.subscribe(Box::new(move || {
            let _ = changed.send(Event::Changed);
        }))?;
        self.renew_lease()?;
        let now = self.clock.now();
        self.take_over(now)?;
        self.log.info(&format!(
            "scheduler started on {} (max workers {})",
            self.store.location(),
            self.cfg.max_workers
        ));
        if self.store.job_count()? == 0 {
            self.log.info("no jobs yet; waiting for `tick add`");
        }
        self.fire_reboot_jobs(now)?;
        loop {
            let now = self.clock.now();
            HEARTBEAT.store(
                self.clock.elapsed().as_millis().max(1) as u64,
                std::sync::atomic::Ordering::Relaxed,
            );
            self.watch_clock();
            self.check_identity();
            self.keep_lease();
            // Children first: what is due and has a worker starts before
            // anything is read or written.
            self.start_ready(now);
            if !self.stopping && self.store_usable() && self.lease_holds() {
                self.resume_paused(now);
                match self.claim_due(now) {
                    Ok(true) => self.start_ready(now),
                    Ok(false) => {}
                    Err(e) => self.trouble(e),
                }
            }
            if self.store_usable() {
                if let Err(e) = self.flush_unless_busy(now) {
                    self.trouble(e);
                }
            }
            self.write_output_so_far(now);
            self.enforce_timeouts(now);
            if self.stopping && self.running.is_empty() {
                break;
            }
            if !self.sleep(now) {
                break;
            }
        }
        self.final_flush();
        self.notices.stop();
        if let (Some(id), None) = (self.cfg.owner.runner, &self.fatal) {
            if let Err(e) = self.store.unregister_runner(id) {
                self.log.warn(&format!(
                    "could not sign off: {}",
                    crate::error::chain_text(&e)
                ));
            }
        }
        self.log.info("scheduler stopped");
        match self.fatal.take() {
            Some(e) => Err(e),
            None => Ok(()),
        }
    }

    /// Sleep until the next thing to do (or an event), then handle what
    /// came; `false` once nothing can wake the loop any more.
    fn sleep(&mut self, now: DateTime<Utc>) -> bool {
        let (wake, why) = self.next_wake(now);
        if self.outage.is_none() {
            if let Err(e) = self.maybe_checkpoint(now, wake) {
                self.trouble(e);
            }
        }
        if self.log.debugging() {
            self.log.debug(&format!(
                "sleeping {} until {why} ({} running, {} waiting)",
                human_ms((wake - now).num_milliseconds()),
                self.running.len(),
                self.waiting.len()
            ));
        }
        let mut wait = (wake - self.clock.now()).to_std().unwrap_or_default();
        if let Some(retry) = self.retry_at() {
            wait = wait.min(retry.saturating_duration_since(Instant::now()));
        }
        match self.rx.recv_timeout(wait) {
            Ok(event) => self.handle(event),
            Err(RecvTimeoutError::Timeout) => {}
            Err(RecvTimeoutError::Disconnected) => return false,
        }
        while let Ok(event) = self.rx.try_recv() {
            self.handle(event);
        }
        true
    }

    /// The last bookkeeping before exit: retried for a while if the store
    /// is failing; what cannot be written is said (the next runner marks
    /// such executions interrupted).
    fn final_flush(&mut self) {
        let give_up = Instant::now() + FINAL_FLUSH;
        loop {
            match self.flush() {
                Ok(()) => return,
                Err(e) if Instant::now() >= give_up => {
                    self.log.error(&format!(
                        "could not record {} ended and {} started execution(s): {}",
                        self.ended.len(),
                        self.started.len(),
                        crate::error::chain_text(&e)
                    ));
                    return;
                }
                Err(e) => {
                    self.trouble(e);
                    let retry = self.retry_at().unwrap_or_else(Instant::now);
                    std::thread::sleep(retry.saturating_duration_since(Instant::now()));
                }
            }
        }
    }

    /// Whether copies of a job with `--overlap queue` or `replace` run or
    /// wait here (its due fires are left to this runner by the others).
    fn runs_overlap_copies(&self) -> bool {
        let left = |o: &JobOptions| matches!(o.overlap, Overlap::Queue | Overlap::Replace);
        self.running.values().any(|r| left(&r.options))
            || self.waiting.iter().any(|p| left(&p.options))
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Exited {
                execution_id,
                finished,
            } => self.finished(execution_id, finished),
            Event::Stop => self.stop(),
            Event::Changed => {
                self.due.news();
                self.pause_ends.news();
            }
        }
    }
    /// When the loop must wake next even if no event comes, and why.
    fn next_wake(&mut self, now: DateTime<Utc>) -> (DateTime<Utc>, &'static str) {
        let mut wake = (now + POLL, "the poll for changes");
        let mut sooner = |at: DateTime<Utc>, why: &'static str| {
            if at < wake.0 {
                wake = (at, why);
            }
        };
        if !self.stopping && self.outage.is_none() {
            let due = self.due.earliest(self.store.as_ref()).unwrap_or_else(|e| {
                self.trouble(e);
                None
            });
            let resume = self.pause_ends.earliest(self.store.as_ref());
            if let Some(at) = resume.unwrap_or_else(|e| {
                self.trouble(e);
                None
            }) {
                if at > now {
                    sooner(at, "a pause's end");
                }
            }
            if let Some(due) = due {
                // Claim ahead of the fire, or at it if it was deferred.
                let claim_at = due - self.lead();
                if claim_at > now {
                    sooner(claim_at, "a claim ahead of the next fire");
                } else if due > now {
                    sooner(due, "the next fire");
                } else if self.runs_overlap_copies() {
                    // Due and not claimed: another runner had its row
                    // locked, maybe leaving it to this one (see
                    // `claim::left_to_others`). Soon, not in step with it.
                    sooner(now + OVERLAP_RETRY, "a due fire another runner left");
                }
            }
        }
        // Waiting fires start only while the lease holds: otherwise the
        // renewal's retry is what wakes the loop (never a busy wait).
        if self.running.len() < self.cfg.max_workers as usize && self.lease_holds() {
            let ready = self.waiting.iter().filter(|p| !self.held(p, &[]));
            if let Some(p) = ready.map(|p| p.not_before).min() {
                sooner(p.max(now), "a claimed fire's time");
            }
        }
        for r in self.running.values() {
            if let Some(w) = r.watch.next_wake() {
                sooner(w.max(now), "a timeout");
            }
        }
        if let Some(due) = self.renewal_due().and_then(|d| Duration::from_std(d).ok()) {
            sooner(now + due, "the lease's renewal");
        }
        wake
    }
    /// First stop: no new fires, wait for the children. Second: kill them.
    fn stop(&mut self) {
        if !self.stopping {
            self.drain();
            if self.running.is_empty() {
                self.log.info("stopping");
            } else {
                let list: Vec<String> = self
                    .running
                    .iter()
                    .map(|(id, r)| format!("{} (execution {id})", r.fire.job_id))
                    .collect();
                self.log.info(&format!(
                    "stopping: no new fires; waiting for {} running job(s): {}; signal again to kill them",
                    list.len(),
                    list.join(", ")
                ));
            }
        } else {
            self.log.warn(&format!(
                "stopping now: killing {} running job(s)",
                self.running.len()
            ));
            for r in self.running.values_mut() {
                r.watch.kill(&r.child);
            }
        }
    }

    /// No new fires: claimed fires not yet started are given back (claimed
    /// ahead, not yet due) or end `interrupted`; running ones finish.
    fn drain(&mut self) {
        let now = self.clock.now();
        self.stopping = true;
        for p in std::mem::take(&mut self.waiting) {
            // Claimed ahead and not yet due: give it back to the next
            // runner rather than lose it.
            if let Some(next) = p.ahead.filter(|_| p.spec.fire.scheduled_at > now) {
                match self.store.unclaim(p.spec.execution_id, &p.spec.fire, next) {
                    Ok(true) => continue,
                    Ok(false) => {}
                    Err(e) => self.trouble(e),
                }
            }
            if p.ends_job {
                self.said_finished(&p.spec.fire.job_id);
            }
            self.end(
                &Done::pending(&p, Status::Interrupted),
                RunResult::default(),
                now,
            );
        }
    }
}
