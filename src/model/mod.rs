//! Plain data: jobs, their options and state, a fire's identity ([`Fire`]),
//! executions and their status.
//! No SQL and no I/O here; `store/` persists these, `output/` shows them.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error;
use crate::trigger::TriggerSpec;

mod notify;
mod overlap;
mod pause;
pub use notify::{DurationRange, NotifyEvent};
pub use overlap::{Overlap, BACKFILL_TOGETHER};
pub use pause::{MaxRuns, Pause};

/// A scheduled job: what to run, when, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Job {
    pub id: String,
    pub name: Option<String>,
    /// One shell string, run with `SHELL -c` (`options.shell`, `/bin/sh`
    /// unless given).
    pub command: String,
    pub trigger: TriggerSpec,
    pub state: JobState,
    /// The next scheduled (un-jittered) fire; `None` when there is none.
    pub next_run_at: Option<DateTime<Utc>>,
    pub options: JobOptions,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JobState {
    Active,
    Paused,
    /// A date job that fired, or a schedule that ended. Kept with its history.
    Finished,
}

impl JobState {
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Active => "active",
            JobState::Paused => "paused",
            JobState::Finished => "finished",
        }
    }
}

impl FromStr for JobState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "active" => Ok(JobState::Active),
            "paused" => Ok(JobState::Paused),
            "finished" => Ok(JobState::Finished),
            other => Err(format!("unknown job state '{other}'")),
        }
    }
}

impl fmt::Display for JobState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Executions kept per job unless `--keep-history` says otherwise.
pub const DEFAULT_KEEP_HISTORY: u32 = 100;
/// `--retries` at most.
pub const MAX_RETRIES: u32 = 100;
/// `--retry-delay` unless given: 30 s.
pub const DEFAULT_RETRY_DELAY: u64 = 30;
/// `--retry-max-delay` unless given: 1 h.
pub const DEFAULT_RETRY_MAX_DELAY: u64 = 3600;
/// `--shell` unless given: what cron runs a command with.
pub const DEFAULT_SHELL: &str = "/bin/sh";

/// How late a fire may still start (`--misfire-grace`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MisfireGrace {
    /// `auto`, the default: a fire up to a minute late runs (as with
    /// `1m`, the default before), and one later still, missed while no
    /// runner ran or while every worker was busy, runs once as long as the
    /// job's next fire after it has not come; a `date` job's one fire runs
    /// however late.
    #[default]
    Auto,
    /// At most this many seconds late.
    Within(u64),
    /// `none`: however late.
    Unlimited,
}

impl MisfireGrace {
    /// How late `auto` lets any fire be, whatever came after it.
    pub const AUTO_SECONDS: u64 = 60;

    /// Whether a fire due at `due` is later at `now` than the grace lets
    /// any fire be (for `auto` a minute: a later fire may still run, when
    /// its job's next fire has not come, see `scheduler/plan.rs`).
    pub fn exceeded(self, due: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let limit = match self {
            MisfireGrace::Within(g) => g,
            MisfireGrace::Auto => MisfireGrace::AUTO_SECONDS,
            MisfireGrace::Unlimited => return false,
        };
        (now - due).num_seconds() > i64::try_from(limit).unwrap_or(i64::MAX)
    }

    /// The seconds of a grace given as a duration.
    pub fn seconds(self) -> Option<u64> {
        match self {
            MisfireGrace::Within(g) => Some(g),
            _ => None,
        }
    }
}

/// `auto`, `none`, or the duration (`1m`), as the command line takes it.
impl fmt::Display for MisfireGrace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            MisfireGrace::Auto => f.write_str("auto"),
            MisfireGrace::Within(g) => f.write_str(&crate::units::format_duration(*g)),
            MisfireGrace::Unlimited => f.write_str("none"),
        }
    }
}

/// Stored as tick always stored it: seconds, or `null` for none; `auto`
/// (the default, so rarely stored) as the string "auto".
impl Serialize for MisfireGrace {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            MisfireGrace::Auto => s.serialize_str("auto"),
            MisfireGrace::Within(g) => s.serialize_u64(*g),
            MisfireGrace::Unlimited => s.serialize_none(),
        }
    }
}

