//! The small grammars a trigger is written in: DATETIME (RFC 3339, or a
//! naive `YYYY-MM-DD HH:MM[:SS]` read in the trigger's zone) and IANA zone
//! names. DURATION lives in `crate::units` (re-exported here for the code
//! that still reaches for it through `trigger::input`).

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

use super::dst::resolve_earliest;
use crate::error::UsageError;
pub use crate::units::{format_duration, parse_duration};

/// Parse an IANA zone name (`Europe/Berlin`, `UTC`); an unknown one gets
/// the nearest names in its error (`did you mean Europe/Berlin?`).
pub fn parse_tz(name: &str) -> Result<Tz, UsageError> {
    name.parse::<Tz>().map_err(|_| {
        let like = "an IANA name like Europe/Berlin, America/New_York or UTC";
        UsageError::new(match nearest_zones(name).as_slice() {
            [] => format!("unknown time zone '{name}': expected {like}"),
            [one] => format!("unknown time zone '{name}': did you mean {one}? ({like})"),
            [some @ .., last] => format!(
                "unknown time zone '{name}': did you mean {} or {last}? ({like})",
                some.join(", ")
            ),
        })
    })
}

/// Up to 3 zone names nearest to a mistyped `name`: by edit distance,
/// ignoring case, to the whole name or (for a name without `/`) to its
/// place (`Berln` is near `Europe/Berlin`); at most a third of its length
/// away (and 3), and no farther than one more than the nearest.
fn nearest_zones(name: &str) -> Vec<&'static str> {
    let want = name.to_lowercase();
    let limit = (want.chars().count() / 3).clamp(1, 3);
    let mut near: Vec<(usize, &'static str)> = chrono_tz::TZ_VARIANTS
        .iter()
        .filter_map(|tz| {
            let zone = tz.name().to_lowercase();
            let mut d = edit_distance(&want, &zone);
            if let (false, Some((_, place))) = (want.contains('/'), zone.rsplit_once('/')) {
                d = d.min(edit_distance(&want, place));
            }
            (d <= limit).then_some((d, tz.name()))
        })
        .collect();
    near.sort_unstable();
    let best = near.first().map_or(0, |n| n.0);
    near.into_iter()
        .take_while(|n| n.0 <= best + 1)
        .take(3)
        .map(|n| n.1)
        .collect()
}

/// Levenshtein distance, in characters.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = (diagonal + usize::from(ca != *cb))
                .min(above + 1)
                .min(row[j] + 1);
            diagonal = above;
        }
    }
    row[b.len()]
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
    fn a_mistyped_zone_gets_the_nearest_names() {
        assert_eq!(edit_distance("berln", "berlin"), 1);
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        let near = |name: &str| nearest_zones(name);
        assert_eq!(near("Europe/Berln"), ["Europe/Berlin"]);
        assert_eq!(near("europe/berlin"), ["Europe/Berlin"]);
        assert_eq!(near("Berln"), ["Europe/Berlin"]);
        assert!(near("utc").contains(&"UTC"), "{:?}", near("utc"));
        assert!(near("America/New_Yrok").contains(&"America/New_York"));
        assert!(
            near("Mars/Olympus").is_empty(),
            "{:?}",
            near("Mars/Olympus")
        );
        assert!(near("utc").len() <= 3 && near("Europe/Pari").len() <= 3);
        let e = parse_tz("Europe/Berln").unwrap_err().to_string();
        assert!(
            e.starts_with("unknown time zone 'Europe/Berln': did you mean Europe/Berlin? ("),
            "{e}"
        );
        let e = parse_tz("Nowhere").unwrap_err().to_string();
        assert!(e.contains("expected an IANA name"), "{e}");
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
