//! The supervisor thread: one for all children. It polls every child's
//! pipes and, on Linux, a pidfd per child (so nothing wakes while children
//! are quiet), keeps the last [`CAPTURE_BYTES`] of each stream, echoes lines,
//! and reports each end through the child's callback.

use std::collections::VecDeque;
use std::os::fd::{AsFd, OwnedFd};
use std::os::unix::process::ExitStatusExt;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use rustix::event::{poll, PollFd, PollFlags, Timespec};
use rustix::io::Errno;
use rustix::pipe::{pipe_with, PipeFlags};
#[cfg(target_os = "linux")]
use rustix::process::Pid;

use super::plain::Shell;
use super::{Echo, CAPTURE_BYTES};
use crate::model::{RunResult, Usage};

/// A line longer than this is echoed in pieces.
const MAX_LINE: usize = 8 * 1024;
/// After the shell exits, how long its output may still drain (a grandchild
/// left in the background may hold the pipes open for longer).
pub(super) const DRAIN: Duration = Duration::from_millis(200);
/// Without a pidfd, how often a quiet child is asked whether it exited:
/// from the first value, doubling up to the second.
const CHECK_EVERY: (Duration, Duration) = (Duration::from_millis(5), Duration::from_secs(1));

/// The last `cap` bytes of a stream.
#[derive(Debug, Default)]
struct Tail {
    buf: VecDeque<u8>,
    truncated: bool,
}

/// What a running child has printed so far: the same tails that become
/// its execution's output, shared with the caller, who may copy them now
/// and then (`tick logs --follow` reads them from the store).
#[derive(Debug, Clone, Default)]
pub struct SoFar(Arc<Mutex<Tails>>);

#[derive(Debug, Default)]
struct Tails {
    streams: [Tail; 2],
    /// Bytes read, and how many of them the last [`SoFar::changed`] saw.
    read: u64,
    seen: u64,
}

impl SoFar {
    fn lock(&self) -> std::sync::MutexGuard<'_, Tails> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn push(&self, k: usize, data: &[u8]) {
        let mut t = self.lock();
        t.streams[k].push(data);
        t.read += data.len() as u64;
    }

    fn take(&self) -> [(Vec<u8>, bool); 2] {
        let mut t = self.lock();
        [t.streams[0].take(), t.streams[1].take()]
    }

    /// A copy of the output so far (no exit yet), if the child printed
    /// anything since the last call.
    pub fn changed(&self) -> Option<RunResult> {
        let mut t = self.lock();
        if t.read == t.seen {
            return None;
        }
        t.seen = t.read;
        let copy = |s: &Tail| (Vec::from(s.buf.clone()), s.truncated);
        let ((stdout, stdout_truncated), (stderr, stderr_truncated)) =
            (copy(&t.streams[0]), copy(&t.streams[1]));
        Some(RunResult {
            stdout,
            stderr,
            stdout_truncated,
            stderr_truncated,
            ..RunResult::default()
        })
    }
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

    fn take(&mut self) -> (Vec<u8>, bool) {
        let t = std::mem::replace(self, Tail::new());
        (Vec::from(t.buf), t.truncated)
    }
}

/// One of a child's output pipes, while it is open.
struct Stream {
    fd: OwnedFd,
    echo: Option<Echo>,
    from_stderr: bool,
    /// A line being echoed, not yet ended.
    line: Vec<u8>,
}

impl Stream {
    fn new(fd: OwnedFd, echo: Option<Echo>, from_stderr: bool) -> Stream {
        Stream {
            fd,
            echo,
            from_stderr,
            line: Vec::new(),
        }
    }

    fn echo(&mut self, data: &[u8]) {
        match &self.echo {
            None => {}
            // No prefix: pass the bytes through as they come.
            Some(e) if e.prefix.is_empty() => e.raw(data, self.from_stderr),
            Some(e) => {
                for piece in data.split_inclusive(|b| *b == b'\n') {
                    self.line.extend_from_slice(piece);
                    if self.line.ends_with(b"\n") || self.line.len() >= MAX_LINE {
                        e.line(&self.line, self.from_stderr);
                        self.line.clear();
                    }
                }
            }
        }
    }

    /// The end of the stream: echo an unfinished last line.
    fn close(&mut self) {
        if let (Some(e), false) = (&self.echo, self.line.is_empty()) {
            e.line(&self.line, self.from_stderr);
        }
    }
}

pub(super) type OnExit = Box<dyn FnOnce(RunResult) + Send>;

