//! A trigger as stored: plain data that compiles back into the same
//! [`Trigger`], and its human form for listings.
//!
//! The JSON is the jobs file's `trigger` column and `--json`'s
//! `trigger_spec`: `{"kind":"cron","cron":{"expr":"0 3 * * *"},
//! "timezone":"UTC","jitter":0}`. The `kind` tag selects the variant; every
//! kind an older tick wrote still decodes to the same trigger (the fixture
//! `tests/fixtures/jobs-v1.db` proves it). Instants are RFC 3339 in UTC; the
//! zone is its IANA name. Compiling (`Trigger::from_spec`) validates again,
//! so a row that no longer makes sense (its zone left the tz database) is an
//! error, never a panic.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::combined::{MAX_PARTS, MIN_PARTS};
use super::cron::ApsFields;
use super::{input, Schedule, Trigger};
use crate::error::UsageError;
use crate::rfc3339::Instant;

/// A stored trigger: what it fires on, its zone, bounds and jitter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "StoredSpec")]
pub struct TriggerSpec {
    /// What it fires on; the `kind` tag in the JSON says which.
    #[serde(flatten)]
    pub schedule: ScheduleSpec,
    pub timezone: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub start: Option<DateTime<Utc>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end: Option<DateTime<Utc>>,
    #[serde(default)]
    pub jitter: u64,
}

/// What a stored trigger fires on, tagged by `kind` (read through
/// [`StoredSpec`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ScheduleSpec {
    /// A crontab expression or APScheduler fields, as the user wrote them.
    Cron { cron: CronSource },
    /// `@reboot`.
    Reboot,
    /// Every `every` seconds from `start`.
    Interval { every: u64 },
    /// Once, at `at`.
    Date { at: DateTime<Utc> },
    /// Whenever one of `parts` fires.
    Any { parts: Vec<TriggerSpec> },
    /// At the instants all of `parts` agree on.
    All { parts: Vec<TriggerSpec> },
}

/// How a [`TriggerSpec`] is read: every kind's fields side by side, so
/// that serde goes through the document once. (The derived `flatten` of
/// the tagged enum buffered every field as a value first, then read them
/// again: most of the cost of decoding a listing's triggers.) It reads
/// what the derived form read, with the same errors, except that a field
/// of another kind than the row's, ignored before, must be well-formed.
#[derive(Deserialize)]
struct StoredSpec {
    kind: Kind,
    cron: Option<CronSource>,
    every: Option<u64>,
    at: Option<Instant>,
    parts: Option<Vec<TriggerSpec>>,
    timezone: String,
    start: Option<Instant>,
    end: Option<Instant>,
    #[serde(default)]
    jitter: u64,
}

#[derive(Deserialize)]
#[serde(rename_all = "snake_case")]
enum Kind {
    Cron,
    Reboot,
    Interval,
    Date,
    Any,
    All,
}

impl TryFrom<StoredSpec> for TriggerSpec {
    type Error = String;

    fn try_from(s: StoredSpec) -> Result<TriggerSpec, String> {
        fn given<T>(v: Option<T>, field: &str) -> Result<T, String> {
            v.ok_or_else(|| format!("missing field `{field}`"))
        }
        let schedule = match s.kind {
            Kind::Cron => ScheduleSpec::Cron {
                cron: given(s.cron, "cron")?,
            },
            Kind::Reboot => ScheduleSpec::Reboot,
            Kind::Interval => ScheduleSpec::Interval {
                every: given(s.every, "every")?,
            },
            Kind::Date => ScheduleSpec::Date {
                at: given(s.at, "at")?.0,
            },
            Kind::Any => ScheduleSpec::Any {
                parts: given(s.parts, "parts")?,
            },
            Kind::All => ScheduleSpec::All {
                parts: given(s.parts, "parts")?,
            },
        };
        Ok(TriggerSpec {
            schedule,
            timezone: s.timezone,
            start: s.start.map(|t| t.0),
            end: s.end.map(|t| t.0),
            jitter: s.jitter,
        })
    }
}

/// What the user wrote for a cron trigger, kept to store and display it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CronSource {
    /// A crontab expression, whitespace normalised (`0 8 * * 1-5`).
    Expr(String),
    /// APScheduler fields as given.
    Fields(ApsFields),
}

