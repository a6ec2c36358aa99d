//! The crontab schedule engine against a brute-force reference (docs/triggers.md).
//!
//! The reference below is deliberately the slow, definitional reading of the
//! contract and shares no code with `tick::trigger::cron` / `dst`:
//!
//! - a tiny crontab matcher that evaluates each comma item directly on a
//!   chrono date and time (`15W` computes the nearest weekday of the 15th of
//!   that month, `5L` asks "is it a Friday less than 7 days before the month
//!   ends", ...), with the Vixie either/both rule for the two day fields;
//! - the daylight-saving mapping by scanning: a **wildcard** schedule (minute
//!   or hour field starts with `*`) fires at every instant whose local wall
//!   time matches, found by walking the timeline instant by instant; a
//!   **fixed-time** schedule walks wall-clock times instead and maps each
//!   match to its single instant, to the earlier one in a fold, or (in a gap)
//!   to the first instant whose local time is at or after it; fires that
//!   collapse onto the same instant count once.
//!
//! Properties: for random expressions, zones with unusual daylight saving
//! (30-minute shifts, 45-minute offsets, midnight transitions, southern
//! hemisphere) and start instants clustered around real transitions,
//! `Trigger::fires_after` returns exactly the reference's fires inside a
//! window, in strictly increasing order and all after the start.
//!
//! About 1,500 cases, some 8 s in a debug build on 2 cores. Failure
//! persistence is off (no regressions file in the source tree): a failing
//! case is printed (expression, zone, start, first difference) and proptest's
//! shrinking keeps it small.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;
use tick::trigger::Trigger;

mod cases;
mod matcher;

use cases::*;
use matcher::*;

// ---------------------------------------------------------------------------
// The comparison
// ---------------------------------------------------------------------------

fn show(tz: Tz, t: DateTime<Utc>) -> String {
    format!(
        "{} ({})",
        t.format("%Y-%m-%dT%H:%M:%SZ"),
        t.with_timezone(&tz).to_rfc3339()
    )
}

/// The engine's fires after `from` must be the reference's fires in
/// `(from, from + window]`, and must strictly increase.
fn check(expr: &str, tz: Tz, from: DateTime<Utc>, window: Duration) -> Result<(), TestCaseError> {
    let cron = RefCron::parse(expr);
    let end = from + window;
    let expected = reference_fires(&cron, tz, from, end);
    let trigger = Trigger::crontab(expr, tz)
        .map_err(|e| TestCaseError::fail(format!("engine rejected {expr:?}: {e}")))?;
    // One more than expected: an extra fire inside the window shows up too.
    let fires = trigger.fires_after(from, expected.len() + 1);
    let mut prev = from;
    for &f in &fires {
        prop_assert!(
            f > prev,
            "{expr:?} in {tz}: fire {} not after {}",
            show(tz, f),
            show(tz, prev)
        );
        prev = f;
    }
    prop_assert_eq!(trigger.next_fire(from), fires.first().copied());
    let got: Vec<DateTime<Utc>> = fires.into_iter().take_while(|&f| f <= end).collect();
    if got != expected {
        let i = got
            .iter()
            .zip(&expected)
            .take_while(|(a, b)| a == b)
            .count();
        let at = |v: &[DateTime<Utc>]| v.get(i).map_or("none".to_string(), |&t| show(tz, t));
        return Err(TestCaseError::fail(format!(
            "{expr:?} in {tz} from {} to {}: fire #{i} expected {} got {} \
             ({} expected, {} got in window)",
            show(tz, from),
            show(tz, end),
            at(&expected),
            at(&got),
            expected.len(),
            got.len()
        )));
    }
    Ok(())
}

fn config(cases: u32) -> ProptestConfig {
    ProptestConfig {
        cases,
        // Keep regressions out of the source tree; failures print their case.
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config(384))]

    /// Wildcard schedules over 3 days: every matching instant, both passes
    /// of a fold, nothing in a gap.
    #[test]
    fn reference_wildcard_schedules((expr, tz, from) in case(Duration::days(3), wildcard_expr)) {
        check(&expr, tz, from, Duration::days(3))?;
    }
}

proptest! {
    #![proptest_config(config(512))]

    /// Fixed-time schedules over 5 days: gap times collapse onto the end of
    /// the gap, fold times fire once.
    #[test]
    fn reference_fixed_time_schedules((expr, tz, from) in case(Duration::days(5), fixed_expr)) {
        check(&expr, tz, from, Duration::days(5))?;
    }
}

proptest! {
    #![proptest_config(config(384))]

    /// Day rules (`L`, `LW`, `nW`, `nL`, `n#k`, names, the Vixie rule) over
    /// 60 days.
    #[test]
    fn reference_day_rules((expr, tz, from) in case(Duration::days(60), day_rule_expr)) {
        check(&expr, tz, from, Duration::days(60))?;
    }
}

