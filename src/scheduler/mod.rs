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

pub mod plan;

use std::collections::{HashMap, HashSet};

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender};
use std::time::Instant;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};
use rustix::process::Signal;

use crate::clock::Clock;
use crate::executor::{self, Child, Echo, Spec};
use crate::listener;
use crate::log::Logger;
use crate::model::{Job, JobOptions, JobState, RunResult, Status};
use crate::output::human_ms;
use crate::store::{Claim, Finish, Store};
use crate::trigger::Trigger;

/// How long a timed-out group gets between SIGTERM and SIGKILL.
const KILL_AFTER: i64 = 5;
/// The longest sleep: changes by other processes show within this.
const POLL: Duration = Duration::seconds(1);
/// The claim lead never exceeds this...
const MAX_LEAD: std::time::Duration = std::time::Duration::from_millis(500);
/// ...and is at least twice the recent claim cost plus this.
const LEAD_MARGIN: std::time::Duration = std::time::Duration::from_millis(10);
/// The log is checkpointed only in a quiet gap at least this long...
const CHECKPOINT_GAP: Duration = Duration::milliseconds(250);
/// ...once this many writes or this long has passed since the last one;
/// after `CHECKPOINT_FORCE` writes, whatever the gap.
const CHECKPOINT_WRITES: u32 = 200;
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);
const CHECKPOINT_FORCE: u32 = 5000;
/// While fires wait for a free worker, the wake-ups' bookkeeping (started,
/// finished) is held back, so that each exit goes straight to the next
/// spawn; it is written once none waits, or after this long.
const HOLD_BOOKKEEPING: std::time::Duration = std::time::Duration::from_millis(200);

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
}

#[derive(Debug, Clone)]
pub struct Config {
    pub max_workers: u16,
    pub echo: bool,
    /// Written into each execution row: who ran it.
    pub runner: String,
    /// `--on-event`: a listener for every event.
    pub on_event: Option<String>,
}

struct Running {
    job_id: String,
    job_name: Option<String>,
    command: String,
    options: JobOptions,
    scheduled_at: DateTime<Utc>,
    child: Child,
    started: DateTime<Utc>,
    deadline: Option<DateTime<Utc>>,
    term_sent: Option<DateTime<Utc>>,
    kill_sent: bool,
    timed_out: bool,
    stopped: bool,
}

struct Pending {
    execution_id: i64,
    job_name: Option<String>,
    spec: Spec,
    options: JobOptions,
    not_before: DateTime<Utc>,
    /// Claimed ahead of its time: the next run the claim set, so that the
    /// fire can be given back if the runner stops before it starts.
    ahead: Option<Option<DateTime<Utc>>>,
}

/// An execution that ended, recorded at the end of the wake-up.
struct Ended {
    id: i64,
    status: Status,
    result: RunResult,
    at: DateTime<Utc>,
    run: Running,
}

/// How an execution ended, for listeners.
struct Done<'a> {
    job_id: &'a str,
    job_name: Option<&'a str>,
    command: &'a str,
    options: &'a JobOptions,
    execution_id: Option<i64>,
    status: Status,
    result: Option<&'a RunResult>,
    scheduled_at: DateTime<Utc>,
    duration_ms: Option<i64>,
}

