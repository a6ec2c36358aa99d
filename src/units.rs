//! Units for people, used on every floor: how long something took.
//! Depends on nothing of ours.

/// The longest duration tick accepts anywhere (a timeout, a grace, a
/// jitter, an interval): 100 years, so date arithmetic never overflows.
pub const MAX_DURATION_SECS: u64 = 100 * 366 * 86_400;

/// `850ms`, `12.3s`, `4m05s`, `2h10m`.
pub fn human_ms(ms: i64) -> String {
    match ms {
        ..=999 => format!("{ms}ms"),
        1000..=59_999 => format!("{:.1}s", ms as f64 / 1000.0),
        60_000..=3_599_999 => format!("{}m{:02}s", ms / 60_000, ms % 60_000 / 1000),
        _ => format!("{}h{:02}m", ms / 3_600_000, ms % 3_600_000 / 60_000),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn human_durations() {
        assert_eq!(human_ms(850), "850ms");
        assert_eq!(human_ms(12_340), "12.3s");
        assert_eq!(human_ms(245_000), "4m05s");
        assert_eq!(human_ms(7_800_000), "2h10m");
    }
}
