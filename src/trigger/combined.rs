//! Combined triggers (docs/triggers.md), APScheduler's OrTrigger and AndTrigger:
//! `any` fires whenever one of its parts fires, `all` only at instants at
//! which every part fires. Each part is a whole [`Trigger`] with its own
//! zone, daylight-saving rule and bounds.
//!
//! Deciding that an `all` never agrees is bounded, never a hang. The search
//! moves every part to the latest of their next fires until they meet; that
//! takes one *round* per move. It gives up, answering "no fire", after
//! [`ALL_MAX_ROUNDS`] rounds (shared by nested `all`s within one
//! `next_fire`) or once the candidate lies more than [`ALL_HORIZON_YEARS`]
//! years after the instant searched from, whichever comes first. A round
//! costs one next-fire per part, so "never" is decided in a few
//! milliseconds (`cargo bench --bench next_fire`).

use chrono::{DateTime, Duration, Months, Utc};

use super::Trigger;

/// Most parts a combined trigger takes.
pub const MAX_PARTS: usize = 16;
/// Fewest parts a combined trigger takes.
pub const MIN_PARTS: usize = 2;
/// Rounds an `all` search may take per `next_fire`, nested ones included.
pub const ALL_MAX_ROUNDS: u32 = 10_000;
/// How far past the instant searched from an `all` looks for agreement.
pub const ALL_HORIZON_YEARS: u32 = 100;

/// The first instant strictly after `after` at which any part fires: the
/// earliest of the parts' next fires. `None` once every part has ended.
pub(super) fn next_any(
    parts: &[Trigger],
    after: DateTime<Utc>,
    rounds: &mut u32,
) -> Option<DateTime<Utc>> {
    parts
        .iter()
        .filter_map(|p| p.next_fire_counted(after, rounds))
        .min()
}

/// The first instant strictly after `after` at which every part fires.
/// `None` when a part has ended, or no agreement was found within the
/// bounds (see the module doc).
pub(super) fn next_all(
    parts: &[Trigger],
    after: DateTime<Utc>,
    rounds: &mut u32,
) -> Option<DateTime<Utc>> {
    let horizon = after.checked_add_months(Months::new(12 * ALL_HORIZON_YEARS))?;
    let mut t = after;
    loop {
        *rounds = rounds.checked_sub(1)?;
        // No part fires between t and its own next fire, so no agreement
        // can come before the latest of them: move there.
        let mut latest = None;
        let mut agree = true;
        for part in parts {
            let fire = part.next_fire_counted(t, rounds)?;
            match latest {
                None => latest = Some(fire),
                Some(l) if l == fire => {}
                Some(l) => {
                    agree = false;
                    latest = Some(l.max(fire));
                }
            }
        }
        let latest = latest?;
        if agree {
            return Some(latest);
        }
        if latest > horizon {
            return None;
        }
        t = latest - Duration::seconds(1);
    }
}

#[cfg(test)]
mod tests {
    use chrono_tz::Tz;

    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    fn cron(expr: &str, tz: &str) -> Trigger {
        Trigger::crontab(expr, tz.parse().unwrap()).unwrap()
    }

    fn shown(t: &Trigger, from: &str, n: usize) -> Vec<String> {
        t.fires_after(utc(from), n)
            .iter()
            .map(|f| {
                f.with_timezone(&t.tz)
                    .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
            })
            .collect()
    }

    #[test]
    fn any_merges_and_fires_a_shared_instant_once() {
        let berlin = "Europe/Berlin";
        let t = Trigger::any(
            vec![
                cron("0 9 * * 1-5", berlin),
                cron("0 10 * * 6,0", berlin),
                cron("0 9 * * 1", berlin),
            ],
            berlin.parse().unwrap(),
        );
        // 2026-11-27 is a Friday.
        assert_eq!(
            shown(&t, "2026-11-27T00:00:00Z", 4),
            [
                "2026-11-27T09:00:00+01:00",
                "2026-11-28T10:00:00+01:00",
                "2026-11-29T10:00:00+01:00",
                "2026-11-30T09:00:00+01:00"
            ]
        );
    }

