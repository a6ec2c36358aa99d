//! The reference matcher and its mapping to instants: the slow, definitional
//! reading of docs/triggers.md, sharing no code with the engine.

use std::collections::BTreeSet;

use chrono::{
    DateTime, Datelike, Duration, LocalResult, NaiveDate, NaiveDateTime, TimeZone, Timelike, Utc,
    Weekday,
};
use chrono_tz::Tz;
// ---------------------------------------------------------------------------
// Reference matcher
// ---------------------------------------------------------------------------

pub(super) const MONTH_NAMES: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];
pub(super) const DAY_NAMES: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

/// The six crontab fields.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Kind {
    Second,
    Minute,
    Hour,
    Dom,
    Month,
    Dow,
}

impl Kind {
    /// Smallest and largest value a field accepts (day-of-week 7 is Sunday).
    pub(super) fn bounds(self) -> (u32, u32) {
        match self {
            Kind::Second | Kind::Minute => (0, 59),
            Kind::Hour => (0, 23),
            Kind::Dom => (1, 31),
            Kind::Month => (1, 12),
            Kind::Dow => (0, 7),
        }
    }

    /// Value names and the value of the first name.
    pub(super) fn names(self) -> (&'static [&'static str], u32) {
        match self {
            Kind::Month => (&MONTH_NAMES, 1),
            Kind::Dow => (&DAY_NAMES, 0),
            _ => (&[], 0),
        }
    }
}

/// One comma-separated item of a field.
#[derive(Debug, Clone, Copy)]
pub(super) enum Item {
    /// `*`, `?`, `a`, `a-b`, `*/n`, `a-b/n`, `a/n`: every `step`-th value
    /// from `lo` up to `hi`.
    Stepped { lo: u32, hi: u32, step: u32 },
    /// `L` (day-of-month): the last day of the month.
    LastDay,
    /// `LW` (day-of-month): the last Monday–Friday of the month.
    LastWeekday,
    /// `nW` (day-of-month): the weekday nearest day n, within the month.
    NearestWeekday(u32),
    /// `nL` (day-of-week): the last weekday n of the month (n as written, 0–7).
    LastOf(u32),
    /// `n#k` (day-of-week): the k-th weekday n of the month.
    Nth(u32, u32),
}

impl Item {
    /// Whether a plain value is one of this item's values.
    fn covers(self, v: u32) -> bool {
        match self {
            Item::Stepped { lo, hi, step } => lo <= v && v <= hi && (v - lo) % step == 0,
            _ => false,
        }
    }
}

/// A parsed field: its items and whether its text counts as "restricted"
/// for the Vixie day rule (it starts with neither `*` nor `?`).
#[derive(Debug, Clone)]
pub(super) struct Field {
    items: Vec<Item>,
    restricted: bool,
}

impl Field {
    fn parse(text: &str, kind: Kind) -> Field {
        Field {
            items: text.split(',').map(|item| parse_item(item, kind)).collect(),
            restricted: !text.starts_with('*') && !text.starts_with('?'),
        }
    }

    fn covers(&self, v: u32) -> bool {
        self.items.iter().any(|i| i.covers(v))
    }
}

/// A value: a number, or a 3-letter name in any case.
pub(super) fn parse_value(text: &str, kind: Kind) -> u32 {
    let lower = text.to_ascii_lowercase();
    let (names, first) = kind.names();
    if let Some(i) = names.iter().position(|n| *n == lower) {
        return first + i as u32;
    }
    text.parse()
        .unwrap_or_else(|_| panic!("reference: bad {kind:?} value {text:?}"))
}

