//! Listeners (APScheduler's `add_listener` for the shell): a command run
//! after an event, with the event as one JSON object on stdin and as
//! `TICK_EVENT`, `TICK_JOB_ID`, `TICK_STATUS`, `TICK_EXIT_CODE`,
//! `TICK_SCHEDULED_AT` in its environment.
//!
//! Listeners run on a small pool of threads, off the scheduler's path: a
//! slow or hanging listener never delays a fire. At most [`MAX_RUNNING`] run
//! at once and [`MAX_QUEUED`] wait; beyond that events are dropped and
//! counted. Each has its own timeout (its process group is killed), and its
//! failure is logged, never fatal. At exit, [`finish`] ends what still runs.

use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender, TrySendError};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use chrono::SecondsFormat;
use rustix::process::{kill_process_group, Pid, Signal};
use serde::Serialize;

use crate::log::Logger;
use crate::model::{Fire, JobOptions, RunResult, Status};

/// How long a listener may run before its process group is killed.
pub const TIMEOUT: Duration = Duration::from_secs(60);

/// One event, as the listener receives it: the fire it concerns, and how
/// it ended.
#[derive(Debug, Clone)]
pub struct Event {
    /// `executed`, `error`, `missed`, `skipped`, `interrupted`, `retry`
    /// (a failed attempt that will be attempted again), or `paused` (its
    /// run paused the job: `--pause-after-failures`).
    pub event: &'static str,
    pub fire: Fire,
    pub execution_id: Option<i64>,
    pub status: &'static str,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub duration_ms: Option<i64>,
    /// For a `retry` event: when the next attempt is due.
    pub next_attempt_at: Option<String>,
    /// Why a `missed` or `skipped` fire did not run (how late, which limit).
    pub reason: Option<String>,
}

/// The event's JSON: the fire's fields among the others, in the order
/// docs/guide.md shows (`scheduled_at` to the second).
impl Serialize for Event {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let f = &self.fire;
        let mut o = s.serialize_struct("Event", 14)?;
        o.serialize_field("event", self.event)?;
        o.serialize_field("job_id", &f.job_id)?;
        o.serialize_field("job_name", &f.job_name)?;
        o.serialize_field("command", &f.command)?;
        o.serialize_field("execution_id", &self.execution_id)?;
        o.serialize_field("status", self.status)?;
        o.serialize_field("exit_code", &self.exit_code)?;
        o.serialize_field("signal", &self.signal)?;
        o.serialize_field("scheduled_at", &self.scheduled_at())?;
        o.serialize_field("duration_ms", &self.duration_ms)?;
        o.serialize_field("attempt", &f.attempt)?;
        o.serialize_field("retry_of", &f.retry_of)?;
        match &self.next_attempt_at {
            Some(at) => o.serialize_field("next_attempt_at", at)?,
            None => o.skip_field("next_attempt_at")?,
        }
        o.serialize_field("reason", &self.reason)?;
        o.end()
    }
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

    /// The event for the execution `execution_id` of `fire` that ended with
    /// `status`; `result` when a command ran. Built the same way for
    /// `tick run` and `tick fire`.
    pub fn new(
        fire: &Fire,
        execution_id: Option<i64>,
        status: Status,
        result: Option<&RunResult>,
        duration_ms: Option<i64>,
        reason: Option<&str>,
    ) -> Event {
        Event {
            event: Event::name(status),
            fire: fire.clone(),
            execution_id,
            status: status.as_str(),
            exit_code: result.and_then(|r| r.exit_code),
            signal: result.and_then(|r| r.signal),
            duration_ms,
            next_attempt_at: None,
            reason: reason.map(str::to_string),
        }
    }

    /// When the fire was due, to the second (`TICK_SCHEDULED_AT`).
    pub fn scheduled_at(&self) -> String {
        self.fire
            .scheduled_at
            .to_rfc3339_opts(SecondsFormat::Secs, true)
    }

    /// Whether a job's `--on-failure` hears it (failed, killed, timeout, missed).
    pub fn is_failure(status: Status) -> bool {
        matches!(
            status,
            Status::Failed | Status::Killed | Status::Timeout | Status::Missed
        )
    }
}