impl<'de> Deserialize<'de> for MisfireGrace {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Grace;
        impl serde::de::Visitor<'_> for Grace {
            type Value = MisfireGrace;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("whole seconds, null (none) or \"auto\"")
            }
            fn visit_u64<E: serde::de::Error>(self, v: u64) -> Result<MisfireGrace, E> {
                Ok(MisfireGrace::Within(v))
            }
            fn visit_unit<E: serde::de::Error>(self) -> Result<MisfireGrace, E> {
                Ok(MisfireGrace::Unlimited)
            }
            fn visit_none<E: serde::de::Error>(self) -> Result<MisfireGrace, E> {
                Ok(MisfireGrace::Unlimited)
            }
            fn visit_str<E: serde::de::Error>(self, v: &str) -> Result<MisfireGrace, E> {
                match v {
                    "auto" => Ok(MisfireGrace::Auto),
                    _ => Err(E::invalid_value(serde::de::Unexpected::Str(v), &self)),
                }
            }
        }
        d.deserialize_any(Grace)
    }
}

/// How a job runs (APScheduler's job options, for shell commands).
///
/// Stored as JSON of only what differs from [`JobOptions::default`]
/// (`{}` for most jobs): a missing field reads as its default. A listing
/// of 10,000 jobs read the thirteen defaults of each, a third of the
/// jobs table. So a default is part of every stored job: changing one
/// needs a migration that first writes the old value into the rows that
/// lack it (`stored_defaults_are_pinned` pins them).
///
/// One default changed on purpose without one: `misfire_grace`, from 60 s
/// to `auto`, so that every job that never chose a grace gets the new
/// rule. A job that chose exactly 60 s before cannot be told from one that
/// did not (neither stored it, and files from before schema 8 wrote 60
/// into every job), so it gets `auto` too; since then a chosen 60 s is
/// stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct JobOptions {
    /// Running copies allowed at once; a fire beyond it is `skipped`.
    #[serde(skip_serializing_if = "unchanged::max_instances")]
    pub max_instances: u32,
    /// `--overlap`: what a fire does when `max_instances` copies run.
    #[serde(skip_serializing_if = "unchanged::overlap")]
    pub overlap: Overlap,
    /// Run a backlog of missed fires once instead of once each.
    #[serde(skip_serializing_if = "unchanged::coalesce")]
    pub coalesce: bool,
    /// How late a fire may start.
    #[serde(skip_serializing_if = "unchanged::misfire_grace")]
    pub misfire_grace: MisfireGrace,
    /// Seconds before the command's process group is terminated.
    #[serde(skip_serializing_if = "unchanged::timeout")]
    pub timeout: Option<u64>,
    /// Working directory (absolute).
    #[serde(skip_serializing_if = "unchanged::cwd")]
    pub cwd: Option<String>,
    /// Extra environment variables.
    #[serde(skip_serializing_if = "unchanged::env")]
    pub env: BTreeMap<String, String>,
    /// How many executions of this job are kept (newest first).
    #[serde(skip_serializing_if = "unchanged::keep_history")]
    pub keep_history: u32,
    /// Listener run after a successful execution.
    #[serde(skip_serializing_if = "unchanged::on_success")]
    pub on_success: Option<String>,
    /// Listener run after a failed, killed, timed-out or missed one.
    #[serde(skip_serializing_if = "unchanged::on_failure")]
    pub on_failure: Option<String>,
    /// `--first-run`: when the first fire was asked to happen.
    #[serde(skip_serializing_if = "unchanged::first_run")]
    pub first_run: Option<DateTime<Utc>>,
    /// How many more times a failed, killed or timed-out execution is
    /// attempted (`--retries`).
    #[serde(skip_serializing_if = "unchanged::retries")]
    pub retries: u32,
    /// Seconds before the first retry; doubled for each later one...
    #[serde(skip_serializing_if = "unchanged::retry_delay")]
    pub retry_delay: u64,
    /// ...up to this many seconds.
    #[serde(skip_serializing_if = "unchanged::retry_max_delay")]
    pub retry_max_delay: u64,
    /// The shell the command runs with (`SHELL -c COMMAND`), an absolute
    /// path; [`DEFAULT_SHELL`] unless `--shell` (or a crontab's `SHELL=`)
    /// said otherwise.
    #[serde(skip_serializing_if = "unchanged::shell")]
    pub shell: String,
    /// Paused by `tick pause --all` (not by hand): what `tick resume
    /// --all` resumes. Any pause or resume of the job by its id clears it.
    #[serde(skip_serializing_if = "unchanged::paused_by_all")]
    pub paused_by_all: bool,
    /// While paused: why and until when (`tick pause --note --until`).
    #[serde(skip_serializing_if = "unchanged::pause")]
    pub pause: Option<Pause>,
    /// `--pause-after-failures`: failed runs in a row that pause the job.
    #[serde(skip_serializing_if = "unchanged::pause_after_failures")]
    pub pause_after_failures: Option<u32>,
    /// `--max-runs`, with the runs started so far.
    #[serde(skip_serializing_if = "unchanged::max_runs")]
    pub max_runs: Option<MaxRuns>,
    /// `--notify`: where notices go (`http(s)://URL`, `mailto:ADDRESS`),
    /// as given.
    #[serde(skip_serializing_if = "unchanged::notify")]
    pub notify: Vec<String>,
    /// `--notify-on`: which events they hear, sorted.
    #[serde(skip_serializing_if = "unchanged::notify_on")]
    pub notify_on: Vec<NotifyEvent>,
    /// `--expect-duration MIN..MAX`, in seconds.
    #[serde(skip_serializing_if = "unchanged::expect_duration")]
    pub expect_duration: Option<DurationRange>,
    /// `--expect-success-within`: seconds without a success before `silent`.
    #[serde(skip_serializing_if = "unchanged::expect_success_within")]
    pub expect_success_within: Option<u64>,
}

