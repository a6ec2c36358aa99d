//! Spawning job commands: `/bin/sh -c COMMAND` in its own process group,
//! stdin from /dev/null, the job's cwd and env plus `TICK_JOB_ID` and
//! `TICK_SCHEDULED_AT`; stdout and stderr captured (the last 64 KiB of each,
//! whatever the child prints) and optionally echoed line by line.
//!
//! Knows nothing of SQL or of the schedule. Each child has a waiter thread
//! and two reader threads; the waiter reports the end through a callback.

use std::collections::{BTreeMap, VecDeque};
use std::io::{Read, Write};
use std::os::unix::process::{CommandExt, ExitStatusExt};
use std::process::{Command, Stdio};
use std::sync::mpsc;
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use rustix::process::{kill_process_group, Pid, Signal};

use crate::model::RunResult;

/// How much of each stream is kept.
pub const CAPTURE_BYTES: usize = 64 * 1024;
/// A line longer than this is echoed in pieces.
const MAX_LINE: usize = 8 * 1024;

/// What to run.
#[derive(Debug, Clone)]
pub struct Spec {
    pub job_id: String,
    pub command: String,
    pub cwd: Option<String>,
    pub env: BTreeMap<String, String>,
    pub scheduled_at: DateTime<Utc>,
}

/// A spawned child.
#[derive(Debug)]
pub struct Child {
    pub pid: i32,
}

impl Child {
    /// Signal the child's whole process group (the shell and everything it
    /// started). A group that is already gone is not an error.
    pub fn signal_group(&self, signal: Signal) {
        if let Some(pid) = Pid::from_raw(self.pid) {
            let _ = kill_process_group(pid, signal);
        }
    }
}

/// The last `cap` bytes of a stream.
struct Tail {
    buf: VecDeque<u8>,
    truncated: bool,
}

impl Tail {
    fn new() -> Self {
        Tail {
            buf: VecDeque::new(),
            truncated: false,
        }
    }

    fn push(&mut self, data: &[u8]) {
        let data = if data.len() > CAPTURE_BYTES {
            self.truncated = true;
            self.buf.clear();
            &data[data.len() - CAPTURE_BYTES..]
        } else {
            data
        };
        let over = (self.buf.len() + data.len()).saturating_sub(CAPTURE_BYTES);
        if over > 0 {
            self.truncated = true;
            self.buf.drain(..over);
        }
        self.buf.extend(data);
    }
}

/// Where echoed lines go: `[job] line` on the runner's stdout, or (for
/// `tick fire`) each stream to its own, unprefixed.
#[derive(Clone)]
pub struct Echo {
    pub prefix: String,
    /// The child's stderr goes to our stderr instead of our stdout.
    pub split: bool,
}

impl Echo {
    fn raw(&self, data: &[u8], from_stderr: bool) {
        let _ = if from_stderr && self.split {
            std::io::stderr().lock().write_all(data)
        } else {
            std::io::stdout().lock().write_all(data)
        };
    }

    fn line(&self, line: &[u8], from_stderr: bool) {
        let write = |out: &mut dyn Write| {
            let _ = out.write_all(self.prefix.as_bytes());
            let _ = out.write_all(line);
            if !line.ends_with(b"\n") {
                let _ = out.write_all(b"\n");
            }
            let _ = out.flush();
        };
        if from_stderr && self.split {
            write(&mut std::io::stderr().lock());
        } else {
            write(&mut std::io::stdout().lock());
        }
    }
}

fn read_stream(
    mut pipe: impl Read,
    tail: Arc<Mutex<Tail>>,
    echo: Option<Echo>,
    from_stderr: bool,
    done: mpsc::Sender<()>,
) {
    let mut chunk = vec![0u8; 4 * 1024];
    let mut line: Vec<u8> = Vec::new();
    loop {
        let n = match pipe.read(&mut chunk) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let data = &chunk[..n];
        if let Ok(mut t) = tail.lock() {
            t.push(data);
        }
        if let Some(echo) = echo.as_ref().filter(|e| e.prefix.is_empty()) {
            // No prefix: pass the bytes through as they come.
            echo.raw(data, from_stderr);
        } else if let Some(echo) = &echo {
            for piece in data.split_inclusive(|b| *b == b'\n') {
                line.extend_from_slice(piece);
                if line.ends_with(b"\n") || line.len() >= MAX_LINE {
                    echo.line(&line, from_stderr);
                    line.clear();
                }
            }
        }
    }
    if let (Some(echo), false) = (&echo, line.is_empty()) {
        echo.line(&line, from_stderr);
    }
    let _ = done.send(());
}