impl CronSource {
    /// `0 8 * * 1-5`, or `--hour '5' --minute '30'`.
    pub fn text(&self) -> String {
        match self {
            CronSource::Expr(e) => e.clone(),
            CronSource::Fields(f) => f
                .given()
                .map(|(field, v)| format!("--{} '{v}'", field.name()))
                .collect::<Vec<_>>()
                .join(" "),
        }
    }
}

impl ScheduleSpec {
    /// The `kind` tag: `cron`, `reboot`, `interval`, `date`, `any` or `all`.
    pub fn kind(&self) -> &'static str {
        match self {
            ScheduleSpec::Cron { .. } => "cron",
            ScheduleSpec::Reboot => "reboot",
            ScheduleSpec::Interval { .. } => "interval",
            ScheduleSpec::Date { .. } => "date",
            ScheduleSpec::Any { .. } => "any",
            ScheduleSpec::All { .. } => "all",
        }
    }
}

impl TriggerSpec {
    /// The human form, straight from the stored data (no compiling, so
    /// listing thousands of jobs stays cheap): `cron 0 8 * * 1-5
    /// (Europe/Berlin)`, `every 15m`, `once at 2026-12-01T10:00:00+01:00`,
    /// `any(cron 0 9 * * 1-5 | cron 0 10 * * 6,0) (Europe/Berlin)`.
    pub fn describe(&self) -> String {
        self.to_string()
    }

    /// The human form inside a trigger whose zone is `outer`: a zone the
    /// same as the outer one is not repeated.
    fn write(&self, f: &mut std::fmt::Formatter<'_>, outer: Option<&str>) -> std::fmt::Result {
        let zone = |f: &mut std::fmt::Formatter<'_>| match outer {
            Some(o) if o == self.timezone => Ok(()),
            _ => write!(f, " ({})", self.timezone),
        };
        match &self.schedule {
            ScheduleSpec::Cron { cron } => {
                write!(f, "cron {}", cron.text())?;
                zone(f)
            }
            ScheduleSpec::Reboot => f.write_str("cron @reboot"),
            ScheduleSpec::Interval { every } => {
                write!(f, "every {}", input::format_duration(*every))
            }
            ScheduleSpec::Date { at } => match self.timezone.parse::<Tz>() {
                Ok(tz) => write!(
                    f,
                    "once at {}",
                    at.with_timezone(&tz)
                        .to_rfc3339_opts(chrono::SecondsFormat::Secs, false)
                ),
                Err(_) => write!(f, "once at {}", at.to_rfc3339()),
            },
            ScheduleSpec::Any { parts } | ScheduleSpec::All { parts } => {
                write!(f, "{}(", self.schedule.kind())?;
                for (i, part) in parts.iter().enumerate() {
                    if i > 0 {
                        f.write_str(" | ")?;
                    }
                    part.write(f, Some(&self.timezone))?;
                }
                f.write_str(")")?;
                zone(f)
            }
        }
    }
}

impl std::fmt::Display for TriggerSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.write(f, None)
    }
}

impl Trigger {
    /// The storable form.
    pub fn spec(&self) -> TriggerSpec {
        let schedule = match &self.schedule {
            Schedule::Cron { source, .. } => ScheduleSpec::Cron {
                cron: source.clone(),
            },
            Schedule::Reboot => ScheduleSpec::Reboot,
            Schedule::Interval { every } => ScheduleSpec::Interval { every: *every },
            Schedule::Date { at } => ScheduleSpec::Date { at: *at },
            Schedule::Any(parts) => ScheduleSpec::Any {
                parts: parts.iter().map(Trigger::spec).collect(),
            },
            Schedule::All(parts) => ScheduleSpec::All {
                parts: parts.iter().map(Trigger::spec).collect(),
            },
        };
        TriggerSpec {
            schedule,
            timezone: self.tz.name().to_string(),
            start: self.start,
            end: self.end,
            jitter: self.jitter,
        }
    }

