//! Output that must never hold the runner up: the echo of job output
//! (`[job] line` on stdout) and the runner's own log lines (stderr). Each
//! goes through a bounded buffer and a writer thread ([`Outlet`]): whatever
//! the stream is (a terminal, a pipe to a paused pager, a fifo nobody reads,
//! a frozen ssh session), the scheduler and the child supervisor never wait
//! on it, so exits are still seen and fires still start. When more than
//! [`BUFFER`] bytes wait, further lines are dropped, and a line says how
//! many once the stream moves again. The captured output in the history is
//! never affected. On a terminal, control characters of job output are
//! shown escaped ([`crate::escape`]): a job must not set the title or fake
//! a runner line; a pipe or file gets the bytes.

use std::io::{IsTerminal, Write};
use std::sync::{Condvar, Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

/// How many bytes of lines may wait for their stream.
pub const BUFFER: usize = 256 * 1024;

struct Queue {
    data: Vec<u8>,
    dropped: u64,
    /// The writer is writing what it took.
    writing: bool,
    /// No writer thread could be started: write directly.
    direct: bool,
}

/// Which stream an [`Outlet`] writes.
#[derive(Clone, Copy)]
enum Stream {
    Stdout,
    Stderr,
}

impl Stream {
    fn lock(self) -> Box<dyn Write> {
        match self {
            Stream::Stdout => Box::new(std::io::stdout().lock()),
            Stream::Stderr => Box::new(std::io::stderr().lock()),
        }
    }
}

/// A bounded, dropping, never-blocking way to one stream.
pub struct Outlet {
    queue: Mutex<Queue>,
    ready: Condvar,
    writer: Once,
    stream: Stream,
    /// The line that says how many lines were dropped.
    dropped_notice: fn(u64) -> String,
}

/// Job output echoed by the runner, on stdout.
pub static ECHO: Outlet = Outlet::new(Stream::Stdout, |n| {
    format!("[tick] {n} line(s) of job output not echoed: stdout was not keeping up (the history has them)\n")
});

/// The runner's log, on stderr.
pub static LOG: Outlet = Outlet::new(Stream::Stderr, |n| {
    format!(
        "{} WARN {n} log line(s) not written: stderr was not keeping up\n",
        chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true)
    )
});

impl Outlet {
    const fn new(stream: Stream, dropped_notice: fn(u64) -> String) -> Outlet {
        Outlet {
            queue: Mutex::new(Queue {
                data: Vec::new(),
                dropped: 0,
                writing: false,
                direct: false,
            }),
            ready: Condvar::new(),
            writer: Once::new(),
            stream,
            dropped_notice,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Queue> {
        self.queue.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Queue `prefix`, `line` and a newline if it has none; dropped (and
    /// counted) when the buffer is full.
    pub fn push(&'static self, prefix: &[u8], line: &[u8]) {
        self.writer.call_once(|| {
            let started = std::thread::Builder::new()
                .name("tick-outlet".into())
                .spawn(|| self.write_loop());
            self.lock().direct = started.is_err();
        });
        let mut q = self.lock();
        if q.direct {
            drop(q);
            return write_line(&mut *self.stream.lock(), prefix, line);
        }
        if q.data.len() + prefix.len() + line.len() + 1 > BUFFER {
            q.dropped += 1;
            return;
        }
        q.data.extend_from_slice(prefix);
        q.data.extend_from_slice(line);
        if !line.ends_with(b"\n") {
            q.data.push(b'\n');
        }
        self.ready.notify_one();
    }

    fn write_loop(&self) {
        loop {
            let (data, dropped) = {
                let mut q = self.lock();
                q.writing = false;
                while q.data.is_empty() && q.dropped == 0 {
                    q = self.ready.wait(q).unwrap_or_else(|e| e.into_inner());
                }
                q.writing = true;
                (std::mem::take(&mut q.data), std::mem::take(&mut q.dropped))
            };
            let mut out = self.stream.lock();
            let _ = out.write_all(&data);
            if dropped > 0 {
                let _ = out.write_all((self.dropped_notice)(dropped).as_bytes());
            }
            let _ = out.flush();
        }
    }

    /// Wait (at most `limit`) until every queued line is written: before
    /// the runner exits.
    pub fn flush(&self, limit: Duration) {
        let end = Instant::now() + limit;
        while Instant::now() < end {
            let q = self.lock();
            if q.direct || (q.data.is_empty() && q.dropped == 0 && !q.writing) {
                return;
            }
            drop(q);
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

/// Write `prefix`, `line`, and a newline if it has none, then flush.
pub fn write_line(out: &mut dyn Write, prefix: &[u8], line: &[u8]) {
    let _ = out.write_all(prefix);
    let _ = out.write_all(line);
    if !line.ends_with(b"\n") {
        let _ = out.write_all(b"\n");
    }
    let _ = out.flush();
}

/// Echo one line of job output (escaped on a terminal).
pub fn line(prefix: &[u8], line: &[u8]) {
    static TERMINAL: OnceLock<bool> = OnceLock::new();
    let line = if *TERMINAL.get_or_init(|| std::io::stdout().is_terminal()) {
        crate::escape::bytes(line, crate::escape::Newlines::Keep)
    } else {
        std::borrow::Cow::Borrowed(line)
    };
    ECHO.push(prefix, &line);
}

/// Wait (at most `limit`) until the echo and the log are written.
pub fn flush(limit: Duration) {
    let end = Instant::now() + limit;
    ECHO.flush(limit);
    LOG.flush(end.saturating_duration_since(Instant::now()));
}
