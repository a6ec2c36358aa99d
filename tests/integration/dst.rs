//! Daylight-saving tables (docs/triggers.md) for four zones, in-process.
//!
//! 2026 transitions used below:
//! - America/New_York: gap 03-08 02:00→03:00, fold 11-01 01:00–02:00 twice.
//! - Europe/London: gap 03-29 01:00→02:00, fold 10-25 01:00–02:00 twice.
//! - Australia/Lord_Howe (30-minute shift): fold 04-05 01:30–02:00 twice,
//!   gap 10-04 02:00→02:30.
//! - America/Santiago (midnight shifts): fold 04-04 23:00–24:00 twice,
//!   gap 09-06 00:00→01:00.

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use tick::trigger::input::parse_datetime;
use tick::trigger::Trigger;

fn fires(expr: &str, zone: &str, from: &str, n: usize) -> Vec<String> {
    let tz: Tz = zone.parse().unwrap();
    let from = parse_datetime(from, tz).unwrap();
    let t = Trigger::crontab(expr, tz).unwrap();
    let out = t.fires_after(from, n);
    check_order(&out, from, expr, zone);
    out.iter()
        .map(|t| {
            t.with_timezone(&tz)
                .to_rfc3339_opts(SecondsFormat::Secs, false)
        })
        .collect()
}

fn check_order(out: &[DateTime<Utc>], from: DateTime<Utc>, expr: &str, zone: &str) {
    let mut prev = from;
    for t in out {
        assert!(
            *t > prev,
            "{expr} in {zone}: {t} does not come after {prev}"
        );
        assert_eq!(
            t.timestamp_subsec_nanos(),
            0,
            "{expr} in {zone}: {t} is not a whole second"
        );
        prev = *t;
    }
}

#[test]
fn new_york() {
    let z = "America/New_York";
    // Fixed-time: a time in the gap fires at the first instant after it.
    assert_eq!(
        fires("30 2 * * *", z, "2026-03-07 00:00", 3),
        [
            "2026-03-07T02:30:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-09T02:30:00-04:00"
        ]
    );
    // Several gap times collapse into one fire.
    assert_eq!(
        fires("0,15,30,45 2 * * *", z, "2026-03-08 00:00", 2),
        ["2026-03-08T03:00:00-04:00", "2026-03-09T02:00:00-04:00"]
    );
    // Wildcard: times inside the gap do not exist.
    assert_eq!(
        fires("*/30 * * * *", z, "2026-03-08T01:00:00-05:00", 4),
        [
            "2026-03-08T01:30:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T03:30:00-04:00",
            "2026-03-08T04:00:00-04:00"
        ]
    );
    // Fixed-time in the fold: first occurrence only.
    assert_eq!(
        fires("30 1 * * *", z, "2026-10-31 00:00", 3),
        [
            "2026-10-31T01:30:00-04:00",
            "2026-11-01T01:30:00-04:00",
            "2026-11-02T01:30:00-05:00"
        ]
    );
    // Wildcard in the fold: both passes.
    assert_eq!(
        fires("*/30 * * * *", z, "2026-11-01T00:45:00-04:00", 5),
        [
            "2026-11-01T01:00:00-04:00",
            "2026-11-01T01:30:00-04:00",
            "2026-11-01T01:00:00-05:00",
            "2026-11-01T01:30:00-05:00",
            "2026-11-01T02:00:00-05:00"
        ]
    );
    assert_eq!(
        fires("0 * * * *", z, "2026-11-01T00:30:00-04:00", 3),
        [
            "2026-11-01T01:00:00-04:00",
            "2026-11-01T01:00:00-05:00",
            "2026-11-01T02:00:00-05:00"
        ]
    );
}

