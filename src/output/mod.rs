//! How results are shown: aligned tables and JSON. Times for machines
//! are RFC 3339 with the zone's offset at that instant; times for people are
//! local to the job's zone, with a relative hint ("in 3m").

use std::io::Write;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use crate::model::{Execution, Job, JobState, LastRun};
use crate::ops::show::Details;
use crate::store::RunnerRow;
use crate::trigger::input::format_duration;
use crate::units::{human_kib, human_ms};

mod table;
pub use table::{Give, Style, Table};

pub use crate::rfc3339::{with_offset as rfc3339, with_offset_ms as rfc3339_ms};

/// `2026-11-23 03:00:00 CET`
///
/// Written by hand: chrono's strftime parser was a visible share of listing
/// 10,000 jobs.
pub fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    LocalTime(t, tz).to_string()
}

/// [`local_time`] without allocating.
pub struct LocalTime(pub DateTime<Utc>, pub Tz);

impl std::fmt::Display for LocalTime {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        use chrono::{Datelike, Timelike};
        use chrono_tz::OffsetName;
        let l = self.0.with_timezone(&self.1);
        let offset = l.offset();
        // Digits by hand: `{:02}` six times over was most of the cost of
        // a listing's NEXT RUN column.
        let year = l.year();
        if (0..=9999).contains(&year) {
            let mut b = *b"0000-00-00 00:00:00 ";
            let two = |b: &mut [u8], at: usize, v: u32| {
                b[at] = b'0' + (v / 10) as u8;
                b[at + 1] = b'0' + (v % 10) as u8;
            };
            two(&mut b, 0, year as u32 / 100);
            two(&mut b, 2, year as u32 % 100);
            two(&mut b, 5, l.month());
            two(&mut b, 8, l.day());
            two(&mut b, 11, l.hour());
            two(&mut b, 14, l.minute());
            two(&mut b, 17, l.second());
            f.write_str(std::str::from_utf8(&b).map_err(|_| std::fmt::Error)?)?;
        } else {
            write!(
                f,
                "{:04}-{:02}-{:02} {:02}:{:02}:{:02} ",
                year,
                l.month(),
                l.day(),
                l.hour(),
                l.minute(),
                l.second(),
            )?;
        }
        match offset.abbreviation() {
            Some(abbr) => f.write_str(abbr),
            None => write!(f, "{}", chrono::Offset::fix(offset)),
        }
    }
}

/// "in 3m", "5h ago", "now".
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    Relative(t, now).to_string()
}

/// [`relative`] without allocating.
pub struct Relative(pub DateTime<Utc>, pub DateTime<Utc>);

impl std::fmt::Display for Relative {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let secs = (self.0 - self.1).num_seconds();
        let s = secs.unsigned_abs();
        let (n, unit) = match s {
            0..=59 => (s, "s"),
            60..=3599 => (s / 60, "m"),
            3600..=86_399 => (s / 3600, "h"),
            _ => (s / 86_400, "d"),
        };
        match secs {
            0 => f.write_str("now"),
            s if s > 0 => write!(f, "in {n}{unit}"),
            _ => write!(f, "{n}{unit} ago"),
        }
    }
}

/// A job's next run for people: `2026-11-23 03:00:00 CET (in 20h)`, with
/// `first run` when `--first-run` set it, and `overdue` when it is past
/// and no live runner (`runner` false) will run it.
pub struct NextRun<'a>(pub &'a Job, pub DateTime<Utc>, pub DateTime<Utc>, pub bool);

impl std::fmt::Display for NextRun<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let NextRun(job, at, now, runner) = *self;
        write!(f, "{} ({}", LocalTime(at, job_tz(job)), Relative(at, now))?;
        if !runner && at < now {
            f.write_str(", overdue")?;
        }
        if job.options.first_run == Some(at) {
            f.write_str(", first run")?;
        }
        f.write_str(")")
    }
}

