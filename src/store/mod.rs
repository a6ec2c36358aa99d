//! The job store: one interface in domain terms (APScheduler's
//! `jobstores/base.py` is the model), one folder per backend. Callers see
//! jobs, executions and claims, never SQL or a driver's types.
//!
//! - [`Jobs`]: adding, reading, changing and removing jobs;
//! - [`History`]: executions and their captured output;
//! - [`Runs`]: what `tick run` and `tick fire` need (due fires, claims, the
//!   lifecycle of an execution row, the runner lock);
//! - [`Runners`]: registered runners and their leases;
//! - `notices.rs`: notification conditions raised and cleared;
//! - `backfill.rs`: `tick backfill`'s past fires, waiting for a runner;
//! - `pausing.rs`: `--pause-after-failures`, applied as an end is recorded;
//! - `max_runs.rs`: `--max-runs`, counted as runs are claimed;
//! - `sqlite/`: the jobs file (rusqlite lives only there);
//! - `postgres/`: a PostgreSQL database shared by runners on several hosts
//!   (the `postgres` crate lives only there);
//! - `rows.rs`: what both share (columns, decoding rows, generated ids);
//! - `glob.rs`: `--name` patterns, written in each backend's terms;
//! - `recent.rs`: the newest executions of many jobs in one query;
//! - `location.rs`: where a store is ([`Location`]), and opening it.
//!
//! Every method that writes is one transaction: all of it, or (on any error,
//! including an unknown id) nothing.

pub mod backfill;
pub mod glob;
mod location;
pub mod max_runs;
pub mod notices;
pub mod pausing;
pub mod postgres;
pub mod recent;
pub mod rows;
pub mod sqlite;

pub use glob::Glob;
pub use location::{Folder, Location};
pub use pausing::Recorded;

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::model::{
    Execution, Fire, Job, JobState, LastRun, RetryPlan, RunResult, RunnerState, Status,
};

/// A job as read from the store, or a [`BadRow`]: one never hides the others.
pub type JobRow = std::result::Result<Job, BadRow>;

/// A stored job that cannot be used as it is (hand-edited, or from a zone
/// that left the tz database): never deleted, never a crash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BadRow {
    pub id: String,
    pub error: String,
}

impl std::fmt::Display for BadRow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "job '{}' cannot be read: {}", self.id, self.error)
    }
}

/// How a new job gets its id.
pub enum NewJobId {
    /// `--id ID`; with `replace`, an existing job of that id is overwritten
    /// in place (its history stays).
    Given { id: String, replace: bool },
    /// A short readable id, generated.
    Generated,
}

/// Which jobs a listing wants. The store filters and limits in its
/// query (with its indexes), never by reading every job.
#[derive(Debug, Clone, Default)]
pub struct JobFilter {
    /// The states wanted (by default active and paused).
    pub states: StateSet,
    /// Only jobs whose id or name matches.
    pub name: Option<Glob>,
    /// At most this many, the first in list order.
    pub limit: Option<usize>,
    /// Only a summary of each job: of its options only `first_run`, `pause` and
    /// `retries` are decoded, the rest left at their defaults (decoding
    /// every job's options was a large share of listing 10,000 jobs).
    pub summary: bool,
    /// The caller puts the jobs in list order itself: a store may hand
    /// them over in any order where that is cheaper (reading a whole
    /// table as it lies rather than row by row along an index).
    pub any_order: bool,
}

impl JobFilter {
    /// Whether this selects most jobs with nothing to stop early: no
    /// name, no limit, active jobs among the states. Such a listing costs
    /// less read in storage order and sorted after (see `any_order`).
    pub fn is_most(&self) -> bool {
        self.name.is_none() && self.limit.is_none() && self.states.contains(JobState::Active)
    }
}

impl JobFilter {
    /// Every job, as a summary.
    pub fn every_summary() -> JobFilter {
        JobFilter {
            states: StateSet::ALL,
            summary: true,
            ..JobFilter::default()
        }
    }
}

/// A set of job states.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StateSet(u8);

impl StateSet {
    pub const ALL: StateSet = StateSet(0b111);
    /// Active and paused: what `tick list` shows without `--all`.
    pub const UNFINISHED: StateSet = StateSet(0b011);

    pub fn of(states: &[JobState]) -> StateSet {
        StateSet(states.iter().fold(0, |b, s| b | StateSet::bit(*s)))
    }