impl<'a> Done<'a> {
    fn new(job: &'a Job, scheduled_at: DateTime<Utc>, status: Status) -> Done<'a> {
        Done {
            job_id: &job.id,
            job_name: job.name.as_deref(),
            command: &job.command,
            options: &job.options,
            execution_id: None,
            status,
            result: None,
            scheduled_at,
            duration_ms: None,
        }
    }

    fn pending(p: &'a Pending, status: Status) -> Done<'a> {
        Done {
            job_id: &p.spec.job_id,
            job_name: p.job_name.as_deref(),
            command: &p.spec.command,
            options: &p.options,
            execution_id: Some(p.execution_id),
            status,
            result: None,
            scheduled_at: p.spec.scheduled_at,
            duration_ms: None,
        }
    }

    fn ended(e: &'a Ended) -> Done<'a> {
        let r = &e.run;
        Done {
            job_id: &r.job_id,
            job_name: r.job_name.as_deref(),
            command: &r.command,
            options: &r.options,
            execution_id: Some(e.id),
            status: e.status,
            result: Some(&e.result),
            scheduled_at: r.scheduled_at,
            duration_ms: Some((e.at - r.started).num_milliseconds()),
        }
    }
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
    /// Jobs whose rows cannot be used, logged once each.
    broken: HashSet<String>,
    rng: fastrand::Rng,
    /// Bookkeeping of this wake-up, written after the children started.
    started: Vec<(i64, DateTime<Utc>)>,
    ended: Vec<Ended>,
    /// What a claim costs lately (decaying maximum); sets the lead.
    claim_cost: std::time::Duration,
    /// Write transactions since the last checkpoint, and when that was.
    writes: u32,
    checkpointed: Instant,
    /// Since when bookkeeping has been held back (see [`HOLD_BOOKKEEPING`]).
    held_since: Option<Instant>,
    /// The earliest next run as last read, and the file's `data_version`
    /// then: valid until another process commits or this runner claims.
    next_due: Option<(i64, Option<DateTime<Utc>>)>,
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
            clock,
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
            claim_cost: LEAD_MARGIN,
            writes: 0,
            checkpointed: Instant::now(),
            held_since: None,
            next_due: None,
        }
    }

    /// The earliest next run of an active job, read again only when the
    /// file changed.
    fn next_due(&mut self) -> Result<Option<DateTime<Utc>>> {
        let version = self.store.change_counter()?;
        if let Some((v, due)) = self.next_due {
            if v == version {
                return Ok(due);
            }
        }
        let due = self.store.next_due()?;
        self.next_due = Some((version, due));
        Ok(due)
    }

    /// How far ahead of its time a fire is claimed.
    fn lead(&self) -> Duration {
        let lead = (self.claim_cost * 2 + LEAD_MARGIN).min(MAX_LEAD);
        Duration::from_std(lead).unwrap_or(Duration::zero())
    }

    /// Run until stopped. Every execution is finalised before it returns.
    pub fn run(mut self) -> Result<()> {
        self.store.become_runner()?;
        let now = self.clock.now();
        let n = self.store.interrupt_running(now)?;
        if n > 0 {
            self.log.warn(&format!(
                "marked {n} execution(s) of a previous runner as interrupted"
            ));
        }
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
            // Children first: what is due and has a worker starts before
            // anything is read or written.
            self.start_ready(now)?;
            if !self.stopping && self.claim_due(now)? {
                self.start_ready(now)?;
            }
            self.flush_unless_busy(now)?;
            self.enforce_timeouts(now);
            if self.stopping && self.running.is_empty() {
                break;
            }
            let wake = self.next_wake(now)?;
            self.maybe_checkpoint(now, wake)?;
            let wait = (wake - self.clock.now()).to_std().unwrap_or_default();
            match self.rx.recv_timeout(wait) {
                Ok(event) => self.handle(event)?,
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => break,
            }
            while let Ok(event) = self.rx.try_recv() {
                self.handle(event)?;
            }
        }
        self.flush()?;
        self.log.info("scheduler stopped");
        Ok(())
    }

    fn handle(&mut self, event: Event) -> Result<()> {
        match event {
            Event::Exited {
                execution_id,
                finished,
            } => self.finished(execution_id, finished),
            Event::Stop => self.stop(),
        }
    }

    /// Tell the listeners: `--on-event` for everything, the job's
    /// `--on-success` / `--on-failure` for its own. Never blocks.
    fn emit(&self, d: &Done) {
        let (exit_code, signal) = d.result.map_or((None, None), |r| (r.exit_code, r.signal));
        let event = listener::Event::new(
            d.job_id,
            d.job_name,
            d.command,
            d.execution_id,
            d.status,
            exit_code,
            signal,
            d.scheduled_at,
            d.duration_ms,
        );
        if let Some(cmd) = &self.cfg.on_event {
            listener::notify(cmd, &event, &self.log, listener::TIMEOUT);
        }
        let own = if d.status == Status::Success {
            d.options.on_success.as_deref()
        } else if listener::Event::is_failure(d.status) {
            d.options.on_failure.as_deref()
        } else {
            None
        };
        if let Some(cmd) = own {
            listener::notify(cmd, &event, &self.log, listener::TIMEOUT);
        }
    }