/// The zone of a job, falling back to UTC for display when it is unknown.
pub fn job_tz(job: &Job) -> Tz {
    job.trigger.timezone.parse().unwrap_or(Tz::UTC)
}

/// A job's human trigger.
pub fn describe_trigger(job: &Job) -> String {
    job.trigger.describe()
}

/// A job as JSON (the field names of docs/guide.md). Serialized straight to the writer:
/// building `serde_json::Value` maps for 10,000 jobs costs more than the
/// rest of `tick list --json` together.
#[derive(Serialize)]
pub struct JobJson<'a> {
    id: &'a str,
    name: Option<&'a str>,
    command: &'a str,
    trigger: String,
    timezone: &'a str,
    state: &'static str,
    next_run_at: Option<String>,
    max_instances: u32,
    overlap: &'static str,
    coalesce: bool,
    /// `auto`, `none`, or the duration (`1m`).
    misfire_grace: String,
    /// Whole seconds when it is a duration, else null.
    misfire_grace_seconds: Option<u64>,
    timeout_seconds: Option<u64>,
    cwd: Option<&'a str>,
    env: &'a std::collections::BTreeMap<String, String>,
    shell: &'a str,
    jitter_seconds: u64,
    keep_history: u32,
    on_success: Option<&'a str>,
    on_failure: Option<&'a str>,
    retries: u32,
    retry_delay_seconds: u64,
    retry_max_delay_seconds: u64,
    first_run_at: Option<String>,
    /// `--pause-after-failures`.
    pause_after_failures: Option<u32>,
    /// `--max-runs`, and how many of them are left.
    max_runs: Option<u32>,
    runs_left: Option<u32>,
    /// While paused: why (`tick pause --note`, or tick's own reason).
    pause_note: Option<&'a str>,
    /// While paused: when the runner resumes it (`tick pause --until`).
    paused_until: Option<String>,
    notify: &'a [String],
    notify_on: &'a [crate::model::NotifyEvent],
    expect_duration: Option<ExpectJson>,
    expect_success_within_seconds: Option<u64>,
    last_status: Option<&'static str>,
    last_run_at: Option<String>,
    created_at: String,
    updated_at: String,
    trigger_spec: &'a crate::trigger::TriggerSpec,
}

impl<'a> JobJson<'a> {
    pub fn new(job: &'a Job, last: Option<&LastRun>) -> Self {
        let tz = job_tz(job);
        JobJson {
            id: &job.id,
            name: job.name.as_deref(),
            command: &job.command,
            trigger: describe_trigger(job),
            timezone: &job.trigger.timezone,
            state: job.state.as_str(),
            next_run_at: job.next_run_at.map(|t| rfc3339(t, tz)),
            max_instances: job.options.max_instances,
            overlap: job.options.overlap.as_str(),
            coalesce: job.options.coalesce,
            misfire_grace: job.options.misfire_grace.to_string(),
            misfire_grace_seconds: job.options.misfire_grace.seconds(),
            timeout_seconds: job.options.timeout,
            cwd: job.options.cwd.as_deref(),
            env: &job.options.env,
            shell: &job.options.shell,
            jitter_seconds: job.trigger.jitter,
            keep_history: job.options.keep_history,
            on_success: job.options.on_success.as_deref(),
            on_failure: job.options.on_failure.as_deref(),
            retries: job.options.retries,
            retry_delay_seconds: job.options.retry_delay,
            retry_max_delay_seconds: job.options.retry_max_delay,
            first_run_at: job.options.first_run.map(|t| rfc3339(t, tz)),
            pause_after_failures: job.options.pause_after_failures,
            max_runs: job.options.max_runs.map(|m| m.limit),
            runs_left: job.options.max_runs.map(|m| m.left()),
            pause_note: job.pause_note(),
            paused_until: job.paused_until().map(|t| rfc3339(t, tz)),
            notify: &job.options.notify,
            notify_on: &job.options.notify_on,
            expect_duration: job.options.expect_duration.map(|r| ExpectJson {
                min_seconds: r.min,
                max_seconds: r.max,
            }),
            expect_success_within_seconds: job.options.expect_success_within,
            last_status: last.map(|e| e.status.as_str()),
            last_run_at: last.map(|e| rfc3339(e.started_at.unwrap_or(e.scheduled_at), tz)),
            created_at: rfc3339(job.created_at, tz),
            updated_at: rfc3339(job.updated_at, tz),
            trigger_spec: &job.trigger,
        }
    }
}