/// The job's own listener for an execution that ended with `status`: its
/// `--on-success` after a success, its `--on-failure` after a failure.
pub fn own_listener(options: &JobOptions, status: Status) -> Option<&str> {
    if status == Status::Success {
        options.on_success.as_deref()
    } else if Event::is_failure(status) {
        options.on_failure.as_deref()
    } else {
        None
    }
}

/// At most this many listeners run at once...
pub const MAX_RUNNING: usize = 8;
/// ...and this many events wait for one; beyond that, events are dropped
/// (and counted), so a burst of slow listeners never grows the runner.
pub const MAX_QUEUED: usize = 100;

struct Task {
    command: String,
    event: Event,
    log: Logger,
    timeout: Duration,
}

/// The listener pool: a bounded queue and up to [`MAX_RUNNING`] threads.
struct Pool {
    tx: SyncSender<Task>,
    rx: Arc<Mutex<Receiver<Task>>>,
    threads: AtomicUsize,
    /// Events dropped since the queue was last full.
    dropped: AtomicU64,
    /// After [`finish`]: queued events are discarded.
    closed: AtomicBool,
    /// Process groups of the listeners running now.
    live: Mutex<Vec<i32>>,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| {
        let (tx, rx) = sync_channel(MAX_QUEUED);
        Pool {
            tx,
            rx: Arc::new(Mutex::new(rx)),
            threads: AtomicUsize::new(0),
            dropped: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            live: Mutex::new(Vec::new()),
        }
    })
}

/// Run `command` for `event` off the caller's thread; returns at once.
/// When [`MAX_RUNNING`] listeners run and [`MAX_QUEUED`] wait, the event is
/// dropped: said once when that starts, and counted when there is room again.
pub fn notify(command: &str, event: &Event, log: &Logger, timeout: Duration) {
    let pool = pool();
    let task = Task {
        command: command.to_string(),
        event: event.clone(),
        log: log.clone(),
        timeout,
    };
    match pool.tx.try_send(task) {
        Ok(()) => {
            let dropped = pool.dropped.swap(0, Ordering::Relaxed);
            if dropped > 0 {
                log.warn(&format!(
                    "listeners have room again; {dropped} listener event(s) were dropped while they were busy"
                ));
            }
        }
        Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => {
            if pool.dropped.fetch_add(1, Ordering::Relaxed) == 0 {
                log.warn(&format!(
                    "listeners are busy ({MAX_RUNNING} running, {MAX_QUEUED} waiting): dropping events until there is room"
                ));
            }
            return;
        }
    }
    // One more thread while fewer than MAX_RUNNING exist.
    let n = pool.threads.load(Ordering::Relaxed);
    if n < MAX_RUNNING
        && pool
            .threads
            .compare_exchange(n, n + 1, Ordering::Relaxed, Ordering::Relaxed)
            .is_ok()
    {
        let rx = pool.rx.clone();
        let spawned = std::thread::Builder::new()
            .name("tick-listener".into())
            .stack_size(128 * 1024)
            .spawn(move || work(&rx));
        if let Err(e) = spawned {
            pool.threads.fetch_sub(1, Ordering::Relaxed);
            log.warn(&format!("cannot start a listener thread: {e}"));
        }
    }
}

fn work(rx: &Mutex<Receiver<Task>>) {
    loop {
        let task = match rx.lock().unwrap_or_else(|e| e.into_inner()).recv() {
            Ok(task) => task,
            Err(_) => return,
        };
        if pool().closed.load(Ordering::Relaxed) {
            continue;
        }
        if let Err(e) = run(&task.command, &task.event, task.timeout) {
            task.log.warn(&format!(
                "listener for job {} ({} event) failed: {e}",
                task.event.fire.job_id, task.event.event
            ));
        }
    }
}

/// At exit: no more listeners start; those running get up to `grace` to
/// end, then their process groups are killed. Returns how many were killed.
pub fn finish(grace: Duration) -> usize {
    let pool = pool();
    pool.closed.store(true, Ordering::Relaxed);
    let until = Instant::now() + grace;
    while Instant::now() < until && !live(pool).is_empty() {
        std::thread::sleep(Duration::from_millis(20));
    }
    let left = live(pool);
    for pgid in &left {
        if let Some(pid) = Pid::from_raw(*pgid) {
            let _ = kill_process_group(pid, Signal::KILL);
        }
    }
    left.len()
}