pub(super) fn parse_item(text: &str, kind: Kind) -> Item {
    let upper = text.to_ascii_uppercase();
    if kind == Kind::Dom {
        match upper.as_str() {
            "L" => return Item::LastDay,
            "LW" => return Item::LastWeekday,
            _ => {}
        }
        if let Some(n) = upper.strip_suffix('W') {
            return Item::NearestWeekday(parse_value(n, kind));
        }
    }
    if kind == Kind::Dow {
        if let Some((n, k)) = upper.split_once('#') {
            return Item::Nth(parse_value(n, kind), k.parse().expect("reference: bad #k"));
        }
        if let Some(n) = upper.strip_suffix('L') {
            return Item::LastOf(parse_value(n, kind));
        }
    }
    let (min, max) = kind.bounds();
    let (base, step) = match text.split_once('/') {
        Some((b, s)) => (b, Some(s.parse().expect("reference: bad step"))),
        None => (text, None),
    };
    let (lo, hi) = if base == "*" || base == "?" {
        (min, max)
    } else if let Some((a, b)) = base.split_once('-') {
        let (a, b) = (parse_value(a, kind), parse_value(b, kind));
        // A day-of-week range ending in Sunday (`sat-sun`, `fri-0`) ends at 7.
        (
            a,
            if kind == Kind::Dow && b == 0 && a > 0 {
                7
            } else {
                b
            },
        )
    } else {
        let a = parse_value(base, kind);
        // `a/n` means `a-max/n`.
        (a, if step.is_some() { max } else { a })
    };
    Item::Stepped {
        lo,
        hi,
        step: step.unwrap_or(1),
    }
}

pub(super) fn days_in_month(y: i32, m: u32) -> u32 {
    (28..=31)
        .filter(|&d| NaiveDate::from_ymd_opt(y, m, d).is_some())
        .max()
        .unwrap()
}

pub(super) fn is_weekday(d: NaiveDate) -> bool {
    !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
}

/// The day `nW` stands for in a month, or `None` when the month has no day n.
pub(super) fn nearest_weekday(y: i32, m: u32, n: u32) -> Option<u32> {
    let dim = days_in_month(y, m);
    let target = NaiveDate::from_ymd_opt(y, m, n)?;
    Some(match target.weekday() {
        // Saturday: the Friday before, unless that leaves the month.
        Weekday::Sat if n > 1 => n - 1,
        Weekday::Sat => n + 2,
        // Sunday: the Monday after, unless that leaves the month.
        Weekday::Sun if n < dim => n + 1,
        Weekday::Sun => n - 2,
        _ => n,
    })
}

/// A crontab expression, evaluated directly on wall-clock times.
#[derive(Debug, Clone)]
pub(super) struct RefCron {
    second: Field,
    minute: Field,
    hour: Field,
    dom: Field,
    month: Field,
    dow: Field,
    /// 6 fields: match to the second; 5 fields: second 0 only.
    has_seconds: bool,
    /// Neither minute nor hour starts with `*` (the fixed-time rule of docs/triggers.md).
    fixed_time: bool,
}

impl RefCron {
    pub(super) fn parse(expr: &str) -> RefCron {
        let parts: Vec<&str> = expr.split_whitespace().collect();
        let (sec, rest) = match parts.len() {
            5 => ("0", &parts[..]),
            6 => (parts[0], &parts[1..]),
            n => panic!("reference: {n} fields in {expr:?}"),
        };
        RefCron {
            second: Field::parse(sec, Kind::Second),
            minute: Field::parse(rest[0], Kind::Minute),
            hour: Field::parse(rest[1], Kind::Hour),
            dom: Field::parse(rest[2], Kind::Dom),
            month: Field::parse(rest[3], Kind::Month),
            dow: Field::parse(rest[4], Kind::Dow),
            has_seconds: parts.len() == 6,
            fixed_time: !rest[0].starts_with('*') && !rest[1].starts_with('*'),
        }
    }

    fn dom_matches(&self, d: NaiveDate) -> bool {
        let dim = days_in_month(d.year(), d.month());
        self.dom.items.iter().any(|item| match *item {
            Item::LastDay => d.day() == dim,
            Item::LastWeekday => {
                is_weekday(d)
                    && (d.day() + 1..=dim).all(|later| !is_weekday(d.with_day(later).unwrap()))
            }
            Item::NearestWeekday(n) => nearest_weekday(d.year(), d.month(), n) == Some(d.day()),
            other => other.covers(d.day()),
        })
    }

    fn dow_matches(&self, d: NaiveDate) -> bool {
        let dim = days_in_month(d.year(), d.month());
        let wd = d.weekday().num_days_from_sunday();
        self.dow.items.iter().any(|item| match *item {
            Item::LastOf(n) => n % 7 == wd && d.day() + 7 > dim,
            Item::Nth(n, k) => n % 7 == wd && (d.day() - 1) / 7 + 1 == k,
            // 0 and 7 are both Sunday.
            other => other.covers(wd) || (wd == 0 && other.covers(7)),
        })
    }

