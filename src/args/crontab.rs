//! A crontab line (with its `# tick:` lines) into the job `tick import`
//! adds, and back: the `# tick:` words that give a job, on import, what its
//! crontab line cannot hold (`tick export`). Both directions live here, on
//! the same flags as `tick add`, so that export then import loses nothing.
//!
//! What a crontab line carries itself: the schedule, `CRON_TZ` (the zone),
//! `SHELL` (`--shell`), `NAME=value` lines (`--env`), the command. Where
//! it runs is cron's rule: the crontab's `HOME`, else the importing user's
//! home folder. Everything else is a `# tick:` word.

use std::path::Path;

use chrono::{DateTime, SecondsFormat, Utc};
use clap::Parser;

use super::job_options::{check_exec_string, shell_path};
use super::trigger::{clap_message, Now};
use crate::cli::{TickLine, TriggerArgs, TriggerKind};
use crate::crontab::Entry;
use crate::error::UsageError;
use crate::model::{Job, JobOptions, JobState, NotifyEvent};
use crate::trigger::input::parse_tz;
use crate::units::format_duration;

/// The job one crontab line makes, or why it cannot be taken. `home` is
/// where it runs when the crontab sets no `HOME` (the importing user's
/// home folder, as cron's); `None` leaves the job without a cwd.
pub fn entry_job(e: &Entry, home: Option<&str>, now: DateTime<Utc>) -> Result<Job, UsageError> {
    let tick = tick_line(e)?;
    let zone = e
        .zone
        .as_deref()
        .map(|z| parse_tz(z).map_err(|err| UsageError::new(format!("CRON_TZ: {err}"))))
        .transpose()?;
    let trigger = TriggerArgs {
        kind: Some(TriggerKind::Cron),
        operands: vec![e.schedule.clone()],
        start: tick.start.clone(),
        end: tick.end.clone(),
        jitter: tick.jitter.clone(),
        ..TriggerArgs::default()
    }
    .validate(Now::clock(now), zone)?;
    check_exec_string("command", &e.command)?;
    for (k, v) in &e.env {
        check_exec_string(&format!("variable {k}"), &format!("{k}={v}"))?;
    }
    let mut options = JobOptions {
        env: e.env.clone(),
        cwd: run_dir(e, home)?,
        ..JobOptions::default()
    };
    if let Some(shell) = &e.shell {
        options.shell = shell_path("SHELL", shell)?;
    }
    if let Some(to) = &e.mailto {
        options.notify = vec![super::notify::mailto("MAILTO", to)?];
        options.notify_on = vec![NotifyEvent::Output];
    }
    tick.options.apply(&mut options)?;
    tick.options.check_listeners()?;
    tick.options.check_notify(&options)?;
    for key in &tick.unset_env {
        if options.env.remove(key).is_none() {
            return Err(UsageError::new(format!(
                "'# tick: --unset-env {key}': no line above sets {key}"
            )));
        }
    }
    let first_run = super::first_run(tick.first_run.as_deref(), trigger.tz, now)?;
    options.first_run = first_run;
    Ok(Job {
        id: String::new(),
        name: tick.options.name()?.flatten(),
        command: e.command.clone(),
        next_run_at: first_run.or_else(|| trigger.next_fire(now)),
        trigger: trigger.spec(),
        state: JobState::Active,
        options,
        created_at: now,
        updated_at: now,
    })
}

/// The `# tick:` lines above a job line, read by the same flags as
/// `tick add`'s.
fn tick_line(e: &Entry) -> Result<TickLine, UsageError> {
    let mut words = Vec::new();
    for (n, text) in &e.tick {
        let line = shell_words::split(text).map_err(|err| {
            UsageError::new(format!(
                "line {n}: '# tick: {text}': cannot split it into words: {err}"
            ))
        })?;
        words.extend(line);
    }
    TickLine::try_parse_from(words)
        .map_err(|err| UsageError::new(format!("'# tick:' {}", clap_message(&err))))
}

/// Where cron runs a line: the crontab's `HOME` (which must then be an
/// existing folder), else `home`.
fn run_dir(e: &Entry, home: Option<&str>) -> Result<Option<String>, UsageError> {
    match e.env.get("HOME") {
        Some(dir) if dir.starts_with('/') && Path::new(dir).is_dir() => Ok(Some(dir.clone())),
        Some(dir) => Err(UsageError::new(format!(
            "HOME={dir}: cron runs the command in HOME, and it is not an existing folder (an absolute path)"
        ))),
        None => Ok(home.map(str::to_string)),
    }
}

