//! Cron schedules: crontab strings and APScheduler's cron fields, both compiled
//! into one [`CronSchedule`] (a bitset per field plus the day rules).
//!
//! This module knows only wall-clock time (`NaiveDateTime`): it answers "what is
//! the first local time at or after this one that matches?". Mapping wall times
//! to instants, with the daylight-saving rules of SPEC §2, lives in
//! `trigger/zone.rs` and `trigger/mod.rs`. No I/O, no clock reads.

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

use crate::error::UsageError;

/// The latest year a schedule may fire in (RFC 3339 needs four digits).
pub const MAX_YEAR: i32 = 9999;
/// The earliest year APScheduler's `--year` accepts.
const MIN_YEAR: i32 = 1970;

/// A compiled cron schedule. Matching is exact to the second.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronSchedule {
    seconds: u64,
    minutes: u64,
    hours: u32,
    /// Bits 1..=12.
    months: u16,
    days: DaySpec,
    /// `None` means every year.
    years: Option<Vec<u64>>,
    /// Minute and hour fields both restricted (neither starts with `*`): the
    /// fixed-time daylight-saving rule of SPEC §2 applies.
    fixed_time: bool,
}

/// Which days of a month match: day-of-month and day-of-week parts, and how
/// they combine.
#[derive(Debug, Clone, PartialEq, Eq)]
struct DaySpec {
    /// Bits 1..=31.
    dom: u32,
    dom_rules: Vec<DayRule>,
    /// The day-of-month field starts with `*` or `?` (or was not given).
    dom_any: bool,
    /// Bits 0..=6, 0 = Sunday.
    dow: u8,
    dow_rules: Vec<DayRule>,
    dow_any: bool,
    /// Vixie rule: both fields restricted, so a day matching either matches.
    either: bool,
    /// ISO week numbers (bits 1..=53); APScheduler's `week`.
    weeks: Option<u64>,
}

/// Day rules that depend on the month's length or weekdays.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DayRule {
    /// `L`: the last day of the month.
    Last,
    /// `LW`: the last weekday (Mon–Fri) of the month.
    LastWeekday,
    /// `nW`: the weekday nearest day n, within the month.
    NearestWeekday(u8),
    /// `n#k` / APScheduler `2nd mon`: the k-th weekday `weekday` (0 = Sunday).
    Nth { weekday: u8, nth: u8 },
    /// `nL` / APScheduler `last fri`: the last weekday `weekday` of the month.
    LastOf(u8),
}

impl CronSchedule {
    /// True when the fixed-time daylight-saving rule applies (SPEC §2).
    pub fn is_fixed_time(&self) -> bool {
        self.fixed_time
    }

    /// Whether a wall-clock time matches every field.
    pub fn matches(&self, t: NaiveDateTime) -> bool {
        bit(self.seconds, t.second())
            && bit(self.minutes, t.minute())
            && bit(self.hours as u64, t.hour())
            && bit(self.months as u64, t.month())
            && self.year_ok(t.year())
            && bit(self.days.mask(t.year(), t.month()) as u64, t.day())
    }

    /// The first wall-clock time at or after `from` (whole seconds) that
    /// matches, or `None` when there is none up to [`MAX_YEAR`].
    ///
    /// Terminates quickly on schedules that can never fire: the Gregorian
    /// calendar repeats every 400 years, so a search that has seen every
    /// year of one cycle without a match stops.
    pub fn next_match(&self, from: NaiveDateTime) -> Option<NaiveDateTime> {
        let (mut y, mut mo, mut d) = (from.year(), from.month(), from.day());
        let (mut h, mut mi, mut s) = (from.hour(), from.minute(), from.second());
        // Calendar classes (year mod 400) fully searched without a match.
        let mut seen = [0u64; 7];
        let mut seen_count = 0u32;
        let mut cached: Option<(i32, u32, u32)> = None;
        loop {
            if y > MAX_YEAR || seen_count >= 400 {
                return None;
            }
            if !self.year_ok(y) {
                y = self.next_year(y)?;
                (mo, d, h, mi, s) = (1, 1, 0, 0, 0);
                continue;
            }
            match next_bit(self.months as u64, mo, 12) {
                Some(m) if m == mo => {}
                Some(m) => (mo, d, h, mi, s) = (m, 1, 0, 0, 0),
                None => {
                    // Year exhausted. Remember it if it was searched whole.
                    if from.year() != y {
                        let class = y.rem_euclid(400) as usize;
                        if seen[class / 64] & (1 << (class % 64)) == 0 {
                            seen[class / 64] |= 1 << (class % 64);
                            seen_count += 1;
                        }
                    }
                    (y, mo, d, h, mi, s) = (y + 1, 1, 1, 0, 0, 0);
                    continue;
                }
            }
            let mask = match cached {
                Some((cy, cm, mask)) if cy == y && cm == mo => mask,
                _ => {
                    let mask = self.days.mask(y, mo);
                    cached = Some((y, mo, mask));
                    mask
                }
            };
            match next_bit(mask as u64, d, 31) {
                Some(x) if x == d => {}
                Some(x) => (d, h, mi, s) = (x, 0, 0, 0),
                None => {
                    // Month 13 falls through to the year search above.
                    (mo, d, h, mi, s) = (mo + 1, 1, 0, 0, 0);
                    continue;
                }
            }
            match next_bit(self.hours as u64, h, 23) {
                Some(x) if x == h => {}
                Some(x) => (h, mi, s) = (x, 0, 0),
                None => {
                    (d, h, mi, s) = (d + 1, 0, 0, 0);
                    continue;
                }
            }
            match next_bit(self.minutes, mi, 59) {
                Some(x) if x == mi => {}
                Some(x) => (mi, s) = (x, 0),
                None => {
                    (h, mi, s) = (h + 1, 0, 0);
                    continue;
                }
            }
            match next_bit(self.seconds, s, 59) {
                Some(x) => s = x,
                None => {
                    (mi, s) = (mi + 1, 0);
                    continue;
                }
            }
            let date = NaiveDate::from_ymd_opt(y, mo, d)?;
            return date.and_hms_opt(h, mi, s);
        }
    }