    fn running_count(&self, job_id: &str) -> u32 {
        (self.running.values().filter(|r| r.job_id == job_id).count()
            + self
                .waiting
                .iter()
                .filter(|p| p.spec.job_id == job_id)
                .count()) as u32
    }

    fn usable(&mut self, row: std::result::Result<Job, String>) -> Option<(Job, Trigger)> {
        let job = match row {
            Ok(job) => job,
            Err(e) => {
                if self.broken.insert(e.clone()) {
                    self.log.error(&format!("{e}; skipping it"));
                }
                return None;
            }
        };
        match Trigger::from_spec(&job.trigger) {
            Ok(t) => Some((job, t)),
            Err(e) => {
                if self.broken.insert(job.id.clone()) {
                    self.log.error(&format!(
                        "job {} cannot be scheduled ({e}); skipping it",
                        job.id
                    ));
                }
                None
            }
        }
    }

    fn fire_reboot_jobs(&mut self, now: DateTime<Utc>) -> Result<()> {
        for row in self.store.reboot_jobs()? {
            let Some((job, trigger)) = self.usable(row) else {
                continue;
            };
            if let Some(id) = self.store.insert_running(&job, now, &self.cfg.runner)? {
                self.queue(id, &job, now, trigger.jitter, None);
            }
        }
        Ok(())
    }

    /// Decide every job due now or within the lead, and claim all
    /// decisions in one transaction. Returns whether any fire was queued.
    fn claim_due(&mut self, now: DateTime<Utc>) -> Result<bool> {
        let horizon = now + self.lead();
        match self.next_due()? {
            Some(due) if due <= horizon => {}
            _ => return Ok(false),
        }
        let began = Instant::now();
        let mut claims = Vec::new();
        let mut jobs = Vec::new();
        for row in self.store.due_jobs(horizon)? {
            let Some((job, trigger)) = self.usable(row) else {
                continue;
            };
            let Some(due) = job.next_run_at else { continue };
            let running = self.running_count(&job.id);
            if due > now && running > 0 {
                // Decided at its time, when the running copy may have ended.
                continue;
            }
            let p = plan::plan(&trigger, &job.options, due, now, running);
            let mut rows: Vec<(DateTime<Utc>, Status)> = Vec::new();
            rows.extend(p.missed.iter().map(|t| (*t, Status::Missed)));
            rows.extend(p.skipped.iter().map(|t| (*t, Status::Skipped)));
            rows.extend(p.run.iter().map(|t| (*t, Status::Running)));
            claims.push(Claim {
                job_id: job.id.clone(),
                job_name: job.name.clone(),
                command: job.command.clone(),
                expected_next: due,
                new_next: p.next,
                new_state: if p.next.is_some() {
                    JobState::Active
                } else {
                    JobState::Finished
                },
                rows,
            });
            jobs.push((job, trigger.jitter, p));
        }
        if claims.is_empty() {
            return Ok(false);
        }
        let (won, owned) = self.store.claim(&claims, &self.cfg.runner, now)?;
        self.writes += 1;
        self.next_due = None;
        for (i, (job, _, p)) in jobs.iter().enumerate() {
            // Only fires this runner decided are spoken of.
            if !won[i] {
                continue;
            }
            for t in &p.missed {
                self.log.warn(&format!(
                    "job {} missed its {} fire: {} late, more than its misfire grace",
                    job.id,
                    t.to_rfc3339(),
                    human_ms((now - *t).num_milliseconds())
                ));
                self.emit(&Done::new(job, *t, Status::Missed));
            }
            for t in &p.skipped {
                self.log.warn(&format!(
                    "job {} skipped its {} fire: {} instance(s) already running",
                    job.id,
                    t.to_rfc3339(),
                    job.options.max_instances
                ));
                self.emit(&Done::new(job, *t, Status::Skipped));
            }
            if p.dropped > 0 {
                self.log.info(&format!(
                    "job {}: {} earlier fire(s) of the backlog coalesced",
                    job.id, p.dropped
                ));
            }
            if p.next.is_none() {
                self.log
                    .info(&format!("job {} finished: no more fires", job.id));
            }
        }
        let queued = !owned.is_empty();
        for o in owned {
            let (job, jitter, p) = &jobs[o.claim];
            let ahead = (o.scheduled_at > now).then_some(p.next);
            let job = job.clone();
            self.queue(o.execution_id, &job, o.scheduled_at, *jitter, ahead);
        }
        let cost = began.elapsed();
        self.claim_cost = cost.max(self.claim_cost * 7 / 8).max(LEAD_MARGIN / 2);
        Ok(queued)
    }