/// What a job needs on its `# tick:` line beyond its crontab line (see
/// [`tick_words`]): the variables no `NAME=value` line carried, and those
/// of the lines above it that it does not have.
#[derive(Debug, Default)]
pub struct EnvLeft {
    pub unwritten: Vec<(String, String)>,
    pub unset: Vec<String>,
}

/// The `# tick:` words that give `job` back on import what its crontab
/// line cannot hold, and the options no line can hold either (a value of
/// several lines), for a warning. `home` is the folder import would give
/// it anyway (a cwd there is not written).
pub fn tick_words(
    job: &Job,
    env: &EnvLeft,
    home: Option<&str>,
    now: DateTime<Utc>,
) -> (Vec<String>, Vec<String>) {
    let o = &job.options;
    let d = JobOptions::default();
    let t = &job.trigger;
    let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
    let mut given: Vec<(&str, String)> = Vec::new();
    let mut add =
        |flag: &'static str, value: Option<String>| given.extend(value.map(|v| (flag, v)));
    add("--name", job.name.clone());
    add(
        "--max-instances",
        (o.max_instances != d.max_instances).then(|| o.max_instances.to_string()),
    );
    add(
        "--overlap",
        (o.overlap != d.overlap).then(|| o.overlap.to_string()),
    );
    add("--no-coalesce", (!o.coalesce).then(String::new));
    add(
        "--misfire-grace",
        (o.misfire_grace != d.misfire_grace).then(|| o.misfire_grace.to_string()),
    );
    add("--timeout", o.timeout.map(format_duration));
    add("--cwd", o.cwd.clone().filter(|c| Some(c.as_str()) != home));
    for (k, v) in &env.unwritten {
        add("--env", Some(format!("{k}={v}")));
    }
    for k in &env.unset {
        add("--unset-env", Some(k.clone()));
    }
    add(
        "--keep-history",
        (o.keep_history != d.keep_history).then(|| o.keep_history.to_string()),
    );
    add("--on-success", o.on_success.clone());
    add("--on-failure", o.on_failure.clone());
    notice_words(o, &mut add);
    add(
        "--retries",
        (o.retries != d.retries).then(|| o.retries.to_string()),
    );
    add(
        "--retry-delay",
        (o.retry_delay != d.retry_delay).then(|| format_duration(o.retry_delay)),
    );
    add(
        "--retry-max-delay",
        (o.retry_max_delay != d.retry_max_delay).then(|| format_duration(o.retry_max_delay)),
    );
    add(
        "--pause-after-failures",
        o.pause_after_failures.map(|n| n.to_string()),
    );
    // The runs left: import counts from there.
    add(
        "--max-runs",
        o.max_runs.map(|m| m.left().max(1).to_string()),
    );
    add(
        "--jitter",
        (t.jitter > 0).then(|| format_duration(t.jitter)),
    );
    add("--start", t.start.map(time));
    add("--end", t.end.map(time));
    // A first run already past has done its part; import would refuse it.
    add("--first-run", o.first_run.filter(|f| *f > now).map(time));
    one_line_words(given)
}

/// Flags and values as words; a value of several lines cannot be carried
/// (the second list says which).
fn one_line_words(given: Vec<(&str, String)>) -> (Vec<String>, Vec<String>) {
    let (mut words, mut lost) = (Vec::new(), Vec::new());
    for (flag, value) in given {
        if value.contains(['\n', '\r']) {
            lost.push(format!(
                "{flag} (its value has several lines, which a crontab line cannot hold)"
            ));
            continue;
        }
        words.push(flag.to_string());
        if !value.is_empty() {
            words.push(value);
        }
    }
    (words, lost)
}

/// The `--notify` options of `o` that differ from their defaults.
fn notice_words(o: &JobOptions, add: &mut impl FnMut(&'static str, Option<String>)) {
    let d = JobOptions::default();
    for target in &o.notify {
        add("--notify", Some(target.clone()));
    }
    add(
        "--notify-on",
        (o.notify_on != d.notify_on && !o.notify.is_empty())
            .then(|| super::notify::events_text(&o.notify_on)),
    );
    add(
        "--expect-duration",
        o.expect_duration.map(|r| r.to_string()),
    );
    add(
        "--expect-success-within",
        o.expect_success_within.map(format_duration),
    );
}
