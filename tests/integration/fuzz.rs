//! Hostile input for every parser: random strings built from the
//! characters that matter (digits, separators, names, unicode, control
//! characters). No panic, no hang, and every rejection is one line that
//! names what was given.

use chrono_tz::Tz;
use proptest::prelude::*;
use tick::trigger::input::{parse_datetime, parse_duration};
use tick::trigger::{ApsFields, Trigger};

/// Strings made of cron-ish pieces: most are near-valid, many are not.
fn cronish() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("*".to_string()),
        Just("?".to_string()),
        Just("/".to_string()),
        Just(",".to_string()),
        Just("-".to_string()),
        Just("#".to_string()),
        Just("L".to_string()),
        Just("W".to_string()),
        Just("LW".to_string()),
        Just(" ".to_string()),
        Just("  ".to_string()),
        Just("@".to_string()),
        Just("mon".to_string()),
        Just("jan".to_string()),
        Just("last".to_string()),
        Just("2nd".to_string()),
        Just("é".to_string()),
        Just("\u{0}".to_string()),
        Just("\n".to_string()),
        (0u64..100).prop_map(|n| n.to_string()),
        (0u64..u64::MAX).prop_map(|n| n.to_string()),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|v| v.concat())
}

/// What the user sees: one line, whatever the input held.
fn check_error(msg: &str) {
    assert!(!msg.is_empty());
    let shown = tick::error::one_line(msg);
    assert!(
        !shown.contains('\n') && !shown.contains('\r') && !shown.contains('\0'),
        "{shown:?}"
    );
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn cron_expressions(expr in cronish()) {
        match Trigger::crontab(&expr, Tz::UTC) {
            Ok(t) => {
                // Whatever parses must compute a next fire (or none) quickly.
                let from = "2026-01-01T00:00:00Z".parse().unwrap();
                let start = std::time::Instant::now();
                let fires = t.fires_after(from, 3);
                prop_assert!(start.elapsed() < std::time::Duration::from_secs(2), "{:?} is slow", expr);
                prop_assert!(fires.windows(2).all(|w| w[0] < w[1]));
            }
            Err(e) => {
                let msg = e.to_string();
                check_error(&msg);
                let quoted = format!("'{}'", expr);
                prop_assert!(msg.contains(&quoted) || msg.starts_with("invalid cron expression"), "{}", msg);
            }
        }
    }

    #[test]
    fn aps_fields(hour in cronish(), day in cronish(), dow in cronish()) {
        let f = ApsFields { hour: Some(hour), day: Some(day), day_of_week: Some(dow), ..Default::default() };
        match Trigger::aps(&f, Tz::UTC) {
            Ok(t) => { t.next_fire("2026-01-01T00:00:00Z".parse().unwrap()); }
            Err(e) => check_error(&e.to_string()),
        }
    }

    #[test]
    fn durations(text in cronish()) {
        if let Err(e) = parse_duration(&text) {
            let msg = e.to_string();
            check_error(&msg);
            let quoted = format!("'{}'", text);
            prop_assert!(msg.contains(&quoted), "{}", msg);
        }
    }

    #[test]
    fn datetimes(text in "[0-9T:+ZW -]{0,30}") {
        if let Err(e) = parse_datetime(&text, Tz::UTC) {
            let quoted = format!("'{}'", text);
            prop_assert!(e.to_string().contains(&quoted));
        }
    }

    #[test]
    fn crontab_files(lines in prop::collection::vec(cronish(), 0..12)) {
        let text = lines.join("\n");
        let parsed = tick::crontab::parse(&text);
        for e in &parsed.errors {
            prop_assert!(e.starts_with("line "), "{}", e);
        }
    }
}