    fn bit(state: JobState) -> u8 {
        match state {
            JobState::Active => 1,
            JobState::Paused => 2,
            JobState::Finished => 4,
        }
    }

    pub fn contains(self, state: JobState) -> bool {
        self.0 & StateSet::bit(state) != 0
    }

    /// The condition on a `state` column, in SQL both dialects read (its
    /// words are ours, never the user's): a single state is `=`, and two
    /// of three `!=` the third, so that each query has the index that
    /// also gives list order.
    pub fn sql(self) -> String {
        let all = [JobState::Active, JobState::Paused, JobState::Finished];
        let (inside, outside): (Vec<JobState>, Vec<JobState>) =
            all.iter().partition(|s| self.contains(**s));
        match (inside.as_slice(), outside.as_slice()) {
            (_, []) => "TRUE".into(),
            ([], _) => "FALSE".into(),
            ([one], _) => format!("state = '{}'", one.as_str()),
            (_, [one]) => format!("state != '{}'", one.as_str()),
            _ => unreachable!("three states"),
        }
    }
}

impl Default for StateSet {
    fn default() -> StateSet {
        StateSet::UNFINISHED
    }
}

/// Which executions `tick history` wants, newest first. Like
/// [`JobFilter`], answered by the store's query.
#[derive(Debug, Clone, Copy)]
pub struct HistoryFilter<'a> {
    /// Only this job's executions (an exact id).
    pub job_id: Option<&'a str>,
    /// Only executions whose job id, or name when it ran, matches, or of a
    /// job whose name matches now.
    pub name: Option<&'a Glob>,
    pub status: Option<Status>,
    /// At most this many.
    pub limit: usize,
    /// Only executions older than this one (by id): the next page.
    pub before: Option<i64>,
}

impl HistoryFilter<'_> {
    /// The newest `limit` executions of any job.
    pub fn newest(limit: usize) -> HistoryFilter<'static> {
        HistoryFilter {
            job_id: None,
            name: None,
            status: None,
            limit,
            before: None,
        }
    }
}

/// Jobs by state, as `tick status` shows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct JobStates {
    pub active: i64,
    pub paused: i64,
    pub finished: i64,
    /// Rows that cannot be read (see [`BadRow`]).
    pub unreadable: i64,
}

/// One due job's decision, to be claimed.
#[derive(Debug, Clone)]
pub struct Claim {
    /// The fire decided (its job and attempt) at the job's next run as it
    /// was read, or a retry's due time: the claim fails if the job's next
    /// run moved meanwhile.
    pub fire: Fire,
    pub new_next: Option<DateTime<Utc>>,
    pub new_state: JobState,
    /// Rows to record, each `fire` at its own time: `running` ones are to
    /// be started by the caller; `missed` and `skipped` ones carry the
    /// reason (how late, which limit).
    pub rows: Vec<(DateTime<Utc>, Status, Option<String>)>,
    /// A pending retry being claimed (its id in the store): the claim wins
    /// if it is still pending, and the job's next run is left as it is.
    pub retry: Option<i64>,
    /// The job has `--max-runs`: a run started is counted (`max_runs.rs`).
    pub max_runs: bool,
}

/// A retry waiting in the store for its time.
#[derive(Debug, Clone)]
pub struct PendingRetry {
    pub id: i64,
    pub job: JobRow,
    pub retry: RetryPlan,
    /// Copies of the job other live runners run (see [`Due`]).
    pub running_elsewhere: u32,
}

/// A due job, and how many copies of it other live runners (on any host)
/// run: with this runner's own copies, what `--max-instances` counts.
#[derive(Debug, Clone)]
pub struct Due {
    pub row: JobRow,
    pub running_elsewhere: u32,
}

/// Which due jobs a runner asks for.
#[derive(Debug, Clone, Copy)]
pub struct DueQuery<'a> {
    /// Jobs due at or before this instant...
    pub horizon: DateTime<Utc>,
    /// ...at most this many (what the runner can start, plus a small lead,
    /// so that a burst spreads over all runners)...
    pub limit: usize,
    /// ...leaving out these (rows the runner cannot use).
    pub skip: &'a [String],
    /// The asking runner's process identity: its own running copies are
    /// not counted in [`Due::running_elsewhere`].
    pub me: &'a str,
}

