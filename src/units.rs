//! Units of time for people, used on every floor: seconds per minute, hour,
//! day and week; DURATION text both ways (`90s`, `1h30m`, `2d`); and how long
//! something took (`4m05s`). Depends on nothing of ours but `error`.
//!
//! Durations are parsed here rather than with humantime: tick needs exact
//! whole seconds and must refuse `1month`/`1y`, whose length is not fixed.

use crate::error::UsageError;

pub const SECS_PER_MINUTE: u64 = 60;
pub const SECS_PER_HOUR: u64 = 60 * SECS_PER_MINUTE;
pub const SECS_PER_DAY: u64 = 24 * SECS_PER_HOUR;
pub const SECS_PER_WEEK: u64 = 7 * SECS_PER_DAY;

/// The largest duration accepted: 100 years, so date arithmetic never overflows.
pub const MAX_DURATION_SECS: u64 = 100 * 366 * SECS_PER_DAY;

/// DURATION units, largest first: what [`format_duration`] writes.
const UNITS: [(&str, u64); 5] = [
    ("w", SECS_PER_WEEK),
    ("d", SECS_PER_DAY),
    ("h", SECS_PER_HOUR),
    ("m", SECS_PER_MINUTE),
    ("s", 1),
];

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
            "m" | "min" | "mins" | "minute" | "minutes" => SECS_PER_MINUTE,
            "h" | "hr" | "hrs" | "hour" | "hours" => SECS_PER_HOUR,
            "d" | "day" | "days" => SECS_PER_DAY,
            "w" | "week" | "weeks" => SECS_PER_WEEK,
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
    for (unit, len) in UNITS {
        if rest >= len {
            out.push_str(&format!("{}{unit}", rest / len));
            rest %= len;
        }
    }
    out
}

/// `850ms`, `12.3s`, `4m05s`, `2h10m`.
pub fn human_ms(ms: i64) -> String {
    match ms {
        ..=999 => format!("{ms}ms"),
        1000..=59_999 => format!("{:.1}s", ms as f64 / 1000.0),
        60_000..=3_599_999 => format!("{}m{:02}s", ms / 60_000, ms % 60_000 / 1000),
        _ => format!("{}h{:02}m", ms / 3_600_000, ms % 3_600_000 / 60_000),
    }
}

/// `812 KiB`, `51.3 MiB`, `2.0 GiB`.
pub fn human_kib(kib: i64) -> String {
    match kib {
        ..=1023 => format!("{kib} KiB"),
        1024..=1_048_575 => format!("{:.1} MiB", kib as f64 / 1024.0),
        _ => format!("{:.1} GiB", kib as f64 / 1_048_576.0),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_for_people() {
        assert_eq!(human_kib(812), "812 KiB");
        assert_eq!(human_kib(1024), "1.0 MiB");
        assert_eq!(human_kib(52_531), "51.3 MiB");
        assert_eq!(human_kib(2 * 1_048_576), "2.0 GiB");
    }

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
    fn human_durations() {
        assert_eq!(human_ms(850), "850ms");
        assert_eq!(human_ms(12_340), "12.3s");
        assert_eq!(human_ms(245_000), "4m05s");
        assert_eq!(human_ms(7_800_000), "2h10m");
    }
}