fn live(pool: &Pool) -> Vec<i32> {
    pool.live.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// Run one listener and wait for it (`tick fire`; `tick run` uses
/// [`notify`]): the event on its stdin (written without ever blocking, so
/// a listener that does not read is still timed out) and in its
/// environment, in its own process group, killed after `timeout`.
pub fn run(command: &str, event: &Event, timeout: Duration) -> Result<(), String> {
    let json = serde_json::to_string(event).map_err(|e| e.to_string())? + "\n";
    let mut child = Command::new("/bin/sh")
        .arg("-c")
        .arg(command)
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .process_group(0)
        .env("TICK_EVENT", event.event)
        .env("TICK_JOB_ID", &event.fire.job_id)
        .env("TICK_STATUS", event.status)
        .env(
            "TICK_EXIT_CODE",
            event.exit_code.map(|c| c.to_string()).unwrap_or_default(),
        )
        .env("TICK_SCHEDULED_AT", event.scheduled_at())
        .env("TICK_ATTEMPT", event.fire.attempt.to_string())
        .spawn()
        .map_err(|e| format!("cannot start '{command}': {e}"))?;
    let pgid = child.id() as i32;
    let pool = pool();
    pool.live
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .push(pgid);
    let result = wait(command, &mut child, json.as_bytes(), timeout);
    pool.live
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .retain(|g| *g != pgid);
    result
}

fn wait(
    command: &str,
    child: &mut std::process::Child,
    mut input: &[u8],
    timeout: Duration,
) -> Result<(), String> {
    let mut stdin = child.stdin.take();
    if let Some(fd) = &stdin {
        let _ = rustix::fs::fcntl_setfl(fd, rustix::fs::OFlags::NONBLOCK);
    }
    let deadline = Instant::now() + timeout;
    loop {
        // Feed stdin as far as the pipe takes it; a listener that does not
        // read its stdin is fine.
        if let Some(fd) = &stdin {
            match rustix::io::write(fd, input) {
                Ok(n) => input = &input[n..],
                Err(rustix::io::Errno::AGAIN | rustix::io::Errno::INTR) => {}
                Err(_) => input = &[],
            }
            if input.is_empty() {
                stdin = None;
            }
        }
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

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::DateTime;

    fn event(command: String) -> Event {
        let at = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        let result = RunResult {
            exit_code: Some(1),
            ..RunResult::default()
        };
        let fire = Fire {
            job_id: "j".into(),
            job_name: None,
            command,
            scheduled_at: at,
            attempt: 1,
            retry_of: None,
        };
        Event::new(&fire, Some(1), Status::Failed, Some(&result), Some(5), None)
    }

    #[test]
    fn the_event_json_has_the_documented_fields_in_order() {
        let mut e = event("backup.sh".into());
        assert_eq!(
            serde_json::to_string(&e).unwrap(),
            r#"{"event":"error","job_id":"j","job_name":null,"command":"backup.sh","execution_id":1,"status":"failed","exit_code":1,"signal":null,"scheduled_at":"2027-01-15T08:00:00Z","duration_ms":5,"attempt":1,"retry_of":null,"reason":null}"#
        );
        e.next_attempt_at = Some("2027-01-15T08:00:30Z".into());
        let v: serde_json::Value = serde_json::to_value(&e).unwrap();
        assert_eq!(v["next_attempt_at"], "2027-01-15T08:00:30Z");
    }

    #[test]
    fn a_listener_that_never_reads_a_large_event_is_still_timed_out() {
        // 200 KB of event: more than a pipe holds.
        let e = event("x".repeat(200_000));
        let started = Instant::now();
        let err = run("sleep 30", &e, Duration::from_secs(1)).unwrap_err();
        assert!(err.contains("ran longer than 1s and was killed"), "{err}");
        assert!(started.elapsed() < Duration::from_secs(5));
    }

    #[test]
    fn a_listener_that_reads_gets_the_whole_event() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("got");
        let e = event("y".repeat(200_000));
        run(
            &format!("cat > {}", out.display()),
            &e,
            Duration::from_secs(10),
        )
        .unwrap();
        let got: serde_json::Value = serde_json::from_slice(&std::fs::read(&out).unwrap()).unwrap();
        assert_eq!(got["command"].as_str().unwrap().len(), 200_000);
    }
}