/// What one [`Claim`] came to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Claimed {
    /// Whether it won: the job was unchanged since it was read (for a
    /// retry: it was still pending).
    pub won: bool,
    /// The rows it recorded, in order (a row already recorded is left
    /// out): a `running` one is a fire the caller now owns and must start;
    /// a `missed` or `skipped` one is only told to listeners.
    pub rows: Vec<ClaimedRow>,
}

/// A row a claim recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClaimedRow {
    pub scheduled_at: DateTime<Utc>,
    pub status: Status,
    pub execution_id: i64,
}

/// A store's version (see [`Runs::version`]): what others committed, and
/// what this store wrote itself. Compared only for equality.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Version {
    /// Moves when another process commits a change.
    pub theirs: i64,
    /// Moves with every write of this store's own.
    pub ours: u64,
}

/// A runner about to register itself.
#[derive(Debug, Clone)]
pub struct RunnerInfo {
    /// `--name`, default `host:pid`.
    pub name: String,
    pub host: String,
    pub pid: u32,
    /// Its process identity (see `crate::process`).
    pub process: String,
    pub version: String,
    /// How long its lease holds without a renewal.
    pub lease: std::time::Duration,
}

/// A registered runner, as `tick runners` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunnerRow {
    pub id: i64,
    pub name: String,
    pub host: String,
    pub pid: i64,
    pub process: String,
    pub version: String,
    pub started_at: DateTime<Utc>,
    pub renewed_at: DateTime<Utc>,
    pub lease_ms: i64,
    /// As recorded (see [`RunnerRow::state_at`] for what to show).
    pub state: RunnerState,
    /// Its executions recorded as running.
    pub running: i64,
}

impl RunnerRow {
    /// The state to show at `now`, the one definition of a live runner
    /// (`tick status`, `tick runners`, the page, `/metrics`): the recorded
    /// state, except that a runner recorded alive whose lease has run out
    /// by the recorded times, or whose process is gone from this machine,
    /// is `expired` (the next runner to look declares it so).
    pub fn state_at(&self, now: DateTime<Utc>) -> RunnerState {
        let lapsed = self.renewed_at + chrono::Duration::milliseconds(self.lease_ms) < now;
        if self.state == RunnerState::Alive && (lapsed || crate::process::gone_here(&self.process))
        {
            RunnerState::Expired
        } else {
            self.state
        }
    }
}

/// A runner's claim or renewal found its lease taken over: it must stop
/// claiming.
#[derive(Debug)]
pub struct LeaseLost;

impl std::fmt::Display for LeaseLost {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("this runner's lease ran out and another runner took over")
    }
}

impl std::error::Error for LeaseLost {}

/// Who runs an execution: a label for people (`pid 12 on host`, `tick fire
/// (pid 12)`) and the process's identity (see `crate::process`), by which
/// a later runner tells a live owner from a dead one.
#[derive(Debug, Clone, Default)]
pub struct Owner {
    pub label: String,
    pub process: String,
    /// The registered runner (`None` for `tick fire`): its claims hold
    /// only while its lease does.
    pub runner: Option<i64>,
}

/// A child that started for an execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Started {
    pub execution_id: i64,
    pub at: DateTime<Utc>,
    /// The child's pid, which is also its process group.
    pub pid: i32,
}

/// An execution recorded as running, as a new runner finds it.
#[derive(Debug, Clone)]
pub struct RunningRow {
    pub execution_id: i64,
    pub fire: Fire,
    /// Its child's process group, once started.
    pub pid: Option<i32>,
    /// Whether its child started (a fire claimed ahead may not have).
    pub started: bool,
    /// The identity of its owner, if recorded (older files have none).
    pub owner: Option<String>,
}

/// An execution that ended, to be recorded.
#[derive(Debug)]
pub struct Finish<'a> {
    pub execution_id: i64,
    pub job_id: &'a str,
    pub status: Status,
    pub result: &'a RunResult,
    pub at: DateTime<Utc>,
    /// The next attempt, for a failure to be retried.
    pub retry: Option<RetryPlan>,
    /// Why it did not run (a fire missed while waiting for a worker).
    pub reason: Option<&'a str>,
    /// When its child started, as the wall clock reads at its end (moved
    /// with any clock step meanwhile, so that its duration is the time it
    /// really took); `None` keeps the start recorded.
    pub started: Option<DateTime<Utc>>,
    /// The job's `--pause-after-failures`, for a failure that is not
    /// retried: its job is paused, in the same transaction, when its last
    /// that many runs failed (see `pausing.rs`).
    pub pause_after: Option<u32>,
}