/// Whether a field of [`JobOptions`] holds its default (then it is not
/// stored).
mod unchanged {
    use super::*;

    macro_rules! unchanged {
        ($($field:ident: $t:ty),* $(,)?) => {$(
            pub fn $field(v: &$t) -> bool {
                *v == JobOptions::default().$field
            }
        )*};
    }

    unchanged! {
        max_instances: u32,
        overlap: Overlap,
        coalesce: bool,
        misfire_grace: MisfireGrace,
        timeout: Option<u64>,
        cwd: Option<String>,
        env: BTreeMap<String, String>,
        keep_history: u32,
        on_success: Option<String>,
        on_failure: Option<String>,
        first_run: Option<DateTime<Utc>>,
        retries: u32,
        retry_delay: u64,
        retry_max_delay: u64,
        shell: String,
        paused_by_all: bool,
        pause: Option<Pause>,
        pause_after_failures: Option<u32>,
        max_runs: Option<MaxRuns>,
        notify: Vec<String>,
        notify_on: Vec<NotifyEvent>,
        expect_duration: Option<DurationRange>,
        expect_success_within: Option<u64>,
    }
}

impl JobOptions {
    /// After attempt `attempt` (1-based) ended `status`: the seconds until
    /// the next attempt, or `None` when there is none (it succeeded, it is
    /// not a failure that is retried, or the retries are used up). The delay
    /// doubles from `retry_delay` after each failed attempt, up to
    /// `retry_max_delay`.
    pub fn retry_after(&self, attempt: u32, status: Status) -> Option<u64> {
        let retried = matches!(status, Status::Failed | Status::Killed | Status::Timeout);
        if !retried || attempt == 0 || attempt > self.retries {
            return None;
        }
        let doubled = 1u64
            .checked_shl(attempt - 1)
            .and_then(|f| self.retry_delay.checked_mul(f))
            .unwrap_or(u64::MAX);
        Some(doubled.min(self.retry_max_delay.max(self.retry_delay)))
    }

    /// The same limits the command line enforces, for options read back
    /// from a store (a hand-edited row must never crash a runner).
    pub fn check(&self) -> Result<(), String> {
        let max = crate::units::MAX_DURATION_SECS;
        if self.max_instances == 0 {
            return Err("max_instances is 0; it must be at least 1".into());
        }
        if self.pause_after_failures == Some(0) || self.max_runs.is_some_and(|m| m.limit == 0) {
            return Err("pause_after_failures or max_runs is 0; it must be at least 1".into());
        }
        if self.retries > MAX_RETRIES {
            return Err(format!(
                "retries is {}; at most {MAX_RETRIES}",
                self.retries
            ));
        }
        for (name, v) in [
            ("timeout", self.timeout),
            ("misfire_grace", self.misfire_grace.seconds()),
            ("retry_delay", Some(self.retry_delay)),
            ("retry_max_delay", Some(self.retry_max_delay)),
            ("expect_success_within", self.expect_success_within),
            (
                "expect_duration.min",
                self.expect_duration.and_then(|r| r.min),
            ),
            (
                "expect_duration.max",
                self.expect_duration.and_then(|r| r.max),
            ),
        ] {
            match v {
                Some(0) if name == "timeout" => {
                    return Err("timeout is 0s; it must be at least 1s".into())
                }
                Some(s) if s > max => {
                    return Err(format!("{name} is {s}s; at most {max}s (100 years)"))
                }
                _ => {}
            }
        }
        if !self.shell.starts_with('/') || self.shell.contains('\0') {
            return Err(format!(
                "shell is {:?}; it must be an absolute path",
                self.shell
            ));
        }
        Ok(())
    }