#[test]
fn new_york_from_inside_the_second_pass_of_the_fold() {
    let z = "America/New_York";
    // 01:30 and 01:45 already fired in the first pass: next is tomorrow.
    assert_eq!(
        fires("30 1 * * *", z, "2026-11-01T01:10:00-05:00", 1),
        ["2026-11-02T01:30:00-05:00"]
    );
    assert_eq!(
        fires("45 1 * * *", z, "2026-11-01T01:50:00-05:00", 1),
        ["2026-11-02T01:45:00-05:00"]
    );
    // A fixed time after the fold still fires today.
    assert_eq!(
        fires("0 2 * * *", z, "2026-11-01T01:10:00-05:00", 1),
        ["2026-11-01T02:00:00-05:00"]
    );
    // Wildcard schedules keep firing in the second pass.
    assert_eq!(
        fires("*/30 * * * *", z, "2026-11-01T01:10:00-05:00", 2),
        ["2026-11-01T01:30:00-05:00", "2026-11-01T02:00:00-05:00"]
    );
    // From inside the first pass, the fixed time later in the fold fires once.
    assert_eq!(
        fires("45 1 * * *", z, "2026-11-01T01:10:00-04:00", 2),
        ["2026-11-01T01:45:00-04:00", "2026-11-02T01:45:00-05:00"]
    );
}

#[test]
fn london() {
    let z = "Europe/London";
    assert_eq!(
        fires("30 1 * * *", z, "2026-03-28 12:00", 2),
        ["2026-03-29T02:00:00+01:00", "2026-03-30T01:30:00+01:00"]
    );
    assert_eq!(
        fires("*/30 * * * *", z, "2026-03-29T00:15:00+00:00", 4),
        [
            "2026-03-29T00:30:00+00:00",
            "2026-03-29T02:00:00+01:00",
            "2026-03-29T02:30:00+01:00",
            "2026-03-29T03:00:00+01:00"
        ]
    );
    assert_eq!(
        fires("30 1 * * *", z, "2026-10-24 12:00", 2),
        ["2026-10-25T01:30:00+01:00", "2026-10-26T01:30:00+00:00"]
    );
    assert_eq!(
        fires("*/30 * * * *", z, "2026-10-25T00:45:00+01:00", 5),
        [
            "2026-10-25T01:00:00+01:00",
            "2026-10-25T01:30:00+01:00",
            "2026-10-25T01:00:00+00:00",
            "2026-10-25T01:30:00+00:00",
            "2026-10-25T02:00:00+00:00"
        ]
    );
    assert_eq!(
        fires("15 1 * * *", z, "2026-10-25T01:20:00+00:00", 1),
        ["2026-10-26T01:15:00+00:00"]
    );
    // @daily is fixed-time, @hourly wildcard.
    assert_eq!(
        fires("@hourly", z, "2026-10-25T00:30:00+01:00", 3),
        [
            "2026-10-25T01:00:00+01:00",
            "2026-10-25T01:00:00+00:00",
            "2026-10-25T02:00:00+00:00"
        ]
    );
}

#[test]
fn lord_howe_half_hour_shift() {
    let z = "Australia/Lord_Howe";
    assert_eq!(
        fires("15 2 * * *", z, "2026-10-03 12:00", 2),
        ["2026-10-04T02:30:00+11:00", "2026-10-05T02:15:00+11:00"]
    );
    assert_eq!(
        fires("*/15 * * * *", z, "2026-10-04T01:50:00+10:30", 3),
        [
            "2026-10-04T02:30:00+11:00",
            "2026-10-04T02:45:00+11:00",
            "2026-10-04T03:00:00+11:00"
        ]
    );
    assert_eq!(
        fires("45 1 * * *", z, "2026-04-04 12:00", 2),
        ["2026-04-05T01:45:00+11:00", "2026-04-06T01:45:00+10:30"]
    );
    assert_eq!(
        fires("*/15 * * * *", z, "2026-04-05T01:20:00+11:00", 6),
        [
            "2026-04-05T01:30:00+11:00",
            "2026-04-05T01:45:00+11:00",
            "2026-04-05T01:30:00+10:30",
            "2026-04-05T01:45:00+10:30",
            "2026-04-05T02:00:00+10:30",
            "2026-04-05T02:15:00+10:30"
        ]
    );
    assert_eq!(
        fires("45 1 * * *", z, "2026-04-05T01:35:00+10:30", 1),
        ["2026-04-06T01:45:00+10:30"]
    );
}

