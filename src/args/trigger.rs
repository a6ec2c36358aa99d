//! TRIGGER arguments (`cron EXPR`, `interval --every D`, `date --at T`,
//! `any PART..`, `all PART..` and their options) validated into a
//! [`Trigger`], plus the default time zone. The one validation path of every
//! command that takes a trigger (`add`, `reschedule`, `next`) and of every
//! PART of a combined trigger.

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use clap::Parser;

use crate::cli::{TriggerArgs, TriggerKind, TriggerPart};
use crate::error::UsageError;
use crate::rfc3339::with_offset as rfc3339;
use crate::trigger::combined::{MAX_PARTS, MIN_PARTS};
use crate::trigger::input::{parse_datetime, parse_tz};
use crate::trigger::{ApsFields, Schedule, Trigger};
use crate::units::{
    parse_duration, MAX_DURATION_SECS, SECS_PER_DAY, SECS_PER_HOUR, SECS_PER_MINUTE, SECS_PER_WEEK,
};

/// How deep combined triggers may nest (`any` in `all` in `any` ...).
const MAX_NESTING: usize = 4;

/// "Now" for the checks that compare with it (docs/triggers.md): the clock for
/// `add` and `reschedule`, `--from` for `tick next`.
#[derive(Debug, Clone, Copy)]
pub struct Now {
    /// Anchors `date --in` and an interval without `--start`; a trigger's
    /// fires must come after it.
    pub at: DateTime<Utc>,
    /// Messages name `--from` rather than "now".
    pub is_from: bool,
    /// A preview (`tick next`): a `date` or an `--end` not after `at` is
    /// no error, only a schedule with no fire to show.
    pub preview: bool,
}

impl Now {
    pub fn clock(at: DateTime<Utc>) -> Now {
        Now {
            at,
            is_from: false,
            preview: false,
        }
    }

    /// `tick next`'s "now": `--from`, else the clock.
    pub fn preview(from: Option<DateTime<Utc>>, clock: DateTime<Utc>) -> Now {
        Now {
            at: from.unwrap_or(clock),
            is_from: from.is_some(),
            preview: true,
        }
    }