    /// Whether the job's `--notify` targets hear `event`.
    pub fn hears(&self, event: NotifyEvent) -> bool {
        !self.notify.is_empty() && self.notify_on.contains(&event)
    }
}

impl Default for JobOptions {
    fn default() -> Self {
        JobOptions {
            max_instances: 1,
            overlap: Overlap::Skip,
            coalesce: true,
            misfire_grace: MisfireGrace::Auto,
            timeout: None,
            cwd: None,
            env: BTreeMap::new(),
            keep_history: DEFAULT_KEEP_HISTORY,
            on_success: None,
            on_failure: None,
            first_run: None,
            retries: 0,
            retry_delay: DEFAULT_RETRY_DELAY,
            retry_max_delay: DEFAULT_RETRY_MAX_DELAY,
            shell: DEFAULT_SHELL.to_string(),
            paused_by_all: false,
            pause: None,
            pause_after_failures: None,
            max_runs: None,
            notify: Vec::new(),
            notify_on: NotifyEvent::DEFAULT.to_vec(),
            expect_duration: None,
            expect_success_within: None,
        }
    }
}

/// How a command ended and what it printed: the last bytes of each stream,
/// and whether earlier ones were cut off.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RunResult {
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub stdout_truncated: bool,
    pub stderr_truncated: bool,
    /// What the process cost, read when it was reaped (`None`: not read).
    pub usage: Option<Usage>,
}

/// What one run cost, from the child's resource usage when it was reaped
/// (`wait4`): it covers the child and the descendants it waited for.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Usage {
    /// Peak resident memory (`ru_maxrss`), in KiB.
    pub peak_memory_kib: i64,
    /// CPU time in user mode (`ru_utime`), in microseconds.
    pub user_cpu_us: i64,
    /// CPU time in the kernel on its behalf (`ru_stime`), in microseconds.
    pub system_cpu_us: i64,
}

impl Usage {
    pub fn user_cpu_seconds(&self) -> f64 {
        self.user_cpu_us as f64 / 1e6
    }

    pub fn system_cpu_seconds(&self) -> f64 {
        self.system_cpu_us as f64 / 1e6
    }
}

impl RunResult {
    /// success / failed / killed, from the exit alone.
    pub fn status(&self) -> Status {
        match (self.exit_code, self.signal) {
            (Some(0), _) => Status::Success,
            (Some(_), _) => Status::Failed,
            (None, Some(_)) => Status::Killed,
            (None, None) => Status::Failed,
        }
    }

    /// A result with only a message on stderr (a command that never started).
    pub fn message(text: String) -> RunResult {
        RunResult {
            stderr: text.into_bytes(),
            ..RunResult::default()
        }
    }
}

/// One fire of a job: which job (its name and command as they were when it
/// fired), when it was due, and which attempt. Declared once, it flows from
/// the scheduler's decision through the store's claim and execution row to
/// the executor's environment and the listeners' event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fire {
    pub job_id: String,
    pub job_name: Option<String>,
    /// One shell string, run with `/bin/sh -c`.
    pub command: String,
    pub scheduled_at: DateTime<Utc>,
    /// 1 for a fire, 2, 3... for its retries.
    pub attempt: u32,
    /// For a retry: the execution id of the first attempt.
    pub retry_of: Option<i64>,
}

impl Fire {
    /// The first attempt of `job`'s fire at `scheduled_at`.
    pub fn first(job: &Job, scheduled_at: DateTime<Utc>) -> Fire {
        Fire {
            job_id: job.id.clone(),
            job_name: job.name.clone(),
            command: job.command.clone(),
            scheduled_at,
            attempt: 1,
            retry_of: None,
        }
    }