/// A child run without a shell, reported as the shell would have.
pub(super) struct Direct {
    pub shell: Shell,
    /// The first signal tick sent the child's group (0: none yet).
    pub signalled: Arc<AtomicI32>,
    /// Where what the shell would have printed is echoed.
    pub echo: Option<Echo>,
}

/// A child the supervisor watches.
struct Watched {
    child: std::process::Child,
    /// Readable once the child has exited (Linux). Without one, the child is
    /// asked with `try_wait` at `next_check`.
    pidfd: Option<OwnedFd>,
    streams: [Option<Stream>; 2],
    tails: SoFar,
    /// (exit code, signal) once the shell has exited.
    status: Option<(Option<i32>, Option<i32>)>,
    /// What it cost, read as it was reaped.
    usage: Option<Usage>,
    drain_until: Option<Instant>,
    next_check: Instant,
    check_every: Duration,
    /// `None` once reported. The pipes are then still read (and echoed)
    /// until whatever holds them closes them, but no longer kept.
    on_exit: Option<OnExit>,
    /// Run without a shell: its end reported as `/bin/sh -c` would have.
    direct: Option<Direct>,
}

impl Watched {
    fn open(&self) -> bool {
        self.streams.iter().any(Option::is_some)
    }

    fn reap(&mut self, now: Instant) {
        if self.status.is_some() {
            return;
        }
        if let Some((s, usage)) = super::reap::try_reap(&mut self.child) {
            self.usage = usage;
            self.status = Some(match &self.direct {
                None => (s.code(), s.signal()),
                Some(d) => {
                    let (code, signal, said) =
                        d.shell.reports(s, d.signalled.load(Ordering::SeqCst));
                    if let Some(said) = said {
                        self.say(said.as_bytes());
                    }
                    (code, signal)
                }
            });
            self.drain_until = Some(now + DRAIN);
        } else {
            self.next_check = now + self.check_every;
            self.check_every = (self.check_every * 2).min(CHECK_EVERY.1);
        }
    }

    /// What the shell would have printed on stderr after the child's end.
    fn say(&mut self, text: &[u8]) {
        if self.on_exit.is_some() {
            self.tails.push(1, text);
        }
        match (
            &mut self.streams[1],
            self.direct.as_ref().and_then(|d| d.echo.as_ref()),
        ) {
            (Some(s), _) => s.echo(text),
            (None, Some(e)) if e.prefix.is_empty() => e.raw(text, true),
            (None, Some(e)) => e.line(text, true),
            (None, None) => {}
        }
    }

    /// One read from a readable pipe.
    fn read(&mut self, k: usize, buf: &mut [u8], now: Instant) {
        let Some(s) = self.streams[k].as_mut() else {
            return;
        };
        match rustix::io::read(&s.fd, &mut *buf) {
            Ok(n) if n > 0 => {
                if self.on_exit.is_some() {
                    self.tails.push(k, &buf[..n]);
                }
                s.echo(&buf[..n]);
            }
            Err(Errno::INTR | Errno::AGAIN) => {}
            _ => {
                s.close();
                self.streams[k] = None;
                // A shell that closed its output has likely exited: ask soon.
                self.next_check = now;
                self.check_every = CHECK_EVERY.0;
            }
        }
    }

    /// Report the end once the shell has exited and its output drained (or
    /// the drain time is up).
    fn report_if_done(&mut self, now: Instant) {
        let Some((exit_code, signal)) = self.status else {
            return;
        };
        if self.open() && self.drain_until.is_some_and(|d| now < d) {
            return;
        }
        let Some(on_exit) = self.on_exit.take() else {
            return;
        };
        let [(stdout, stdout_truncated), (stderr, stderr_truncated)] = self.tails.take();
        on_exit(RunResult {
            exit_code,
            signal,
            stdout,
            stderr,
            stdout_truncated,
            stderr_truncated,
            usage: self.usage,
        });
    }

    /// When the supervisor must look at this child even if no pipe moves.
    fn deadline(&self) -> Option<Instant> {
        match (self.status, &self.pidfd) {
            (None, None) => Some(self.next_check),
            (None, Some(_)) => None,
            (Some(_), _) if self.on_exit.is_some() && self.open() => self.drain_until,
            _ => None,
        }
    }
}

/// Children spawned but not yet picked up by the supervisor.
static INBOX: Mutex<Vec<Watched>> = Mutex::new(Vec::new());

/// The write end of the pipe that wakes the supervisor.
pub(super) fn start() -> std::io::Result<&'static OwnedFd> {
    static WAKE: OnceLock<Result<OwnedFd, Errno>> = OnceLock::new();
    WAKE.get_or_init(|| -> Result<OwnedFd, Errno> {
        let (r, w) = pipe_with(PipeFlags::CLOEXEC | PipeFlags::NONBLOCK)?;
        std::thread::Builder::new()
            .name("tick-supervisor".into())
            .spawn(move || supervise(r))
            .map_err(|e| Errno::from_io_error(&e).unwrap_or(Errno::AGAIN))?;
        Ok(w)
    })
    .as_ref()
    .map_err(|e| std::io::Error::from(*e))
}