/// `--expect-duration` as JSON: either side may be null.
#[derive(Serialize)]
struct ExpectJson {
    min_seconds: Option<u64>,
    max_seconds: Option<u64>,
}

/// An execution as JSON (the field names of docs/guide.md).
#[derive(Serialize)]
pub struct ExecutionJson<'a> {
    id: i64,
    job_id: &'a str,
    job_name: Option<&'a str>,
    command: &'a str,
    scheduled_at: String,
    started_at: Option<String>,
    finished_at: Option<String>,
    duration_ms: Option<i64>,
    status: &'static str,
    exit_code: Option<i32>,
    signal: Option<i32>,
    attempt: u32,
    retry_of: Option<i64>,
    reason: Option<&'a str>,
    /// What the run cost (null: it did not run, or it was not read).
    peak_memory_kib: Option<i64>,
    user_cpu_seconds: Option<f64>,
    system_cpu_seconds: Option<f64>,
}

impl<'a> ExecutionJson<'a> {
    pub fn new(e: &'a Execution, tz: Tz) -> Self {
        ExecutionJson {
            id: e.id,
            job_id: &e.job_id,
            job_name: e.job_name.as_deref(),
            command: &e.command,
            scheduled_at: rfc3339(e.scheduled_at, tz),
            started_at: e.started_at.map(|t| rfc3339_ms(t, tz)),
            finished_at: e.finished_at.map(|t| rfc3339_ms(t, tz)),
            duration_ms: e.duration_ms(),
            status: e.status.as_str(),
            exit_code: e.exit_code,
            signal: e.signal,
            attempt: e.attempt,
            retry_of: e.retry_of,
            reason: e.reason.as_deref(),
            peak_memory_kib: e.usage.map(|u| u.peak_memory_kib),
            user_cpu_seconds: e.usage.map(|u| u.user_cpu_seconds()),
            system_cpu_seconds: e.usage.map(|u| u.system_cpu_seconds()),
        }
    }
}

/// Pretty JSON and a final newline.
pub fn write_json(out: &mut impl Write, value: &impl Serialize) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

#[derive(Serialize)]
pub struct FireJson {
    fire_at: String,
    timezone: &'static str,
}

/// `[{"fire_at": "...", "timezone": "..."}, ...]`
pub fn fire_times_json(fires: &[DateTime<Utc>], tz: Tz) -> Vec<FireJson> {
    fires
        .iter()
        .map(|t| FireJson {
            fire_at: rfc3339(*t, tz),
            timezone: tz.name(),
        })
        .collect()
}

fn state_style(state: JobState) -> Style {
    match state {
        JobState::Active => Style::Green,
        JobState::Paused => Style::Yellow,
        JobState::Finished => Style::Dim,
    }
}

/// The empty jobs table of `tick list`; rows come from [`job_row`].
pub fn jobs_table(color: bool) -> Table {
    Table::new(
        &[
            "ID", "NAME", "TRIGGER", "NEXT RUN", "LAST", "STATE", "COMMAND",
        ],
        color,
    )
}

