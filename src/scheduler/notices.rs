//! Notifications (`--notify`): another listener of the runner's events.
//! The loop hands each event of a job with targets to one thread of its
//! own (a bounded channel, never waited on), which decides what to say
//! with the store and hands it to `notify` for delivery:
//!
//! - a condition (`failure`, `missed`, `long`, `short`, `silent`) is
//!   notified once when it is raised, and a success that clears any of
//!   them sends `recovery`; raised conditions live in the store
//!   (`store/notices.rs`), so a restarted runner sends nothing twice and,
//!   on PostgreSQL, exactly one runner sends each;
//! - `long` is looked for while a run goes on: the loop says when a child
//!   of a job with a MAX starts;
//! - `silent` (`--expect-success-within`) is checked here every
//!   [`TICK`] against the jobs watched, read again when the store changed;
//! - `success` and `output` are per run, and `output` only when nothing
//!   else was said of that run (the other notices carry the output too).
//!
//! `runner-lost` is sent by the loop itself (see `lease.rs`).

use std::collections::HashMap;
use std::sync::mpsc::{sync_channel, Receiver, RecvTimeoutError, SyncSender, TrySendError};
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

use super::{Done, Running, Scheduler};
use crate::log::Logger;
use crate::model::{JobOptions, NotifyEvent, RunResult, Status};
use crate::notify::{self, Facts, LostRunner, Message};
use crate::store::{Location, RunnerRow, Store, Version};

/// Events waiting for the thread at most; beyond, they are dropped (said).
const QUEUE: usize = 1024;
/// How often running children and silent jobs are looked at.
const TICK: Duration = Duration::from_millis(500);
/// The watched jobs are read again at most this often when the store changed...
const REFRESH: Duration = Duration::from_secs(2);
/// ...and at least this often.
const REFRESH_ANYWAY: Duration = Duration::from_secs(60);
/// After the store failed, it is opened again at most this often.
const REOPEN: Duration = Duration::from_secs(5);
/// At exit, how long the thread may take to finish.
const STOP_WAIT: Duration = Duration::from_secs(5);

/// What the thread needs of a job and one of its executions.
#[derive(Clone)]
pub(super) struct Heard {
    job_id: String,
    options: JobOptions,
    status: Status,
    /// A failed attempt that will be attempted again.
    retrying: bool,
    /// Its run paused the job (`--pause-after-failures`): why.
    paused: Option<String>,
    facts: Facts,
}

impl Heard {
    /// For an event of a job with targets; `None` for any other.
    pub(super) fn of(d: &Done) -> Option<Box<Heard>> {
        if d.options.notify.is_empty() {
            return None;
        }
        Some(Box::new(Heard {
            job_id: d.fire.job_id.clone(),
            options: d.options.clone(),
            status: d.status,
            retrying: false,
            paused: None,
            facts: Facts {
                job_id: d.fire.job_id.clone(),
                job_name: d.fire.job_name.clone(),
                command: d.fire.command.clone(),
                execution_id: d.execution_id,
                status: Some(d.status),
                exit_code: d.result.and_then(|r| r.exit_code),
                signal: d.result.and_then(|r| r.signal),
                scheduled_at: Some(d.fire.scheduled_at),
                duration_ms: d.duration_ms,
                reason: d.reason.clone(),
                ..Facts::default()
            },
        }))
    }

    /// What the run printed, and when it ended (`at`).
    pub(super) fn ran(&mut self, result: &RunResult, at: DateTime<Utc>) {
        self.facts.output = Facts::tail_of(&result.stdout, &result.stderr);
        self.facts.finished_at = Some(at);
        self.facts.started_at = self
            .facts
            .duration_ms
            .map(|ms| at - chrono::Duration::milliseconds(ms));
    }

    pub(super) fn retrying(&mut self) {
        self.retrying = true;
    }

    /// This is the `paused` event that followed the run: only that is said.
    pub(super) fn paused(&mut self, note: String) {
        self.paused = Some(note);
    }
}

/// What the loop tells the thread.
enum Item {
    Ended(Box<Heard>),
    /// A child of a job with `--expect-duration ..MAX` started.
    Started(Box<Watch>),
}

/// A run watched for `long`.
struct Watch {
    execution_id: i64,
    options: JobOptions,
    facts: Facts,
    started: DateTime<Utc>,
    max: u64,
}