    fn year_ok(&self, y: i32) -> bool {
        match &self.years {
            None => true,
            Some(bits) => {
                let i = y - MIN_YEAR;
                (0..=MAX_YEAR - MIN_YEAR).contains(&i)
                    && bits[i as usize / 64] & (1 << (i as usize % 64)) != 0
            }
        }
    }

    /// The first allowed year at or after `y` (only called with a year set).
    fn next_year(&self, y: i32) -> Option<i32> {
        let bits = self.years.as_ref()?;
        let start = (y.max(MIN_YEAR) - MIN_YEAR) as usize;
        (start..=(MAX_YEAR - MIN_YEAR) as usize)
            .find(|i| bits[i / 64] & (1 << (i % 64)) != 0)
            .map(|i| i as i32 + MIN_YEAR)
    }
}

impl DaySpec {
    /// The days of `year`-`month` that match, as bits 1..=31.
    fn mask(&self, year: i32, month: u32) -> u32 {
        let dim = days_in_month(year, month);
        let all: u32 = ((1u64 << (dim + 1)) - 2) as u32;
        let first = weekday_of(year, month, 1);
        let dom = if self.dom_any {
            all
        } else {
            (self.dom & all) | rules_mask(&self.dom_rules, dim, first)
        };
        let dow = if self.dow_any {
            all
        } else {
            (weekday_mask(self.dow, first) & all) | rules_mask(&self.dow_rules, dim, first)
        };
        let mut m = if self.either { dom | dow } else { dom & dow };
        if let Some(weeks) = self.weeks {
            for day in 1..=dim {
                if m & (1 << day) != 0 {
                    let iso = NaiveDate::from_ymd_opt(year, month, day)
                        .map(|d| d.iso_week().week())
                        .unwrap_or(0);
                    if weeks & (1 << iso) == 0 {
                        m &= !(1 << day);
                    }
                }
            }
        }
        m
    }
}

fn rules_mask(rules: &[DayRule], dim: u32, first: u32) -> u32 {
    let wd = |day: u32| (first + day - 1) % 7;
    let mut m = 0u32;
    for rule in rules {
        let day = match *rule {
            DayRule::Last => Some(dim),
            DayRule::LastWeekday => Some(match wd(dim) {
                6 => dim - 1,
                0 => dim - 2,
                _ => dim,
            }),
            DayRule::NearestWeekday(n) => {
                let n = n as u32;
                if n > dim {
                    None
                } else {
                    Some(match wd(n) {
                        6 if n == 1 => 3,
                        6 => n - 1,
                        0 if n == dim => n - 2,
                        0 => n + 1,
                        _ => n,
                    })
                }
            }
            DayRule::Nth { weekday, nth } => {
                let day = 1 + (weekday as u32 + 7 - first) % 7 + 7 * (nth as u32 - 1);
                (day <= dim).then_some(day)
            }
            DayRule::LastOf(weekday) => Some(dim - (wd(dim) + 7 - weekday as u32) % 7),
        };
        if let Some(day) = day {
            m |= 1 << day;
        }
    }
    m
}

/// Days 1..=31 of a month starting on weekday `first` whose weekday is in `dow`.
fn weekday_mask(dow: u8, first: u32) -> u32 {
    let mut m = 0u32;
    for w in 0..7u32 {
        if dow & (1 << w) != 0 {
            let mut day = 1 + (w + 7 - first) % 7;
            while day <= 31 {
                m |= 1 << day;
                day += 7;
            }
        }
    }
    m
}

fn bit(bits: u64, i: u32) -> bool {
    bits & (1 << i) != 0
}

/// The first set bit at index >= `from` and <= `max`.
fn next_bit(bits: u64, from: u32, max: u32) -> Option<u32> {
    if from > max {
        return None;
    }
    let rest = bits >> from;
    if rest == 0 {
        return None;
    }
    let i = from + rest.trailing_zeros();
    (i <= max).then_some(i)
}

pub(crate) fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

pub(crate) fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if is_leap(y) => 29,
        _ => 28,
    }
}