    #[test]
    fn any_ends_when_every_part_has_ended() {
        let at = |s: &str| Trigger::date(utc(s), Tz::UTC);
        let t = Trigger::any(
            vec![at("2026-01-02T00:00:00Z"), at("2026-01-01T00:00:00Z")],
            Tz::UTC,
        );
        assert_eq!(
            t.fires_after(utc("2025-01-01T00:00:00Z"), 5),
            [utc("2026-01-01T00:00:00Z"), utc("2026-01-02T00:00:00Z")]
        );
    }

    #[test]
    fn all_fires_where_parts_agree_each_in_its_own_zone() {
        // 09:00 in New York is 15:00 in Berlin (in winter): every Monday.
        let t = Trigger::all(
            vec![
                cron("0 9 * * *", "America/New_York"),
                cron("0 15 * * mon", "Europe/Berlin"),
            ],
            Tz::UTC,
        );
        assert_eq!(
            shown(&t, "2026-11-24T00:00:00Z", 2),
            ["2026-11-30T14:00:00+00:00", "2026-12-07T14:00:00+00:00"]
        );
        // An interval agrees with a cron where its steps land on the hour.
        let every_90m = Trigger::interval(5400, utc("2026-01-01T00:00:00Z"), Tz::UTC).unwrap();
        let t = Trigger::all(vec![every_90m, cron("0 * * * *", "UTC")], Tz::UTC);
        assert_eq!(
            shown(&t, "2026-01-01T00:00:00Z", 2),
            ["2026-01-01T03:00:00+00:00", "2026-01-01T06:00:00+00:00"]
        );
    }

    #[test]
    fn all_ends_when_any_part_ends() {
        let t = Trigger::all(
            vec![
                cron("0 * * * *", "UTC"),
                Trigger::date(utc("2026-01-01T05:00:00Z"), Tz::UTC),
            ],
            Tz::UTC,
        );
        assert_eq!(
            t.fires_after(utc("2025-12-31T00:00:00Z"), 5),
            [utc("2026-01-01T05:00:00Z")]
        );
    }

    #[test]
    fn all_that_never_agrees_is_decided_quickly() {
        for (a, b) in [
            ("0 9 * * *", "0 10 * * *"),
            ("*/2 * * * * *", "1-59/2 * * * * *"),
            ("0 0 1 1 *", "0 0 2 1 *"),
            ("0 0 29 2 *", "0 0 28 2 *"),
        ] {
            let t = Trigger::all(
                vec![cron(a, "America/New_York"), cron(b, "America/New_York")],
                Tz::UTC,
            );
            let started = std::time::Instant::now();
            assert_eq!(t.next_fire(utc("2026-01-01T00:00:00Z")), None, "{a} & {b}");
            // Debug build; the release bench is far under this.
            assert!(
                started.elapsed().as_millis() < 1000,
                "{a} & {b}: {:?}",
                started.elapsed()
            );
        }
        // Nested: the rounds are shared, so an all of alls stays bounded.
        let never = || {
            Trigger::all(
                vec![cron("0 9 * * *", "UTC"), cron("0 10 * * *", "UTC")],
                Tz::UTC,
            )
        };
        let t = Trigger::all(vec![never(), never()], Tz::UTC);
        let started = std::time::Instant::now();
        assert_eq!(t.next_fire(utc("2026-01-01T00:00:00Z")), None);
        assert!(started.elapsed().as_millis() < 1000);
    }

    #[test]
    fn all_finds_rare_agreement_within_the_bounds() {
        // A 29 February that is a Monday: 2044.
        let t = Trigger::all(
            vec![cron("0 0 29 2 *", "UTC"), cron("0 0 * * mon", "UTC")],
            Tz::UTC,
        );
        assert_eq!(
            t.next_fire(utc("2026-01-01T00:00:00Z")),
            Some(utc("2044-02-29T00:00:00Z"))
        );
    }

    #[test]
    fn combined_bounds_apply_to_the_combined_fires() {
        let t = Trigger::any(
            vec![cron("0 9 * * *", "UTC"), cron("0 21 * * *", "UTC")],
            Tz::UTC,
        )
        .with_bounds(
            Some(utc("2026-01-02T00:00:00Z")),
            Some(utc("2026-01-03T09:00:00Z")),
        )
        .unwrap();
        assert_eq!(
            shown(&t, "2026-01-01T00:00:00Z", 9),
            [
                "2026-01-02T09:00:00+00:00",
                "2026-01-02T21:00:00+00:00",
                "2026-01-03T09:00:00+00:00"
            ]
        );
    }
}
