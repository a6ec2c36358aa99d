//! APScheduler 3's CronTrigger fields (`--hour 5 --day 'last fri'`),
//! compiled into a [`CronSchedule`] with its semantics: every field must
//! match (no OR rule), day-of-week 0 is Monday, `--week` is the ISO week,
//! steps longer than their range are refused, and unspecified fields less
//! significant than the least significant given one take their minimum.
//!
//! The field names come from one enum, [`ApsField`]; the range lists are read
//! by the grammar both syntaxes share (`expr.rs`).

use super::expr::{self, Grammar, ItemError, Span, MONTH_NAMES};
use super::{all_bits, CronSchedule, DayRule, DaySpec, MAX_YEAR, MIN_YEAR};
use crate::error::UsageError;

const DOW_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// One APScheduler cron field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApsField {
    Year,
    Month,
    Day,
    Week,
    DayOfWeek,
    Hour,
    Minute,
    Second,
}

impl ApsField {
    /// APScheduler's order, most significant first: its defaulting rule
    /// follows it.
    pub const ALL: [ApsField; 8] = [
        ApsField::Year,
        ApsField::Month,
        ApsField::Day,
        ApsField::Week,
        ApsField::DayOfWeek,
        ApsField::Hour,
        ApsField::Minute,
        ApsField::Second,
    ];

    /// The flag's name without its dashes: `day-of-week`.
    pub fn name(self) -> &'static str {
        match self {
            ApsField::Year => "year",
            ApsField::Month => "month",
            ApsField::Day => "day",
            ApsField::Week => "week",
            ApsField::DayOfWeek => "day-of-week",
            ApsField::Hour => "hour",
            ApsField::Minute => "minute",
            ApsField::Second => "second",
        }
    }

    /// What an unspecified field less significant than the least
    /// significant given one takes: its minimum (`*` where it has none).
    fn minimum(self) -> &'static str {
        match self {
            ApsField::Month | ApsField::Day => "1",
            ApsField::Hour | ApsField::Minute | ApsField::Second => "0",
            ApsField::Year | ApsField::Week | ApsField::DayOfWeek => "*",
        }
    }

    /// What a user may write in this field, for error messages.
    fn allowed(self) -> String {
        let (lo, hi) = self.bounds();
        match self {
            ApsField::Month => format!("{lo}-{hi} or jan-dec, with *, a-b, */n, a-b/n and lists"),
            ApsField::Day => format!(
                "{lo}-{hi}, last, or 1st-5th/last + weekday like '2nd mon', with *, a-b, */n and lists"
            ),
            ApsField::DayOfWeek => {
                format!("{lo}-{hi} (0 = Monday) or mon-sun, with *, a-b, */n and lists")
            }
            _ => format!("{lo}-{hi}, with *, a-b, */n, a-b/n and lists"),
        }
    }
}

impl Grammar for ApsField {
    type Error = String;

    fn bounds(&self) -> (u32, u32) {
        match self {
            ApsField::Year => (MIN_YEAR as u32, MAX_YEAR as u32),
            ApsField::Month => (1, 12),
            ApsField::Day => (1, 31),
            ApsField::Week => (1, 53),
            ApsField::DayOfWeek => (0, 6),
            ApsField::Hour => (0, 23),
            ApsField::Minute | ApsField::Second => (0, 59),
        }
    }

    fn value(&self, t: &str) -> Result<u32, String> {
        let names: &[&str] = match self {
            ApsField::Month => &MONTH_NAMES,
            ApsField::DayOfWeek => &DOW_NAMES,
            _ => &[],
        };
        if let Some(i) = names.iter().position(|n| *n == t) {
            return Ok(i as u32 + u32::from(*self == ApsField::Month));
        }
        let (lo, hi) = self.bounds();
        if *self == ApsField::Year {
            return match t.parse::<i32>() {
                Ok(v) if (lo as i32..=hi as i32).contains(&v) => Ok(v as u32),
                _ => Err(format!(
                    "year '{t}' is not allowed (allowed {})",
                    self.allowed()
                )),
            };
        }
        match t.parse::<u32>() {
            Ok(v) if (lo..=hi).contains(&v) && t.bytes().all(|b| b.is_ascii_digit()) => Ok(v),
            Ok(_) => Err(format!(
                "value {t} is out of range (allowed {})",
                self.allowed()
            )),
            Err(_) => Err(format!("unknown value '{t}' (allowed {})", self.allowed())),
        }
    }

    /// APScheduler 3 refuses a step larger than the range it steps over.
    fn refuses_long_steps(&self) -> bool {
        true
    }
}