/// Spawn a job. `on_exit` is called once, from another thread, when the
/// shell has exited (after up to 200 ms more for its output to drain: a
/// grandchild left in the background may hold the pipes open for longer).
pub fn spawn(
    spec: &Spec,
    echo: Option<Echo>,
    on_exit: impl FnOnce(RunResult) + Send + 'static,
) -> std::io::Result<Child> {
    let mut cmd = Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(&spec.command)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .envs(&spec.env)
        .env("TICK_JOB_ID", &spec.job_id)
        .env(
            "TICK_SCHEDULED_AT",
            spec.scheduled_at.to_rfc3339_opts(SecondsFormat::Secs, true),
        );
    if let Some(dir) = &spec.cwd {
        cmd.current_dir(dir);
    }
    let mut child = cmd.spawn()?;
    let pid = child.id() as i32;
    let out_tail = Arc::new(Mutex::new(Tail::new()));
    let err_tail = Arc::new(Mutex::new(Tail::new()));
    let (done_tx, done_rx) = mpsc::channel();
    let small = thread::Builder::new().stack_size(64 * 1024);
    if let Some(out) = child.stdout.take() {
        let (tail, echo, done) = (out_tail.clone(), echo.clone(), done_tx.clone());
        small.spawn(move || read_stream(out, tail, echo, false, done))?;
    }
    let small = thread::Builder::new().stack_size(64 * 1024);
    if let Some(err) = child.stderr.take() {
        let (tail, echo, done) = (err_tail.clone(), echo, done_tx.clone());
        small.spawn(move || read_stream(err, tail, echo, true, done))?;
    }
    drop(done_tx);
    thread::Builder::new()
        .stack_size(64 * 1024)
        .spawn(move || {
            let status = child.wait();
            // Let the readers drain what the shell printed.
            let deadline = std::time::Instant::now() + Duration::from_millis(200);
            for _ in 0..2 {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if done_rx.recv_timeout(left).is_err() {
                    break;
                }
            }
            let take = |t: &Arc<Mutex<Tail>>| {
                t.lock()
                    .map(|t| (t.buf.iter().copied().collect::<Vec<u8>>(), t.truncated))
                    .unwrap_or_default()
            };
            let (stdout, stdout_truncated) = take(&out_tail);
            let (stderr, stderr_truncated) = take(&err_tail);
            let (exit_code, signal) = match status {
                Ok(s) => (s.code(), s.signal()),
                Err(_) => (None, None),
            };
            on_exit(RunResult {
                exit_code,
                signal,
                stdout,
                stderr,
                stdout_truncated,
                stderr_truncated,
            });
        })?;
    Ok(Child { pid })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;

    fn run(command: &str) -> RunResult {
        let (tx, rx) = mpsc::channel();
        let spec = Spec {
            job_id: "t".into(),
            command: command.into(),
            cwd: None,
            env: BTreeMap::from([("GREETING".to_string(), "hello".to_string())]),
            scheduled_at: "2026-01-01T00:00:00Z".parse().unwrap(),
        };
        spawn(&spec, None, move |f| tx.send(f).unwrap()).unwrap();
        rx.recv_timeout(Duration::from_secs(20)).unwrap()
    }

    #[test]
    fn exit_codes_and_signals() {
        assert_eq!(run("exit 0").status(), Status::Success);
        let f = run("exit 3");
        assert_eq!((f.status(), f.exit_code), (Status::Failed, Some(3)));
        let f = run("kill -TERM $$");
        assert_eq!((f.status(), f.signal), (Status::Killed, Some(15)));
    }

    #[test]
    fn environment_and_capture() {
        let f = run("echo \"$GREETING $TICK_JOB_ID $TICK_SCHEDULED_AT\"; echo oops >&2; read x; echo \"stdin:$x\"");
        assert_eq!(
            String::from_utf8(f.stdout).unwrap(),
            "hello t 2026-01-01T00:00:00Z\nstdin:\n"
        );
        assert_eq!(f.stderr, b"oops\n");
        assert!(!f.stdout_truncated);
    }

    #[test]
    fn capture_keeps_only_the_tail() {
        // 1 MB of output: the last 64 KiB are kept and marked truncated.
        let f = run("head -c 1000000 /dev/zero | tr '\\0' a; printf END");
        assert_eq!(f.stdout.len(), CAPTURE_BYTES);
        assert!(f.stdout.ends_with(b"aaaEND"));
        assert!(f.stdout_truncated);
    }

    #[test]
    fn tail_push_bounds() {
        let mut t = Tail::new();
        t.push(&vec![b'x'; CAPTURE_BYTES - 1]);
        assert!(!t.truncated);
        t.push(b"yz");
        assert!(t.truncated);
        assert_eq!(t.buf.len(), CAPTURE_BYTES);
        assert_eq!(t.buf.back(), Some(&b'z'));
        t.push(&vec![b'q'; CAPTURE_BYTES * 2]);
        assert_eq!(t.buf.len(), CAPTURE_BYTES);
        assert!(t.buf.iter().all(|b| *b == b'q'));
    }
}
