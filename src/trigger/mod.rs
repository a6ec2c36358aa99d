//! Triggers: when a job fires (docs/triggers.md). Pure: no I/O and no clock reads;
//! whoever needs "now" passes it in.
//!
//! - `combined.rs`: `any` and `all` of several triggers;
//! - `cron/`: the cron engine and its two syntaxes (crontab strings,
//!   APScheduler fields), one compiled form;
//! - `dst.rs`: wall-clock matches to instants, with the daylight-saving rules;
//! - `input.rs`: DATETIME and zone names (DURATION is `crate::units`);
//! - `spec.rs`: the stored form ([`TriggerSpec`]) and the human one.
//!
//! Interval and date triggers are a few lines each and live here.

pub mod combined;
pub mod cron;
pub mod dst;
pub mod input;
mod spec;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

pub use cron::{ApsField, ApsFields, CronSchedule};
pub use spec::{CronSource, ScheduleSpec, TriggerSpec};

use crate::error::UsageError;

/// What a trigger fires on, before zone, bounds and jitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Schedule {
    /// A crontab expression or APScheduler fields, compiled.
    Cron {
        schedule: CronSchedule,
        source: CronSource,
    },
    /// `@reboot`: fires once each time `tick run` starts, never by the clock.
    Reboot,
    /// Every `every` seconds of elapsed time from the trigger's start.
    Interval { every: u64 },
    /// Once, at an instant.
    Date { at: DateTime<Utc> },
    /// Whenever any part fires (APScheduler's OrTrigger).
    Any(Vec<Trigger>),
    /// Whenever every part fires at the same instant (AndTrigger).
    All(Vec<Trigger>),
}

/// What a step of the system clock does to a trigger's next fire
/// ([`Trigger::on_clock_step`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ClockStep {
    /// Keep it: its wall-clock times come when the clock reaches them.
    WallTimes,
    /// Compute it again from the clock as it now is.
    Recompute,
    /// Move it with the step: it measures elapsed time.
    Elapsed,
}

/// A complete trigger: schedule, zone, inclusive bounds and jitter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Trigger {
    pub schedule: Schedule,
    pub tz: Tz,
    /// First allowed fire (inclusive). For an interval, the anchor of
    /// `start + k·every`; always set for intervals.
    pub start: Option<DateTime<Utc>>,
    /// Last allowed fire (inclusive).
    pub end: Option<DateTime<Utc>>,
    /// Up to this many seconds of random delay per fire (not shown by `next`).
    pub jitter: u64,
}

impl Trigger {
    /// A cron trigger from a crontab expression or macro (incl. `@reboot`).
    pub fn crontab(expr: &str, tz: Tz) -> Result<Trigger, UsageError> {
        let schedule = if expr.trim().eq_ignore_ascii_case("@reboot") {
            Schedule::Reboot
        } else {
            Schedule::Cron {
                schedule: cron::parse_crontab(expr)?,
                source: CronSource::Expr(expr.split_whitespace().collect::<Vec<_>>().join(" ")),
            }
        };
        Ok(Trigger::new(schedule, tz))
    }

    /// A cron trigger from APScheduler fields.
    pub fn aps(fields: &ApsFields, tz: Tz) -> Result<Trigger, UsageError> {
        let schedule = cron::parse_aps(fields)?;
        let source = CronSource::Fields(fields.clone());
        Ok(Trigger::new(Schedule::Cron { schedule, source }, tz))
    }

    /// An interval trigger anchored at `start` (the first fire).
    pub fn interval(every: u64, start: DateTime<Utc>, tz: Tz) -> Result<Trigger, UsageError> {
        if every == 0 {
            return Err(UsageError::new(
                "invalid interval: it must be at least 1s (e.g. --every 15m)",
            ));
        }
        let mut t = Trigger::new(Schedule::Interval { every }, tz);
        t.start = Some(input::floor_secs(start));
        Ok(t)
    }

    /// A one-shot trigger.
    pub fn date(at: DateTime<Utc>, tz: Tz) -> Trigger {
        Trigger::new(
            Schedule::Date {
                at: input::floor_secs(at),
            },
            tz,
        )
    }

