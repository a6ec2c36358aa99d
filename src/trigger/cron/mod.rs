//! The cron engine: one compiled form, [`CronSchedule`] (a bitset per field
//! plus the day rules), that both syntaxes compile into:
//!
//! - `crontab.rs`: crontab strings (`0 9 * * mon-fri`, `@daily`, `L`, `5#2`);
//! - `aps.rs`: APScheduler 3's fields (`--hour 5 --day 'last fri'`);
//! - `expr.rs`: the range-list grammar (`*/5`, `10-50/7`, lists) they share.
//!
//! The engine knows only wall-clock time (`NaiveDateTime`): it answers "what
//! is the first local time at or after this one that matches?". Mapping wall
//! times to instants, with the daylight-saving rules of docs/triggers.md, lives in
//! `trigger/dst.rs`. No I/O, no clock reads.

mod aps;
mod crontab;
mod expr;

use chrono::{Datelike, NaiveDate, NaiveDateTime, Timelike};

pub use aps::{parse_aps, ApsField, ApsFields};
pub use crontab::parse_crontab;

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
    /// fixed-time daylight-saving rule of docs/triggers.md applies.
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
    /// True when the fixed-time daylight-saving rule applies (docs/triggers.md).
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

/// Bits `lo..=hi` set.
fn all_bits(lo: u32, hi: u32) -> u64 {
    (lo..=hi).fold(0, |m, i| m | 1 << i)
}
#[cfg(test)]
pub(super) mod tests {
    use super::*;

    pub(super) fn wall(s: &str) -> NaiveDateTime {
        NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
    }

    pub(super) fn next(expr: &str, from: &str) -> Option<String> {
        parse_crontab(expr)
            .unwrap()
            .next_match(wall(from))
            .map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string())
    }

    pub(super) fn firsts(expr: &str, from: &str, n: usize) -> Vec<String> {
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

    pub(super) fn err(expr: &str) -> String {
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
    fn fixed_time_classification() {
        assert!(parse_crontab("30 2 * * *").unwrap().is_fixed_time());
        assert!(parse_crontab("0 9-17 * * 1-5").unwrap().is_fixed_time());
        assert!(!parse_crontab("*/15 * * * *").unwrap().is_fixed_time());
        assert!(!parse_crontab("0 * * * *").unwrap().is_fixed_time());
        assert!(!parse_crontab("0 */2 * * *").unwrap().is_fixed_time());
    }
}