    /// Month and day fields, with the Vixie rule: both day fields restricted
    /// means either may match, otherwise both must.
    fn day_matches(&self, d: NaiveDate) -> bool {
        if !self.month.covers(d.month()) {
            return false;
        }
        let (dom, dow) = (self.dom_matches(d), self.dow_matches(d));
        if self.dom.restricted && self.dow.restricted {
            dom || dow
        } else {
            dom && dow
        }
    }

    fn time_matches(&self, t: NaiveDateTime) -> bool {
        self.second.covers(t.second())
            && self.minute.covers(t.minute())
            && self.hour.covers(t.hour())
    }
}

// ---------------------------------------------------------------------------
// Reference mapping to instants (daylight saving, docs/triggers.md)
// ---------------------------------------------------------------------------

pub(super) fn local(tz: Tz, t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&tz).naive_local()
}

/// No zone is 15 hours or more from UTC, so a wall time read as UTC and
/// moved by this much is safely on the other side of every instant that
/// shows that wall time.
pub(super) fn margin() -> Duration {
    Duration::hours(15)
}

/// The first instant whose local time is at or after the wall time `w`.
pub(super) fn first_instant_at_or_after(tz: Tz, w: NaiveDateTime) -> DateTime<Utc> {
    let mut t = (w - margin()).and_utc();
    // Coarse steps of a minute, then seconds: an offset never changes twice
    // within a minute, so no instant between two samples that both show a
    // time before `w` can show one at or after it.
    while local(tz, t + Duration::minutes(1)) < w {
        t += Duration::minutes(1);
    }
    while local(tz, t) < w {
        t += Duration::seconds(1);
    }
    t
}

/// The fixed-time rule: the wall time's single instant, the earlier one in a
/// fold, the first instant after it in a gap.
pub(super) fn fixed_instant(tz: Tz, w: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&w) {
        LocalResult::Single(t) => t.with_timezone(&Utc),
        LocalResult::Ambiguous(a, b) => a.min(b).with_timezone(&Utc),
        LocalResult::None => first_instant_at_or_after(tz, w),
    }
}

/// Every fire in `(from, end]`, sorted, by brute force.
///
/// The scan goes day by day over every local date that can hold a fire in
/// the window and skips days whose day fields do not match; that only avoids
/// looking at times that cannot match.
pub(super) fn reference_fires(
    cron: &RefCron,
    tz: Tz,
    from: DateTime<Utc>,
    end: DateTime<Utc>,
) -> Vec<DateTime<Utc>> {
    // A 5-field schedule matches only at second 0, and every offset of these
    // zones is a whole number of minutes, so only UTC minute boundaries can
    // fire: scanning them is exhaustive.
    let step = Duration::seconds(if cron.has_seconds { 1 } else { 60 });
    let s = step.num_seconds();
    // The first instant of the step grid strictly after `from`.
    let first = from + Duration::seconds(s - from.timestamp().rem_euclid(s));
    let (wall_lo, wall_hi) = (from.naive_utc() - margin(), end.naive_utc() + margin());
    let mut out = BTreeSet::new();
    let mut day = wall_lo.date();
    while day <= wall_hi.date() {
        let midnight = day.and_hms_opt(0, 0, 0).unwrap();
        let next_midnight = midnight + Duration::days(1);
        if cron.day_matches(day) {
            if cron.fixed_time {
                // Every wall time of the day that could land in the window.
                let mut w = midnight;
                while w < next_midnight {
                    if wall_lo <= w && w <= wall_hi && cron.time_matches(w) {
                        let t = fixed_instant(tz, w);
                        if from < t && t <= end {
                            out.insert(t);
                        }
                    }
                    w += step;
                }
            } else {
                // Every instant that could show a wall time on this day.
                let mut t = first.max((midnight - margin()).and_utc());
                let last = end.min((next_midnight + margin()).and_utc());
                while t <= last {
                    let l = local(tz, t);
                    if l.date() == day && cron.time_matches(l) {
                        out.insert(t);
                    }
                    t += step;
                }
            }
        }
        day = day.succ_opt().unwrap();
    }
    out.into_iter().collect()
}