/// How the jobs table gives up width on a terminal: a long name is cut to
/// 24 columns, then the command, then the name further; then next runs
/// show only their relative time; then the command is left out; then the
/// trigger is cut. The id, the last run and
/// the state are always whole.
pub const JOBS_FIT: &[Give] = &[
    Give::Shorten(1, 24),
    Give::Shorten(6, 12),
    Give::Shorten(1, 8),
    Give::Relative(3),
    Give::Drop(6),
    Give::Shorten(2, 16),
];

/// Add one job's row to the jobs table. Without a live runner (`runner`
/// false), a next run in the past is marked overdue: nothing will run it.
/// `retry`: the job's pending retry, if any (due, attempt).
pub fn job_row(
    t: &mut Table,
    job: &Job,
    last: Option<&LastRun>,
    retry: Option<&(DateTime<Utc>, u32)>,
    now: DateTime<Utc>,
    runner: bool,
) {
    t.cell(&job.id, Style::Plain);
    t.cell(job.name.as_deref().unwrap_or("-"), Style::Plain);
    t.cell_fmt(format_args!("{}", job.trigger), Style::Plain);
    match job.next_run_at {
        Some(n) => t.cell_fmt(
            format_args!("{}", NextRun(job, n, now, runner)),
            Style::Plain,
        ),
        None if job.state == JobState::Active => t.cell("never", Style::Plain),
        None => match job.paused_until() {
            Some(at) => t.cell_fmt(format_args!("resumes {}", Relative(at, now)), Style::Plain),
            None => t.cell("-", Style::Plain),
        },
    }
    match (last, retry) {
        (Some(e), Some((due, attempt))) => t.cell_fmt(
            format_args!(
                "{} {}, retry {}/{} {}",
                e.status,
                Relative(e.when(), now),
                attempt - 1,
                job.options.retries,
                Relative(*due, now)
            ),
            Style::Status(e.status),
        ),
        (Some(e), None) => t.cell_fmt(
            format_args!("{} {}", e.status, Relative(e.when(), now)),
            Style::Status(e.status),
        ),
        (None, _) => t.cell("-", Style::Plain),
    }
    match job.pause_note() {
        // The note itself is in `show`; the mark keeps the column narrow.
        Some(_) => t.cell("paused*", state_style(job.state)),
        None => t.cell(job.state.as_str(), state_style(job.state)),
    }
    t.cell(&job.command, Style::Plain);
}

/// The executions table of `tick show` and `tick history` (with a JOB
/// column when the rows may be of several jobs, USER, SYS and MEM (what
/// each run cost: CPU time and peak memory) `with_usage`, and a REASON
/// column when a missed or skipped row says why).
pub fn executions_table(
    execs: &[Execution],
    tz: Tz,
    color: bool,
    with_job: bool,
    with_usage: bool,
) -> Table {
    let mut headers = vec!["EXEC"];
    if with_job {
        headers.push("JOB");
    }
    headers.extend(["SCHEDULED", "STARTED", "DURATION", "STATUS", "EXIT"]);
    if with_usage {
        headers.extend(USAGE_HEADERS);
    }
    let with_reason = execs.iter().any(|e| e.reason.is_some());
    if with_reason {
        headers.push("REASON");
    }
    let mut t = Table::new(&headers, color);
    for e in execs {
        let mut row = vec![(e.id.to_string(), Style::Plain)];
        if with_job {
            let job = match &e.job_name {
                Some(name) => format!("{} ({name})", e.job_id),
                None => e.job_id.clone(),
            };
            row.push((job, Style::Plain));
        }
        row.extend(vec![
            (local_time(e.scheduled_at, tz), Style::Plain),
            (
                e.started_at.map_or("-".into(), |s| local_time(s, tz)),
                Style::Plain,
            ),
            (e.duration_ms().map_or("-".into(), human_ms), Style::Plain),
            (
                if e.attempt > 1 {
                    format!("{} (attempt {})", e.status, e.attempt)
                } else {
                    e.status.as_str().into()
                },
                Style::Status(e.status),
            ),
            (
                match (e.exit_code, e.signal) {
                    (Some(c), _) => c.to_string(),
                    (None, Some(s)) => format!("signal {s}"),
                    _ => "-".into(),
                },
                Style::Plain,
            ),
        ]);
        if with_usage {
            row.extend(usage_cells(e).map(|c| (c, Style::Plain)));
        }
        if with_reason {
            row.push((e.reason.clone().unwrap_or_else(|| "-".into()), Style::Plain));
        }
        t.row(row);
    }
    t
}