/// Weekday of a date, 0 = Sunday (Sakamoto's method; no allocation, no Option).
fn weekday_of(y: i32, m: u32, d: u32) -> u32 {
    const T: [i32; 12] = [0, 3, 2, 5, 0, 3, 5, 1, 4, 6, 2, 4];
    let y = if m < 3 { y - 1 } else { y };
    (y + y.div_euclid(4) - y.div_euclid(100) + y.div_euclid(400) + T[m as usize - 1] + d as i32)
        .rem_euclid(7) as u32
}

// ---------------------------------------------------------------------------
// Parsing: crontab strings
// ---------------------------------------------------------------------------

const MONTH_NAMES: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
const DOW_NAMES: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];
const APS_DOW_NAMES: [&str; 7] = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"];

/// Which crontab field is being parsed: its name, range and extras.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Field {
    Second,
    Minute,
    Hour,
    Dom,
    Month,
    Dow,
}

impl Field {
    fn name(self) -> &'static str {
        match self {
            Field::Second => "second",
            Field::Minute => "minute",
            Field::Hour => "hour",
            Field::Dom => "day-of-month",
            Field::Month => "month",
            Field::Dow => "day-of-week",
        }
    }
    fn range(self) -> (u32, u32) {
        match self {
            Field::Second | Field::Minute => (0, 59),
            Field::Hour => (0, 23),
            Field::Dom => (1, 31),
            Field::Month => (1, 12),
            Field::Dow => (0, 7),
        }
    }
    fn names(self) -> Option<&'static [&'static str]> {
        match self {
            Field::Month => Some(&MONTH_NAMES),
            Field::Dow => Some(&DOW_NAMES),
            _ => None,
        }
    }
    /// What a user may write in this field, for error messages.
    fn allowed(self) -> String {
        let (lo, hi) = self.range();
        match self {
            Field::Dom => format!("{lo}-{hi}, L, LW or nW"),
            Field::Month => format!("{lo}-{hi} or jan-dec"),
            Field::Dow => format!("{lo}-{hi} (0 and 7 are Sunday), sun-sat, nL or n#k"),
            _ => format!("{lo}-{hi}"),
        }
    }
}

/// One parsed field: plain value bits, day rules, and whether it starts with a star.
struct ParsedField {
    bits: u64,
    rules: Vec<DayRule>,
    any: bool,
}

/// Expand a crontab macro (`@daily`...) to its 5-field form.
fn expand_macro(expr: &str) -> Option<&'static str> {
    Some(match expr.to_ascii_lowercase().as_str() {
        "@yearly" | "@annually" => "0 0 1 1 *",
        "@monthly" => "0 0 1 * *",
        "@weekly" => "0 0 * * 0",
        "@daily" | "@midnight" => "0 0 * * *",
        "@hourly" => "0 * * * *",
        _ => return None,
    })
}

/// Parse a crontab expression (5 or 6 fields, or a macro other than `@reboot`).
pub fn parse_crontab(expr: &str) -> Result<CronSchedule, UsageError> {
    let err = |msg: String| UsageError::new(format!("invalid cron expression '{expr}': {msg}"));
    let trimmed = expr.trim();
    let text = if trimmed.starts_with('@') {
        expand_macro(trimmed).ok_or_else(|| {
            err("unknown macro (use @yearly, @annually, @monthly, @weekly, @daily, @midnight, @hourly or @reboot)".into())
        })?
    } else {
        trimmed
    };
    let parts: Vec<&str> = text.split_whitespace().collect();
    let (sec, rest) = match parts.len() {
        5 => ("0", &parts[..]),
        6 => (parts[0], &parts[1..]),
        n => {
            return Err(err(format!(
                "expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first), got {n}"
            )))
        }
    };
    let seconds = parse_field(sec, Field::Second).map_err(&err)?;
    let minutes = parse_field(rest[0], Field::Minute).map_err(&err)?;
    let hours = parse_field(rest[1], Field::Hour).map_err(&err)?;
    let dom = parse_field(rest[2], Field::Dom).map_err(&err)?;
    let months = parse_field(rest[3], Field::Month).map_err(&err)?;
    let dow = parse_field(rest[4], Field::Dow).map_err(&err)?;
    // Day-of-week 7 is Sunday, like 0.
    let dow_bits = ((dow.bits & 0x7f) | (dow.bits >> 7 & 1)) as u8;
    Ok(CronSchedule {
        seconds: seconds.bits,
        minutes: minutes.bits,
        hours: hours.bits as u32,
        months: months.bits as u16,
        fixed_time: !minutes.any && !hours.any,
        days: DaySpec {
            either: !dom.any && !dow.any,
            dom_any: dom.bits == all_bits(1, 31) && dom.rules.is_empty(),
            dom: dom.bits as u32,
            dom_rules: dom.rules,
            dow_any: dow_bits == 0x7f && dow.rules.is_empty(),
            dow: dow_bits,
            dow_rules: dow.rules,
            weeks: None,
        },
        years: None,
    })
}

fn parse_field(text: &str, field: Field) -> Result<ParsedField, String> {
    let any = text.starts_with('*')
        || (matches!(field, Field::Dom | Field::Dow) && text.starts_with('?'));
    let mut out = ParsedField {
        bits: 0,
        rules: Vec::new(),
        any,
    };
    for item in text.split(',') {
        parse_item(item, field, &mut out)?;
    }
    // `*` alone (or `?`) leaves the field unrestricted; a starred step such as
    // `*/2` still restricts values but counts as "starts with *" for the
    // day rule, like Debian cron.
    Ok(out)
}

