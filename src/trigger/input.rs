//! The small grammars a trigger is written in: DATETIME (RFC 3339, or a
//! naive `YYYY-MM-DD HH:MM[:SS]` read in the trigger's zone) and IANA zone
//! names. DURATION lives in `crate::units` (re-exported here for the code
//! that still reaches for it through `trigger::input`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::dst::resolve_earliest;
use crate::error::UsageError;
pub use crate::units::{format_duration, parse_duration};

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