/// The columns of what a run cost.
const USAGE_HEADERS: [&str; 3] = ["USER", "SYS", "MEM"];

/// USER and SYS CPU time and peak MEM of one execution (`-` when not
/// recorded).
fn usage_cells(e: &Execution) -> [String; 3] {
    match e.usage {
        Some(u) => [
            human_ms(u.user_cpu_us / 1000),
            human_ms(u.system_cpu_us / 1000),
            human_kib(u.peak_memory_kib),
        ],
        None => ["-".into(), "-".into(), "-".into()],
    }
}

/// How the executions table (`history`, `show`) gives up width on a
/// terminal, by header: what runs cost is left out first (SYS, MEM, then
/// USER); then a long reason is cut to 24 columns, then the job
/// (`id (name)`) to 16; then STARTED shows only its time of day (its date
/// is SCHEDULED's but for a run late past midnight); then the job and the
/// reason are cut further; then STARTED, and last the reason, are left
/// out. EXEC, SCHEDULED, DURATION, STATUS and EXIT are always whole.
pub const EXECUTIONS_FIT: &[(&str, Give)] = &[
    ("SYS", Give::Drop(0)),
    ("MEM", Give::Drop(0)),
    ("USER", Give::Drop(0)),
    ("REASON", Give::Shorten(0, 24)),
    ("JOB", Give::Shorten(0, 16)),
    ("STARTED", Give::TimeOfDay(0)),
    ("JOB", Give::Shorten(0, 10)),
    ("REASON", Give::Shorten(0, 12)),
    ("STARTED", Give::Drop(0)),
    ("REASON", Give::Drop(0)),
];

/// The runners table of `tick runners` and the page, newest first as
/// given: RENEWED is how long ago the lease was renewed.
pub fn runners_table(runners: &[RunnerRow], now: DateTime<Utc>, tz: Tz, color: bool) -> Table {
    let mut t = Table::new(
        &[
            "NAME", "HOST", "PID", "VERSION", "STARTED", "RENEWED", "RUNNING", "STATE",
        ],
        color,
    );
    for r in runners {
        let st = r.state_at(now);
        t.cell(&r.name, Style::Plain);
        t.cell(&r.host, Style::Plain);
        t.cell_fmt(format_args!("{}", r.pid), Style::Plain);
        t.cell(&r.version, Style::Plain);
        t.cell_fmt(
            format_args!("{}", LocalTime(r.started_at, tz)),
            Style::Plain,
        );
        t.cell(&relative(r.renewed_at, now), Style::Plain);
        t.cell_fmt(format_args!("{}", r.running), Style::Plain);
        t.cell(st.as_str(), Style::of_runner(st));
    }
    t
}

/// How the runners table gives up width on a terminal: a long name or
/// host is cut to 20 columns, then VERSION is left out, then the name and
/// host are cut to 10, then STARTED shows only its time of day.
pub const RUNNERS_FIT: &[(&str, Give)] = &[
    ("NAME", Give::Shorten(0, 20)),
    ("HOST", Give::Shorten(0, 20)),
    ("VERSION", Give::Drop(0)),
    ("NAME", Give::Shorten(0, 10)),
    ("HOST", Give::Shorten(0, 10)),
    ("STARTED", Give::TimeOfDay(0)),
];

/// A duration option for people: `1h30m`, or `none`.
pub fn opt_text(v: Option<u64>) -> String {
    v.map_or_else(|| "none".to_string(), format_duration)
}