#[test]
fn santiago_midnight_shifts() {
    let z = "America/Santiago";
    // Midnight does not exist on 2026-09-06: @daily fires at 01:00.
    assert_eq!(
        fires("@daily", z, "2026-09-05 12:00", 2),
        ["2026-09-06T01:00:00-03:00", "2026-09-07T00:00:00-03:00"]
    );
    assert_eq!(
        fires("30 0 * * *", z, "2026-09-05 12:00", 2),
        ["2026-09-06T01:00:00-03:00", "2026-09-07T00:30:00-03:00"]
    );
    assert_eq!(
        fires("*/30 * * * *", z, "2026-09-05T23:15:00-04:00", 3),
        [
            "2026-09-05T23:30:00-04:00",
            "2026-09-06T01:00:00-03:00",
            "2026-09-06T01:30:00-03:00"
        ]
    );
    assert_eq!(
        fires("30 23 * * *", z, "2026-04-04 12:00", 2),
        ["2026-04-04T23:30:00-03:00", "2026-04-05T23:30:00-04:00"]
    );
    assert_eq!(
        fires("*/30 * * * *", z, "2026-04-04T22:45:00-03:00", 5),
        [
            "2026-04-04T23:00:00-03:00",
            "2026-04-04T23:30:00-03:00",
            "2026-04-04T23:00:00-04:00",
            "2026-04-04T23:30:00-04:00",
            "2026-04-05T00:00:00-04:00"
        ]
    );
    assert_eq!(
        fires("30 23 * * *", z, "2026-04-04T23:10:00-04:00", 1),
        ["2026-04-05T23:30:00-04:00"]
    );
}

#[test]
fn aps_fields_follow_the_same_rules() {
    let tz: Tz = "America/New_York".parse().unwrap();
    let fields = tick::trigger::ApsFields {
        hour: Some("2".into()),
        minute: Some("30".into()),
        ..Default::default()
    };
    let t = Trigger::aps(&fields, tz).unwrap();
    let from = parse_datetime("2026-03-08 00:00", tz).unwrap();
    assert_eq!(
        t.next_fire(from).unwrap().with_timezone(&tz).to_rfc3339(),
        "2026-03-08T03:00:00-04:00"
    );
    let fields = tick::trigger::ApsFields {
        minute: Some("*/30".into()),
        ..Default::default()
    };
    let t = Trigger::aps(&fields, tz).unwrap();
    let from = parse_datetime("2026-11-01T01:10:00-04:00", tz).unwrap();
    let got: Vec<String> = t
        .fires_after(from, 3)
        .iter()
        .map(|x| x.with_timezone(&tz).to_rfc3339())
        .collect();
    assert_eq!(
        got,
        [
            "2026-11-01T01:30:00-04:00",
            "2026-11-01T01:00:00-05:00",
            "2026-11-01T01:30:00-05:00"
        ]
    );
}

/// Over two years of fires in every zone above, fires strictly increase and
/// fixed-time schedules fire once per matching wall time, never twice a day.
#[test]
fn fires_strictly_increase_through_two_years() {
    let zones = [
        "America/New_York",
        "Europe/London",
        "Australia/Lord_Howe",
        "America/Santiago",
    ];
    let exprs = [
        "30 2 * * *",
        "0 0 * * *",
        "30 1 * * *",
        "*/30 * * * *",
        "0 * * * *",
        "15 23 * * *",
    ];
    let from: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    let until: DateTime<Utc> = "2028-01-01T00:00:00Z".parse().unwrap();
    for zone in zones {
        let tz: Tz = zone.parse().unwrap();
        for expr in exprs {
            let t = Trigger::crontab(expr, tz).unwrap();
            let mut prev = from;
            let mut days = std::collections::BTreeMap::<chrono::NaiveDate, u32>::new();
            while let Some(next) = t.next_fire(prev) {
                if next > until {
                    break;
                }
                assert!(next > prev, "{expr} {zone}: {next} after {prev}");
                *days
                    .entry(next.with_timezone(&tz).date_naive())
                    .or_default() += 1;
                prev = next;
            }
            if expr.starts_with("*/") || expr.starts_with("0 *") {
                continue;
            }
            // Fixed-time, one wall time a day: exactly one fire on every day.
            assert!(
                days.values().all(|n| *n == 1),
                "{expr} {zone} fired twice on a day"
            );
            assert!(days.len() >= 729, "{expr} {zone}: only {} days", days.len());
        }
    }
}