/// The supervisor thread: wait on every child's pipes and pidfd at once.
fn supervise(wake: OwnedFd) {
    let mut children: Vec<Watched> = Vec::new();
    let mut buf = vec![0u8; CAPTURE_BYTES];
    loop {
        while matches!(rustix::io::read(&wake, &mut buf[..256]), Ok(n) if n > 0) {}
        children.append(&mut INBOX.lock().unwrap_or_else(|e| e.into_inner()));
        let now = Instant::now();
        for c in &mut children {
            if c.pidfd.is_none() && now >= c.next_check {
                c.reap(now);
            }
            c.report_if_done(now);
        }
        children.retain(|c| c.on_exit.is_some() || c.open());
        let timeout = children
            .iter()
            .filter_map(Watched::deadline)
            .min()
            .map(|d| {
                let d = d.saturating_duration_since(now);
                Timespec {
                    tv_sec: d.as_secs() as _,
                    tv_nsec: d.subsec_nanos() as _,
                }
            });
        // (child, 0 stdout | 1 stderr | 2 exited) for each fd that is ready.
        let mut ready = Vec::new();
        {
            let mut fds = vec![PollFd::new(&wake, PollFlags::IN)];
            let mut who = vec![(usize::MAX, 0)];
            for (i, c) in children.iter().enumerate() {
                for (k, s) in c.streams.iter().enumerate() {
                    if let Some(s) = s {
                        fds.push(PollFd::from_borrowed_fd(s.fd.as_fd(), PollFlags::IN));
                        who.push((i, k));
                    }
                }
                if let (Some(p), None) = (&c.pidfd, c.status) {
                    fds.push(PollFd::from_borrowed_fd(p.as_fd(), PollFlags::IN));
                    who.push((i, 2));
                }
            }
            match poll(&mut fds, timeout.as_ref()) {
                Ok(_) | Err(Errno::INTR) => {}
                // Not expected (too many fds?): do not spin.
                Err(_) => std::thread::sleep(CHECK_EVERY.0),
            }
            for (fd, w) in fds.iter().zip(&who).skip(1) {
                if !fd.revents().is_empty() {
                    ready.push(*w);
                }
            }
        }
        let now = Instant::now();
        for (i, k) in ready {
            if k == 2 {
                children[i].reap(now);
            } else {
                children[i].read(k, &mut buf, now);
            }
        }
    }
}

#[cfg(target_os = "linux")]
fn open_pidfd(pid: i32) -> Option<OwnedFd> {
    rustix::process::pidfd_open(Pid::from_raw(pid)?, rustix::process::PidfdFlags::empty()).ok()
}

#[cfg(not(target_os = "linux"))]
fn open_pidfd(_pid: i32) -> Option<OwnedFd> {
    None
}

/// Give a spawned child to the supervisor. `wake` is [`start`]'s.
pub(super) fn hand_over(
    wake: &OwnedFd,
    mut child: std::process::Child,
    echo: Option<Echo>,
    on_exit: OnExit,
    use_pidfd: bool,
    direct: Option<Direct>,
) -> SoFar {
    let pidfd = if use_pidfd {
        open_pidfd(child.id() as i32)
    } else {
        None
    };
    let streams = [
        child
            .stdout
            .take()
            .map(|fd| Stream::new(fd.into(), echo.clone(), false)),
        child
            .stderr
            .take()
            .map(|fd| Stream::new(fd.into(), echo, true)),
    ];
    let now = Instant::now();
    let tails = SoFar::default();
    let mut inbox = INBOX.lock().unwrap_or_else(|e| e.into_inner());
    // Only the first child of a batch wakes the supervisor: while the inbox
    // is not empty, a wake-up is already on its way.
    let wake_up = inbox.is_empty();
    inbox.push(Watched {
        child,
        pidfd,
        streams,
        tails: tails.clone(),
        status: None,
        usage: None,
        drain_until: None,
        next_check: now + CHECK_EVERY.0,
        check_every: CHECK_EVERY.0,
        on_exit: Some(on_exit),
        direct,
    });
    drop(inbox);
    if wake_up {
        // A full pipe already wakes the supervisor.
        let _ = rustix::io::write(wake, &[1]);
    }
    tails
}

#[cfg(test)]
mod tests {
    use super::*;

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
