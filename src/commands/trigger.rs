//! TRIGGER arguments (`cron EXPR`, `interval --every D`, `date --at T` and
//! their options) validated into a [`Trigger`], plus the default time zone.
//! Shared by every command that takes a trigger.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;

use crate::cli::{TriggerArgs, TriggerKind};
use crate::error::UsageError;
use crate::trigger::input::{parse_datetime, parse_tz};
use crate::trigger::{ApsFields, Trigger};
use crate::units::{
    parse_duration, MAX_DURATION_SECS, SECS_PER_DAY, SECS_PER_HOUR, SECS_PER_MINUTE, SECS_PER_WEEK,
};

/// The zone for a new trigger: `--tz`, else `$TZ`, else the system zone,
/// else UTC.
pub fn resolve_tz(flag: Option<&str>) -> Result<Tz, UsageError> {
    if let Some(name) = flag {
        return parse_tz(name);
    }
    if let Ok(env) = std::env::var("TZ") {
        // POSIX allows a leading ':' and a path into the zoneinfo folder.
        let name = env.trim_start_matches(':');
        let name = name.rsplit_once("zoneinfo/").map_or(name, |(_, n)| n);
        if !name.is_empty() {
            return parse_tz(name)
                .map_err(|e| UsageError::new(format!("{e} (from $TZ; set --tz to override)")));
        }
    }
    Ok(iana_time_zone::get_timezone()
        .ok()
        .and_then(|n| n.parse::<Tz>().ok())
        .unwrap_or(Tz::UTC))
}

impl TriggerArgs {
    /// Validate into a trigger. `now` anchors `date --in` and an interval
    /// without `--start` (first fire one interval after `now`).
    pub fn to_trigger(&self, now: DateTime<Utc>) -> Result<Trigger, UsageError> {
        let kind = self.kind.unwrap_or(TriggerKind::Cron);
        self.reject_foreign_flags(kind)?;
        let tz = resolve_tz(self.tz.as_deref())?;
        let when = |flag: &str, v: &Option<String>| -> Result<Option<DateTime<Utc>>, UsageError> {
            v.as_deref()
                .map(|s| parse_datetime(s, tz).map_err(|e| UsageError::new(format!("{flag}: {e}"))))
                .transpose()
        };
        let start = when("--start", &self.start)?;
        let end = when("--end", &self.end)?;
        let jitter = self
            .jitter
            .as_deref()
            .map(|s| parse_duration(s).map_err(|e| UsageError::new(format!("--jitter: {e}"))))
            .transpose()?
            .unwrap_or(0);
        let trigger = match kind {
            TriggerKind::Cron => {
                let fields = self.aps_fields();
                match (&self.expr, fields.is_empty()) {
                    (Some(expr), true) => Trigger::crontab(expr, tz)?,
                    (None, false) => Trigger::aps(&fields, tz)?,
                    (Some(expr), false) => {
                        return Err(UsageError::new(format!(
                            "cron takes either an expression ('{expr}') or field flags like --hour, not both"
                        )))
                    }
                    (None, true) => {
                        return Err(UsageError::new(
                            "cron needs an expression like '*/5 * * * *' or field flags like --hour 5 --minute 30",
                        ))
                    }
                }
            }
            TriggerKind::Interval => {
                let every = self.interval_secs()?;
                let anchor = start.unwrap_or(now + Duration::seconds(every as i64));
                Trigger::interval(every, anchor, tz)?
            }
            TriggerKind::Date => {
                let at = match (&self.at, &self.in_) {
                    (Some(at), None) => {
                        parse_datetime(at, tz).map_err(|e| UsageError::new(format!("--at: {e}")))?
                    }
                    (None, Some(d)) => {
                        let secs = parse_duration(d)
                            .map_err(|e| UsageError::new(format!("--in: {e}")))?;
                        now + Duration::seconds(secs as i64)
                    }
                    _ => {
                        return Err(UsageError::new(
                            "date needs --at DATETIME (e.g. '2026-12-01 09:00') or --in DURATION (e.g. 2h)",
                        ))
                    }
                };
                Trigger::date(at, tz)
            }
        };
        let mut trigger = trigger.with_bounds(start, end)?;
        trigger.jitter = jitter;
        Ok(trigger)
    }

    fn aps_fields(&self) -> ApsFields {
        ApsFields {
            year: self.year.clone(),
            month: self.month.clone(),
            day: self.day.clone(),
            week: self.week.clone(),
            day_of_week: self.day_of_week.clone(),
            hour: self.hour.clone(),
            minute: self.minute.clone(),
            second: self.second.clone(),
        }
    }

    fn interval_secs(&self) -> Result<u64, UsageError> {
        let units = [
            (self.weeks, SECS_PER_WEEK),
            (self.days, SECS_PER_DAY),
            (self.hours, SECS_PER_HOUR),
            (self.minutes, SECS_PER_MINUTE),
            (self.seconds, 1),
        ];
        let any_unit = units.iter().any(|(v, _)| v.is_some());
        match (&self.every, any_unit) {
            (Some(every), false) => {
                parse_duration(every).map_err(|e| UsageError::new(format!("--every: {e}")))
            }
            (None, true) => units
                .iter()
                .try_fold(0u64, |acc, (v, unit)| {
                    v.unwrap_or(0).checked_mul(*unit).and_then(|x| acc.checked_add(x))
                })
                .filter(|t| *t <= MAX_DURATION_SECS)
                .ok_or_else(|| UsageError::new("invalid interval: longer than 100 years")),
            (Some(_), true) => Err(UsageError::new(
                "interval takes either --every or --weeks/--days/--hours/--minutes/--seconds, not both",
            )),
            (None, false) => Err(UsageError::new(
                "interval needs --every DURATION (e.g. 15m) or --weeks/--days/--hours/--minutes/--seconds",
            )),
        }
    }

    /// A flag of another trigger kind is a mistake worth naming.
    fn reject_foreign_flags(&self, kind: TriggerKind) -> Result<(), UsageError> {
        let cron = || {
            self.aps_fields()
                .given()
                .next()
                .map(|(field, _)| format!("--{}", field.name()))
        };
        let interval = || {
            [
                ("--every", self.every.is_some()),
                ("--weeks", self.weeks.is_some()),
                ("--days", self.days.is_some()),
                ("--hours", self.hours.is_some()),
                ("--minutes", self.minutes.is_some()),
                ("--seconds", self.seconds.is_some()),
            ]
            .into_iter()
            .find_map(|(flag, set)| set.then(|| flag.to_string()))
        };
        let date = || {
            [("--at", self.at.is_some()), ("--in", self.in_.is_some())]
                .into_iter()
                .find_map(|(flag, set)| set.then(|| flag.to_string()))
        };
        let (name, foreign) = match kind {
            TriggerKind::Cron => ("cron", interval().or_else(date)),
            TriggerKind::Interval => ("interval", cron().or_else(date)),
            TriggerKind::Date => ("date", cron().or_else(interval)),
        };
        if let Some(flag) = foreign {
            return Err(UsageError::new(format!(
                "{flag} does not apply to {name} triggers (cron takes EXPR or --second..--year, interval takes --every or --weeks..--seconds, date takes --at or --in)"
            )));
        }
        if kind != TriggerKind::Cron {
            if let Some(expr) = &self.expr {
                let hint = if kind == TriggerKind::Interval {
                    "--every"
                } else {
                    "--at"
                };
                return Err(UsageError::new(format!(
                    "unexpected '{expr}': a {name} trigger takes {hint}, not an expression"
                )));
            }
        }
        Ok(())
    }
}
