//! The small grammars a trigger is written in: DURATION (`90s`, `1h30m`),
//! DATETIME (RFC 3339, or a naive `YYYY-MM-DD HH:MM[:SS]` read in the
//! trigger's zone) and IANA zone names.
//!
//! Durations are parsed here rather than with humantime: tick needs exact
//! whole seconds and must refuse `1month`/`1y`, whose length is not fixed.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::dst::resolve_earliest;
use crate::error::UsageError;

/// The largest duration accepted: 100 years, so date arithmetic never overflows.
const MAX_DURATION_SECS: u64 = 100 * 366 * 86_400;

const DURATION_HELP: &str =
    "a whole number with a unit s, m, h, d or w, combined like 90s, 15m, 1h30m, 2d, 1w";

/// Parse a DURATION into whole seconds: `90s`, `15m`, `1h30m`, `2d`, `1w`.
pub fn parse_duration(text: &str) -> Result<u64, UsageError> {
    let err = || {
        UsageError::new(format!(
            "invalid duration '{text}': expected {DURATION_HELP}"
        ))
    };
    let s = text.trim();
    if s.is_empty() {
        return Err(err());
    }
    let mut total: u64 = 0;
    let mut rest = s;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(|b| b.is_ascii_digit()).count();
        if digits == 0 {
            return Err(err());
        }
        let n: u64 = rest[..digits].parse().map_err(|_| err())?;
        rest = &rest[digits..];
        let unit_len = rest.bytes().take_while(|b| b.is_ascii_alphabetic()).count();
        let unit = match &rest[..unit_len] {
            "s" | "sec" | "secs" | "second" | "seconds" => 1,
            "m" | "min" | "mins" | "minute" | "minutes" => 60,
            "h" | "hr" | "hrs" | "hour" | "hours" => 3600,
            "d" | "day" | "days" => 86_400,
            "w" | "week" | "weeks" => 604_800,
            _ => return Err(err()),
        };
        rest = rest[unit_len..].trim_start();
        total = n
            .checked_mul(unit)
            .and_then(|x| total.checked_add(x))
            .filter(|t| *t <= MAX_DURATION_SECS)
            .ok_or_else(|| {
                UsageError::new(format!("invalid duration '{text}': longer than 100 years"))
            })?;
    }
    Ok(total)
}

/// Format seconds the way [`parse_duration`] reads them: `1h30m`, `15s`, `0s`.
pub fn format_duration(secs: u64) -> String {
    if secs == 0 {
        return "0s".into();
    }
    let mut out = String::new();
    let mut rest = secs;
    for (unit, len) in [
        ("w", 604_800),
        ("d", 86_400),
        ("h", 3600),
        ("m", 60),
        ("s", 1),
    ] {
        if rest >= len {
            out.push_str(&format!("{}{unit}", rest / len));
            rest %= len;
        }
    }
    out
}

/// Parse an IANA zone name (`Europe/Berlin`, `UTC`).
pub fn parse_tz(name: &str) -> Result<Tz, UsageError> {
    name.parse::<Tz>().map_err(|_| {
        UsageError::new(format!(
            "unknown time zone '{name}': expected an IANA name like Europe/Berlin, America/New_York or UTC"
        ))
    })
}

/// Parse a DATETIME: RFC 3339 with an offset, or `YYYY-MM-DD HH:MM[:SS]`
/// (also with `T`, or a bare date meaning midnight) read in `tz`. A naive
/// time in a spring-forward gap means the first instant after the gap, one in
/// a fall-back fold its first occurrence. Fractions of a second are dropped.
pub fn parse_datetime(text: &str, tz: Tz) -> Result<DateTime<Utc>, UsageError> {
    let s = text.trim();
    let err = || {
        UsageError::new(format!(
            "invalid date-time '{text}': expected RFC 3339 like 2026-03-08T02:30:00-05:00, or 'YYYY-MM-DD HH:MM[:SS]' in the trigger's zone"
        ))
    };
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(floor_secs(t.with_timezone(&Utc)));
    }
    let naive = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y-%m-%dT%H:%M",
    ]
    .iter()
    .find_map(|f| NaiveDateTime::parse_from_str(s, f).ok())
    .or_else(|| {
        NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .ok()
            .and_then(|d| d.and_hms_opt(0, 0, 0))
    })
    .ok_or_else(err)?;
    if !(1..=super::cron::MAX_YEAR).contains(&chrono::Datelike::year(&naive)) {
        return Err(err());
    }
    Ok(floor_secs(resolve_earliest(tz, naive)))
}

/// Drop fractions of a second: schedules work in whole seconds.
pub fn floor_secs(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp(t.timestamp(), 0).unwrap_or(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s").unwrap(), 90);
        assert_eq!(parse_duration("15m").unwrap(), 900);
        assert_eq!(parse_duration("1h30m").unwrap(), 5400);
        assert_eq!(parse_duration("2d").unwrap(), 172_800);
        assert_eq!(parse_duration("1w").unwrap(), 604_800);
        assert_eq!(parse_duration("1h 30m").unwrap(), 5400);
        assert_eq!(parse_duration("0s").unwrap(), 0);
    }

    #[test]
    fn bad_durations_say_what_is_allowed() {
        for bad in ["", "90", "1.5h", "1month", "h", "-5m", "5x", "1y"] {
            let e = parse_duration(bad).unwrap_err().to_string();
            assert_eq!(
                e,
                format!("invalid duration '{bad}': expected {DURATION_HELP}"),
                "{bad}"
            );
        }
        assert!(parse_duration("99999999999999999999s").is_err());
        assert!(parse_duration("5300w")
            .unwrap_err()
            .to_string()
            .contains("longer than 100 years"));
    }

    #[test]
    fn format_round_trips() {
        for s in [1, 59, 60, 90, 3600, 5400, 86_400, 604_800, 694_861] {
            assert_eq!(parse_duration(&format_duration(s)).unwrap(), s);
        }
        assert_eq!(format_duration(5400), "1h30m");
    }

    #[test]
    fn datetimes() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let t = |s: &str| parse_datetime(s, ny).unwrap().to_rfc3339();
        assert_eq!(t("2026-11-22T10:00:00+01:00"), "2026-11-22T09:00:00+00:00");
        assert_eq!(t("2026-11-22 10:00"), "2026-11-22T15:00:00+00:00");
        assert_eq!(t("2026-11-22T10:00:30"), "2026-11-22T15:00:30+00:00");
        assert_eq!(t("2026-11-22"), "2026-11-22T05:00:00+00:00");
        // Gap: 02:30 on 2026-03-08 does not exist; the first instant after is 03:00 EDT.
        assert_eq!(t("2026-03-08 02:30"), "2026-03-08T07:00:00+00:00");
        // Fold: 01:30 on 2026-11-01 happens twice; the first is EDT.
        assert_eq!(t("2026-11-01 01:30"), "2026-11-01T05:30:00+00:00");
    }

    #[test]
    fn bad_datetimes_and_zones() {
        let e = parse_datetime("2026-13-01 10:00", Tz::UTC)
            .unwrap_err()
            .to_string();
        assert!(
            e.starts_with("invalid date-time '2026-13-01 10:00': expected RFC 3339"),
            "{e}"
        );
        assert!(parse_datetime("tomorrow", Tz::UTC).is_err());
        assert_eq!(
            parse_tz("Mars/Olympus").unwrap_err().to_string(),
            "unknown time zone 'Mars/Olympus': expected an IANA name like Europe/Berlin, America/New_York or UTC"
        );
    }
}