    /// `now`, or `--from 2026-01-01T00:00:00+00:00`, for messages.
    fn name(&self, tz: Tz) -> String {
        if self.is_from {
            format!("--from {}", rfc3339(self.at, tz))
        } else {
            format!("now ({})", rfc3339(self.at, tz))
        }
    }
}

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
    /// Validate into a trigger, with the clock's `now` and the default zone.
    pub fn to_trigger(&self, now: DateTime<Utc>) -> Result<Trigger, UsageError> {
        self.validate(Now::clock(now), None)
    }

    /// Validate into a trigger. `zone` is the zone when `--tz` is not given
    /// (a rescheduled job keeps its own); `None` means `$TZ`, else the
    /// system zone.
    pub fn validate(&self, now: Now, zone: Option<Tz>) -> Result<Trigger, UsageError> {
        self.build(now, zone, 0)
    }

    /// The trigger's zone: `--tz`, else `zone`, else `$TZ` or the system's.
    pub fn zone(&self, zone: Option<Tz>) -> Result<Tz, UsageError> {
        match (&self.tz, zone) {
            (None, Some(tz)) => Ok(tz),
            (flag, _) => resolve_tz(flag.as_deref()),
        }
    }

    fn build(&self, now: Now, zone: Option<Tz>, depth: usize) -> Result<Trigger, UsageError> {
        let kind = self.kind.unwrap_or(TriggerKind::Cron);
        self.reject_foreign_flags(kind)?;
        let tz = self.zone(zone)?;
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
            TriggerKind::Cron => self.cron(tz)?,
            TriggerKind::Interval => {
                let every = self.interval_secs()?;
                let anchor = start.unwrap_or(now.at + Duration::seconds(every as i64));
                Trigger::interval(every, anchor, tz)?
            }
            TriggerKind::Date => self.date(now, tz)?,
            TriggerKind::Any | TriggerKind::All => self.combined(kind, now, tz, depth)?,
        };
        let mut trigger = trigger.with_bounds(start, end)?;
        if let (Some(e), None, false) = (trigger.end, trigger.start, now.preview) {
            if e < now.at {
                return Err(UsageError::new(format!(
                    "invalid --end '{}': it is before {}",
                    rfc3339(e, tz),
                    now.name(tz)
                )));
            }
        }
        trigger.jitter = jitter;
        Ok(trigger)
    }

    /// A crontab expression (one quoted word, or several: a PART's words
    /// are split by the shell rules, so `'cron 0 9 * * *'` arrives as
    /// five) or APScheduler field flags.
    fn cron(&self, tz: Tz) -> Result<Trigger, UsageError> {
        let fields = self.aps_fields();
        let expr = self.operands.join(" ");
        match (self.operands.is_empty(), fields.is_empty()) {
            (false, true) => Trigger::crontab(&expr, tz).map_err(|e| expanded_star(&self.operands, e)),
            (true, false) => Trigger::aps(&fields, tz),
            (false, false) => Err(UsageError::new(format!(
                "cron takes either an expression ('{expr}') or field flags like --hour, not both"
            ))),
            (true, true) => Err(UsageError::new(
                "cron needs an expression like '*/5 * * * *' or field flags like --hour 5 --minute 30",
            )),
        }
    }

    /// A date trigger; its instant must come after `now`.
    fn date(&self, now: Now, tz: Tz) -> Result<Trigger, UsageError> {
        let at = match (&self.at, &self.in_) {
            (Some(at), None) => {
                parse_datetime(at, tz).map_err(|e| UsageError::new(format!("--at: {e}")))?
            }
            (None, Some(d)) => {
                let secs = parse_duration(d).map_err(|e| UsageError::new(format!("--in: {e}")))?;
                now.at + Duration::seconds(secs as i64)
            }
            _ => {
                return Err(UsageError::new(
                    "date needs --at DATETIME (e.g. '2026-12-01 09:00') or --in DURATION (e.g. 2h)",
                ))
            }
        };
        if at <= now.at && !now.preview {
            let (when, than) = if now.is_from {
                (format!("after {}", now.name(tz)), "--from")
            } else {
                ("in the future".to_string(), "now")
            };
            return Err(UsageError::new(format!(
                "date {} is not {when}: a date trigger fires once, later than {than}",
                rfc3339(at, tz)
            )));
        }
        Ok(Trigger::date(at, tz))
    }

    /// `any`/`all`: each PART read with the command line's own definitions
    /// and validated like a whole trigger, in the zone given after the
    /// parts unless it names its own.
    fn combined(
        &self,
        kind: TriggerKind,
        now: Now,
        tz: Tz,
        depth: usize,
    ) -> Result<Trigger, UsageError> {
        let name = kind_name(kind);
        let n = self.operands.len();
        if !(MIN_PARTS..=MAX_PARTS).contains(&n) {
            return Err(UsageError::new(format!(
                "{name} takes {MIN_PARTS} to {MAX_PARTS} PARTs, each one quoted trigger like 'cron 0 9 * * mon-fri', got {n}"
            )));
        }
        if depth >= MAX_NESTING {
            return Err(UsageError::new(format!(
                "combined triggers nest at most {MAX_NESTING} deep"
            )));
        }
        let mut parts = Vec::with_capacity(n);
        for (i, text) in self.operands.iter().enumerate() {
            let part = parse_part(text)
                .and_then(|args| args.part_trigger(name, now, tz, depth))
                .map_err(|e| UsageError::new(format!("{name} part {} '{text}': {e}", i + 1)))?;
            parts.push(part);
        }
        Ok(match kind {
            TriggerKind::All => Trigger::all(parts, tz),
            _ => Trigger::any(parts, tz),
        })
    }

    /// One PART of a combined trigger named `outer`.
    fn part_trigger(
        &self,
        outer: &str,
        now: Now,
        tz: Tz,
        depth: usize,
    ) -> Result<Trigger, UsageError> {
        if self.jitter.is_some() {
            return Err(UsageError::new(format!(
                "a part takes no --jitter; give it after the parts, for the whole {outer}"
            )));
        }
        let trigger = self.build(now, Some(tz), depth + 1)?;
        if trigger.schedule == Schedule::Reboot {
            return Err(UsageError::new(
                "@reboot cannot be a part: it fires when tick run starts, not at a time",
            ));
        }
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
        let name = kind_name(kind);
        let foreign = match kind {
            TriggerKind::Cron => interval().or_else(date),
            TriggerKind::Interval => cron().or_else(date),
            TriggerKind::Date => cron().or_else(interval),
            TriggerKind::Any | TriggerKind::All => cron().or_else(interval).or_else(date),
        };
        if let Some(flag) = foreign {
            return Err(UsageError::new(format!(
                "{flag} does not apply to {name} triggers (cron takes EXPR or --second..--year, interval takes --every or --weeks..--seconds, date takes --at or --in, any and all take PARTs)"
            )));
        }
        let hint = match kind {
            TriggerKind::Interval => "--every",
            TriggerKind::Date => "--at",
            _ => return Ok(()),
        };
        match self.operands.first() {
            Some(expr) => Err(UsageError::new(format!(
                "unexpected '{expr}': a {name} trigger takes {hint}, not an expression"
            ))),
            None => Ok(()),
        }
    }
}