proptest! {
    #![proptest_config(config(256))]

    /// 6-field expressions over 3 hours around a transition, to the second.
    #[test]
    fn reference_seconds_field((expr, tz, from) in case(Duration::hours(3), seconds_expr)) {
        check(&expr, tz, from, Duration::hours(3))?;
    }
}

/// The reference itself on cases worked out by hand, so that an agreement
/// between engine and reference means something.
#[test]
fn reference_self_check() {
    let ny = Tz::America__New_York;
    let at = |s: &str| s.parse::<DateTime<Utc>>().unwrap();
    let none: Vec<DateTime<Utc>> = Vec::new();
    let fires = |expr: &str, tz: Tz, from: &str, hours: i64| {
        reference_fires(
            &RefCron::parse(expr),
            tz,
            at(from),
            at(from) + Duration::hours(hours),
        )
    };
    // Spring forward (2024-03-10 02:00 EST -> 03:00 EDT): 02:30 fires at
    // 03:00 EDT; 02:00, 02:30 and 03:00 collapse into one fire.
    assert_eq!(
        fires("30 2 * * *", ny, "2024-03-10T00:00:00Z", 31),
        [at("2024-03-10T07:00:00Z"), at("2024-03-11T06:30:00Z")]
    );
    assert_eq!(
        fires("0,30 2,3 * * *", ny, "2024-03-10T00:00:00Z", 12),
        [at("2024-03-10T07:00:00Z"), at("2024-03-10T07:30:00Z")]
    );
    // ... while a wildcard schedule skips the gap.
    assert_eq!(fires("*/30 2 * * *", ny, "2024-03-10T00:00:00Z", 12), none);
    // Fall back (2024-11-03 02:00 EDT -> 01:00 EST): fixed once, wildcard twice.
    assert_eq!(
        fires("30 1 * * *", ny, "2024-11-03T00:00:00Z", 12),
        [at("2024-11-03T05:30:00Z")]
    );
    assert_eq!(
        fires("*/30 1 * * *", ny, "2024-11-03T00:00:00Z", 12),
        [
            at("2024-11-03T05:00:00Z"),
            at("2024-11-03T05:30:00Z"),
            at("2024-11-03T06:00:00Z"),
            at("2024-11-03T06:30:00Z")
        ]
    );
    // Started in the second pass of the fold: its wall times were used.
    assert_eq!(fires("45 1 * * *", ny, "2024-11-03T06:10:00Z", 12), none);
    // Lord Howe's 30-minute spring-forward gap 02:00-02:30 (2024-10-06).
    assert_eq!(
        fires(
            "15 2 * * *",
            Tz::Australia__Lord_Howe,
            "2024-10-05T12:00:00Z",
            6
        ),
        [at("2024-10-05T15:30:00Z")]
    );

    let utc = |expr: &str, from: &str, days: i64| fires(expr, Tz::UTC, from, days * 24);
    // 2024-06-01 is a Saturday: 1W is Monday the 3rd.
    assert_eq!(
        utc("0 0 1W * *", "2024-05-31T12:00:00Z", 5),
        [at("2024-06-03T00:00:00Z")]
    );
    // 2024-03-31 is a Sunday: 31W is Friday the 29th; LW in August 2024
    // (the 31st is a Saturday) is Friday the 30th.
    assert_eq!(
        utc("0 0 31W * *", "2024-03-20T00:00:00Z", 15),
        [at("2024-03-29T00:00:00Z")]
    );
    assert_eq!(
        utc("0 0 LW * *", "2024-08-20T00:00:00Z", 15),
        [at("2024-08-30T00:00:00Z")]
    );
    // 31W skips months without a 31st.
    assert_eq!(utc("0 0 31W * *", "2024-04-01T00:00:00Z", 29), none);
    // Last Friday of May 2024, second Monday of May 2024, Sunday as 7.
    assert_eq!(
        utc("0 0 * * 5L", "2024-05-01T00:00:00Z", 31),
        [at("2024-05-31T00:00:00Z")]
    );
    assert_eq!(
        utc("0 0 * * 1#2", "2024-05-01T00:00:00Z", 31),
        [at("2024-05-13T00:00:00Z")]
    );
    assert_eq!(
        utc("0 0 * * 7", "2024-05-01T00:00:00Z", 7),
        [at("2024-05-05T00:00:00Z")]
    );
    // Vixie: the 13th OR Fridays; with `*/2` (starts with `*`) both.
    assert_eq!(
        utc("0 0 13 * fri", "2024-09-01T00:00:00Z", 16),
        [at("2024-09-06T00:00:00Z"), at("2024-09-13T00:00:00Z")]
    );
    assert_eq!(
        utc("0 0 */2 * FRI", "2024-09-01T00:00:00Z", 16),
        [at("2024-09-13T00:00:00Z")]
    );
    // `a/n` runs to the field's maximum.
    assert_eq!(
        utc("50/5 0 * * *", "2024-09-01T00:00:00Z", 1),
        [at("2024-09-01T00:50:00Z"), at("2024-09-01T00:55:00Z")]
    );
}