/// `tick show --json`'s object (and the API's job).
#[derive(serde::Serialize)]
pub struct DetailsJson<'a> {
    #[serde(flatten)]
    job: JobJson<'a>,
    next_fires: Vec<FireJson>,
    executions: Vec<ExecutionJson<'a>>,
}

impl<'a> DetailsJson<'a> {
    pub fn new(d: &'a Details) -> Self {
        let tz = job_tz(&d.job);
        DetailsJson {
            job: JobJson::new(&d.job, d.executions.first().map(|e| e.last_run()).as_ref()),
            next_fires: fire_times_json(&d.fires, tz),
            executions: d
                .executions
                .iter()
                .map(|e| ExecutionJson::new(e, tz))
                .collect(),
        }
    }
}

/// Every field of a job for people, as `tick show` and the web page
/// list them.
/// `runner`: whether a live runner holds the store.
pub fn fields(job: &Job, now: DateTime<Utc>, runner: bool) -> Vec<(&'static str, String)> {
    let tz = job_tz(job);
    let o = &job.options;
    let env = if o.env.is_empty() {
        "-".to_string()
    } else {
        o.env
            .iter()
            .map(|(k, v)| format!("{k}={}", shell_words::quote(v)))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let next = job
        .next_run_at
        .map_or("-".into(), |n| NextRun(job, n, now, runner).to_string());
    vec![
        ("id", job.id.clone()),
        ("name", job.name.clone().unwrap_or("-".into())),
        ("command", job.command.clone()),
        ("trigger", describe_trigger(job)),
        ("timezone", job.trigger.timezone.clone()),
        ("state", state_text(job)),
        ("next run", next),
        ("paused", pause_text(job, tz)),
        ("max instances", o.max_instances.to_string()),
        ("overlap", o.overlap.to_string()),
        (
            "max runs",
            o.max_runs
                .map_or("-".into(), |m| format!("{} ({} left)", m.limit, m.left())),
        ),
        ("coalesce", if o.coalesce { "yes" } else { "no" }.into()),
        ("misfire grace", o.misfire_grace.to_string()),
        ("timeout", opt_text(o.timeout)),
        (
            "jitter",
            opt_text(Some(job.trigger.jitter).filter(|j| *j > 0)),
        ),
        (
            "cwd",
            o.cwd
                .clone()
                .unwrap_or("- (runs in the runner user's $HOME)".into()),
        ),
        ("shell", o.shell.clone()),
        ("on success", o.on_success.clone().unwrap_or("-".into())),
        ("on failure", o.on_failure.clone().unwrap_or("-".into())),
        (
            "retries",
            if o.retries == 0 {
                "none".into()
            } else {
                format!(
                    "{} (after {}, doubling up to {})",
                    o.retries,
                    crate::units::format_duration(o.retry_delay),
                    crate::units::format_duration(o.retry_max_delay)
                )
            },
        ),
        (
            "first run",
            o.first_run.map_or("-".into(), |t| rfc3339(t, tz)),
        ),
        (
            "pause after",
            o.pause_after_failures
                .map_or("-".into(), |n| format!("{n} failed runs in a row")),
        ),
        ("notify", notify_text(o)),
        ("expect", expect_text(o)),
        ("env", env),
        ("created", rfc3339(job.created_at, tz)),
        ("updated", rfc3339(job.updated_at, tz)),
    ]
}

/// A job's state for people: `paused (by pause --all)` when that paused it.
fn state_text(job: &Job) -> String {
    if job.state == JobState::Paused && job.options.paused_by_all {
        "paused (by pause --all)".into()
    } else {
        job.state.to_string()
    }
}

/// Why a paused job is paused and when it resumes, for people.
fn pause_text(job: &Job, tz: Tz) -> String {
    let until = job
        .paused_until()
        .map(|t| format!("until {}", rfc3339(t, tz)));
    match (job.pause_note(), until) {
        (Some(note), Some(until)) => format!("{note} ({until})"),
        (Some(note), None) => note.to_string(),
        (None, Some(until)) => until,
        (None, None) => "-".into(),
    }
}

/// Where a job's notices go and on what, for people: targets without
/// what could be a secret (a webhook's path), e.g. `https://hooks.slack.com/…
/// on failure, recovery`.
fn notify_text(o: &crate::model::JobOptions) -> String {
    if o.notify.is_empty() {
        return "-".into();
    }
    let targets: Vec<String> = o.notify.iter().map(|t| crate::notify::redact(t)).collect();
    let events: Vec<&str> = o.notify_on.iter().map(|e| e.as_str()).collect();
    format!("{} on {}", targets.join(", "), events.join(", "))
}

/// A job's expectations: `runs 10s..1h, succeeds within 1d`.
fn expect_text(o: &crate::model::JobOptions) -> String {
    let mut parts = Vec::new();
    if let Some(r) = &o.expect_duration {
        parts.push(format!("runs {r}"));
    }
    if let Some(s) = o.expect_success_within {
        parts.push(format!(
            "succeeds within {}",
            crate::units::format_duration(s)
        ));
    }
    if parts.is_empty() {
        "-".into()
    } else {
        parts.join(", ")
    }
}

/// A runner as JSON (`tick runners --json`, the API): times in RFC 3339
/// in your zone.
#[derive(Serialize)]
pub struct RunnerJson<'a> {
    id: i64,
    name: &'a str,
    host: &'a str,
    pid: i64,
    version: &'a str,
    started_at: String,
    renewed_at: String,
    lease_ms: i64,
    running: i64,
    pub state: &'a str,
}

