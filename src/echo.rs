//! The runner's echo of job output (`[job] line` on stdout), through a
//! bounded buffer and a writer thread: whatever stdout is (a terminal, a
//! pipe to a pager that is paused, a full disk), the child supervisor never
//! waits on it, so exits are still seen and fires still start. When more
//! than [`BUFFER`] bytes wait, further lines are dropped, and a line says
//! how many once stdout moves again. The captured output in the history is
//! never affected. On a terminal, control characters of job output are
//! shown escaped ([`crate::escape`]): a job must not set the title or fake
//! a runner line; a pipe or file gets the bytes.

use std::io::{IsTerminal, Write};
use std::sync::{Condvar, Mutex, Once, OnceLock};
use std::time::{Duration, Instant};

/// How many bytes of echoed lines may wait for stdout.
pub const BUFFER: usize = 256 * 1024;

struct Queue {
    data: Vec<u8>,
    dropped: u64,
    /// The writer is writing what it took.
    writing: bool,
    /// No writer thread could be started: write directly.
    direct: bool,
}

static QUEUE: Mutex<Queue> = Mutex::new(Queue {
    data: Vec::new(),
    dropped: 0,
    writing: false,
    direct: false,
});
static READY: Condvar = Condvar::new();
static WRITER: Once = Once::new();

fn lock() -> std::sync::MutexGuard<'static, Queue> {
    QUEUE.lock().unwrap_or_else(|e| e.into_inner())
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

/// Queue one line (`prefix`, `line`, and a newline if it has none).
pub fn line(prefix: &[u8], line: &[u8]) {
    static TERMINAL: OnceLock<bool> = OnceLock::new();
    let line = if *TERMINAL.get_or_init(|| std::io::stdout().is_terminal()) {
        crate::escape::bytes(line, crate::escape::Newlines::Keep)
    } else {
        std::borrow::Cow::Borrowed(line)
    };
    let line = &*line;
    WRITER.call_once(|| {
        let started = std::thread::Builder::new()
            .name("tick-echo".into())
            .spawn(write_loop);
        lock().direct = started.is_err();
    });
    let mut q = lock();
    if q.direct {
        drop(q);
        return write_line(&mut std::io::stdout().lock(), prefix, line);
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
    READY.notify_one();
}

fn write_loop() {
    loop {
        let (data, dropped) = {
            let mut q = lock();
            q.writing = false;
            while q.data.is_empty() && q.dropped == 0 {
                q = READY.wait(q).unwrap_or_else(|e| e.into_inner());
            }
            q.writing = true;
            (std::mem::take(&mut q.data), std::mem::take(&mut q.dropped))
        };
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(&data);
        if dropped > 0 {
            let _ = writeln!(
                out,
                "[tick] {dropped} line(s) of job output not echoed: stdout was not keeping up (the history has them)"
            );
        }
        let _ = out.flush();
    }
}

/// Wait (at most `limit`) until every queued line is written: before the
/// runner exits.
pub fn flush(limit: Duration) {
    let end = Instant::now() + limit;
    while Instant::now() < end {
        let q = lock();
        if q.direct || (q.data.is_empty() && q.dropped == 0 && !q.writing) {
            return;
        }
        drop(q);
        std::thread::sleep(Duration::from_millis(5));
    }
}