    /// Compile a stored trigger. Fails when it no longer makes sense, say its
    /// zone left the tz database.
    pub fn from_spec(spec: &TriggerSpec) -> Result<Trigger, UsageError> {
        let tz = input::parse_tz(&spec.timezone)?;
        let trigger = match &spec.schedule {
            ScheduleSpec::Cron {
                cron: CronSource::Expr(e),
            } => Trigger::crontab(e, tz)?,
            ScheduleSpec::Cron {
                cron: CronSource::Fields(f),
            } => Trigger::aps(f, tz)?,
            ScheduleSpec::Reboot => Trigger::new(Schedule::Reboot, tz),
            ScheduleSpec::Interval { every } => {
                let start = spec
                    .start
                    .ok_or_else(|| UsageError::new("stored interval trigger has no start"))?;
                Trigger::interval(*every, start, tz)?
            }
            ScheduleSpec::Date { at } => Trigger::date(*at, tz),
            ScheduleSpec::Any { parts } => Trigger::any(compile_parts(parts)?, tz),
            ScheduleSpec::All { parts } => Trigger::all(compile_parts(parts)?, tz),
        };
        let mut trigger = trigger.with_bounds(spec.start, spec.end)?;
        trigger.jitter = spec.jitter;
        Ok(trigger)
    }
}