/// The loop's end of it.
#[derive(Default)]
pub(super) struct Notices {
    tx: Option<SyncSender<Item>>,
    thread: Option<std::thread::JoinHandle<()>>,
    /// Events dropped since the queue was last full.
    dropped: u64,
}

impl Notices {
    /// Start the thread, on a connection of its own to `location`.
    pub(super) fn start(&mut self, location: &Location, log: &Logger) {
        let (tx, rx) = sync_channel(QUEUE);
        let (location, thread_log) = (location.clone(), log.clone());
        let spawned = std::thread::Builder::new()
            .name("tick-notices".into())
            .stack_size(512 * 1024)
            .spawn(move || Thread::new(location, thread_log).run(&rx));
        match spawned {
            Ok(handle) => {
                self.tx = Some(tx);
                self.thread = Some(handle);
            }
            Err(e) => log.warn(&format!("cannot start the notifications thread: {e}")),
        }
    }

    /// Let the thread finish what it was given, and wait for it a while
    /// (a store that does not answer must not hold the runner's exit).
    pub(super) fn stop(&mut self) {
        self.tx = None;
        if let Some(t) = self.thread.take() {
            let until = Instant::now() + STOP_WAIT;
            while !t.is_finished() && Instant::now() < until {
                std::thread::sleep(Duration::from_millis(10));
            }
            if t.is_finished() {
                let _ = t.join();
            }
        }
    }

    fn send(&mut self, item: Item, log: &Logger) {
        let Some(tx) = &self.tx else { return };
        match tx.try_send(item) {
            Ok(()) if self.dropped > 0 => {
                log.warn(&format!(
                    "notifications have room again; {} event(s) were dropped meanwhile",
                    self.dropped
                ));
                self.dropped = 0;
            }
            Ok(()) => {}
            Err(TrySendError::Full(_)) => {
                self.dropped += 1;
                if self.dropped == 1 {
                    log.warn(&format!(
                        "notifications are behind ({QUEUE} events waiting): dropping events until there is room"
                    ));
                }
            }
            Err(TrySendError::Disconnected(_)) => self.tx = None,
        }
    }
}

impl Scheduler {
    /// Hand an event of a job with targets to the notifications thread.
    pub(super) fn notify(&mut self, heard: &Option<Box<Heard>>) {
        if let Some(h) = heard {
            self.notices.send(Item::Ended(h.clone()), &self.log);
        }
    }

    /// A child started: watched for `long` if its job expects a MAX.
    pub(super) fn notify_start(&mut self, id: i64) {
        let Some(r) = self.running.get(&id) else {
            return;
        };
        let max = r.options.expect_duration.and_then(|e| e.max);
        let (Some(max), true) = (max, r.options.hears(NotifyEvent::Long)) else {
            return;
        };
        let watch = watch(id, r, max);
        self.notices.send(Item::Started(Box::new(watch)), &self.log);
    }

    /// This runner declared `r` expired: its `tick run --notify` targets hear.
    pub(super) fn notify_runner_lost(&self, r: &RunnerRow) {
        if self.cfg.notify.is_empty() {
            return;
        }
        let lost = LostRunner {
            name: r.name.clone(),
            host: r.host.clone(),
            pid: r.pid,
            renewed_at: r
                .renewed_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            lease_ms: r.lease_ms,
        };
        let message = Message::runner_lost(lost, &self.cfg.host);
        notify::send(&self.cfg.notify, message, &self.log);
    }
}

fn watch(id: i64, r: &Running, max: u64) -> Watch {
    Watch {
        execution_id: id,
        options: r.options.clone(),
        facts: Facts {
            job_id: r.fire.job_id.clone(),
            job_name: r.fire.job_name.clone(),
            command: r.fire.command.clone(),
            execution_id: Some(id),
            status: Some(Status::Running),
            scheduled_at: Some(r.fire.scheduled_at),
            started_at: Some(r.watch.started),
            ..Facts::default()
        },
        started: r.watch.started,
        max,
    }
}

/// The thread: its own store connection, the runs watched for `long`,
/// the jobs watched for silence.
struct Thread {
    location: Location,
    store: Option<Box<dyn Store>>,
    log: Logger,
    host: String,
    running: HashMap<i64, Watch>,
    watched: Vec<crate::store::notices::Watched>,
    /// The store's version when `watched` was read, and when.
    read: Option<(Version, Instant)>,
    /// The store is failing: said once, until it answers again.
    failing: bool,
    /// When the store was last opened (or tried).
    opened: Option<Instant>,
}