    fn queue(
        &mut self,
        execution_id: i64,
        job: &Job,
        scheduled_at: DateTime<Utc>,
        jitter: u64,
        ahead: Option<Option<DateTime<Utc>>>,
    ) {
        let not_before = plan::jittered(scheduled_at, jitter, &mut self.rng);
        self.waiting.push(Pending {
            execution_id,
            job_name: job.name.clone(),
            spec: Spec {
                job_id: job.id.clone(),
                command: job.command.clone(),
                cwd: job.options.cwd.clone(),
                env: job.options.env.clone(),
                scheduled_at,
            },
            options: job.options.clone(),
            not_before,
            ahead,
        });
    }

    /// Start waiting fires whose time has come, while workers are free.
    fn start_ready(&mut self, now: DateTime<Utc>) -> Result<()> {
        if self.waiting.is_empty() {
            return Ok(());
        }
        self.waiting.sort_by_key(|p| p.not_before);
        let mut batch = Vec::new();
        while self.running.len() + batch.len() < self.cfg.max_workers as usize {
            let Some(i) = self.waiting.iter().position(|p| p.not_before <= now) else {
                break;
            };
            let p = self.waiting.remove(i);
            let late = (now - p.not_before).num_seconds();
            if p.options.misfire_grace.is_some_and(|g| late > g as i64) {
                self.log.warn(&format!(
                    "job {} missed its {} fire: waited {late}s for a free worker",
                    p.spec.job_id,
                    p.spec.scheduled_at.to_rfc3339()
                ));
                self.store
                    .finish(p.execution_id, Status::Missed, &RunResult::default(), now)?;
                self.emit(&Done::pending(&p, Status::Missed));
                continue;
            }
            batch.push(p);
        }
        for (p, spawned) in launch(batch, &self.tx, self.cfg.echo) {
            if let Some(id) = self.record_start(p, spawned, now)? {
                self.started.push((id, now));
            }
        }
        Ok(())
    }

    /// [`Scheduler::flush`], unless fires are waiting for a worker (then the
    /// next exit should go straight to the next spawn), for at most
    /// [`HOLD_BOOKKEEPING`].
    fn flush_unless_busy(&mut self, now: DateTime<Utc>) -> Result<()> {
        let busy = self.running.len() >= self.cfg.max_workers as usize
            && self.waiting.iter().any(|p| p.not_before <= now);
        if busy && !(self.started.is_empty() && self.ended.is_empty()) {
            let since = *self.held_since.get_or_insert_with(Instant::now);
            if since.elapsed() < HOLD_BOOKKEEPING {
                return Ok(());
            }
        }
        self.held_since = None;
        self.flush()
    }

    /// Write the wake-up's bookkeeping in one transaction, then tell the
    /// listeners (which may read the rows, say with `tick logs`).
    fn flush(&mut self) -> Result<()> {
        if self.started.is_empty() && self.ended.is_empty() {
            return Ok(());
        }
        let ended = std::mem::take(&mut self.ended);
        let finishes: Vec<Finish> = ended
            .iter()
            .map(|e| Finish {
                execution_id: e.id,
                job_id: &e.run.job_id,
                status: e.status,
                result: &e.result,
                at: e.at,
            })
            .collect();
        self.store.record(&self.started, &finishes)?;
        self.started.clear();
        self.writes += 1;
        for e in &ended {
            self.emit(&Done::ended(e));
        }
        Ok(())
    }

