//! From wall-clock matches to instants: the daylight-saving rules of docs/triggers.md.
//!
//! A cron schedule matches wall-clock times (`trigger/cron.rs`); this module
//! turns them into real instants in an IANA zone:
//! - a **fixed-time** schedule fires each matching wall time once: in a gap at
//!   the first instant after the gap, in a fold at its first occurrence;
//! - a **wildcard** schedule fires at every instant whose local time matches,
//!   so both passes of a fold fire and times inside a gap do not exist.
//!
//! Fire times strictly increase: every function here answers "the first fire
//! strictly after this instant". Pure: no I/O, no clock reads.

use chrono::{DateTime, Duration, LocalResult, NaiveDateTime, Offset, TimeZone, Utc};
use chrono_tz::Tz;

use super::cron::CronSchedule;

/// UTC offset in seconds at an instant.
pub fn offset_at(tz: Tz, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

/// The wall-clock time of an instant in `tz`.
pub fn local(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.naive_utc() + Duration::seconds(offset_at(tz, t) as i64)
}

/// The earliest instant whose local time is at or after the wall time `w`:
/// `w` itself when it exists once, its first occurrence in a fold, and the
/// first instant after the gap when `w` falls in a spring-forward gap.
pub fn resolve_earliest(tz: Tz, w: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&w) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.with_timezone(&Utc).min(b.with_timezone(&Utc)),
        LocalResult::None => {
            // No zone is more than 26 hours from UTC, so local(lo) < w <= local(hi).
            let lo = w.and_utc() - Duration::hours(26);
            let hi = w.and_utc() + Duration::hours(26);
            bisect(lo, hi, |t| local(tz, t) >= w)
        }
    }
}

/// The first instant in `(lo, hi]` whose offset differs from the offset at
/// `lo`, or `None` when the offset stays the same.
///
/// Offsets are sampled once a day and bisected to the second where one
/// changes; no zone since 1970 changes offset twice within a day and back.
pub fn next_transition(tz: Tz, lo: DateTime<Utc>, hi: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let off = offset_at(tz, lo);
    let mut prev = lo;
    while prev < hi {
        let probe = (prev + Duration::days(1)).min(hi);
        if offset_at(tz, probe) != off {
            return Some(bisect(prev, probe, |t| offset_at(tz, t) != off));
        }
        prev = probe;
    }
    None
}

/// The first whole second in `(lo, hi]` where `past` holds, given that it
/// does not hold at `lo`, holds at `hi`, and flips once in between.
fn bisect(
    lo: DateTime<Utc>,
    hi: DateTime<Utc>,
    past: impl Fn(DateTime<Utc>) -> bool,
) -> DateTime<Utc> {
    let (mut lo, mut hi) = (lo.timestamp(), hi.timestamp());
    let at = |s: i64| DateTime::from_timestamp(s, 0).unwrap_or_default();
    while hi - lo > 1 {
        let mid = lo + (hi - lo) / 2;
        if past(at(mid)) {
            hi = mid;
        } else {
            lo = mid;
        }
    }
    at(hi)
}

/// The first fire of a cron schedule strictly after `after` (whole seconds).
pub fn next_cron_fire(
    schedule: &CronSchedule,
    tz: Tz,
    after: DateTime<Utc>,
) -> Option<DateTime<Utc>> {
    if schedule.is_fixed_time() {
        next_fixed(schedule, tz, after)
    } else {
        next_wildcard(schedule, tz, after)
    }
}

fn next_fixed(schedule: &CronSchedule, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let mut from = local(tz, after) + Duration::seconds(1);
    // In the second pass of a fold every wall time up to the fold's end was
    // already used by the first pass: continue after the fold.
    if let LocalResult::Ambiguous(a, b) = tz.from_local_datetime(&local(tz, after)) {
        let (first, second) = {
            let (a, b) = (a.with_timezone(&Utc), b.with_timezone(&Utc));
            (a.min(b), a.max(b))
        };
        if after == second {
            if let Some(shift) = next_transition(tz, first, second) {
                let fold_end = shift.naive_utc() + Duration::seconds(offset_at(tz, first) as i64);
                from = from.max(fold_end);
            }
        }
    }
    loop {
        let w = schedule.next_match(from)?;
        let t = resolve_earliest(tz, w);
        if t > after {
            return Some(t);
        }
        // Unreachable by the argument above; kept so that a surprise in the
        // zone data can never make fires go backwards.
        from = w + Duration::seconds(1);
    }
}

fn next_wildcard(schedule: &CronSchedule, tz: Tz, after: DateTime<Utc>) -> Option<DateTime<Utc>> {
    // Walk the timeline one constant-offset stretch at a time: inside one,
    // local time is UTC plus a constant, so the first matching wall time is
    // the first matching instant.
    let mut cur = after + Duration::seconds(1);
    loop {
        let off = Duration::seconds(offset_at(tz, cur) as i64);
        let w = schedule.next_match(cur.naive_utc() + off)?;
        let t = (w - off).and_utc();
        match next_transition(tz, cur, t) {
            None => return Some(t),
            Some(shift) => cur = shift,
        }
    }
}