/// The captured output of one execution.
#[derive(Debug, Clone, Default)]
pub struct Output {
    pub execution: Option<Execution>,
    pub result: RunResult,
}

/// The outcome of asking for the runner lock.
pub enum RunnerLock {
    /// This process is the runner while it holds the value.
    Held(Box<dyn Send>),
    /// Another runner holds it; who.
    Taken(String),
}

/// The store a runner opened is not there any more (the jobs file was
/// deleted, or replaced by another file): not a passing fault.
#[derive(Debug)]
pub struct StoreGone(pub String);

impl std::fmt::Display for StoreGone {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for StoreGone {}

/// The context of a store error that names its store: `cannot use
/// LOCATION`. Whoever reports such an error adds no name of its own.
#[derive(Debug)]
pub struct CannotUse(pub String);

impl CannotUse {
    pub fn new(location: &Location) -> CannotUse {
        CannotUse(format!("cannot use {location}"))
    }

    /// Whether `e` names its store already.
    pub fn names(e: &anyhow::Error) -> bool {
        e.downcast_ref::<CannotUse>().is_some()
    }
}

impl std::fmt::Display for CannotUse {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// Jobs: each method that writes is one transaction.
pub trait Jobs {
    /// Add a job; returns its id. `job.id` is ignored in favour of `id`.
    fn add_job(&mut self, job: Job, id: NewJobId) -> Result<String>;
    /// Add several jobs with generated ids, all or none.
    fn add_jobs(&mut self, jobs: Vec<Job>) -> Result<Vec<String>>;
    /// One job by id; an unknown id is a usage error.
    fn job(&mut self, id: &str) -> Result<Job>;
    /// The ids of the jobs with exactly this name, by id (at most `limit`).
    fn job_ids_named(&self, name: &str, limit: usize) -> Result<Vec<String>> {
        let mut ids = Vec::new();
        self.each_job(JobFilter::every_summary(), &mut |row| {
            if let Ok(job) = row {
                if job.name.as_deref() == Some(name) && ids.len() < limit {
                    ids.push(job.id);
                }
            }
            Ok(())
        })?;
        ids.sort();
        Ok(ids)
    }
    /// How many jobs are in each state (active, paused, finished).
    fn job_states(&self) -> Result<JobStates> {
        let mut n = JobStates::default();
        self.each_job(JobFilter::every_summary(), &mut |row| {
            match row.map(|j| j.state) {
                Ok(JobState::Active) => n.active += 1,
                Ok(JobState::Paused) => n.paused += 1,
                Ok(JobState::Finished) => n.finished += 1,
                Err(_) => n.unreadable += 1,
            }
            Ok(())
        })?;
        Ok(n)
    }
    /// How many jobs there are (of any state).
    fn job_count(&self) -> Result<i64>;
    /// Every job, by id.
    fn jobs(&self) -> Result<Vec<JobRow>>;
    /// The jobs `filter` selects in list order (soonest next run first,
    /// then those without one, by id; see [`JobFilter::any_order`]), handed
    /// to `f` one at a time so that listing 100,000 jobs never holds them
    /// all.
    fn each_job(&self, filter: JobFilter, f: &mut dyn FnMut(JobRow) -> Result<()>) -> Result<()>;
    /// [`Jobs::each_job`], each job with its latest execution (what
    /// `tick list` shows), read with it.
    fn each_listed(
        &self,
        filter: JobFilter,
        f: &mut dyn FnMut(JobRow, Option<LastRun>) -> Result<()>,
    ) -> Result<()>;
    /// Change jobs (`None`: every job) with `change`, all or none.
    fn update_jobs(
        &mut self,
        ids: Option<&[String]>,
        change: &mut dyn FnMut(&mut Job) -> Result<()>,
    ) -> Result<Vec<Job>>;
    /// Remove jobs (their history stays), all or none.
    fn remove_jobs(&mut self, ids: &[String]) -> Result<()>;
    /// `tick copy`: write `jobs` as they are (ids, state, next run, times)
    /// and the executions of `history` in the order given (new execution
    /// ids; one already recorded for its job and scheduled time is left
    /// out), all or none. A job id that exists is refused unless `replace`.
    /// Returns how many executions were written.
    fn copy_in(&mut self, jobs: &[Job], history: &[Output], replace: bool) -> Result<usize>;
}

/// Executions, newest first.
pub trait History {
    /// A job's executions.
    fn executions_of(&self, job_id: &str, limit: usize) -> Result<Vec<Execution>>;
    /// The executions `filter` selects, newest first.
    fn history(&self, filter: &HistoryFilter) -> Result<Vec<Execution>>;
    /// The newest `per_job` executions of each of `job_ids`, newest first,
    /// read in one query (see `recent.rs`), however many jobs.
    fn recent_executions(&self, job_ids: &[String], per_job: usize) -> Result<Vec<Execution>>;
    /// Whether a job id has any history (it may have been removed since).
    fn has_history(&self, job_id: &str) -> Result<bool>;
    /// The output of execution `id`, or of the job's latest one that ran
    /// (or tried to: not a `missed` or `skipped` row).
    fn output(&self, job_id: &str, id: Option<i64>) -> Result<Output>;
    /// The job of execution `id` (execution numbers are shared by all
    /// jobs), or `None` when there is no such execution.
    fn job_of_execution(&self, id: i64) -> Result<Option<String>>;
    /// The newest execution that failed, was killed, timed out or was
    /// missed (what a job's `--on-failure` hears), of any job.
    fn last_failure(&self) -> Result<Option<Execution>> {
        let mut newest: Option<Execution> = None;
        for status in [
            Status::Failed,
            Status::Killed,
            Status::Timeout,
            Status::Missed,
        ] {
            let filter = HistoryFilter {
                status: Some(status),
                ..HistoryFilter::newest(1)
            };
            if let Some(e) = self.history(&filter)?.pop() {
                if newest.as_ref().is_none_or(|n| e.id > n.id) {
                    newest = Some(e);
                }
            }
        }
        Ok(newest)
    }
    /// Delete finished executions older than `before`; how many.
    fn prune(&mut self, before: DateTime<Utc>) -> Result<usize>;
}

/// What the runner (and `tick fire`) needs.
///
/// A claim is a conditional update of the job's next run plus execution
/// rows unique on (job, scheduled time): whoever commits first owns the
/// fire, so no fire ever runs twice, whatever the runner lock says.
pub trait Runs {
    /// Become the store's one runner, or learn who is.
    fn runner_lock(&self, me: &str) -> Result<RunnerLock>;
    /// Tune this connection for a long-running runner: only claims are
    /// made durable one by one, maintenance waits for [`Runs::maintain`].
    fn become_runner(&mut self) -> Result<()>;
    /// A [`StoreGone`] error if the store is no longer the one opened.
    fn check_identity(&self) -> Result<()>;
    /// Housekeeping in a quiet moment (never inside a claim).
    fn maintain(&mut self) -> Result<()>;
    /// The store's version: it changes whenever the jobs may have changed,
    /// by another process or through this store itself.
    fn version(&self) -> Result<Version>;
    /// The earliest next run of an active job or pending retry, leaving
    /// out the jobs in `skip` (rows the runner cannot use).
    fn next_due(&self, skip: &[String]) -> Result<Option<DateTime<Utc>>>;
    /// Active jobs due by the query's horizon, soonest first. A store
    /// shared by runners may lock the rows it returns for the caller's
    /// next [`Runs::claim`] (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so each
    /// runner reads other rows); any other call releases them.
    fn due_jobs(&self, query: &DueQuery) -> Result<Vec<Due>>;
    /// Call `wake` whenever another process may have changed the jobs
    /// (and after every reconnection, when changes may have been missed),
    /// so that a sleeping runner re-reads at once. A store without such
    /// news does nothing: the runner's poll finds changes.
    fn subscribe(&mut self, wake: Box<dyn Fn() + Send>) -> Result<()> {
        let _ = wake;
        Ok(())
    }
    /// Active `@reboot` jobs.
    fn reboot_jobs(&self) -> Result<Vec<JobRow>>;
    /// Claim decisions in ONE transaction. Returns what each claim came
    /// to, in the order given.
    fn claim(
        &mut self,
        claims: &[Claim],
        owner: &Owner,
        now: DateTime<Utc>,
    ) -> Result<Vec<Claimed>>;
    /// Record a manual run (`tick fire`) or a `@reboot` fire as running;
    /// `None` if that fire is recorded already.
    fn insert_running(&mut self, fire: &Fire, owner: &Owner) -> Result<Option<i64>>;
    /// One transaction for a wake-up's bookkeeping: children started, and
    /// executions ended (each job's retention applied once). A finish with
    /// a retry plan stores the retry, unless the job's next regular fire
    /// comes first (then the retry is recorded `skipped`, superseded) or the
    /// job is paused or removed (then it is dropped), and applies
    /// `--pause-after-failures`. Returns, per finish, whether a retry was
    /// stored and whether it paused its job.
    fn record(&mut self, started: &[Started], finished: &[Finish]) -> Result<Vec<Recorded>>;
    /// Pending retries due by `now`, soonest first.
    fn due_retries(&self, now: DateTime<Utc>, me: &str) -> Result<Vec<PendingRetry>>;
    /// Every pending retry: (job id, due, attempt).
    fn pending_retries(&self) -> Result<Vec<(String, DateTime<Utc>, u32)>>;
    /// The output so far of running executions (each stream's last 64
    /// KiB, replacing what was written before), so that `tick logs
    /// --follow` can show it while they run. Rows no longer `running` are
    /// left alone. Written by the runner and `tick fire` about once a
    /// second for children that print; best effort.
    fn record_output_so_far(&mut self, outputs: &[(i64, &RunResult)]) -> Result<()>;
    /// Finalise one execution row (of job `job_id`), then apply its job's
    /// retention.
    fn finish(
        &mut self,
        execution_id: i64,
        job_id: &str,
        status: Status,
        result: &RunResult,
        at: DateTime<Utc>,
    ) -> Result<()> {
        self.record(
            &[],
            &[Finish {
                execution_id,
                job_id,
                status,
                result,
                at,
                retry: None,
                reason: None,
                started: None,
                pause_after: None,
            }],
        )?;
        Ok(())
    }
    /// Give back a fire claimed ahead of its time that never started: its
    /// row (`execution_id`) goes, and the job's next run is set back to it
    /// unless the job changed meanwhile. Returns whether it was given back.
    fn unclaim(
        &mut self,
        execution_id: i64,
        fire: &Fire,
        claimed_next: Option<DateTime<Utc>>,
    ) -> Result<bool>;
    /// Every execution recorded as `running`.
    fn running_executions(&self) -> Result<Vec<RunningRow>>;
    /// Mark these executions `interrupted` (those still `running`), with
    /// `reason`; how many. A dead runner's fires end here whether or not
    /// their start was recorded: the claim is the start, so a claimed fire
    /// is never decided again (its command may have started).
    fn interrupt(
        &mut self,
        execution_ids: &[i64],
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<usize>;
}

/// The runners registered on a store and their leases. Lease times come
/// from the store's own clock (the database's `now()` where there is one).
pub trait Runners {
    /// Register a runner (alive, its lease starting now); its id.
    fn register_runner(&mut self, info: &RunnerInfo) -> Result<i64>;
    /// Renew a runner's lease; `false` when another runner has declared it
    /// expired meanwhile (it must stop claiming).
    fn renew_lease(&mut self, runner: i64) -> Result<bool>;
    /// Declare expired the alive runners `lapsed` picks (see
    /// `scheduler::Lapses`), each only if it has not renewed since it was
    /// read: a renewal in between wins. Returns those expired.
    fn expire_runners(
        &mut self,
        lapsed: &mut dyn FnMut(&RunnerRow) -> bool,
    ) -> Result<Vec<RunnerRow>> {
        // Looked for every 2 s: only a read, unless someone lapsed.
        let lapsed: Vec<RunnerRow> = self
            .runners()?
            .into_iter()
            .filter(|r| r.state == RunnerState::Alive && lapsed(r))
            .collect();
        if lapsed.is_empty() {
            return Ok(lapsed);
        }
        self.expire(lapsed)
    }
    /// Declare these runners expired, each only if it is still alive and
    /// has not renewed since it was read, in one transaction; those expired.
    fn expire(&mut self, runners: Vec<RunnerRow>) -> Result<Vec<RunnerRow>>;
    /// A runner stopped cleanly.
    fn unregister_runner(&mut self, runner: i64) -> Result<()>;
    /// Every runner, newest first.
    fn runners(&self) -> Result<Vec<RunnerRow>>;
}

/// A job store: every part of the interface, and where it is.
pub trait Store:
    Jobs + History + Runs + Runners + notices::Notices + backfill::Backfills + Send
{
    /// Where the store is, for messages.
    fn location(&self) -> &Location;
}