/// APScheduler 3 CronTrigger fields as given on the command line. `None` =
/// not given. Stored as is in the jobs file (`trigger_spec.cron.fields`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct ApsFields {
    pub year: Option<String>,
    pub month: Option<String>,
    pub day: Option<String>,
    pub week: Option<String>,
    pub day_of_week: Option<String>,
    pub hour: Option<String>,
    pub minute: Option<String>,
    pub second: Option<String>,
}

impl ApsFields {
    /// The text given for a field.
    pub fn get(&self, field: ApsField) -> Option<&str> {
        match field {
            ApsField::Year => self.year.as_deref(),
            ApsField::Month => self.month.as_deref(),
            ApsField::Day => self.day.as_deref(),
            ApsField::Week => self.week.as_deref(),
            ApsField::DayOfWeek => self.day_of_week.as_deref(),
            ApsField::Hour => self.hour.as_deref(),
            ApsField::Minute => self.minute.as_deref(),
            ApsField::Second => self.second.as_deref(),
        }
    }

    pub fn is_empty(&self) -> bool {
        self.given().next().is_none()
    }

    /// The fields that were given, most significant first.
    pub fn given(&self) -> impl Iterator<Item = (ApsField, &str)> {
        ApsField::ALL
            .into_iter()
            .filter_map(|f| self.get(f).map(|v| (f, v)))
    }

    /// The fields after APScheduler's defaulting rule: fields less significant
    /// than the least significant given one take their minimum, the rest `*`.
    fn resolved(&self) -> [&str; 8] {
        let last_given = ApsField::ALL
            .iter()
            .rposition(|f| self.get(*f).is_some())
            .unwrap_or(0);
        let mut out = ["*"; 8];
        for (i, f) in ApsField::ALL.into_iter().enumerate() {
            out[i] = match self.get(f) {
                Some(v) => v,
                None if i > last_given => f.minimum(),
                None => "*",
            };
        }
        out
    }
}

/// One field read: its ranges, its day rules (`--day` only), and whether its
/// text starts with `*`.
struct Parsed {
    spans: Vec<Span>,
    rules: Vec<DayRule>,
    any: bool,
}

impl Parsed {
    fn bits(&self) -> u64 {
        self.spans.iter().fold(0, |m, s| m | s.bits())
    }
}

/// Compile APScheduler cron fields (all ANDed, day-of-week 0 = Monday).
pub fn parse_aps(fields: &ApsFields) -> Result<CronSchedule, UsageError> {
    let resolved = fields.resolved();
    let get = |f: ApsField| -> Result<Parsed, UsageError> {
        let text = resolved[f as usize];
        parse_field(f, text)
            .map_err(|msg| UsageError::new(format!("invalid --{} '{text}': {msg}", f.name())))
    };
    let years = get(ApsField::Year)?;
    let months = get(ApsField::Month)?.bits();
    let dom = get(ApsField::Day)?;
    let weeks = get(ApsField::Week)?;
    let dow = get(ApsField::DayOfWeek)?;
    let hours = get(ApsField::Hour)?;
    let minutes = get(ApsField::Minute)?;
    let seconds = get(ApsField::Second)?.bits();
    // APScheduler numbers Monday 0; the engine's 0 is Sunday.
    let dow_bits = dow.bits();
    let dow_bits = ((dow_bits << 1 | dow_bits >> 6) & 0x7f) as u8;
    let dom_bits = dom.bits();
    let week_bits = weeks.bits();
    Ok(CronSchedule {
        seconds,
        minutes: minutes.bits(),
        hours: hours.bits() as u32,
        months: months as u16,
        fixed_time: !minutes.any && !hours.any,
        days: DaySpec {
            dom: dom_bits as u32,
            dom_any: dom.any && dom_bits == all_bits(1, 31),
            dom_rules: dom.rules,
            dow: dow_bits,
            dow_rules: Vec::new(),
            dow_any: dow.any && dow_bits == 0x7f,
            either: false,
            weeks: (!(weeks.any && week_bits == all_bits(1, 53))).then_some(week_bits),
        },
        years: year_bits(&years.spans),
    })
}

/// The year field as a bitset over [`MIN_YEAR`]..=[`MAX_YEAR`]; `None` when
/// it allows every year.
fn year_bits(spans: &[Span]) -> Option<Vec<u64>> {
    let (lo, hi) = ApsField::Year.bounds();
    if spans.iter().all(|s| s.is_all(lo, hi)) {
        return None;
    }
    let mut bits = vec![0u64; ((hi - lo) as usize + 1).div_ceil(64)];
    for year in spans.iter().flat_map(|s| s.values()) {
        let i = (year - lo) as usize;
        bits[i / 64] |= 1 << (i % 64);
    }
    Some(bits)
}