/// The parts of a stored combined trigger, each compiled on its own.
fn compile_parts(parts: &[TriggerSpec]) -> Result<Vec<Trigger>, UsageError> {
    if !(MIN_PARTS..=MAX_PARTS).contains(&parts.len()) {
        return Err(UsageError::new(format!(
            "stored combined trigger has {} parts (allowed {MIN_PARTS} to {MAX_PARTS})",
            parts.len()
        )));
    }
    parts.iter().map(Trigger::from_spec).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utc(s: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
    }

    #[test]
    fn specs_round_trip_through_json() {
        let ny: Tz = "America/New_York".parse().unwrap();
        let f = ApsFields {
            day: Some("last fri".into()),
            hour: Some("18".into()),
            ..Default::default()
        };
        let triggers = [
            Trigger::crontab("0 0 L * 5L", ny).unwrap(),
            Trigger::crontab("@reboot", ny).unwrap(),
            Trigger::aps(&f, ny)
                .unwrap()
                .with_bounds(None, Some(utc("2030-01-01T00:00:00Z")))
                .unwrap(),
            Trigger::interval(90, utc("2026-01-01T00:00:00Z"), Tz::UTC).unwrap(),
            Trigger::date(utc("2026-12-01T10:00:00Z"), ny),
        ];
        for t in triggers {
            let json = serde_json::to_string(&t.spec()).unwrap();
            let back: TriggerSpec = serde_json::from_str(&json).unwrap();
            assert_eq!(Trigger::from_spec(&back).unwrap(), t, "{json}");
        }
        let mut bad = Trigger::crontab("* * * * *", ny).unwrap().spec();
        bad.timezone = "Atlantis/Capital".into();
        assert!(Trigger::from_spec(&bad)
            .unwrap_err()
            .to_string()
            .contains("unknown time zone"));
    }

    /// The JSON written before the kinds became an enum (the rows of
    /// `tests/fixtures/jobs-v1.db` among them) decodes, and encodes back to
    /// the same text: `--json`'s `trigger_spec` keeps its shape.
    #[test]
    fn stored_json_keeps_its_shape() {
        for json in [
            r#"{"kind":"cron","cron":{"expr":"30 2 * * *"},"timezone":"America/New_York","jitter":0}"#,
            r#"{"kind":"interval","every":900,"timezone":"Etc/UTC","start":"2026-11-22T05:09:50Z","jitter":0}"#,
            r#"{"kind":"cron","cron":{"fields":{"year":null,"month":null,"day":"last fri","week":null,"day_of_week":null,"hour":"5","minute":"30","second":null}},"timezone":"Etc/UTC","jitter":0}"#,
            r#"{"kind":"reboot","timezone":"UTC","jitter":0}"#,
            r#"{"kind":"date","at":"2026-12-01T10:00:00Z","timezone":"Europe/Berlin","end":"2027-01-01T00:00:00Z","jitter":5}"#,
        ] {
            let spec: TriggerSpec = serde_json::from_str(json).unwrap();
            assert_eq!(serde_json::to_string(&spec).unwrap(), json);
            Trigger::from_spec(&spec).unwrap();
        }
        let e = serde_json::from_str::<TriggerSpec>(r#"{"kind":"weekly","timezone":"UTC"}"#)
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown variant `weekly`"), "{e}");
        for (json, error) in [
            (
                r#"{"kind":"cron","timezone":"UTC"}"#,
                "missing field `cron`",
            ),
            (r#"{"kind":"date","timezone":"UTC"}"#, "missing field `at`"),
            (
                r#"{"kind":"any","timezone":"UTC"}"#,
                "missing field `parts`",
            ),
            (r#"{"every":5,"timezone":"UTC"}"#, "missing field `kind`"),
            (r#"{"kind":"reboot"}"#, "missing field `timezone`"),
            (
                r#"{"kind":"date","at":"soon","timezone":"UTC"}"#,
                "invalid characters",
            ),
            (r#"{"kind":"interval","every":-1,"timezone":"UTC"}"#, "-1"),
        ] {
            let e = serde_json::from_str::<TriggerSpec>(json)
                .unwrap_err()
                .to_string();
            assert!(e.contains(error), "{json}: {e}");
        }
        // An instant with an offset (a hand-edited row) reads as chrono
        // reads it; a field unknown to every kind is ignored, as before.
        let spec: TriggerSpec = serde_json::from_str(
            r#"{"kind":"date","at":"2026-12-01T11:00:00+01:00","timezone":"UTC","note":1}"#,
        )
        .unwrap();
        assert_eq!(
            spec.schedule,
            ScheduleSpec::Date {
                at: utc("2026-12-01T10:00:00Z")
            }
        );
    }

    #[test]
    fn descriptions() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        assert_eq!(
            Trigger::crontab("0  8 * * 1-5", berlin).unwrap().describe(),
            "cron 0 8 * * 1-5 (Europe/Berlin)"
        );
        let t = Trigger::interval(15, utc("2026-01-01T00:00:00Z"), berlin).unwrap();
        assert_eq!(t.describe(), "every 15s");
        let f = ApsFields {
            hour: Some("5".into()),
            ..Default::default()
        };
        assert_eq!(
            Trigger::aps(&f, Tz::UTC).unwrap().describe(),
            "cron --hour '5' (UTC)"
        );
        let t = Trigger::date(utc("2026-12-01T10:00:00Z"), berlin);
        assert_eq!(t.describe(), "once at 2026-12-01T11:00:00+01:00");
    }

    #[test]
    fn combined_specs_nest_their_parts() {
        let berlin: Tz = "Europe/Berlin".parse().unwrap();
        let ny: Tz = "America/New_York".parse().unwrap();
        let t = Trigger::any(
            vec![
                Trigger::crontab("0 9 * * 1-5", berlin).unwrap(),
                Trigger::all(
                    vec![
                        Trigger::crontab("0 10 * * *", ny).unwrap(),
                        Trigger::interval(7200, utc("2026-01-01T00:00:00Z"), berlin).unwrap(),
                    ],
                    berlin,
                ),
            ],
            berlin,
        );
        assert_eq!(
            t.describe(),
            "any(cron 0 9 * * 1-5 | all(cron 0 10 * * * (America/New_York) | every 2h)) (Europe/Berlin)"
        );
        let json = serde_json::to_string(&t.spec()).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"kind":"any","parts":["#,
                r#"{"kind":"cron","cron":{"expr":"0 9 * * 1-5"},"timezone":"Europe/Berlin","jitter":0},"#,
                r#"{"kind":"all","parts":["#,
                r#"{"kind":"cron","cron":{"expr":"0 10 * * *"},"timezone":"America/New_York","jitter":0},"#,
                r#"{"kind":"interval","every":7200,"timezone":"Europe/Berlin","start":"2026-01-01T00:00:00Z","jitter":0}"#,
                r#"],"timezone":"Europe/Berlin","jitter":0}"#,
                r#"],"timezone":"Europe/Berlin","jitter":0}"#
            )
        );
        let back: TriggerSpec = serde_json::from_str(&json).unwrap();
        assert_eq!(Trigger::from_spec(&back).unwrap(), t);
        // A stored row with one part is refused, not compiled.
        let one = r#"{"kind":"all","parts":[{"kind":"reboot","timezone":"UTC"}],"timezone":"UTC"}"#;
        let spec: TriggerSpec = serde_json::from_str(one).unwrap();
        assert!(Trigger::from_spec(&spec)
            .unwrap_err()
            .to_string()
            .contains("has 1 parts (allowed 2 to 16)"));
    }
}
