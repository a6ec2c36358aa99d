//! What time it is. The scheduler and commands take a [`Clock`] so tests can
//! inject a fake one instead of sleeping.

use chrono::{DateTime, Utc};

pub trait Clock {
    fn now(&self) -> DateTime<Utc>;
}

/// The real clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that says whatever the test sets.
#[derive(Debug, Clone)]
pub struct FixedClock(pub std::cell::Cell<DateTime<Utc>>);

impl FixedClock {
    pub fn new(t: DateTime<Utc>) -> Self {
        FixedClock(std::cell::Cell::new(t))
    }
    pub fn set(&self, t: DateTime<Utc>) {
        self.0.set(t)
    }
}

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0.get()
    }
}