fn parse_field(field: ApsField, text: &str) -> Result<Parsed, String> {
    let mut out = Parsed {
        spans: Vec::new(),
        rules: Vec::new(),
        any: text.trim_start().starts_with('*'),
    };
    for raw in text.split(',') {
        let item = raw.trim().to_ascii_lowercase();
        if item.is_empty() {
            return Err(format!("empty item (allowed {})", field.allowed()));
        }
        if field == ApsField::Day {
            if let Some(rule) = day_rule(&item)? {
                out.rules.push(rule);
                continue;
            }
        }
        let span = expr::item(&item, &field).map_err(|e| match e {
            ItemError::Reversed { .. } => format!(
                "reversed range {} (a range goes from low to high; allowed {})",
                item.split('/').next().unwrap_or(&item),
                field.allowed()
            ),
            other => other.to_string(),
        })?;
        out.spans.push(span);
    }
    Ok(out)
}

/// `last`, `last fri`, `2nd mon`: the day rules of `--day`. `None` when
/// `item` is not one.
fn day_rule(item: &str) -> Result<Option<DayRule>, String> {
    if item == "last" {
        return Ok(Some(DayRule::Last));
    }
    let Some((pos, wd)) = item.split_once(' ') else {
        return Ok(None);
    };
    let weekday = DOW_NAMES
        .iter()
        .position(|n| *n == wd.trim())
        .ok_or_else(|| format!("unknown weekday '{}' (allowed mon-sun)", wd.trim()))?;
    // The engine's weekdays start on Sunday.
    let weekday = ((weekday + 1) % 7) as u8;
    let nth = match pos {
        "1st" => 1,
        "2nd" => 2,
        "3rd" => 3,
        "4th" => 4,
        "5th" => 5,
        "last" => return Ok(Some(DayRule::LastOf(weekday))),
        other => {
            return Err(format!(
                "unknown position '{other}' (allowed 1st, 2nd, 3rd, 4th, 5th or last)"
            ))
        }
    };
    Ok(Some(DayRule::Nth { weekday, nth }))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trigger::cron::parse_crontab;
    use crate::trigger::cron::tests::wall;

    fn aps(f: impl FnOnce(&mut ApsFields)) -> CronSchedule {
        let mut fields = ApsFields::default();
        f(&mut fields);
        parse_aps(&fields).unwrap()
    }

    #[test]
    fn aps_defaulting_rule() {
        // --hour 5: 05:00:00 daily.
        let s = aps(|f| f.hour = Some("5".into()));
        assert_eq!(s, parse_crontab("0 0 5 * * *").unwrap());
        // --hour 5 --second 30: 05:00:30, 05:01:30, ...
        let s = aps(|f| {
            f.hour = Some("5".into());
            f.second = Some("30".into());
        });
        assert_eq!(s, parse_crontab("30 * 5 * * *").unwrap());
        // --month 6: June 1st at midnight.
        let s = aps(|f| f.month = Some("6".into()));
        assert_eq!(s, parse_crontab("0 0 0 1 6 *").unwrap());
    }

    #[test]
    fn aps_day_of_week_is_monday_zero_and_ands() {
        let s = aps(|f| {
            f.day_of_week = Some("0".into());
            f.hour = Some("9".into());
        });
        // 2026-11-23 is a Monday.
        assert_eq!(
            s.next_match(wall("2026-11-22 00:00:00")).unwrap(),
            wall("2026-11-23 09:00:00")
        );
        let s = aps(|f| {
            f.day = Some("13".into());
            f.day_of_week = Some("fri".into());
        });
        // Friday the 13th only (AND): Nov 13 2026 is a Friday; next is Aug 2027.
        assert_eq!(
            s.next_match(wall("2026-11-01 00:00:00")).unwrap(),
            wall("2026-11-13 00:00:00")
        );
        assert_eq!(
            s.next_match(wall("2026-11-14 00:00:00")).unwrap(),
            wall("2027-08-13 00:00:00")
        );
        let s = aps(|f| f.day_of_week = Some("sat-sun".into()));
        assert_eq!(
            s.next_match(wall("2026-11-23 00:00:00")).unwrap(),
            wall("2026-11-28 00:00:00")
        );
    }

    #[test]
    fn aps_day_expressions() {
        let s = aps(|f| f.day = Some("last fri".into()));
        assert_eq!(
            s.next_match(wall("2026-11-01 00:00:00")).unwrap(),
            wall("2026-11-27 00:00:00")
        );
        let s = aps(|f| f.day = Some("2nd mon".into()));
        assert_eq!(
            s.next_match(wall("2026-11-01 00:00:00")).unwrap(),
            wall("2026-11-09 00:00:00")
        );
        let s = aps(|f| f.day = Some("last".into()));
        assert_eq!(
            s.next_match(wall("2026-02-01 00:00:00")).unwrap(),
            wall("2026-02-28 00:00:00")
        );
        let s = aps(|f| f.day = Some("1,last".into()));
        assert_eq!(
            s.next_match(wall("2026-02-02 00:00:00")).unwrap(),
            wall("2026-02-28 00:00:00")
        );
    }

    #[test]
    fn aps_iso_week_and_year() {
        // ISO week 1 of 2027 starts Monday 2027-01-04.
        let s = aps(|f| f.week = Some("1".into()));
        assert_eq!(
            s.next_match(wall("2026-12-01 00:00:00")).unwrap(),
            wall("2027-01-04 00:00:00")
        );
        let s = aps(|f| {
            f.year = Some("2030".into());
            f.month = Some("feb".into());
            f.day = Some("30".into());
        });
        assert_eq!(s.next_match(wall("2026-01-01 00:00:00")), None);
        let s = aps(|f| f.year = Some("2028-2030/2".into()));
        assert_eq!(
            s.next_match(wall("2026-01-01 00:00:00")).unwrap(),
            wall("2028-01-01 00:00:00")
        );
        assert_eq!(
            s.next_match(wall("2028-01-01 00:00:01")).unwrap(),
            wall("2030-01-01 00:00:00")
        );
    }

    #[test]
    fn aps_errors() {
        let e = |f: ApsFields| parse_aps(&f).unwrap_err().to_string();
        assert_eq!(
            e(ApsFields { day_of_week: Some("sunday".into()), ..Default::default() }),
            "invalid --day-of-week 'sunday': unknown value 'sunday' (allowed 0-6 (0 = Monday) or mon-sun, with *, a-b, */n and lists)"
        );
        assert!(e(ApsFields {
            hour: Some("24".into()),
            ..Default::default()
        })
        .contains("value 24 is out of range"));
        assert!(e(ApsFields {
            day: Some("9th mon".into()),
            ..Default::default()
        })
        .contains("unknown position '9th'"));
        assert!(e(ApsFields {
            hour: Some("5-2".into()),
            ..Default::default()
        })
        .contains("reversed range 5-2"));
        assert!(e(ApsFields {
            year: Some("1900".into()),
            ..Default::default()
        })
        .contains("year '1900' is not allowed"));
    }

    #[test]
    fn aps_fixed_time_classification() {
        assert!(aps(|f| f.hour = Some("2".into())).is_fixed_time());
        assert!(aps(|f| {
            f.hour = Some("2".into());
            f.minute = Some("30".into())
        })
        .is_fixed_time());
        assert!(!aps(|f| f.minute = Some("*/5".into())).is_fixed_time());
        assert!(!aps(|f| f.second = Some("30".into())).is_fixed_time());
    }

    #[test]
    fn aps_steps_longer_than_their_range_are_refused() {
        let e = |f: ApsFields| parse_aps(&f).unwrap_err().to_string();
        assert_eq!(
            e(ApsFields { minute: Some("*/60".into()), ..Default::default() }),
            "invalid --minute '*/60': step 60 is larger than the range 0-59 it steps over (at most 59)"
        );
        assert_eq!(
            e(ApsFields {
                day: Some("4-6/3".into()),
                ..Default::default()
            }),
            "invalid --day '4-6/3': step 3 is larger than the range 4-6 it steps over (at most 2)"
        );
        assert!(e(ApsFields {
            minute: Some("10-50/45".into()),
            ..Default::default()
        })
        .contains("step 45 is larger than the range 10-50"));
        assert!(e(ApsFields {
            day: Some("*/31".into()),
            ..Default::default()
        })
        .contains("step 31 is larger than the range 1-31"));
        assert!(e(ApsFields {
            hour: Some("5-5/1".into()),
            ..Default::default()
        })
        .contains("step 1 on the single value 5"));
        // The longest steps that fit are fine.
        aps(|f| f.minute = Some("*/59".into()));
        aps(|f| f.day = Some("*/30".into()));
        aps(|f| f.day = Some("4-6/2".into()));
        aps(|f| f.day_of_week = Some("*/6".into()));
    }
}