fn parse_item(item: &str, field: Field, out: &mut ParsedField) -> Result<(), String> {
    let name = field.name();
    let (lo, hi) = field.range();
    if item.is_empty() {
        return Err(format!(
            "empty item in {name} field (allowed: {})",
            field.allowed()
        ));
    }
    let lower = item.to_ascii_lowercase();
    // Day rules first: they do not take steps.
    if field == Field::Dom {
        if lower == "l" {
            out.rules.push(DayRule::Last);
            return Ok(());
        }
        if lower == "lw" {
            out.rules.push(DayRule::LastWeekday);
            return Ok(());
        }
        if let Some(n) = lower.strip_suffix('w') {
            let n = value(n, field)?;
            out.rules.push(DayRule::NearestWeekday(n as u8));
            return Ok(());
        }
    }
    if field == Field::Dow {
        if let Some((n, k)) = lower.split_once('#') {
            let weekday = value(n, field)? % 7;
            let nth: u32 = k
                .parse()
                .ok()
                .filter(|k| (1..=5).contains(k))
                .ok_or_else(|| {
                    format!("bad occurrence '#{k}' in {name} '{item}' (allowed #1 to #5)")
                })?;
            out.rules.push(DayRule::Nth {
                weekday: weekday as u8,
                nth: nth as u8,
            });
            return Ok(());
        }
        if let Some(n) = lower.strip_suffix('l') {
            if n.is_empty() {
                return Err(format!(
                    "'L' alone is not allowed in {name}; write nL for the last weekday n of the month (5L = last Friday)"
                ));
            }
            let weekday = value(n, field)? % 7;
            out.rules.push(DayRule::LastOf(weekday as u8));
            return Ok(());
        }
    }
    let (base, step) = match lower.split_once('/') {
        Some((b, s)) => {
            let step: u32 = s.parse().ok().filter(|s| *s >= 1).ok_or_else(|| {
                format!(
                    "bad step '/{s}' in {name} '{item}' (a step is a whole number of at least 1)"
                )
            })?;
            (b, Some(step))
        }
        None => (lower.as_str(), None),
    };
    let (start, end) = if base == "*" || (base == "?" && matches!(field, Field::Dom | Field::Dow)) {
        (lo, hi)
    } else if let Some((a, b)) = base.split_once('-') {
        let (a, b) = (value(a, field)?, value(b, field)?);
        if a > b {
            return Err(format!(
                "reversed range {item} in {name} (a range goes from low to high, e.g. {b}-{a}; allowed {})",
                field.allowed()
            ));
        }
        (a, b)
    } else {
        let a = value(base, field)?;
        (a, if step.is_some() { hi } else { a })
    };
    let step = step.unwrap_or(1);
    let mut v = start;
    while v <= end {
        out.bits |= 1 << v;
        v += step;
    }
    Ok(())
}

/// One value of a field: a number in range or (month, day-of-week) a 3-letter name.
fn value(text: &str, field: Field) -> Result<u32, String> {
    let name = field.name();
    let (lo, hi) = field.range();
    if let Some(names) = field.names() {
        if let Some(i) = names.iter().position(|n| *n == text) {
            return Ok(if field == Field::Month {
                i as u32 + 1
            } else {
                i as u32
            });
        }
    }
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return match text.parse::<u32>() {
            Ok(v) if (lo..=hi).contains(&v) => Ok(v),
            _ => Err(format!(
                "{name} value {text} is out of range (allowed {})",
                field.allowed()
            )),
        };
    }
    Err(format!(
        "unknown {name} '{text}' (allowed {})",
        field.allowed()
    ))
}

// ---------------------------------------------------------------------------
// Parsing: APScheduler fields
// ---------------------------------------------------------------------------