    /// The attempt `retry` plans, of `job`.
    pub fn retry(job: &Job, retry: &RetryPlan) -> Fire {
        Fire {
            attempt: retry.attempt,
            retry_of: (!retry.is_backfill()).then_some(retry.retry_of),
            ..Fire::first(job, retry.due_at)
        }
    }

    /// The same job and attempt at another scheduled time (the other rows
    /// of one decision: a backlog's missed and skipped fires).
    pub fn at(&self, scheduled_at: DateTime<Utc>) -> Fire {
        Fire {
            scheduled_at,
            ..self.clone()
        }
    }

    /// The attempt after this one, whose execution is `id`, due at `due_at`.
    pub fn next_attempt(&self, id: i64, due_at: DateTime<Utc>) -> RetryPlan {
        RetryPlan {
            due_at,
            attempt: self.attempt + 1,
            retry_of: self.retry_of.unwrap_or(id),
        }
    }

    /// Whether it is a retry of a failed attempt.
    pub fn is_retry(&self) -> bool {
        self.retry_of.is_some()
    }
}

/// An attempt to come after a failed one, as the store keeps it until it
/// is due (then it becomes a [`Fire`], see [`Fire::retry`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPlan {
    pub due_at: DateTime<Utc>,
    /// The attempt it will be (2, 3, ...).
    pub attempt: u32,
    /// The first attempt's execution id.
    pub retry_of: i64,
}

/// One fire of a job, kept as history (django-apscheduler's execution table).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Execution {
    pub id: i64,
    pub job_id: String,
    /// The job's name and command as they were when it ran.
    pub job_name: Option<String>,
    pub command: String,
    pub scheduled_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub status: Status,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    /// 1 for a fire, 2, 3... for its retries.
    pub attempt: u32,
    /// For a retry: the execution id of the first attempt.
    pub retry_of: Option<i64>,
    /// Why a `missed` or `skipped` fire did not run (how late, which limit).
    pub reason: Option<String>,
    /// What the run cost (`None`: it did not run, or it was not read).
    pub usage: Option<Usage>,
}

impl Execution {
    pub fn duration_ms(&self) -> Option<i64> {
        Some((self.finished_at? - self.started_at?).num_milliseconds())
    }

    pub fn last_run(&self) -> LastRun {
        LastRun {
            status: self.status,
            scheduled_at: self.scheduled_at,
            started_at: self.started_at,
            finished_at: self.finished_at,
        }
    }
}

/// What a listing shows of a job's latest execution.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastRun {
    pub status: Status,
    pub scheduled_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
}

impl LastRun {
    /// When it last did something: ended, else started, else was due.
    pub fn when(&self) -> DateTime<Utc> {
        self.finished_at
            .or(self.started_at)
            .unwrap_or(self.scheduled_at)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    Running,
    Success,
    /// Non-zero exit; the code is kept.
    Failed,
    /// Ended by a signal; the signal is kept.
    Killed,
    Timeout,
    /// Started later than its misfire grace: not run.
    Missed,
    /// Would have exceeded max_instances: not run.
    Skipped,
    /// The runner stopped or died while it ran.
    Interrupted,
}

impl Status {
    pub const ALL: [Status; 8] = [
        Status::Running,
        Status::Success,
        Status::Failed,
        Status::Killed,
        Status::Timeout,
        Status::Missed,
        Status::Skipped,
        Status::Interrupted,
    ];

    /// The exit code `tick fire` passes on for an execution that ended
    /// with this status: the job's own code, 128+n for a signal, 124 for a
    /// timeout, 130 when interrupted.
    pub fn exit_code(self, result: &RunResult) -> i32 {
        match (self, result.exit_code, result.signal) {
            (Status::Success, _, _) => error::EXIT_OK,
            (Status::Timeout, _, _) => error::EXIT_TIMEOUT,
            (Status::Interrupted, _, _) => error::EXIT_INTERRUPTED,
            (_, Some(c), _) => c,
            (_, None, Some(s)) => 128 + s,
            _ => error::EXIT_FAILURE,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Running => "running",
            Status::Success => "success",
            Status::Failed => "failed",
            Status::Killed => "killed",
            Status::Timeout => "timeout",
            Status::Missed => "missed",
            Status::Skipped => "skipped",
            Status::Interrupted => "interrupted",
        }
    }
}

impl FromStr for Status {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Status::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown status '{s}'"))
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A registered runner's state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunnerState {
    /// Running, renewing its lease.
    Alive,
    /// Stopped cleanly.
    Gone,
    /// Declared dead: its lease ran out, or its process is gone.
    Expired,
}

impl RunnerState {
    pub const ALL: [RunnerState; 3] = [RunnerState::Alive, RunnerState::Gone, RunnerState::Expired];