    /// Fires whenever one of `parts` fires; `tz` is for display.
    pub fn any(parts: Vec<Trigger>, tz: Tz) -> Trigger {
        Trigger::new(Schedule::Any(parts), tz)
    }

    /// Fires at the instants all of `parts` agree on; `tz` is for display.
    pub fn all(parts: Vec<Trigger>, tz: Tz) -> Trigger {
        Trigger::new(Schedule::All(parts), tz)
    }

    fn new(schedule: Schedule, tz: Tz) -> Trigger {
        Trigger {
            schedule,
            tz,
            start: None,
            end: None,
            jitter: 0,
        }
    }

    /// Set the inclusive bounds; an end before the start is an error.
    pub fn with_bounds(
        mut self,
        start: Option<DateTime<Utc>>,
        end: Option<DateTime<Utc>>,
    ) -> Result<Trigger, UsageError> {
        if let Some(s) = start {
            self.start = Some(input::floor_secs(s));
        }
        self.end = end.map(input::floor_secs);
        if let (Some(s), Some(e)) = (self.start, self.end) {
            if e < s {
                return Err(UsageError::new(format!(
                    "invalid --end '{}': it is before the start '{}'",
                    e.with_timezone(&self.tz).to_rfc3339(),
                    s.with_timezone(&self.tz).to_rfc3339()
                )));
            }
        }
        Ok(self)
    }

    /// The first fire strictly after `after`, or `None` when there is none
    /// (the schedule ended, can never fire, or is `@reboot`). Un-jittered.
    pub fn next_fire(&self, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
        self.next_fire_counted(after, &mut combined::ALL_MAX_ROUNDS.clone())
    }

    /// [`Trigger::next_fire`], spending the rounds an `all` search may take.
    fn next_fire_counted(&self, after: DateTime<Utc>, rounds: &mut u32) -> Option<DateTime<Utc>> {
        let after = input::floor_secs(after);
        // Cron and combined schedules search from the start on.
        let from = match self.start {
            Some(s) if s > after => s - Duration::seconds(1),
            _ => after,
        };
        let fire = match &self.schedule {
            Schedule::Cron { schedule, .. } => dst::next_cron_fire(schedule, self.tz, from)?,
            Schedule::Reboot => return None,
            Schedule::Interval { every } => {
                let start = self.start?;
                if after < start {
                    start
                } else {
                    let every = *every as i64;
                    let k = (after - start).num_seconds() / every + 1;
                    start.checked_add_signed(Duration::seconds(k.checked_mul(every)?))?
                }
            }
            Schedule::Date { at } => {
                if *at <= after || self.start.is_some_and(|s| *at < s) {
                    return None;
                }
                *at
            }
            Schedule::Any(parts) => combined::next_any(parts, from, rounds)?,
            Schedule::All(parts) => combined::next_all(parts, from, rounds)?,
        };
        if self.end.is_some_and(|e| fire > e) || chrono::Datelike::year(&fire) > cron::MAX_YEAR {
            return None;
        }
        Some(fire)
    }