impl<'a> RunnerJson<'a> {
    pub fn new(r: &'a RunnerRow, now: DateTime<Utc>, tz: Tz) -> Self {
        RunnerJson {
            id: r.id,
            name: &r.name,
            host: &r.host,
            pid: r.pid,
            version: &r.version,
            started_at: rfc3339(r.started_at, tz),
            renewed_at: rfc3339(r.renewed_at, tz),
            lease_ms: r.lease_ms,
            running: r.running,
            state: r.state_at(now).as_str(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Written by hand, the same digits as chrono's own formatting.
    #[test]
    fn local_times_read_as_chrono_writes_them() {
        for (t, zone) in [
            ("2026-03-29T00:59:59Z", "Europe/Berlin"),
            ("2026-03-29T01:00:00Z", "Europe/Berlin"),
            ("2026-12-31T23:59:59Z", "Pacific/Kiritimati"),
            ("0042-07-04T09:05:03Z", "America/New_York"),
            ("9999-12-31T23:00:00Z", "UTC"),
        ] {
            let t: DateTime<Utc> = t.parse().unwrap();
            let tz: Tz = zone.parse().unwrap();
            let ours = LocalTime(t, tz).to_string();
            let chrono = t
                .with_timezone(&tz)
                .format("%Y-%m-%d %H:%M:%S ")
                .to_string();
            assert!(ours.starts_with(&chrono), "{ours} / {chrono}");
        }
        let t: DateTime<Utc> = "2026-07-01T12:00:00Z".parse().unwrap();
        assert_eq!(
            LocalTime(t, "Europe/Berlin".parse().unwrap()).to_string(),
            "2026-07-01 14:00:00 CEST"
        );
    }

    #[test]
    fn relative_times() {
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let at = |s: i64| now + chrono::Duration::seconds(s);
        assert_eq!(relative(at(0), now), "now");
        assert_eq!(relative(at(45), now), "in 45s");
        assert_eq!(relative(at(180), now), "in 3m");
        assert_eq!(relative(at(-7200), now), "2h ago");
        assert_eq!(relative(at(3 * 86_400 + 5), now), "in 3d");
    }
}