    pub fn as_str(self) -> &'static str {
        match self {
            RunnerState::Alive => "alive",
            RunnerState::Gone => "gone",
            RunnerState::Expired => "expired",
        }
    }
}

impl FromStr for RunnerState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        RunnerState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown runner state '{s}'"))
    }
}

impl fmt::Display for RunnerState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Stored options leave out their defaults, so the defaults are what
    /// every job stored without a field runs with: they cannot change
    /// without a migration (see [`JobOptions`]), except the misfire grace,
    /// whose default changed from 60 s to `auto` for every job that did
    /// not store one.
    #[test]
    fn stored_defaults_are_pinned() {
        let stored = |o: &JobOptions| serde_json::to_string(o).unwrap();
        assert_eq!(stored(&JobOptions::default()), "{}");
        let pinned: JobOptions = serde_json::from_str(
            r#"{"max_instances":1,"coalesce":true,"timeout":null,
                "cwd":null,"env":{},"keep_history":100,"on_success":null,
                "on_failure":null,"first_run":null,"retries":0,"retry_delay":30,
                "retry_max_delay":3600,"shell":"/bin/sh"}"#,
        )
        .unwrap();
        assert_eq!(pinned, JobOptions::default());
        assert_eq!(pinned.misfire_grace, MisfireGrace::Auto);
        // Whatever differs is stored, and reads back the same: `None`
        // where the default is `Some` as `null`; a chosen 60 s as 60.
        let mut o = JobOptions {
            misfire_grace: MisfireGrace::Unlimited,
            timeout: Some(5),
            retries: 3,
            ..JobOptions::default()
        };
        o.env.insert("A".into(), "1".into());
        assert_eq!(
            stored(&o),
            r#"{"misfire_grace":null,"timeout":5,"env":{"A":"1"},"retries":3}"#
        );
        assert_eq!(serde_json::from_str::<JobOptions>(&stored(&o)).unwrap(), o);
        o.misfire_grace = MisfireGrace::Within(60);
        assert!(stored(&o).starts_with(r#"{"misfire_grace":60,"#));
        assert_eq!(serde_json::from_str::<JobOptions>(&stored(&o)).unwrap(), o);
        // "auto" reads too (a hand edit); anything else is an error.
        let read = |t: &str| serde_json::from_str::<JobOptions>(t).map(|o| o.misfire_grace);
        assert_eq!(
            read(r#"{"misfire_grace":"auto"}"#).unwrap(),
            MisfireGrace::Auto
        );
        for bad in [r#""soon""#, "-1", "1.5", "true"] {
            assert!(
                read(&format!(r#"{{"misfire_grace":{bad}}}"#)).is_err(),
                "{bad}"
            );
        }
    }

    #[test]
    fn retry_delays_double_up_to_the_maximum() {
        let o = JobOptions {
            retries: 5,
            retry_delay: 30,
            retry_max_delay: 100,
            ..JobOptions::default()
        };
        let delays: Vec<Option<u64>> = (1..=6).map(|a| o.retry_after(a, Status::Failed)).collect();
        assert_eq!(
            delays,
            [Some(30), Some(60), Some(100), Some(100), Some(100), None]
        );
        assert_eq!(o.retry_after(1, Status::Timeout), Some(30));
        assert_eq!(o.retry_after(1, Status::Killed), Some(30));
        for s in [
            Status::Success,
            Status::Missed,
            Status::Skipped,
            Status::Interrupted,
        ] {
            assert_eq!(o.retry_after(1, s), None, "{s}");
        }
        assert_eq!(JobOptions::default().retry_after(1, Status::Failed), None);
        let huge = JobOptions {
            retries: 100,
            retry_max_delay: u64::MAX,
            ..o
        };
        assert_eq!(huge.retry_after(100, Status::Failed), Some(u64::MAX));
    }
}