impl Thread {
    fn new(location: Location, log: Logger) -> Thread {
        Thread {
            location,
            store: None,
            log,
            host: notify::host(),
            running: HashMap::new(),
            watched: Vec::new(),
            read: None,
            failing: false,
            opened: None,
        }
    }

    fn run(mut self, rx: &Receiver<Item>) {
        loop {
            match rx.recv_timeout(TICK) {
                Ok(Item::Ended(h)) => {
                    if let Some(id) = h.facts.execution_id {
                        self.running.remove(&id);
                    }
                    self.attempt(|t| t.ended(&h));
                }
                Ok(Item::Started(w)) => {
                    self.running.insert(w.execution_id, *w);
                }
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => return,
            }
            let now = Utc::now();
            self.attempt(|t| t.look_for_long(now));
            self.attempt(|t| t.look_for_silence(now));
        }
    }

    /// Run `f` with the store; a failure is said once until it works again.
    fn attempt(&mut self, f: impl FnOnce(&mut Thread) -> anyhow::Result<()>) {
        match f(self) {
            Ok(()) if self.failing => {
                self.failing = false;
                self.log.info("notifications can read the store again");
            }
            Ok(()) => {}
            Err(e) => {
                self.store = None;
                if !self.failing {
                    self.failing = true;
                    self.log.warn(&format!(
                        "notifications cannot use the store ({}); what they would have said is lost until it answers",
                        crate::error::chain_text(&e)
                    ));
                }
            }
        }
    }

    fn store(&mut self) -> anyhow::Result<&mut Box<dyn Store>> {
        if self.store.is_none() {
            if self.opened.is_some_and(|at| at.elapsed() < REOPEN) {
                anyhow::bail!("waiting to open it again");
            }
            self.opened = Some(Instant::now());
            let opened = self.location.open_existing()?;
            self.store = Some(opened.ok_or_else(|| anyhow::anyhow!("the store is gone"))?);
        }
        Ok(self.store.as_mut().expect("opened"))
    }

    fn say(&self, event: NotifyEvent, options: &JobOptions, facts: &Facts) {
        let targets = notify::targets(&options.notify, &self.log);
        let message = Message::job(event.as_str(), facts, &self.host);
        notify::send(&targets, message, &self.log);
    }

    /// An execution of a job with targets ended (or a fire was missed).
    fn ended(&mut self, h: &Heard) -> anyhow::Result<()> {
        let o = &h.options;
        if let Some(note) = &h.paused {
            if o.hears(NotifyEvent::Paused) {
                let mut facts = h.facts.clone();
                facts.reason = Some(note.clone());
                self.say(NotifyEvent::Paused, o, &facts);
            }
            return Ok(());
        }
        let mut said = false;
        if !h.retrying {
            said = match h.status {
                Status::Success => self.succeeded(h)?,
                Status::Failed | Status::Killed | Status::Timeout => {
                    self.raise(h, NotifyEvent::Failure, "failure", None)?
                }
                Status::Missed => self.raise(h, NotifyEvent::Missed, "missed", None)?,
                _ => false,
            };
        }
        if !said && !h.facts.output.is_empty() && o.hears(NotifyEvent::Output) {
            self.say(NotifyEvent::Output, o, &h.facts);
        }
        Ok(())
    }

    /// Raise `condition` (for `event`, heard, or for a later `recovery`);
    /// notify `event` if it was not raised. Whether anything was said.
    fn raise(
        &mut self,
        h: &Heard,
        event: NotifyEvent,
        condition: &str,
        reason: Option<String>,
    ) -> anyhow::Result<bool> {
        let o = &h.options;
        if !o.hears(event) && !o.hears(NotifyEvent::Recovery) {
            return Ok(false);
        }
        let at = h.facts.finished_at.unwrap_or_else(Utc::now);
        let new = self.store()?.raise_notice(&h.job_id, condition, at, None)?;
        if new && o.hears(event) {
            let mut facts = h.facts.clone();
            facts.reason = reason.or(facts.reason);
            self.say(event, o, &facts);
            return Ok(true);
        }
        Ok(false)
    }