fn kind_name(kind: TriggerKind) -> &'static str {
    match kind {
        TriggerKind::Cron => "cron",
        TriggerKind::Interval => "interval",
        TriggerKind::Date => "date",
        TriggerKind::Any => "any",
        TriggerKind::All => "all",
    }
}

/// The words of one PART, split with shell quoting and parsed by the same
/// clap definitions as the command line.
pub fn parse_part(text: &str) -> Result<TriggerArgs, UsageError> {
    let words = shell_words::split(text)
        .map_err(|e| UsageError::new(format!("cannot split it into words: {e}")))?;
    if words.is_empty() {
        return Err(UsageError::new(
            "it is empty (write a trigger like 'cron 0 9 * * mon-fri')",
        ));
    }
    TriggerPart::try_parse_from(words)
        .map(|part| part.trigger)
        .map_err(|e| UsageError::new(clap_message(&e)))
}

/// clap's message up to its first blank line, on one line, without its
/// `error: ` (for words parsed with clap outside the command line: PARTs,
/// and the HTTP API's query parameters).
pub fn clap_message(e: &clap::Error) -> String {
    let text = e.render().to_string();
    let msg: Vec<&str> = text
        .lines()
        .take_while(|l| !l.trim().is_empty())
        .map(str::trim)
        .collect();
    let msg = msg.join(" ");
    msg.strip_prefix("error: ").unwrap_or(&msg).to_string()
}

/// A crontab expression that did not parse because the shell replaced an
/// unquoted `*` with the names of the files in the folder (`cron 0 9 * *
/// *` in a folder with files): said, with how to quote it.
fn expanded_star(words: &[String], e: UsageError) -> UsageError {
    let cron_word = |w: &str| {
        w.chars()
            .all(|c| c.is_ascii_digit() || "*,/-?LW#".contains(c))
    };
    let files: Vec<&str> = words
        .iter()
        .flat_map(|w| w.split_whitespace())
        .filter(|w| !cron_word(w) && std::path::Path::new(w).exists())
        .collect();
    if files.is_empty() {
        return e;
    }
    let shown = match files.len() {
        1..=3 => files.join(", "),
        n => format!("{}, ... {n} names", files[..3].join(", ")),
    };
    UsageError::new(format!(
        "invalid cron expression: the shell replaced its unquoted * with the names of the files here ({shown}); quote the expression, like cron '0 9 * * *'"
    ))
}

/// Warnings for a trigger `add` or `reschedule` accepts as it is, but
/// that is likely not what was meant: one that never fires, and a zone
/// that is a fixed offset (`EST`: never daylight saving time).
pub fn warnings(trigger: &Trigger, now: DateTime<Utc>) -> Vec<String> {
    warnings_at(trigger, Now::clock(now), trigger.next_fire(now))
}

/// [`warnings`] against `now` (for `tick next`, `--from`: its never-fires
/// warning then says so rather than "the job has no next run"), given the
/// trigger's first fire after it (`first`, already computed by the caller:
/// an `all` whose parts never agree takes a while to say so).
pub fn warnings_at(trigger: &Trigger, now: Now, first: Option<DateTime<Utc>>) -> Vec<String> {
    let mut out = Vec::new();
    if !matches!(trigger.schedule, Schedule::Reboot) && first.is_none() {
        let after = if now.is_from {
            now.name(trigger.tz)
        } else {
            "now".into()
        };
        let then = if now.preview {
            ""
        } else {
            ": the job has no next run (see 'tick next')"
        };
        out.push(format!(
            "{} never fires after {after}{then}",
            trigger.spec().describe()
        ));
    }
    if let Some(w) = fixed_zone_warning(trigger.tz) {
        out.push(w);
    }
    out
}

/// `EST`, `MST`, `HST` and `Etc/GMT+5` are fixed offsets from UTC all
/// year; a user who names one usually means a place's time.
fn fixed_zone_warning(tz: Tz) -> Option<String> {
    use chrono::{Offset, TimeZone};
    let name = tz.name();
    let offset_zone = matches!(name, "EST" | "MST" | "HST")
        || name
            .strip_prefix("Etc/GMT")
            .is_some_and(|n| n.len() > 1 && n != "+0" && n != "-0");
    if !offset_zone {
        return None;
    }
    let offset = tz
        .offset_from_utc_datetime(
            &chrono::NaiveDate::from_ymd_opt(2000, 1, 1)?.and_hms_opt(0, 0, 0)?,
        )
        .fix();
    let city = match name {
        "EST" => "America/New_York",
        "MST" => "America/Denver",
        "HST" => "Pacific/Honolulu",
        _ => "Europe/Berlin",
    };
    Some(format!(
        "zone {name} is UTC{offset} all year and never changes for daylight saving; for a place's local time name the place, like {city}"
    ))
}
