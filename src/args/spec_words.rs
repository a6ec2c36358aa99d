//! A stored trigger back into the command-line words that give it again
//! (`cron '0 3 * * *' --tz Europe/Berlin`): what the page's change form
//! shows, in the words `tick reschedule` and the API's `trigger` take, so
//! that what is shown can be sent back as it is.

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;

use crate::trigger::{CronSource, ScheduleSpec, TriggerSpec};
use crate::units::format_duration;

/// The words of `spec`, one string with shell quoting.
pub fn trigger_words(spec: &TriggerSpec) -> String {
    words(spec, None).join(" ")
}

fn quote(s: &str) -> String {
    shell_words::quote(s).into_owned()
}

/// An instant as the trigger's zone reads it, with its offset.
fn instant(t: DateTime<Utc>, zone: &str) -> String {
    match zone.parse::<Tz>() {
        Ok(tz) => t
            .with_timezone(&tz)
            .to_rfc3339_opts(SecondsFormat::Secs, false),
        Err(_) => t.to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

/// The words of one trigger inside one whose zone is `outer` (a part of
/// `any`/`all` in the same zone does not repeat it).
fn words(spec: &TriggerSpec, outer: Option<&str>) -> Vec<String> {
    let zone = spec.timezone.as_str();
    let mut w: Vec<String> = match &spec.schedule {
        ScheduleSpec::Cron {
            cron: CronSource::Expr(e),
        } => vec!["cron".into(), quote(e)],
        ScheduleSpec::Cron {
            cron: CronSource::Fields(f),
        } => {
            let mut w = vec!["cron".to_string()];
            for (field, v) in f.given() {
                w.push(format!("--{}", field.name()));
                w.push(quote(v));
            }
            w
        }
        ScheduleSpec::Reboot => vec!["cron".into(), "@reboot".into()],
        ScheduleSpec::Interval { every } => {
            vec!["interval".into(), "--every".into(), format_duration(*every)]
        }
        ScheduleSpec::Date { at } => vec!["date".into(), "--at".into(), instant(*at, zone)],
        ScheduleSpec::Any { parts } | ScheduleSpec::All { parts } => {
            let mut w = vec![spec.schedule.kind().to_string()];
            for p in parts {
                w.push(quote(&words(p, Some(zone)).join(" ")));
            }
            w
        }
    };
    if outer != Some(zone) {
        w.extend(["--tz".into(), quote(zone)]);
    }
    if let Some(s) = spec.start {
        w.extend(["--start".into(), instant(s, zone)]);
    }
    if let Some(e) = spec.end {
        w.extend(["--end".into(), instant(e, zone)]);
    }
    if spec.jitter > 0 {
        w.extend(["--jitter".into(), format_duration(spec.jitter)]);
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::args::trigger::{parse_part, Now};

    /// Words read back (as the change form's are) give the same trigger.
    #[test]
    fn the_words_give_the_same_trigger_back() {
        let now: DateTime<Utc> = "2026-06-01T12:00:00Z".parse().unwrap();
        for given in [
            "cron '0 3 * * *'",
            "cron '*/15 9-17 * * mon-fri' --tz America/Argentina/Buenos_Aires",
            "cron --hour 5 --minute 30 --day 'last fri'",
            "cron @reboot",
            "interval --every 1h30m --start '2026-01-01 00:00' --tz Europe/Berlin",
            "interval --every 90s --jitter 10s",
            "date --at '2026-12-01 10:00' --tz Asia/Tokyo",
            "cron '0 3 * * *' --end '2027-01-01T00:00:00Z'",
            "any 'cron 0 9 * * mon-fri' 'cron 0 12 * * sat,sun --tz UTC' --tz Europe/Berlin",
            "all 'cron 0 0 13 * *' 'cron 0 0 * * fri'",
        ] {
            let read = |text: &str| {
                parse_part(text)
                    .unwrap_or_else(|e| panic!("{text}: {e}"))
                    .validate(Now::clock(now), Some(Tz::UTC))
                    .unwrap_or_else(|e| panic!("{text}: {e}"))
                    .spec()
            };
            let spec = read(given);
            let shown = trigger_words(&spec);
            assert_eq!(read(&shown), spec, "{given} shown as {shown}");
        }
    }
}
