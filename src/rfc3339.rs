//! Reading stored instants fast. tick stores instants in JSON as RFC 3339
//! in UTC (`2026-12-03T17:07:14Z`, chrono's form); chrono's general parser
//! took a tenth of listing 10,000 jobs. [`Instant`] reads that one form by
//! hand and hands anything else (an offset, a hand-edited row) to chrono,
//! so that it accepts exactly what chrono's own `Deserialize` accepts.
//!
//! And writing them for machines: [`with_offset`], in a zone (what every
//! `--json`, the API and the page show).

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::de::{Deserializer, Error, Visitor};

/// A stored instant, read as [`parse`] reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Instant(pub DateTime<Utc>);

impl<'de> serde::Deserialize<'de> for Instant {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Instant;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("an RFC 3339 date and time")
            }
            fn visit_str<E: Error>(self, s: &str) -> Result<Instant, E> {
                parse(s).map(Instant).map_err(E::custom)
            }
        }
        d.deserialize_str(V)
    }
}

/// `s` as an instant: `YYYY-MM-DDTHH:MM:SS[.fraction]Z` by hand, anything
/// else as chrono's `DateTime<FixedOffset>::from_str` reads it.
pub fn parse(s: &str) -> Result<DateTime<Utc>, chrono::ParseError> {
    match fast(s.as_bytes()) {
        Some(t) => Ok(t),
        None => s
            .parse::<DateTime<FixedOffset>>()
            .map(|t| t.with_timezone(&Utc)),
    }
}

fn fast(b: &[u8]) -> Option<DateTime<Utc>> {
    if b.len() < 20 || b[b.len() - 1] != b'Z' {
        return None;
    }
    let digits = |at: usize, n: usize| -> Option<u32> {
        b.get(at..at + n)?.iter().try_fold(0u32, |v, c| {
            c.is_ascii_digit().then(|| v * 10 + u32::from(c - b'0'))
        })
    };
    let seps = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
    if seps.iter().any(|&(at, c)| b[at] != c) {
        return None;
    }
    let nanos = match &b[19..b.len() - 1] {
        [] => 0,
        [b'.', frac @ ..] if (1..=9).contains(&frac.len()) => {
            digits(20, frac.len())? * 10u32.pow(9 - frac.len() as u32)
        }
        _ => return None,
    };
    NaiveDate::from_ymd_opt(digits(0, 4)? as i32, digits(5, 2)?, digits(8, 2)?)?
        .and_hms_nano_opt(digits(11, 2)?, digits(14, 2)?, digits(17, 2)?, nanos)
        .map(|t| t.and_utc())
}

/// RFC 3339 with the offset of `tz` at that instant: `2026-03-08T03:00:00-04:00`.
pub fn with_offset(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
}

/// Like [`with_offset`], to the millisecond (`2026-03-08T03:00:00.412-04:00`):
/// when an execution started and ended, so lateness can be read off it.
pub fn with_offset_ms(t: DateTime<Utc>, tz: chrono_tz::Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(chrono::SecondsFormat::Millis, false)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every form reads as chrono reads it: the fast one and the rest.
    #[test]
    fn reads_what_chrono_reads() {
        for s in [
            "2026-12-03T17:07:14Z",
            "2026-12-03T17:07:14.5Z",
            "2026-12-03T17:07:14.123456789Z",
            "0001-01-01T00:00:00Z",
            "9999-12-31T23:59:59Z",
            "2024-02-29T12:00:00Z",
            "2026-12-03T18:07:14+01:00",
            "2026-12-03 17:07:14Z",
            "2026-12-03t17:07:14z",
            "2026-12-03T17:07:14.Z",
            "2026-12-03T17:07:14.1234567890Z",
            "2025-02-29T12:00:00Z",
            "2026-13-03T17:07:14Z",
            "2026-12-03T24:00:00Z",
            "2026-12-03T23:59:60Z",
            "2026-12-03T17:07:1xZ",
            "+2026-12-03T17:07:14Z",
            "2026-12-03T17:07:14",
            "",
            "Z",
        ] {
            let chrono = s
                .parse::<DateTime<FixedOffset>>()
                .map(|t| t.with_timezone(&Utc));
            assert_eq!(parse(s).ok(), chrono.ok(), "{s:?}");
        }
    }

    #[test]
    fn the_fast_form_is_read_by_hand() {
        assert!(fast(b"2026-12-03T17:07:14Z").is_some());
        assert!(fast(b"2026-12-03T17:07:14.250Z").is_some());
        assert!(fast(b"2026-12-03T18:07:14+01:00").is_none());
    }

    #[test]
    fn as_json() {
        let t: Instant = serde_json::from_str(r#""2026-12-03T17:07:14Z""#).unwrap();
        assert_eq!(t.0.timestamp(), 1_796_317_634);
        let e = serde_json::from_str::<Instant>(r#""soon""#).unwrap_err();
        assert!(
            e.to_string().contains("input contains invalid characters"),
            "{e}"
        );
        assert!(serde_json::from_str::<Instant>("12").is_err());
    }
}
