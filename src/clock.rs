//! What time it is. The scheduler and commands take a [`Clock`] so tests can
//! inject a fake one instead of sleeping.
//!
//! A clock has two faces: the wall clock (`now`), which can be stepped by
//! an administrator or NTP, and elapsed time (`elapsed`), which never steps
//! (`CLOCK_BOOTTIME` on Linux: it also counts a suspend). The runner
//! compares the two to see a step of the wall clock.

use std::time::Duration;

use chrono::{DateTime, Utc};

pub trait Clock {
    /// The wall clock.
    fn now(&self) -> DateTime<Utc>;
    /// Time elapsed since some fixed point, on a clock that never steps.
    fn elapsed(&self) -> Duration;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    fn elapsed(&self) -> Duration {
        let t = rustix::time::clock_gettime(rustix::time::ClockId::Boottime);
        Duration::new(t.tv_sec as u64, t.tv_nsec as u32)
    }

    #[cfg(not(any(target_os = "linux", target_os = "android")))]
    fn elapsed(&self) -> Duration {
        static START: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
        START.get_or_init(std::time::Instant::now).elapsed()
    }
}

/// A clock stopped at one instant (tests).
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }

    fn elapsed(&self) -> Duration {
        Duration::ZERO
    }
}

/// A clock a test moves: both faces together, or the wall clock alone (a
/// step). Clones share their time.
#[derive(Debug, Clone)]
pub struct TestClock(std::rc::Rc<std::cell::Cell<(DateTime<Utc>, Duration)>>);

impl TestClock {
    pub fn new(now: DateTime<Utc>) -> TestClock {
        TestClock(std::rc::Rc::new(std::cell::Cell::new((
            now,
            Duration::ZERO,
        ))))
    }

    /// Time passes: both faces move.
    pub fn advance(&self, by: Duration) {
        let (now, elapsed) = self.0.get();
        self.0.set((now + by, elapsed + by));
    }

    /// The wall clock is set to `to`; elapsed time does not move.
    pub fn step_to(&self, to: DateTime<Utc>) {
        let (_, elapsed) = self.0.get();
        self.0.set((to, elapsed));
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.get().0
    }

    fn elapsed(&self) -> Duration {
        self.0.get().1
    }
}