    /// A success: `short` if under MIN; what it clears, and `recovery` if
    /// it cleared anything, else `success`.
    fn succeeded(&mut self, h: &Heard) -> anyhow::Result<bool> {
        let o = &h.options;
        let took = h.facts.duration_ms.unwrap_or(0).max(0) as u64;
        let range = o.expect_duration.unwrap_or(crate::model::DurationRange {
            min: None,
            max: None,
        });
        let mut clear = vec!["failure", "missed", "silent"];
        if range.max.is_none_or(|max| took <= max * 1000) {
            clear.push("long");
        }
        let mut said = false;
        match range.min {
            Some(min) if took < min * 1000 => {
                let why = format!(
                    "expected at least {} (--expect-duration {})",
                    crate::units::format_duration(min),
                    range
                );
                said = self.raise(h, NotifyEvent::Short, "short", Some(why))?;
            }
            _ => clear.push("short"),
        }
        let cleared = self.store()?.clear_notices(&h.job_id, &clear)?;
        if !cleared.is_empty() && o.hears(NotifyEvent::Recovery) {
            let mut facts = h.facts.clone();
            facts.reason = Some(format!("after: {}", cleared.join(", ")));
            self.say(NotifyEvent::Recovery, o, &facts);
            return Ok(true);
        }
        if o.hears(NotifyEvent::Success) {
            self.say(NotifyEvent::Success, o, &h.facts);
            return Ok(true);
        }
        Ok(said)
    }

    /// Runs past their MAX: `long`, once per run, and once until a run
    /// within it clears the condition.
    fn look_for_long(&mut self, now: DateTime<Utc>) -> anyhow::Result<()> {
        let due: Vec<i64> = self
            .running
            .values()
            .filter(|w| (now - w.started).num_milliseconds() >= (w.max * 1000) as i64)
            .map(|w| w.execution_id)
            .collect();
        for id in due {
            let Some(w) = self.running.remove(&id) else {
                continue;
            };
            let mut facts = w.facts;
            facts.duration_ms = Some((now - w.started).num_milliseconds());
            facts.reason = Some(format!(
                "expected at most {}",
                crate::units::format_duration(w.max)
            ));
            let new = self
                .store()?
                .raise_notice(&facts.job_id, "long", now, None)?;
            if new {
                self.say(NotifyEvent::Long, &w.options, &facts);
            }
        }
        Ok(())
    }

    /// Jobs with no success within `--expect-success-within`: `silent`,
    /// once (the store's row says who sent it).
    fn look_for_silence(&mut self, now: DateTime<Utc>) -> anyhow::Result<()> {
        self.refresh_watched()?;
        let mut i = 0;
        while i < self.watched.len() {
            let w = &self.watched[i];
            let o = &w.job.options;
            let Some(within) = o.expect_success_within else {
                i += 1;
                continue;
            };
            let since = w
                .last_success
                .unwrap_or(w.job.updated_at)
                .max(w.job.updated_at);
            let quiet_since =
                now - chrono::Duration::seconds(within.min(i64::MAX as u64 / 2000) as i64);
            if since > quiet_since
                || !(o.hears(NotifyEvent::Silent) || o.hears(NotifyEvent::Recovery))
            {
                i += 1;
                continue;
            }
            let w = self.watched.swap_remove(i);
            let new = self
                .store()?
                .raise_notice(&w.job.id, "silent", now, Some(quiet_since))?;
            if new && w.job.options.hears(NotifyEvent::Silent) {
                let facts = Facts {
                    job_id: w.job.id.clone(),
                    job_name: w.job.name.clone(),
                    command: w.job.command.clone(),
                    finished_at: w.last_success,
                    reason: Some(silence(within, w.last_success)),
                    ..Facts::default()
                };
                self.say(NotifyEvent::Silent, &w.job.options, &facts);
            }
        }
        Ok(())
    }

    /// Read the watched jobs again if the store changed (at most every
    /// [`REFRESH`]), or after [`REFRESH_ANYWAY`].
    fn refresh_watched(&mut self) -> anyhow::Result<()> {
        let version = self.store()?.version()?;
        let stale = match self.read {
            None => true,
            Some((v, at)) => {
                (v != version && at.elapsed() >= REFRESH) || at.elapsed() >= REFRESH_ANYWAY
            }
        };
        if stale {
            self.watched = self.store()?.watched_for_silence()?;
            self.read = Some((version, Instant::now()));
        }
        Ok(())
    }
}

/// Why `silent` was sent.
fn silence(within: u64, last: Option<DateTime<Utc>>) -> String {
    let last = last.map_or("never (since it was added or changed)".to_string(), |t| {
        t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true)
    });
    format!(
        "no run succeeded within {} (--expect-success-within); the last success: {last}",
        crate::units::format_duration(within)
    )
}
