//! The notification flags (`--notify`, `--notify-on`, `--expect-duration`,
//! `--expect-success-within`) into [`JobOptions`], shared by `add`,
//! `modify`, `import`'s `# tick:` lines and the API's option fields.

use crate::cli::JobOptionArgs;
use crate::error::UsageError;
use crate::escape::{self, Newlines};
use crate::model::{DurationRange, JobOptions, NotifyEvent};
use crate::notify::{redact, Target};
use crate::units::{format_duration, parse_duration};

impl JobOptionArgs {
    /// Apply the notification flags that were given onto `opts`. When an
    /// expectation is given without `--notify-on`, the event it sends is
    /// added to the job's events (so that it is heard).
    pub fn apply_notify(&self, opts: &mut JobOptions) -> Result<(), UsageError> {
        if !self.notify.is_empty() {
            opts.notify = targets(&self.notify)?;
        }
        if let Some(events) = &self.notify_on {
            opts.notify_on = parse_events(events)?;
        }
        let mut heard = Vec::new();
        if let Some(text) = &self.expect_duration {
            opts.expect_duration = parse_range(text)?;
            if let Some(r) = opts.expect_duration {
                heard.extend(r.max.map(|_| NotifyEvent::Long));
                heard.extend(r.min.map(|_| NotifyEvent::Short));
            }
        }
        if let Some(text) = &self.expect_success_within {
            opts.expect_success_within = match text.eq_ignore_ascii_case("none") {
                true => None,
                false => Some(at_least_a_second("--expect-success-within", text)?),
            };
            heard.extend(opts.expect_success_within.map(|_| NotifyEvent::Silent));
        }
        if self.notify_on.is_none() {
            opts.notify_on.extend(heard);
            opts.notify_on.sort();
            opts.notify_on.dedup();
        }
        Ok(())
    }

    /// Whether any notification flag was given.
    pub fn notify_given(&self) -> bool {
        !self.notify.is_empty()
            || self.notify_on.is_some()
            || self.expect_duration.is_some()
            || self.expect_success_within.is_some()
    }

    /// For a new job: events or expectations given with no target to tell
    /// are a mistake, said now.
    pub fn check_notify(&self, opts: &JobOptions) -> Result<(), UsageError> {
        let given = self.notify_on.is_some()
            || opts.expect_duration.is_some()
            || opts.expect_success_within.is_some();
        if given && opts.notify.is_empty() {
            return Err(UsageError::new(
                "--notify-on and --expect-* need a --notify TARGET to tell (e.g. --notify mailto:you@example.com)",
            ));
        }
        Ok(())
    }
}

/// `--notify` values: each a valid target, or one `none` (no targets).
fn targets(given: &[String]) -> Result<Vec<String>, UsageError> {
    if given.iter().any(|t| t.eq_ignore_ascii_case("none")) {
        if given.len() > 1 {
            return Err(UsageError::new(
                "invalid --notify none: give it alone (it removes every target)",
            ));
        }
        return Ok(Vec::new());
    }
    let mut out: Vec<String> = Vec::new();
    for t in given {
        target(t)?;
        if !out.contains(t) {
            out.push(t.clone());
        }
    }
    Ok(out)
}

/// One `--notify TARGET` (of a job, or of `tick run`), checked.
pub fn target(text: &str) -> Result<Target, UsageError> {
    Target::parse(text).map_err(|e| {
        UsageError::new(format!(
            "invalid --notify '{}': {e}",
            escape::text(&redact(text), Newlines::Escape)
        ))
    })
}

/// A crontab's `MAILTO` (`what` names it) as a `mailto:` target.
pub fn mailto(what: &str, to: &str) -> Result<String, UsageError> {
    let target = format!("mailto:{to}");
    Target::parse(&target).map_err(|e| UsageError::new(format!("{what}={to}: {e}")))?;
    Ok(target)
}

/// `--notify-on failure,recovery`: known events, sorted, each once.
pub fn parse_events(text: &str) -> Result<Vec<NotifyEvent>, UsageError> {
    let mut events = Vec::new();
    for word in text.split(',').map(str::trim) {
        let e: NotifyEvent = word.to_ascii_lowercase().parse().map_err(|_| {
            let valid: Vec<&str> = NotifyEvent::ALL.iter().map(|e| e.as_str()).collect();
            UsageError::new(format!(
                "invalid --notify-on '{}': '{}' is not an event (valid: {})",
                escape::text(text, Newlines::Escape),
                escape::text(word, Newlines::Escape),
                valid.join(", ")
            ))
        })?;
        events.push(e);
    }
    events.sort();
    events.dedup();
    Ok(events)
}

/// `--expect-duration MIN..MAX` (`none`: no expectation).
pub fn parse_range(text: &str) -> Result<Option<DurationRange>, UsageError> {
    const FLAG: &str = "--expect-duration";
    if text.eq_ignore_ascii_case("none") {
        return Ok(None);
    }
    let shown = escape::text(text, Newlines::Escape);
    let (min, max) = text.split_once("..").ok_or_else(|| {
        UsageError::new(format!(
            "invalid {FLAG} '{shown}': expected MIN..MAX, e.g. 10s..1h, ..30m or 5m.., or none"
        ))
    })?;
    let side = |s: &str| {
        let s = s.trim();
        (!s.is_empty())
            .then(|| at_least_a_second(FLAG, s))
            .transpose()
    };
    let (min, max) = (side(min)?, side(max)?);
    match (min, max) {
        (None, None) => Err(UsageError::new(format!(
            "invalid {FLAG} '{shown}': give MIN, MAX or both, or none"
        ))),
        (Some(lo), Some(hi)) if lo > hi => Err(UsageError::new(format!(
            "invalid {FLAG} '{shown}': MIN {} is longer than MAX {}",
            format_duration(lo),
            format_duration(hi)
        ))),
        _ => Ok(Some(DurationRange { min, max })),
    }
}

fn at_least_a_second(flag: &str, text: &str) -> Result<u64, UsageError> {
    match parse_duration(text) {
        Ok(0) => Err(UsageError::new(format!(
            "invalid {flag} '{}': use at least 1s",
            escape::text(text, Newlines::Escape)
        ))),
        Ok(secs) => Ok(secs),
        Err(e) => Err(UsageError::new(format!("{flag}: {e}"))),
    }
}

/// `--notify-on`'s value as it is written.
pub fn events_text(events: &[NotifyEvent]) -> String {
    let words: Vec<&str> = events.iter().map(|e| e.as_str()).collect();
    words.join(",")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_read_with_either_side_open() {
        let r = |s| parse_range(s).map(|r| r.map(|r| (r.min, r.max)));
        assert_eq!(r("10s..1h").unwrap(), Some((Some(10), Some(3600))));
        assert_eq!(r("..30m").unwrap(), Some((None, Some(1800))));
        assert_eq!(r("5m..").unwrap(), Some((Some(300), None)));
        assert_eq!(r("none").unwrap(), None);
        for bad in ["..", "1h", "1h..1m", "0s..1m", "x..1m"] {
            assert!(r(bad).is_err(), "{bad}");
        }
        let range = parse_range("1m..1h30m").unwrap().unwrap();
        assert_eq!(range.to_string(), "1m..1h30m");
    }

    #[test]
    fn events_are_known_sorted_and_once() {
        assert_eq!(
            parse_events("recovery, failure,failure").unwrap(),
            [NotifyEvent::Failure, NotifyEvent::Recovery]
        );
        let e = parse_events("failure,oops").unwrap_err().to_string();
        assert!(
            e.contains("'oops' is not an event (valid: failure, success"),
            "{e}"
        );
    }
}
