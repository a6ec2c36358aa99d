//! Every zone of the tz database, 2024-2030 (docs/triggers.md): fire times strictly
//! increase, a fixed-time schedule fires exactly once per local day (a time
//! in a gap collapses to the gap's end, a time in a fold fires in its first
//! pass), and around every offset change a wildcard schedule fires at
//! exactly the instants whose local time matches.

use chrono::{DateTime, Duration, NaiveDate, Timelike, Utc};
use chrono_tz::{Tz, TZ_VARIANTS};
use tick::trigger::dst::{local, next_transition};
use tick::trigger::Trigger;

fn utc(s: &str) -> DateTime<Utc> {
    s.parse().unwrap()
}

#[test]
fn fixed_time_fires_once_per_day_in_every_zone() {
    let from = utc("2024-01-01T12:00:00Z");
    let until = utc("2030-12-30T00:00:00Z");
    let mut fires_checked = 0usize;
    for tz in TZ_VARIANTS {
        let t = Trigger::crontab("30 2 * * *", tz).unwrap();
        let mut prev = from;
        let mut last_day: Option<NaiveDate> = None;
        while let Some(next) = t.next_fire(prev) {
            if next > until {
                break;
            }
            assert!(next > prev, "{tz}: {next} after {prev}");
            let day = local(tz, next).date();
            if let Some(d) = last_day {
                // One fire per local date, no date skipped. A zone that
                // skipped a whole calendar day (Pacific/Apia, 2011) is
                // outside this range.
                assert_eq!(
                    day,
                    d.succ_opt().unwrap(),
                    "{tz}: fired {next} after a fire on {d}"
                );
            }
            last_day = Some(day);
            prev = next;
            fires_checked += 1;
        }
        assert!(
            last_day.is_some_and(|d| d.to_string().as_str() >= "2030-12-28"),
            "{tz} stopped early"
        );
    }
    assert!(fires_checked > TZ_VARIANTS.len() * 2500, "{fires_checked}");
}

#[test]
fn wildcard_fires_match_local_time_around_every_offset_change() {
    let from = utc("2024-01-01T00:00:00Z");
    let until = utc("2031-01-01T00:00:00Z");
    let mut transitions = 0usize;
    for tz in TZ_VARIANTS {
        let t = Trigger::crontab("*/15 * * * *", tz).unwrap();
        let mut cur = from;
        while let Some(shift) = next_transition(tz, cur, until) {
            transitions += 1;
            let lo = shift - Duration::hours(6);
            let hi = shift + Duration::hours(6);
            // Expected: every quarter-hour instant (offsets are whole quarter
            // hours since 1970 for these zones) whose local minute is 0, 15,
            // 30 or 45.
            let mut expected = Vec::new();
            let mut i = lo + Duration::minutes(1);
            i = i - Duration::seconds(i.timestamp().rem_euclid(60));
            while i <= hi {
                let l = local(tz, i);
                if l.second() == 0 && l.minute() % 15 == 0 {
                    expected.push(i);
                }
                i += Duration::minutes(1);
            }
            let mut got = Vec::new();
            let mut p = lo;
            while let Some(n) = t.next_fire(p) {
                if n > hi {
                    break;
                }
                assert!(n > p, "{tz}: {n} after {p}");
                got.push(n);
                p = n;
            }
            assert_eq!(got, expected, "{tz} around {shift}");
            cur = shift;
        }
    }
    assert!(
        transitions > 1000,
        "only {transitions} offset changes found"
    );
}

#[test]
fn zone_list_is_the_whole_database() {
    assert!(TZ_VARIANTS.len() > 500);
    assert!(TZ_VARIANTS.contains(&Tz::Australia__Lord_Howe));
}