/// APScheduler 3 CronTrigger fields as given on the command line. `None` =
/// not given.
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
    pub fn is_empty(&self) -> bool {
        self.fields().iter().all(|(_, v)| v.is_none())
    }

    /// The fields that were given, as (flag name, value).
    pub fn given(&self) -> Vec<(&'static str, &str)> {
        self.fields()
            .into_iter()
            .filter_map(|(name, v)| v.map(|v| (name, v)))
            .collect()
    }

    /// (flag name, value) in APScheduler's order, most significant first.
    fn fields(&self) -> [(&'static str, Option<&str>); 8] {
        [
            ("year", self.year.as_deref()),
            ("month", self.month.as_deref()),
            ("day", self.day.as_deref()),
            ("week", self.week.as_deref()),
            ("day-of-week", self.day_of_week.as_deref()),
            ("hour", self.hour.as_deref()),
            ("minute", self.minute.as_deref()),
            ("second", self.second.as_deref()),
        ]
    }

    /// The fields after APScheduler's defaulting rule: fields less significant
    /// than the least significant given one take their minimum, the rest `*`.
    pub fn resolved(&self) -> [(&'static str, String); 8] {
        let fields = self.fields();
        let last_given = fields.iter().rposition(|(_, v)| v.is_some()).unwrap_or(0);
        let mut out: [(&'static str, String); 8] = Default::default();
        for (i, (name, v)) in fields.iter().enumerate() {
            let text = match v {
                Some(v) => v.to_string(),
                None if i > last_given => match *name {
                    "month" | "day" => "1".to_string(),
                    "hour" | "minute" | "second" => "0".to_string(),
                    _ => "*".to_string(),
                },
                None => "*".to_string(),
            };
            out[i] = (name, text);
        }
        out
    }
}

/// Compile APScheduler cron fields (all ANDed, day-of-week 0 = Monday).
pub fn parse_aps(fields: &ApsFields) -> Result<CronSchedule, UsageError> {
    let resolved = fields.resolved();
    let get = |i: usize| -> Result<(u64, Vec<DayRule>, bool), UsageError> {
        let (name, text) = &resolved[i];
        parse_aps_field(name, text)
            .map_err(|msg| UsageError::new(format!("invalid --{name} '{text}': {msg}")))
    };
    let (year_bits, _, year_any) = get_years(&resolved[0].1)
        .map_err(|msg| UsageError::new(format!("invalid --year '{}': {msg}", resolved[0].1)))?;
    let (months, _, _) = get(1)?;
    let (dom, dom_rules, dom_any) = get(2)?;
    let (weeks, _, weeks_any) = get(3)?;
    let (dow, _, dow_any) = get(4)?;
    let (hours, _, hours_any) = get(5)?;
    let (minutes, _, minutes_any) = get(6)?;
    let (seconds, _, _) = get(7)?;
    Ok(CronSchedule {
        seconds,
        minutes,
        hours: hours as u32,
        months: months as u16,
        fixed_time: !minutes_any && !hours_any,
        days: DaySpec {
            dom: dom as u32,
            dom_rules,
            dom_any: dom_any && dom == all_bits(1, 31),
            dow: dow as u8,
            dow_rules: Vec::new(),
            dow_any: dow_any && dow as u8 == 0x7f,
            either: false,
            weeks: (!(weeks_any && weeks == all_bits(1, 53))).then_some(weeks),
        },
        years: (!year_any).then_some(year_bits),
    })
}

fn all_bits(lo: u32, hi: u32) -> u64 {
    (lo..=hi).fold(0, |m, i| m | 1 << i)
}

fn aps_range(name: &str) -> (u32, u32) {
    match name {
        "month" => (1, 12),
        "day" => (1, 31),
        "week" => (1, 53),
        "day-of-week" => (0, 6),
        "hour" => (0, 23),
        _ => (0, 59),
    }
}

fn aps_allowed(name: &str) -> String {
    let (lo, hi) = aps_range(name);
    match name {
        "month" => format!("{lo}-{hi} or jan-dec, with *, a-b, */n, a-b/n and lists"),
        "day" => format!(
            "{lo}-{hi}, last, or 1st-5th/last + weekday like '2nd mon', with *, a-b, */n and lists"
        ),
        "day-of-week" => format!("{lo}-{hi} (0 = Monday) or mon-sun, with *, a-b, */n and lists"),
        _ => format!("{lo}-{hi}, with *, a-b, */n, a-b/n and lists"),
    }
}

/// Returns (bits, day rules, starts with `*`). Day-of-week bits use 0 = Sunday.
fn parse_aps_field(name: &str, text: &str) -> Result<(u64, Vec<DayRule>, bool), String> {
    let (lo, hi) = aps_range(name);
    let mut bits = 0u64;
    let mut rules = Vec::new();
    let any = text.trim_start().starts_with('*');
    for raw in text.split(',') {
        let item = raw.trim().to_ascii_lowercase();
        if item.is_empty() {
            return Err(format!("empty item (allowed {})", aps_allowed(name)));
        }
        if name == "day" {
            if item == "last" {
                rules.push(DayRule::Last);
                continue;
            }
            if let Some((pos, wd)) = item.split_once(' ') {
                let weekday = APS_DOW_NAMES
                    .iter()
                    .position(|n| *n == wd.trim())
                    .ok_or_else(|| format!("unknown weekday '{}' (allowed mon-sun)", wd.trim()))?;
                let weekday = ((weekday + 1) % 7) as u8;
                let rule = match pos {
                    "1st" => DayRule::Nth { weekday, nth: 1 },
                    "2nd" => DayRule::Nth { weekday, nth: 2 },
                    "3rd" => DayRule::Nth { weekday, nth: 3 },
                    "4th" => DayRule::Nth { weekday, nth: 4 },
                    "5th" => DayRule::Nth { weekday, nth: 5 },
                    "last" => DayRule::LastOf(weekday),
                    other => {
                        return Err(format!(
                            "unknown position '{other}' (allowed 1st, 2nd, 3rd, 4th, 5th or last)"
                        ))
                    }
                };
                rules.push(rule);
                continue;
            }
        }
        let (base, step) = match item.split_once('/') {
            Some((b, s)) => {
                let step: u32 = s.parse().ok().filter(|s| *s >= 1).ok_or_else(|| {
                    format!("bad step '/{s}' (a step is a whole number of at least 1)")
                })?;
                (b.to_string(), Some(step))
            }
            None => (item.clone(), None),
        };
        let val = |t: &str| -> Result<u32, String> {
            if name == "month" {
                if let Some(i) = MONTH_NAMES.iter().position(|n| *n == t) {
                    return Ok(i as u32 + 1);
                }
            }
            if name == "day-of-week" {
                if let Some(i) = APS_DOW_NAMES.iter().position(|n| *n == t) {
                    return Ok(i as u32);
                }
            }
            match t.parse::<u32>() {
                Ok(v) if (lo..=hi).contains(&v) && t.bytes().all(|b| b.is_ascii_digit()) => Ok(v),
                Ok(_) => Err(format!(
                    "value {t} is out of range (allowed {})",
                    aps_allowed(name)
                )),
                Err(_) => Err(format!(
                    "unknown value '{t}' (allowed {})",
                    aps_allowed(name)
                )),
            }
        };
        let (start, end) = if base == "*" {
            (lo, hi)
        } else if let Some((a, b)) = base.split_once('-') {
            let (a, b) = (val(a)?, val(b)?);
            if a > b {
                return Err(format!(
                    "reversed range {base} (a range goes from low to high; allowed {})",
                    aps_allowed(name)
                ));
            }
            (a, b)
        } else {
            let a = val(&base)?;
            (a, if step.is_some() { hi } else { a })
        };
        let mut v = start;
        while v <= end {
            bits |= 1 << v;
            v += step.unwrap_or(1);
        }
    }
    if name == "day-of-week" {
        // APScheduler numbers Monday 0; internally 0 is Sunday.
        bits = (bits << 1 | bits >> 6) & 0x7f;
    }
    Ok((bits, rules, any))
}

/// The year field: a bitset over 1970..=9999. Returns (bits, _, starts with `*` and is all).
fn get_years(text: &str) -> Result<(Vec<u64>, Vec<DayRule>, bool), String> {
    let n = (MAX_YEAR - MIN_YEAR + 1) as usize;
    let mut bits = vec![0u64; n.div_ceil(64)];
    let allowed = format!("{MIN_YEAR}-{MAX_YEAR}, with *, a-b, */n, a-b/n and lists");
    let mut all = true;
    for raw in text.split(',') {
        let item = raw.trim();
        let (base, step) = match item.split_once('/') {
            Some((b, s)) => (
                b,
                s.parse::<usize>().ok().filter(|s| *s >= 1).ok_or_else(|| {
                    format!("bad step '/{s}' (a step is a whole number of at least 1)")
                })?,
            ),
            None => (item, 1),
        };
        let val = |t: &str| -> Result<usize, String> {
            match t.parse::<i32>() {
                Ok(v) if (MIN_YEAR..=MAX_YEAR).contains(&v) => Ok((v - MIN_YEAR) as usize),
                _ => Err(format!("year '{t}' is not allowed (allowed {allowed})")),
            }
        };
        let (a, b) = if base == "*" {
            (0, n - 1)
        } else if let Some((a, b)) = base.split_once('-') {
            let (a, b) = (val(a)?, val(b)?);
            if a > b {
                return Err(format!("reversed range {base} (allowed {allowed})"));
            }
            (a, b)
        } else {
            let a = val(base)?;
            (a, if item.contains('/') { n - 1 } else { a })
        };
        if !(base == "*" && step == 1) {
            all = false;
        }
        let mut i = a;
        while i <= b {
            bits[i / 64] |= 1 << (i % 64);
            i += step;
        }
    }
    Ok((bits, Vec::new(), all))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    fn next(expr: &str, from: &str) -> Option<String> {
        parse_crontab(expr)
            .unwrap()
            .next_match(wall(from))
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
    }

    fn firsts(expr: &str, from: &str, n: usize) -> Vec<String> {
        let s = parse_crontab(expr).unwrap();
        let mut t = wall(from);
        let mut out = Vec::new();
        for _ in 0..n {
            match s.next_match(t) {
                Some(x) => {
                    out.push(x.format("%Y-%m-%d %H:%M:%S").to_string());
                    t = x + chrono::Duration::seconds(1);
                }
                None => break,
            }
        }
        out
    }

    fn err(expr: &str) -> String {
        parse_crontab(expr).unwrap_err().to_string()
    }

    #[test]
    fn weekday_of_matches_chrono() {
        for (y, m, d) in [(2026, 11, 22), (2000, 2, 29), (1970, 1, 1), (2400, 12, 31)] {
            let c = NaiveDate::from_ymd_opt(y, m, d)
                .unwrap()
                .weekday()
                .num_days_from_sunday();
            assert_eq!(weekday_of(y, m, d), c, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn five_fields_default_second_zero() {
        assert_eq!(
            next("*/5 * * * *", "2026-11-22 10:01:30").unwrap(),
            "2026-11-22 10:05:00"
        );
        assert_eq!(
            next("30 9 * * 1-5", "2026-11-21 00:00:00").unwrap(),
            "2026-11-23 09:30:00"
        );
    }

    #[test]
    fn six_fields_seconds_first() {
        assert_eq!(
            firsts("*/20 * * * * *", "2026-11-22 10:00:01", 3),
            [
                "2026-11-22 10:00:20",
                "2026-11-22 10:00:40",
                "2026-11-22 10:01:00"
            ]
        );
    }

    #[test]
    fn lists_ranges_steps() {
        assert_eq!(
            firsts("10-50/7 * * * *", "2026-01-01 00:00:00", 7),
            [
                "2026-01-01 00:10:00",
                "2026-01-01 00:17:00",
                "2026-01-01 00:24:00",
                "2026-01-01 00:31:00",
                "2026-01-01 00:38:00",
                "2026-01-01 00:45:00",
                "2026-01-01 01:10:00"
            ]
        );
        // N/step means N-max/step.
        assert_eq!(
            firsts("0 20/2 * * *", "2026-01-01 00:00:00", 3),
            [
                "2026-01-01 20:00:00",
                "2026-01-01 22:00:00",
                "2026-01-02 20:00:00"
            ]
        );
        assert_eq!(
            firsts("5,1,3 0 * * *", "2026-01-01 00:00:00", 3),
            [
                "2026-01-01 00:01:00",
                "2026-01-01 00:03:00",
                "2026-01-01 00:05:00"
            ]
        );
    }

    #[test]
    fn names_are_case_insensitive() {
        let a = parse_crontab("0 0 * JAN-mar Mon-FRI").unwrap();
        let b = parse_crontab("0 0 * 1-3 1-5").unwrap();
        assert_eq!(a, b);
    }

    #[test]
    fn sunday_is_zero_and_seven() {
        assert_eq!(
            parse_crontab("0 0 * * 0").unwrap(),
            parse_crontab("0 0 * * 7").unwrap()
        );
        assert_eq!(
            parse_crontab("0 0 * * 5-7").unwrap(),
            parse_crontab("0 0 * * 0,5,6").unwrap()
        );
        // 2026-11-22 is a Sunday.
        assert_eq!(
            next("0 12 * * 7", "2026-11-20 00:00:00").unwrap(),
            "2026-11-22 12:00:00"
        );
    }

    #[test]
    fn question_mark_is_star_in_day_fields() {
        assert_eq!(
            parse_crontab("0 0 ? * 1").unwrap(),
            parse_crontab("0 0 * * 1").unwrap()
        );
        assert_eq!(
            parse_crontab("0 0 1 * ?").unwrap(),
            parse_crontab("0 0 1 * *").unwrap()
        );
    }

    #[test]
    fn vixie_or_when_both_days_restricted() {
        // Friday OR the 13th (Nov 2026: Fri 6, Fri 13, Fri 20, Fri 27).
        assert_eq!(
            firsts("0 0 13 * 5", "2026-11-01 00:00:00", 4),
            [
                "2026-11-06 00:00:00",
                "2026-11-13 00:00:00",
                "2026-11-20 00:00:00",
                "2026-11-27 00:00:00"
            ]
        );
        assert_eq!(
            next("0 0 14 * 5", "2026-11-13 00:00:01").unwrap(),
            "2026-11-14 00:00:00"
        );
    }

    #[test]
    fn star_prefixed_day_field_ands() {
        // */2 in day-of-month starts with '*': AND with Monday, like Debian cron.
        // Mondays in Nov 2026: 2, 9, 16, 23, 30; odd ones: 9, 23.
        assert_eq!(
            firsts("0 0 */2 * 1", "2026-11-01 00:00:00", 2),
            ["2026-11-09 00:00:00", "2026-11-23 00:00:00"]
        );
    }

    #[test]
    fn last_day_and_weekday_rules() {
        assert_eq!(
            firsts("0 0 L * *", "2026-01-01 00:00:00", 3),
            [
                "2026-01-31 00:00:00",
                "2026-02-28 00:00:00",
                "2026-03-31 00:00:00"
            ]
        );
        assert_eq!(
            next("0 0 L 2 *", "2028-01-01 00:00:00").unwrap(),
            "2028-02-29 00:00:00"
        );
        // LW: last weekday. Jan 31 2026 is a Saturday -> Friday 30; May 31 2026 is a Sunday -> Fri 29.
        assert_eq!(
            next("0 0 LW 1 *", "2026-01-01 00:00:00").unwrap(),
            "2026-01-30 00:00:00"
        );
        assert_eq!(
            next("0 0 LW 5 *", "2026-01-01 00:00:00").unwrap(),
            "2026-05-29 00:00:00"
        );
        // 15W: Aug 15 2026 is a Saturday -> Friday 14; Nov 15 2026 a Sunday -> Monday 16.
        assert_eq!(
            next("0 0 15W 8 *", "2026-01-01 00:00:00").unwrap(),
            "2026-08-14 00:00:00"
        );
        assert_eq!(
            next("0 0 15W 11 *", "2026-01-01 00:00:00").unwrap(),
            "2026-11-16 00:00:00"
        );
        // 1W never leaves the month: Aug 1 2026 is a Saturday -> Monday 3.
        assert_eq!(
            next("0 0 1W 8 *", "2026-01-01 00:00:00").unwrap(),
            "2026-08-03 00:00:00"
        );
        // 31W skips months without a 31st; May 31 2026 is a Sunday -> Friday 29.
        assert_eq!(
            next("0 0 31W * *", "2026-04-01 00:00:00").unwrap(),
            "2026-05-29 00:00:00"
        );
    }

    #[test]
    fn nth_and_last_weekday_rules() {
        // 5L: last Friday. Nov 2026 -> 27; Dec 2026 -> 25.
        assert_eq!(
            firsts("0 0 * * 5L", "2026-11-01 00:00:00", 2),
            ["2026-11-27 00:00:00", "2026-12-25 00:00:00"]
        );
        // 1#1 first Monday; 1#5 fifth Monday only in months that have one.
        assert_eq!(
            next("0 0 * * 1#1", "2026-11-03 00:00:00").unwrap(),
            "2026-12-07 00:00:00"
        );
        assert_eq!(
            next("0 0 * * mon#5", "2026-12-01 00:00:00").unwrap(),
            "2027-03-29 00:00:00"
        );
        // L with 5L: Vixie OR -> last day or last Friday.
        assert_eq!(
            firsts("0 0 L * 5L", "2026-11-01 00:00:00", 3),
            [
                "2026-11-27 00:00:00",
                "2026-11-30 00:00:00",
                "2026-12-25 00:00:00"
            ]
        );
    }

    #[test]
    fn macros() {
        assert_eq!(
            parse_crontab("@yearly").unwrap(),
            parse_crontab("0 0 1 1 *").unwrap()
        );
        assert_eq!(
            parse_crontab("@annually").unwrap(),
            parse_crontab("0 0 1 1 *").unwrap()
        );
        assert_eq!(
            parse_crontab("@monthly").unwrap(),
            parse_crontab("0 0 1 * *").unwrap()
        );
        assert_eq!(
            parse_crontab("@weekly").unwrap(),
            parse_crontab("0 0 * * 0").unwrap()
        );
        assert_eq!(
            parse_crontab("@daily").unwrap(),
            parse_crontab("0 0 * * *").unwrap()
        );
        assert_eq!(
            parse_crontab("@midnight").unwrap(),
            parse_crontab("0 0 * * *").unwrap()
        );
        assert_eq!(
            parse_crontab("@hourly").unwrap(),
            parse_crontab("0 * * * *").unwrap()
        );
        assert!(parse_crontab("@daily").unwrap().is_fixed_time());
        assert!(!parse_crontab("@hourly").unwrap().is_fixed_time());
    }

    #[test]
    fn fixed_time_classification() {
        assert!(parse_crontab("30 2 * * *").unwrap().is_fixed_time());
        assert!(parse_crontab("0 9-17 * * 1-5").unwrap().is_fixed_time());
        assert!(!parse_crontab("*/15 * * * *").unwrap().is_fixed_time());
        assert!(!parse_crontab("0 * * * *").unwrap().is_fixed_time());
        assert!(!parse_crontab("0 */2 * * *").unwrap().is_fixed_time());
    }

    #[test]
    fn never_firing_terminates() {
        assert_eq!(next("0 0 30 2 *", "2026-01-01 00:00:00"), None);
        assert_eq!(next("0 0 31 4,6,9,11 *", "2026-01-01 00:00:00"), None);
        // Feb 29 is rare but real.
        assert_eq!(
            next("0 0 29 2 *", "2029-01-01 00:00:00").unwrap(),
            "2032-02-29 00:00:00"
        );
    }

    #[test]
    fn search_stops_at_year_9999() {
        assert_eq!(next("0 0 1 1 *", "9999-06-01 00:00:00"), None);
        assert_eq!(
            next("0 0 * * *", "9999-12-31 00:00:00").unwrap(),
            "9999-12-31 00:00:00"
        );
    }

    #[test]
    fn error_messages_name_value_and_allowed() {
        assert_eq!(
            err("0 22-2 * * *"),
            "invalid cron expression '0 22-2 * * *': reversed range 22-2 in hour (a range goes from low to high, e.g. 2-22; allowed 0-23)"
        );
        assert_eq!(
            err("0 9 * * monday"),
            "invalid cron expression '0 9 * * monday': unknown day-of-week 'monday' (allowed 0-7 (0 and 7 are Sunday), sun-sat, nL or n#k)"
        );
        assert_eq!(
            err("* * * *"),
            "invalid cron expression '* * * *': expected 5 fields (minute hour day-of-month month day-of-week) or 6 (with seconds first), got 4"
        );
        assert!(err("* * * * * * *").ends_with("got 7"));
        assert_eq!(
            err("60 * * * *"),
            "invalid cron expression '60 * * * *': minute value 60 is out of range (allowed 0-59)"
        );
        assert!(err("0 0 32 * *")
            .contains("day-of-month value 32 is out of range (allowed 1-31, L, LW or nW)"));
        assert!(
            err("0 0 * 13 *").contains("month value 13 is out of range (allowed 1-12 or jan-dec)")
        );
        assert!(err("0 0 * * 8").contains("day-of-week value 8 is out of range"));
        assert!(err("*/0 * * * *").contains("bad step '/0'"));
        assert!(err("0 0 * * 1#6").contains("bad occurrence '#6'"));
        assert!(err("0 0 * january *").contains("unknown month 'january'"));
        assert!(err("@fortnightly").contains("unknown macro"));
        assert!(err("0 0 * * L").contains("'L' alone is not allowed"));
        assert!(err("1,,2 * * * *").contains("empty item"));
        assert!(err("? * * * *").contains("unknown minute '?'"));
    }

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
}
