//! One child's deadline and stop: deadline → SIGTERM to its group →
//! [`KILL_AFTER`] → SIGKILL, and the status it ends with. Used by `tick run`
//! (one per running child) and `tick fire` alike.
//!
//! Time is passed in, never read here, so the scheduler's tests drive it
//! with a fixed clock.

use chrono::{DateTime, Duration, Utc};
use rustix::process::Signal;

use super::Child;
use crate::model::{RunResult, Status};

/// How long a group gets between SIGTERM and SIGKILL.
pub const KILL_AFTER: Duration = Duration::seconds(5);

/// A signal [`Watch::tick`] sent, for the caller to log.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sent {
    /// The deadline passed: SIGTERM.
    Timeout,
    /// Still running [`KILL_AFTER`] after SIGTERM: SIGKILL.
    Kill,
}

#[derive(Debug)]
pub struct Watch {
    pub started: DateTime<Utc>,
    deadline: Option<DateTime<Utc>>,
    term_sent: Option<DateTime<Utc>>,
    kill_sent: bool,
    timed_out: bool,
    stopped: bool,
}

impl Watch {
    /// A child started at `started`, stopped after `timeout` seconds if given.
    pub fn new(started: DateTime<Utc>, timeout: Option<u64>) -> Watch {
        let timeout = timeout.and_then(|t| Duration::try_seconds(t.try_into().ok()?));
        Watch {
            started,
            deadline: timeout.and_then(|t| started.checked_add_signed(t)),
            term_sent: None,
            kill_sent: false,
            timed_out: false,
            stopped: false,
        }
    }

    /// Send whatever is due at `now`: SIGTERM at the deadline, SIGKILL
    /// [`KILL_AFTER`] after a SIGTERM.
    pub fn tick(&mut self, child: &Child, now: DateTime<Utc>) -> Option<Sent> {
        match (self.deadline, self.term_sent) {
            (Some(d), None) if now >= d => {
                child.signal_group(Signal::TERM);
                self.term_sent = Some(now);
                self.timed_out = true;
                Some(Sent::Timeout)
            }
            (_, Some(sent)) if !self.kill_sent && now >= sent + KILL_AFTER => {
                child.signal_group(Signal::KILL);
                self.kill_sent = true;
                Some(Sent::Kill)
            }
            _ => None,
        }
    }

    /// The wall clock stepped by `by`: move every time with it, so that a
    /// deadline stays the same length of elapsed time away.
    pub fn shift(&mut self, by: Duration) {
        let move_by = |t: DateTime<Utc>| t.checked_add_signed(by).unwrap_or(t);
        self.deadline = self.deadline.map(move_by);
        self.term_sent = self.term_sent.map(move_by);
        self.started = move_by(self.started);
    }

    /// When [`Watch::tick`] has something to do next.
    pub fn next_wake(&self) -> Option<DateTime<Utc>> {
        match (self.deadline, self.term_sent) {
            (_, Some(sent)) if !self.kill_sent => Some(sent + KILL_AFTER),
            (Some(d), None) => Some(d),
            _ => None,
        }
    }

    /// Stopped by the user, gently: SIGTERM now, SIGKILL [`KILL_AFTER`]
    /// later unless it ends first.
    pub fn interrupt(&mut self, child: &Child, now: DateTime<Utc>) {
        self.stopped = true;
        if self.term_sent.is_none() {
            child.signal_group(Signal::TERM);
            self.term_sent = Some(now);
        }
    }

    /// Ended by the scheduler (`--overlap replace`): SIGTERM now, SIGKILL
    /// [`KILL_AFTER`] later unless it ends first; its status comes from
    /// its exit.
    pub fn terminate(&mut self, child: &Child, now: DateTime<Utc>) {
        if self.term_sent.is_none() {
            child.signal_group(Signal::TERM);
            self.term_sent = Some(now);
        }
    }

    /// Stopped by the user, at once: SIGKILL.
    pub fn kill(&mut self, child: &Child) {
        self.stopped = true;
        child.signal_group(Signal::KILL);
        self.kill_sent = true;
    }

    /// How the execution ended: `interrupted` if the user stopped it,
    /// `timeout` if its deadline passed, else from its exit.
    pub fn status(&self, result: &RunResult) -> Status {
        if self.stopped {
            Status::Interrupted
        } else if self.timed_out {
            Status::Timeout
        } else {
            result.status()
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: i64) -> DateTime<Utc> {
        DateTime::from_timestamp(1_800_000_000 + s, 0).unwrap()
    }

    /// A child that is not there: signals to it go nowhere.
    fn nobody() -> Child {
        Child {
            pid: i32::MAX,
            so_far: Default::default(),
            signalled: Default::default(),
        }
    }

    #[test]
    fn deadline_then_term_then_kill() {
        let c = nobody();
        let mut w = Watch::new(at(0), Some(10));
        assert_eq!(w.next_wake(), Some(at(10)));
        assert_eq!(w.tick(&c, at(9)), None);
        assert_eq!(w.tick(&c, at(10)), Some(Sent::Timeout));
        assert_eq!(w.next_wake(), Some(at(15)));
        assert_eq!(w.tick(&c, at(14)), None);
        assert_eq!(w.tick(&c, at(15)), Some(Sent::Kill));
        assert_eq!((w.tick(&c, at(99)), w.next_wake()), (None, None));
        assert_eq!(w.status(&RunResult::default()), Status::Timeout);
    }

    #[test]
    fn no_timeout_no_wake_and_a_huge_one_never_overflows() {
        let c = nobody();
        let mut w = Watch::new(at(0), None);
        assert_eq!((w.tick(&c, at(1_000_000)), w.next_wake()), (None, None));
        let w = Watch::new(at(0), Some(u64::MAX));
        assert_eq!(w.next_wake(), None);
    }

    #[test]
    fn a_stop_is_interrupted_whatever_the_exit() {
        let c = nobody();
        let mut w = Watch::new(at(0), Some(10));
        w.interrupt(&c, at(1));
        assert_eq!(w.next_wake(), Some(at(6)));
        let ok = RunResult {
            exit_code: Some(0),
            ..RunResult::default()
        };
        assert_eq!(w.status(&ok), Status::Interrupted);
        let mut w = Watch::new(at(0), None);
        assert_eq!(w.status(&ok), Status::Success);
        w.kill(&c);
        assert_eq!((w.status(&ok), w.next_wake()), (Status::Interrupted, None));
    }
}