    /// The fires strictly after `after`, in order, computed as they are
    /// taken (`tick next -n 100000000 | head` costs two fires).
    pub fn fires(&self, after: DateTime<Utc>) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        std::iter::successors(Some(after), |t| self.next_fire(*t)).skip(1)
    }

    /// Up to `count` fires strictly after `after`, in order.
    pub fn fires_after(&self, after: DateTime<Utc>, count: usize) -> Vec<DateTime<Utc>> {
        self.fires(after).take(count).collect()
    }

    /// How the trigger meets a step of the system clock, as cron does: a
    /// fixed-time cron schedule or a date is tied to wall-clock times (after
    /// a backward step it does not repeat them); a wildcard cron schedule
    /// follows the clock as it now is; an interval follows elapsed time.
    /// A combined trigger follows wall-clock times only if all its parts do.
    pub fn on_clock_step(&self) -> ClockStep {
        match &self.schedule {
            Schedule::Cron { schedule, .. } if schedule.is_fixed_time() => ClockStep::WallTimes,
            Schedule::Cron { .. } => ClockStep::Recompute,
            Schedule::Date { .. } | Schedule::Reboot => ClockStep::WallTimes,
            Schedule::Interval { .. } => ClockStep::Elapsed,
            Schedule::Any(parts) | Schedule::All(parts) => {
                if parts
                    .iter()
                    .all(|p| p.on_clock_step() == ClockStep::WallTimes)
                {
                    ClockStep::WallTimes
                } else {
                    ClockStep::Recompute
                }
            }
        }
    }

    /// The human form used in listings: `cron 0 8 * * 1-5 (Europe/Berlin)`,
    /// `every 15m`, `once at 2026-12-01T10:00:00+01:00`.
    pub fn describe(&self) -> String {
        self.spec().describe()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn rfc(tz: Tz, ts: &[DateTime<Utc>]) -> Vec<String> {
        ts.iter()
            .map(|t| {
                t.with_timezone(&tz)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
            })
            .collect()
    }

    #[test]
    fn interval_counts_elapsed_time_from_start() {
        let ny: Tz = "America/New_York".parse().unwrap();
        // 1d is 86,400 s even across the spring-forward night.
        let t = Trigger::interval(86_400, utc("2026-03-07T12:00:00-05:00"), ny).unwrap();
        assert_eq!(
            rfc(ny, &t.fires_after(utc("2026-03-01T00:00:00Z"), 3)),
            [
                "2026-03-07T12:00:00-05:00",
                "2026-03-08T13:00:00-04:00",
                "2026-03-09T13:00:00-04:00"
            ]
        );
        // Strictly after: a fire exactly at `after` is not returned.
        assert_eq!(
            t.next_fire(utc("2026-03-07T17:00:00Z")).unwrap(),
            utc("2026-03-08T17:00:00Z")
        );
    }

    #[test]
    fn interval_end_is_inclusive_and_zero_is_an_error() {
        let t = Trigger::interval(60, utc("2026-01-01T00:00:00Z"), Tz::UTC)
            .unwrap()
            .with_bounds(None, Some(utc("2026-01-01T00:02:00Z")))
            .unwrap();
        assert_eq!(t.fires_after(utc("2025-12-31T00:00:00Z"), 10).len(), 3);
        assert!(Trigger::interval(0, utc("2026-01-01T00:00:00Z"), Tz::UTC).is_err());
        let e = Trigger::date(utc("2026-01-01T00:00:00Z"), Tz::UTC)
            .with_bounds(
                Some(utc("2026-02-01T00:00:00Z")),
                Some(utc("2026-01-01T00:00:00Z")),
            )
            .unwrap_err();
        assert!(e.to_string().contains("before the start"), "{e}");
    }

    #[test]
    fn date_fires_once() {
        let t = Trigger::date(utc("2026-12-01T10:00:00Z"), Tz::UTC);
        assert_eq!(
            t.fires_after(utc("2026-01-01T00:00:00Z"), 5),
            [utc("2026-12-01T10:00:00Z")]
        );
        assert_eq!(t.next_fire(utc("2026-12-01T10:00:00Z")), None);
    }

    #[test]
    fn cron_start_is_inclusive_and_end_stops() {
        let t = Trigger::crontab("0 * * * *", Tz::UTC)
            .unwrap()
            .with_bounds(
                Some(utc("2026-01-01T05:00:00Z")),
                Some(utc("2026-01-01T07:00:00Z")),
            )
            .unwrap();
        assert_eq!(
            t.fires_after(utc("2026-01-01T00:00:00Z"), 10),
            [
                utc("2026-01-01T05:00:00Z"),
                utc("2026-01-01T06:00:00Z"),
                utc("2026-01-01T07:00:00Z")
            ]
        );
    }

    #[test]
    fn reboot_has_no_clock_fires() {
        let t = Trigger::crontab("@reboot", Tz::UTC).unwrap();
        assert_eq!(t.next_fire(utc("2026-01-01T00:00:00Z")), None);
        assert_eq!(t.describe(), "cron @reboot");
    }
}