    /// Checkpoint the write-ahead log in a quiet gap before `wake`, never
    /// inside a claim (see [`Store::sync_only_claims`]).
    fn maybe_checkpoint(&mut self, now: DateTime<Utc>, wake: DateTime<Utc>) -> Result<()> {
        let due = self.writes >= CHECKPOINT_WRITES
            || (self.writes > 0 && self.checkpointed.elapsed() >= CHECKPOINT_EVERY);
        if (due && wake - now >= CHECKPOINT_GAP) || self.writes >= CHECKPOINT_FORCE {
            self.store.maintain()?;
            self.writes = 0;
            self.checkpointed = Instant::now();
        }
        Ok(())
    }

    /// Keep track of a spawned child (or record why it did not start); its
    /// execution id if it started.
    fn record_start(
        &mut self,
        p: Pending,
        spawned: std::io::Result<Child>,
        now: DateTime<Utc>,
    ) -> Result<Option<i64>> {
        let id = p.execution_id;
        match spawned {
            Ok(child) => {
                self.log.info(&format!(
                    "job {} started (execution {id}, scheduled {})",
                    p.spec.job_id,
                    p.spec.scheduled_at.to_rfc3339()
                ));
                self.running.insert(
                    id,
                    Running {
                        job_id: p.spec.job_id,
                        job_name: p.job_name,
                        command: p.spec.command,
                        scheduled_at: p.spec.scheduled_at,
                        child,
                        started: now,
                        deadline: p.options.timeout.map(|t| now + Duration::seconds(t as i64)),
                        options: p.options,
                        term_sent: None,
                        kill_sent: false,
                        timed_out: false,
                        stopped: false,
                    },
                );
                Ok(Some(id))
            }
            Err(e) => {
                self.log
                    .error(&format!("job {} could not start: {e}", p.spec.job_id));
                let msg = RunResult::message(format!("tick: could not start the command: {e}\n"));
                self.store.finish(id, Status::Failed, &msg, now)?;
                let mut done = Done::pending(&p, Status::Failed);
                done.result = Some(&msg);
                self.emit(&done);
                Ok(None)
            }
        }
    }

    fn enforce_timeouts(&mut self, now: DateTime<Utc>) {
        for (id, r) in &mut self.running {
            match (r.deadline, r.term_sent) {
                (Some(d), None) if now >= d => {
                    r.child.signal_group(Signal::TERM);
                    r.term_sent = Some(now);
                    r.timed_out = true;
                    self.log.warn(&format!(
                        "job {} (execution {id}) timed out after {}; sent SIGTERM to its process group",
                        r.job_id,
                        human_ms((now - r.started).num_milliseconds())
                    ));
                }
                (_, Some(sent)) if !r.kill_sent && now >= sent + Duration::seconds(KILL_AFTER) => {
                    r.child.signal_group(Signal::KILL);
                    r.kill_sent = true;
                    self.log.warn(&format!(
                        "job {} (execution {id}) still running {KILL_AFTER}s after SIGTERM; sent SIGKILL",
                        r.job_id
                    ));
                }
                _ => {}
            }
        }
    }

    fn next_wake(&mut self, now: DateTime<Utc>) -> Result<DateTime<Utc>> {
        let mut wake = now + POLL;
        if !self.stopping {
            if let Some(due) = self.next_due()? {
                // Claim ahead of the fire, or at it if it was deferred.
                let claim_at = due - self.lead();
                let at = if claim_at > now { claim_at } else { due };
                if at > now {
                    wake = wake.min(at);
                }
            }
        }
        if self.running.len() < self.cfg.max_workers as usize {
            if let Some(p) = self.waiting.iter().map(|p| p.not_before).min() {
                wake = wake.min(p.max(now));
            }
        }
        for r in self.running.values() {
            if let (Some(d), None) = (r.deadline, r.term_sent) {
                wake = wake.min(d.max(now));
            }
            if let (Some(sent), false) = (r.term_sent, r.kill_sent) {
                wake = wake.min((sent + Duration::seconds(KILL_AFTER)).max(now));
            }
        }
        Ok(wake)
    }

