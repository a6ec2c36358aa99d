//! What to do with a job whose next run is due: the pure part of the
//! scheduler (APScheduler's `_process_jobs`), decided from the job, its
//! trigger, "now" and how many copies are running. No I/O, no clock reads.
//!
//! - The backlog is every fire from the stored next run up to now.
//! - A fire more than the misfire grace late is `missed`. With `auto` (the
//!   default) the grace is a minute, except for the latest fire of the
//!   backlog, whose next fire has not come: it runs however late (a `date`
//!   job's one fire too).
//! - With coalesce, the runnable part of the backlog runs once (as its
//!   latest fire); a backlog that is all missed is recorded as one `missed`
//!   row, so a week of downtime does not write thousands of rows.
//! - Without coalesce, each runnable fire runs, and each missed one is
//!   recorded (at most [`MAX_BACKLOG`] of them).
//! - A run that would exceed `max_instances` is `skipped` (`--overlap
//!   skip`); with `queue` one more is claimed, and waits for a copy to end;
//!   with `replace` it runs, and [`Plan::replace`] copies are ended; with
//!   `allow` every one runs.

use chrono::{DateTime, Utc};

use crate::model::{JobOptions, MisfireGrace, Overlap};
use crate::trigger::Trigger;

/// The most fires of one backlog that are looked at (and recorded).
pub const MAX_BACKLOG: usize = 100;

/// The decision for one due job.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Plan {
    /// Scheduled times to run now, oldest first.
    pub run: Vec<DateTime<Utc>>,
    /// Scheduled times recorded as `missed`.
    pub missed: Vec<DateTime<Utc>>,
    /// Scheduled times recorded as `skipped` (max_instances).
    pub skipped: Vec<DateTime<Utc>>,
    /// Fires in the backlog that were neither run nor recorded (coalesced,
    /// or beyond [`MAX_BACKLOG`]).
    pub dropped: usize,
    /// The job's next run after this wake-up; `None` = the schedule ended.
    pub next: Option<DateTime<Utc>>,
    /// Running copies to end for the fires that run (`--overlap replace`).
    pub replace: u32,
}

/// How many copies of a job may be running or claimed at once: the
/// running ones, and with `queue` the one waiting for them.
pub fn limit(options: &JobOptions) -> u32 {
    match options.overlap {
        Overlap::Skip | Overlap::Replace => options.max_instances,
        Overlap::Queue => options.max_instances.saturating_add(1),
        Overlap::Allow => u32::MAX,
    }
}

/// Decide a due job. `due` is its stored next run (<= `now`); `running` is
/// how many of its executions are running now.
pub fn plan(
    trigger: &Trigger,
    options: &JobOptions,
    due: DateTime<Utc>,
    now: DateTime<Utc>,
    running: u32,
) -> Plan {
    // The backlog: due, and every later fire up to now.
    let mut backlog = std::collections::VecDeque::from([due]);
    let mut dropped = 0usize;
    let mut next = trigger.next_fire(due);
    while let Some(t) = next {
        if t > now {
            break;
        }
        // Keep the newest MAX_BACKLOG: they are the ones that may still run.
        if backlog.len() == MAX_BACKLOG {
            backlog.pop_front();
            dropped += 1;
        }
        backlog.push_back(t);
        next = trigger.next_fire(t);
        if dropped > 1_000_000 {
            // A second-by-second job after a very long downtime: jump.
            next = trigger.next_fire(now);
            break;
        }
    }
    let grace = options.misfire_grace;
    // With `auto` the latest, whose next fire has not come, runs however late.
    let latest = match grace {
        MisfireGrace::Auto => backlog.pop_back(),
        _ => None,
    };
    let (missed, mut runnable): (Vec<_>, Vec<_>) =
        backlog.into_iter().partition(|t| grace.exceeded(*t, now));
    runnable.extend(latest);
    let mut p = Plan {
        next,
        dropped,
        ..Plan::default()
    };
    let to_run = if options.coalesce {
        match runnable.last() {
            Some(latest) => {
                p.dropped += runnable.len() - 1 + missed.len();
                vec![*latest]
            }
            None => {
                // All missed: one row says so.
                if let Some(latest) = missed.last() {
                    p.missed.push(*latest);
                    p.dropped += missed.len() - 1;
                }
                Vec::new()
            }
        }
    } else {
        p.missed = missed;
        runnable
    };
    let mut slots = limit(options).saturating_sub(running);
    if options.overlap == Overlap::Replace {
        // Up to max_instances fires run; as many running copies end.
        slots = options.max_instances;
        let runs = (to_run.len() as u32).min(slots);
        p.replace = (running + runs).saturating_sub(options.max_instances);
    }
    for t in to_run {
        if slots > 0 {
            p.run.push(t);
            slots -= 1;
        } else {
            p.skipped.push(t);
        }
    }
    p
}

