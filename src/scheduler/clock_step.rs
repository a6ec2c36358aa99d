//! Steps of the system clock (an administrator's `date -s`, an NTP step, a
//! VM resumed with an old clock), seen as a difference between the wall
//! clock and elapsed time. Handled as cron handles them:
//!
//! - back: wildcard schedules keep firing from the clock as it now is;
//!   fixed-time schedules and dates do not repeat what already fired (they
//!   wait for the clock to reach their next time);
//! - forward: the misfire rules apply as after any downtime;
//! - intervals follow elapsed time either way (their next fire and anchor
//!   move with the step);
//! - timeouts and fires waiting for their time stay the same elapsed time
//!   away.
//!
//! The same look sees a gap (a suspend, a freeze): fires due during it
//! were due while no runner was running.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use super::Scheduler;
use crate::store::JobFilter;
use crate::trigger::{ClockStep, Trigger};
use crate::units::human_ms;

/// A difference between the wall clock and elapsed time smaller than this
/// is drift or a slow wake-up, not a step.
const STEP: Duration = Duration::seconds(2);
/// A loop that sleeps at most a second and saw this much time pass (on a
/// clock that counts a suspend) between two looks was suspended or frozen:
/// it was not running meanwhile.
const GAP: Duration = Duration::seconds(10);

impl Scheduler {
    /// Compare the wall clock with elapsed time since the last look.
    pub(super) fn watch_clock(&mut self) {
        let seen = (self.clock.now(), self.clock.elapsed());
        let last = self.clock_seen.replace(seen);
        let Some((wall, elapsed)) = last else {
            return;
        };
        let moved = Duration::from_std(seen.1.saturating_sub(elapsed)).unwrap_or_default();
        if moved >= GAP {
            self.awake_since = seen.0;
        }
        let step = (seen.0 - wall) - moved;
        if step.abs() < STEP {
            return;
        }
        self.log.warn(&format!(
            "the system clock stepped {} by {}; schedules follow it as cron does",
            if step < Duration::zero() {
                "back"
            } else {
                "forward"
            },
            human_ms(step.num_milliseconds().abs())
        ));
        for r in self.running.values_mut() {
            r.watch.shift(step);
        }
        for p in &mut self.waiting {
            p.not_before = p
                .not_before
                .checked_add_signed(step)
                .unwrap_or(p.not_before);
        }
        if let Err(e) = self.follow_step(step, seen.0) {
            self.trouble(e);
        }
    }

    /// Move the next runs the step concerns, in one transaction.
    fn follow_step(&mut self, step: Duration, now: DateTime<Utc>) -> Result<()> {
        let back = step < Duration::zero();
        let mut ids = Vec::new();
        let filter = JobFilter::default();
        self.store.each_job(filter, &mut |row| {
            if let Ok(job) = row {
                let moves = match Trigger::from_spec(&job.trigger).map(|t| t.on_clock_step()) {
                    Ok(ClockStep::Elapsed) => true,
                    Ok(ClockStep::Recompute) => back,
                    _ => false,
                };
                if moves && job.state == crate::model::JobState::Active {
                    ids.push(job.id);
                }
            }
            Ok(())
        })?;
        if ids.is_empty() {
            return Ok(());
        }
        // Whole seconds: schedules are kept to the second.
        let step = Duration::seconds((step.num_milliseconds() as f64 / 1000.0).round() as i64);
        let shift = |t: DateTime<Utc>| t.checked_add_signed(step).unwrap_or(t);
        self.store.update_jobs(Some(&ids), &mut |job| {
            let Ok(trigger) = Trigger::from_spec(&job.trigger) else {
                return Ok(());
            };
            match trigger.on_clock_step() {
                ClockStep::Elapsed => {
                    job.next_run_at = job.next_run_at.map(shift);
                    job.trigger.start = job.trigger.start.map(shift);
                }
                ClockStep::Recompute => {
                    let again = trigger.next_fire(now - Duration::seconds(1));
                    if again < job.next_run_at {
                        job.next_run_at = again;
                    }
                }
                ClockStep::WallTimes => {}
            }
            Ok(())
        })?;
        Ok(())
    }
}