    fn finished(&mut self, id: i64, f: RunResult) -> Result<()> {
        let now = self.clock.now();
        let Some(r) = self.running.remove(&id) else {
            return Ok(());
        };
        let status = if r.stopped {
            Status::Interrupted
        } else if r.timed_out {
            Status::Timeout
        } else {
            f.status()
        };
        let took = human_ms((now - r.started).num_milliseconds());
        let detail = match (status, f.exit_code, f.signal) {
            (Status::Failed, Some(c), _) => format!(" with exit code {c}"),
            (Status::Killed, _, Some(s)) => format!(" by signal {s}"),
            _ => String::new(),
        };
        let msg = format!(
            "job {} finished: {status}{detail} in {took} (execution {id})",
            r.job_id
        );
        if status == Status::Success {
            self.log.info(&msg);
        } else {
            self.log.warn(&msg);
        }
        self.ended.push(Ended {
            id,
            status,
            result: f,
            at: now,
            run: r,
        });
        Ok(())
    }

    /// First stop: no new fires, wait for the children. Second: kill them.
    fn stop(&mut self) -> Result<()> {
        let now = self.clock.now();
        if !self.stopping {
            self.stopping = true;
            for p in std::mem::take(&mut self.waiting) {
                // Claimed ahead and not yet due: give it back to the next
                // runner rather than lose it.
                if let Some(next) = p.ahead.filter(|_| p.spec.scheduled_at > now) {
                    let (id, job) = (p.execution_id, &p.spec.job_id);
                    self.next_due = None;
                    if self.store.unclaim(id, job, p.spec.scheduled_at, next)? {
                        continue;
                    }
                }
                self.emit(&Done::pending(&p, Status::Interrupted));
                self.store.finish(
                    p.execution_id,
                    Status::Interrupted,
                    &RunResult::default(),
                    now,
                )?;
            }
            if self.running.is_empty() {
                self.log.info("stopping");
            } else {
                let list: Vec<String> = self
                    .running
                    .iter()
                    .map(|(id, r)| format!("{} (execution {id})", r.job_id))
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
                r.child.signal_group(Signal::KILL);
                r.stopped = true;
            }
        }
        Ok(())
    }
}

/// Spawn a wake-up's fires, half of them from a second thread: each spawn
/// blocks its thread until the child has exec'd, so two threads start a
/// burst in about half the time.
fn launch(
    batch: Vec<Pending>,
    tx: &Sender<Event>,
    echo: bool,
) -> Vec<(Pending, std::io::Result<Child>)> {
    if batch.len() < 2 {
        return spawn_all(batch, tx, echo);
    }
    let mut second = batch;
    let first: Vec<Pending> = second.drain(..second.len().div_ceil(2)).collect();
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| spawn_all(first, tx, echo));
        let mut rest = spawn_all(second, tx, echo);
        let mut out = helper
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        out.append(&mut rest);
        out
    })
}

