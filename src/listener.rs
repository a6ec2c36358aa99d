//! Listeners (APScheduler's `add_listener` for the shell): a command run
//! after an event, with the event as one JSON object on stdin and as
//! `TICK_EVENT`, `TICK_JOB_ID`, `TICK_STATUS`, `TICK_EXIT_CODE`,
//! `TICK_SCHEDULED_AT` in its environment.
//!
//! Each listener runs on its own thread, off the scheduler's path: a slow or
//! hanging listener never delays a fire. It has its own timeout (its process
//! group is killed), and its failure is logged, never fatal.

use std::io::Write;
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use chrono::{DateTime, SecondsFormat, Utc};
use rustix::process::{kill_process_group, Pid, Signal};
use serde::Serialize;

use crate::log::Logger;
use crate::model::Status;

/// How long a listener may run before its process group is killed.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// One event, as the listener receives it.
#[derive(Debug, Clone, Serialize)]
pub struct Event {
    /// `executed`, `error`, `missed`, `skipped` or `interrupted`.
    pub event: &'static str,
    pub job_id: String,
    pub job_name: Option<String>,
    pub command: String,
    pub execution_id: Option<i64>,
    pub status: &'static str,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub scheduled_at: String,
    pub duration_ms: Option<i64>,
}

impl Event {
    /// The event name for an execution status.
    pub fn name(status: Status) -> &'static str {
        match status {
            Status::Success => "executed",
            Status::Failed | Status::Killed | Status::Timeout => "error",
            Status::Missed => "missed",
            Status::Skipped => "skipped",
            Status::Interrupted | Status::Running => "interrupted",
        }
    }

    #[allow(clippy::too_many_arguments)]
    pub fn new(
        job_id: &str,
        job_name: Option<&str>,
        command: &str,
        execution_id: Option<i64>,
        status: Status,
        exit_code: Option<i32>,
        signal: Option<i32>,
        scheduled_at: DateTime<Utc>,
        duration_ms: Option<i64>,
    ) -> Event {
        Event {
            event: Event::name(status),
            job_id: job_id.to_string(),
            job_name: job_name.map(str::to_string),
            command: command.to_string(),
            execution_id,
            status: status.as_str(),
            exit_code,
            signal,
            scheduled_at: scheduled_at.to_rfc3339_opts(SecondsFormat::Secs, true),
            duration_ms,
        }
    }

    /// Whether a job's `--on-failure` hears it (failed, killed, timeout, missed).
    pub fn is_failure(status: Status) -> bool {
        matches!(
            status,
            Status::Failed | Status::Killed | Status::Timeout | Status::Missed
        )
    }
}

/// Run `command` for `event` on a thread of its own; returns at once.
pub fn notify(command: &str, event: &Event, log: &Logger, timeout: Duration) {
    let (command, event, log) = (command.to_string(), event.clone(), log.clone());
    let spawned = std::thread::Builder::new()
        .stack_size(128 * 1024)
        .spawn(move || {
            if let Err(e) = run(&command, &event, timeout) {
                log.warn(&format!(
                    "listener for job {} ({} event) failed: {e}",
                    event.job_id, event.event
                ));
            }
        });
    if let Err(e) = spawned {
        log_thread_error(e);
    }
}

fn log_thread_error(e: std::io::Error) {
    eprintln!("tick: cannot start a listener thread: {e}");
}

fn run(command: &str, event: &Event, timeout: Duration) -> Result<(), String> {
    let json = serde_json::to_string(event).map_err(|e| e.to_string())?;
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .env("TICK_EVENT", event.event)
        .env("TICK_JOB_ID", &event.job_id)
        .env("TICK_STATUS", event.status)
        .env(
            "TICK_EXIT_CODE",
            event.exit_code.map(|c| c.to_string()).unwrap_or_default(),
        )
        .env("TICK_SCHEDULED_AT", &event.scheduled_at)
        .spawn()
        .map_err(|e| format!("cannot start '{command}': {e}"))?;
    if let Some(mut stdin) = child.stdin.take() {
        // A listener that does not read its stdin is fine.
        let _ = stdin.write_all(json.as_bytes());
        let _ = stdin.write_all(b"\n");
    }
    let deadline = Instant::now() + timeout;
    loop {
        match child.try_wait() {
            Ok(Some(status)) if status.success() => return Ok(()),
            Ok(Some(status)) => {
                return Err(match (status.code(), status.signal()) {
                    (Some(c), _) => format!("'{command}' exited with {c}"),
                    (_, Some(s)) => format!("'{command}' was killed by signal {s}"),
                    _ => format!("'{command}' failed"),
                })
            }
            Ok(None) if Instant::now() >= deadline => {
                if let Some(pid) = Pid::from_raw(child.id() as i32) {
                    let _ = kill_process_group(pid, Signal::KILL);
                }
                let _ = child.wait();
                return Err(format!(
                    "'{command}' ran longer than {}s and was killed",
                    timeout.as_secs()
                ));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(e.to_string()),
        }
    }
}