/// Decide a retry due at `due` of a job whose next regular fire is
/// `next_fire`: run it, or record it `missed` (later than the misfire
/// grace; with `auto`, only once the job's next fire has come) or `skipped`
/// (max_instances copies running). A retry never changes the job's next
/// run.
pub fn plan_retry(
    options: &JobOptions,
    due: DateTime<Utc>,
    next_fire: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
    running: u32,
) -> Plan {
    let mut p = Plan {
        next: Some(due),
        ..Plan::default()
    };
    let grace = options.misfire_grace;
    let late = grace.exceeded(due, now)
        && (grace != MisfireGrace::Auto || next_fire.is_some_and(|n| n <= now));
    if late {
        p.missed.push(due);
    } else if running >= limit(options) {
        p.skipped.push(due);
    } else {
        p.run.push(due);
    }
    p
}

/// When a fire with up to `jitter` seconds of jitter actually starts: a
/// uniform random delay in [0, jitter], to the millisecond.
pub fn jittered(scheduled: DateTime<Utc>, jitter: u64, rng: &mut fastrand::Rng) -> DateTime<Utc> {
    if jitter == 0 {
        return scheduled;
    }
    // Bounded, whatever a stored row says: no overflow, no panic.
    let ms = jitter.min(crate::units::MAX_DURATION_SECS) as i64 * 1000;
    scheduled
        .checked_add_signed(chrono::Duration::milliseconds(rng.i64(0..=ms)))
        .unwrap_or(scheduled)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::Duration;
    use chrono_tz::Tz;

    fn at(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn every_minute() -> Trigger {
        Trigger::crontab("* * * * *", Tz::UTC).unwrap()
    }

    fn opts(coalesce: bool, grace: Option<u64>, max: u32) -> JobOptions {
        JobOptions {
            coalesce,
            misfire_grace: grace.map_or(MisfireGrace::Unlimited, MisfireGrace::Within),
            max_instances: max,
            ..JobOptions::default()
        }
    }

    fn auto(coalesce: bool) -> JobOptions {
        JobOptions {
            coalesce,
            ..JobOptions::default()
        }
    }

    #[test]
    fn on_time_fire_runs_and_moves_on() {
        let due = at("2026-01-01T10:00:00Z");
        let p = plan(&every_minute(), &opts(true, Some(60), 1), due, due, 0);
        assert_eq!(p.run, [due]);
        assert!(p.missed.is_empty() && p.skipped.is_empty());
        assert_eq!(p.next, Some(at("2026-01-01T10:01:00Z")));
    }

    #[test]
    fn late_beyond_grace_is_missed() {
        let due = at("2026-01-01T10:00:00Z");
        let hourly = Trigger::crontab("0 * * * *", Tz::UTC).unwrap();
        let p = plan(
            &hourly,
            &opts(true, Some(60), 1),
            due,
            due + Duration::seconds(61),
            0,
        );
        assert!(p.run.is_empty());
        assert_eq!(p.missed, [due]);
        assert_eq!(p.next, Some(at("2026-01-01T11:00:00Z")));
        // Exactly at the grace still runs; no grace runs however late.
        let p = plan(
            &hourly,
            &opts(true, Some(60), 1),
            due,
            due + Duration::seconds(60),
            0,
        );
        assert_eq!(p.run, [due]);
        let p = plan(
            &hourly,
            &opts(true, None, 1),
            due,
            due + Duration::minutes(59),
            0,
        );
        assert_eq!(p.run, [due]);
    }

    #[test]
    fn coalesce_runs_a_backlog_once() {
        // Down from 10:00 to 10:05:30: fires 10:00..10:05 are the backlog.
        let due = at("2026-01-01T10:00:00Z");
        let now = at("2026-01-01T10:05:30Z");
        let p = plan(&every_minute(), &opts(true, Some(60), 1), due, now, 0);
        assert_eq!(p.run, [at("2026-01-01T10:05:00Z")]);
        assert!(p.missed.is_empty());
        assert_eq!(p.dropped, 5);
        assert_eq!(p.next, Some(at("2026-01-01T10:06:00Z")));
    }

    #[test]
    fn coalesced_backlog_all_late_is_one_missed_row() {
        let due = at("2026-01-01T10:00:00Z");
        let hourly = Trigger::crontab("0 * * * *", Tz::UTC).unwrap();
        let now = at("2026-01-01T15:30:00Z");
        let p = plan(&hourly, &opts(true, Some(60), 1), due, now, 0);
        assert!(p.run.is_empty());
        assert_eq!(p.missed, [at("2026-01-01T15:00:00Z")]);
        assert_eq!(p.next, Some(at("2026-01-01T16:00:00Z")));
    }

    #[test]
    fn without_coalesce_each_fire_is_judged() {
        let due = at("2026-01-01T10:00:00Z");
        let now = at("2026-01-01T10:03:30Z");
        let p = plan(&every_minute(), &opts(false, Some(120), 10), due, now, 0);
        // 10:00 and 10:01 are more than 120 s late; 10:02 and 10:03 run.
        assert_eq!(
            p.missed,
            [at("2026-01-01T10:00:00Z"), at("2026-01-01T10:01:00Z")]
        );
        assert_eq!(
            p.run,
            [at("2026-01-01T10:02:00Z"), at("2026-01-01T10:03:00Z")]
        );
    }

    #[test]
    fn overlap_sets_what_a_fire_beyond_max_instances_does() {
        let due = at("2026-01-01T10:00:00Z");
        let with = |overlap| JobOptions {
            overlap,
            ..opts(true, Some(60), 1)
        };
        let p = plan(&every_minute(), &with(Overlap::Skip), due, due, 1);
        assert_eq!((p.run.len(), p.skipped.len(), p.replace), (0, 1, 0));
        // queue: one more is claimed (it waits); a second is skipped.
        let p = plan(&every_minute(), &with(Overlap::Queue), due, due, 1);
        assert_eq!((p.run.len(), p.skipped.len()), (1, 0));
        let p = plan(&every_minute(), &with(Overlap::Queue), due, due, 2);
        assert_eq!((p.run.len(), p.skipped.len()), (0, 1));
        // replace: it runs, and the running copy ends.
        let p = plan(&every_minute(), &with(Overlap::Replace), due, due, 1);
        assert_eq!((p.run.len(), p.replace), (1, 1));
        let p = plan(&every_minute(), &with(Overlap::Replace), due, due, 0);
        assert_eq!((p.run.len(), p.replace), (1, 0));
        let p = plan(&every_minute(), &with(Overlap::Allow), due, due, 50);
        assert_eq!((p.run.len(), p.skipped.len()), (1, 0));
    }

    #[test]
    fn max_instances_skips() {
        let due = at("2026-01-01T10:00:00Z");
        let p = plan(&every_minute(), &opts(true, Some(60), 1), due, due, 1);
        assert!(p.run.is_empty());
        assert_eq!(p.skipped, [due]);
        let now = at("2026-01-01T10:02:00Z");
        let p = plan(&every_minute(), &opts(false, None, 3), due, now, 1);
        assert_eq!(p.run.len(), 2);
        assert_eq!(p.skipped, [now]);
    }

    #[test]
    fn long_backlog_is_bounded() {
        let secondly = Trigger::crontab("* * * * * *", Tz::UTC).unwrap();
        let due = at("2026-01-01T00:00:00Z");
        let now = at("2026-01-01T01:00:00Z");
        let p = plan(&secondly, &opts(false, None, 1000), due, now, 0);
        assert_eq!(p.run.len() + p.skipped.len() + p.missed.len(), MAX_BACKLOG);
        assert_eq!(p.run.last(), Some(&now));
        assert_eq!(p.dropped, 3_601 - MAX_BACKLOG);
        assert_eq!(p.next, Some(now + Duration::seconds(1)));
    }

    #[test]
    fn jitter_stays_in_bounds_and_spreads() {
        let t = at("2026-01-01T10:00:00Z");
        let mut rng = fastrand::Rng::with_seed(7);
        let delays: Vec<i64> = (0..10_000)
            .map(|_| (jittered(t, 30, &mut rng) - t).num_milliseconds())
            .collect();
        assert!(delays.iter().all(|d| (0..=30_000).contains(d)));
        // Spread over the whole range, not bunched at one end.
        assert!(*delays.iter().min().unwrap() < 1_000);
        assert!(*delays.iter().max().unwrap() > 29_000);
        assert_eq!(jittered(t, 0, &mut rng), t);
    }

    #[test]
    fn a_date_job_ends() {
        let due = at("2026-01-01T10:00:00Z");
        let once = Trigger::date(due, Tz::UTC);
        let p = plan(
            &once,
            &opts(true, Some(60), 1),
            due,
            due + Duration::seconds(1),
            0,
        );
        assert_eq!(p.run, [due]);
        assert_eq!(p.next, None);
    }

    #[test]
    fn backlog_across_a_dst_fold_uses_both_passes() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let t = Trigger::crontab("*/30 * * * *", ny).unwrap();
        let due = at("2026-11-01T01:00:00-04:00");
        let now = at("2026-11-01T01:45:00-05:00");
        let p = plan(&t, &opts(false, None, 10), due, now, 0);
        assert_eq!(
            p.run,
            [
                at("2026-11-01T01:00:00-04:00"),
                at("2026-11-01T01:30:00-04:00"),
                at("2026-11-01T01:00:00-05:00"),
                at("2026-11-01T01:30:00-05:00")
            ]
        );
    }

    #[test]
    fn auto_runs_the_latest_fire_however_late_once() {
        // Down from 03:00 on the 1st to 10:12 on the 8th: a week of nightly
        // fires; the 8th's (its next fire has not come) runs, 7h12m late.
        let nightly = Trigger::crontab("0 3 * * *", Tz::UTC).unwrap();
        let due = at("2026-01-01T03:00:00Z");
        let now = at("2026-01-08T10:12:00Z");
        let p = plan(&nightly, &auto(true), due, now, 0);
        assert_eq!(p.run, [at("2026-01-08T03:00:00Z")]);
        assert!(p.missed.is_empty());
        assert_eq!(p.dropped, 7);
        assert_eq!(p.next, Some(at("2026-01-09T03:00:00Z")));
        // Without coalesce the earlier ones are recorded missed: their
        // next fires came.
        let p = plan(&nightly, &auto(false), due, now, 0);
        assert_eq!(p.run, [at("2026-01-08T03:00:00Z")]);
        assert_eq!(p.missed.len(), 7);
        assert_eq!(p.missed[0], due);
        // A whole backlog of a second-by-second job: once, the latest...
        let secondly = Trigger::crontab("* * * * * *", Tz::UTC).unwrap();
        let p = plan(&secondly, &auto(true), due, due + Duration::seconds(9), 0);
        assert_eq!(p.run, [due + Duration::seconds(9)]);
        assert!(p.missed.is_empty());
        // ...or, without coalesce, each fire up to a minute late, as
        // before; those later are missed.
        let each = JobOptions {
            max_instances: 100,
            ..auto(false)
        };
        let p = plan(&secondly, &each, due, due + Duration::seconds(70), 0);
        assert_eq!(p.run.len(), 61);
        assert_eq!(p.run[0], due + Duration::seconds(10));
        assert_eq!(p.missed.len(), 10);
    }

    #[test]
    fn auto_runs_a_date_job_however_late() {
        let due = at("2026-01-01T10:00:00Z");
        let once = Trigger::date(due, Tz::UTC);
        let p = plan(&once, &auto(true), due, due + Duration::days(30), 0);
        assert_eq!(p.run, [due]);
        assert_eq!(p.next, None);
        // Over max_instances it is still skipped.
        let p = plan(&once, &auto(true), due, due + Duration::days(30), 1);
        assert_eq!(p.skipped, [due]);
    }

    #[test]
    fn an_auto_retry_runs_until_the_next_fire_comes() {
        let due = at("2026-01-01T10:00:30Z");
        let next = Some(at("2026-01-01T11:00:00Z"));
        let later = at("2026-01-01T10:59:59Z");
        assert_eq!(plan_retry(&auto(true), due, next, later, 0).run, [due]);
        let p = plan_retry(&auto(true), due, next, at("2026-01-01T11:00:00Z"), 0);
        assert_eq!(p.missed, [due]);
        // Up to a minute late it runs whatever came since.
        let soon = at("2026-01-01T10:01:30Z");
        assert_eq!(plan_retry(&auto(true), due, Some(soon), soon, 0).run, [due]);
        assert_eq!(plan_retry(&auto(true), due, None, later, 0).run, [due]);
        // A duration keeps its meaning for retries too.
        let p = plan_retry(&opts(true, Some(60), 1), due, next, later, 0);
        assert_eq!(p.missed, [due]);
    }
}