fn spawn_all(
    batch: Vec<Pending>,
    tx: &Sender<Event>,
    echo: bool,
) -> Vec<(Pending, std::io::Result<Child>)> {
    batch
        .into_iter()
        .map(|p| {
            let tx = tx.clone();
            let id = p.execution_id;
            let echo = echo.then(|| Echo {
                prefix: format!("[{}] ", p.spec.job_id),
                split: false,
            });
            let spawned = executor::spawn(&p.spec, echo, move |finished| {
                let _ = tx.send(Event::Exited {
                    execution_id: id,
                    finished,
                });
            });
            (p, spawned)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::model::JobOptions;
    use crate::store::NewJobId;
    use std::sync::mpsc;

    fn open(path: &std::path::Path) -> Box<dyn Store> {
        crate::store::Location::File(path.to_path_buf())
            .open_or_create()
            .unwrap()
    }

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn scheduler(store: Box<dyn Store>, now: DateTime<Utc>) -> Scheduler {
        let (tx, rx) = mpsc::channel();
        let cfg = Config {
            max_workers: 10,
            echo: false,
            runner: "test".into(),
            on_event: None,
        };
        Scheduler::new(
            store,
            Box::new(FixedClock(now)),
            cfg,
            Logger::silent(),
            tx,
            rx,
        )
    }

    fn add(store: &mut dyn Store, id: &str, expr: &str, next: &str, options: JobOptions) {
        let trigger = Trigger::crontab(expr, chrono_tz::Tz::UTC).unwrap();
        let job = Job {
            id: String::new(),
            name: None,
            command: "true".into(),
            trigger: trigger.spec(),
            state: JobState::Active,
            next_run_at: Some(at(next)),
            options,
            created_at: at(next),
            updated_at: at(next),
        };
        store
            .add_job(
                job,
                NewJobId::Given {
                    id: id.into(),
                    replace: false,
                },
            )
            .unwrap();
    }

    /// A jobs file with one job, `j`, every minute, next run `next`.
    fn every_minute(next: &str) -> (tempfile::TempDir, std::path::PathBuf, Box<dyn Store>) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.db");
        let mut store = open(&path);
        add(
            store.as_mut(),
            "j",
            "* * * * *",
            next,
            JobOptions::default(),
        );
        (dir, path, store)
    }

    fn rows(store: &dyn Store, id: &str) -> Vec<(String, Status)> {
        store
            .executions_of(id, 1000)
            .unwrap()
            .into_iter()
            .rev()
            .map(|e| (e.scheduled_at.format("%H:%M").to_string(), e.status))
            .collect()
    }

    #[test]
    fn backlog_after_downtime_is_judged_by_the_same_rules() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("jobs.db");
        let mut store = open(&path);
        // Down from 10:00 to 10:30:30. Both jobs fired every 10 minutes.
        let coalesce = JobOptions::default();
        let each = JobOptions {
            coalesce: false,
            misfire_grace: Some(15 * 60),
            max_instances: 10,
            ..JobOptions::default()
        };
        add(
            store.as_mut(),
            "c",
            "*/10 * * * *",
            "2026-01-01T10:00:00Z",
            coalesce,
        );
        add(
            store.as_mut(),
            "e",
            "*/10 * * * *",
            "2026-01-01T10:00:00Z",
            each,
        );
        let now = at("2026-01-01T10:30:30Z");
        let mut s = scheduler(store, now);
        s.claim_due(now).unwrap();
        // Coalesce: the backlog runs once, as its latest fire.
        assert_eq!(
            rows(s.store.as_ref(), "c"),
            [("10:30".to_string(), Status::Running)]
        );
        // No coalesce: fires older than the 15 min grace are missed, the rest run.
        assert_eq!(
            rows(s.store.as_ref(), "e"),
            [
                ("10:00".to_string(), Status::Missed),
                ("10:10".to_string(), Status::Missed),
                ("10:20".to_string(), Status::Running),
                ("10:30".to_string(), Status::Running),
            ]
        );
        assert_eq!(s.waiting.len(), 3);
        assert_eq!(
            s.store.next_due().unwrap(),
            Some(at("2026-01-01T10:40:00Z"))
        );
        // Claiming again at the same instant finds nothing due: no fire twice.
        s.claim_due(now).unwrap();
        assert_eq!(s.waiting.len(), 3);
    }

    #[test]
    fn a_second_runner_cannot_claim_the_same_fire() {
        let (_dir, path, store) = every_minute("2026-01-01T10:00:00Z");
        let now = at("2026-01-01T10:00:00Z");
        let mut a = scheduler(store, now);
        let mut b = open(&path);
        // B decides from a read made before A claims...
        let job = b.due_jobs(now).unwrap().pop().unwrap().unwrap();
        let claim = Claim {
            job_id: job.id.clone(),
            job_name: None,
            command: job.command.clone(),
            expected_next: now,
            new_next: Some(at("2026-01-01T10:01:00Z")),
            new_state: JobState::Active,
            rows: vec![(now, Status::Running)],
        };
        assert!(a.claim_due(now).unwrap());
        // ...and its claim transaction loses: nothing to start.
        let (won, owned) = b.claim(&[claim], "b", now).unwrap();
        assert_eq!((won, owned), (vec![false], vec![]));
        assert_eq!(
            rows(a.store.as_ref(), "j"),
            [("10:00".to_string(), Status::Running)]
        );
    }

    #[test]
    fn max_instances_counts_running_and_waiting_fires() {
        let (_dir, _, store) = every_minute("2026-01-01T10:00:00Z");
        let mut s = scheduler(store, at("2026-01-01T10:00:00Z"));
        s.claim_due(at("2026-01-01T10:00:00Z")).unwrap();
        // The 10:00 fire is still waiting (never started): 10:01 is skipped.
        s.claim_due(at("2026-01-01T10:01:00Z")).unwrap();
        assert_eq!(
            rows(s.store.as_ref(), "j"),
            [
                ("10:00".to_string(), Status::Running),
                ("10:01".to_string(), Status::Skipped)
            ]
        );
    }

    #[test]
    fn fires_are_claimed_ahead_and_start_at_their_time() {
        let dir = tempfile::tempdir().unwrap();
        let mut store = open(&dir.path().join("jobs.db"));
        let options = JobOptions::default;
        add(
            store.as_mut(),
            "j",
            "* * * * *",
            "2026-01-01T10:00:00Z",
            options(),
        );
        add(
            store.as_mut(),
            "k",
            "* * * * *",
            "2026-01-01T10:00:01Z",
            options(),
        );
        // 5 ms before the fire: within the lead (at least 20 ms).
        let early = at("2026-01-01T09:59:59.995Z");
        let mut s = scheduler(store, early);
        assert!(s.claim_due(early).unwrap());
        assert_eq!(
            rows(s.store.as_ref(), "j"),
            [("10:00".to_string(), Status::Running)]
        );
        // A second ahead is beyond any lead: not claimed yet.
        assert!(rows(s.store.as_ref(), "k").is_empty());
        s.start_ready(early).unwrap();
        assert!(s.running.is_empty(), "started before its time");
        assert_eq!(s.waiting.len(), 1);
        assert_eq!(s.waiting[0].not_before, at("2026-01-01T10:00:00Z"));
        // The loop wakes at the fire to start it.
        assert_eq!(s.next_wake(early).unwrap(), at("2026-01-01T10:00:00Z"));
    }

    #[test]
    fn a_fire_claimed_ahead_is_given_back_when_the_runner_stops_first() {
        let (_dir, path, store) = every_minute("2026-01-01T10:00:00Z");
        let early = at("2026-01-01T09:59:59.995Z");
        let mut s = scheduler(store, early);
        s.claim_due(early).unwrap();
        s.stop().unwrap();
        // No row, and the job's next run is the fire again...
        assert!(rows(s.store.as_ref(), "j").is_empty());
        assert_eq!(
            s.store.next_due().unwrap(),
            Some(at("2026-01-01T10:00:00Z"))
        );
        // ...so the next runner runs it (within its misfire grace).
        let late = at("2026-01-01T10:00:02Z");
        let mut next = scheduler(open(&path), late);
        next.claim_due(late).unwrap();
        assert_eq!(
            rows(next.store.as_ref(), "j"),
            [("10:00".to_string(), Status::Running)]
        );
    }

    #[test]
    fn a_job_with_a_copy_running_is_decided_at_its_time_not_ahead() {
        let (_dir, _, store) = every_minute("2026-01-01T10:00:00Z");
        let mut s = scheduler(store, at("2026-01-01T10:00:00Z"));
        s.claim_due(at("2026-01-01T10:00:00Z")).unwrap();
        s.start_ready(at("2026-01-01T10:00:00Z")).unwrap();
        assert_eq!(s.running.len(), 1);
        // The 10:00 copy is still there 5 ms before 10:01: no decision yet
        // (it may end in time), and the loop wakes at 10:01 itself.
        let early = at("2026-01-01T10:00:59.995Z");
        assert!(!s.claim_due(early).unwrap());
        assert_eq!(rows(s.store.as_ref(), "j").len(), 1);
        assert_eq!(s.next_wake(early).unwrap(), at("2026-01-01T10:01:00Z"));
    }
}
