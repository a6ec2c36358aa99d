//! The crontab syntax (docs/triggers.md): 5 fields `min hour dom month dow` or 6 with
//! seconds first, macros, names, `?`, and the day rules `L`, `LW`, `nW`,
//! `nL`, `n#k`, compiled into a [`CronSchedule`].
//!
//! The range lists themselves (`*/5`, `10-50/7`, `1,3`) are read by the
//! grammar both syntaxes share (`expr.rs`); reading a crontab *file* is
//! `crate::crontab`.

use super::expr::{self, Grammar, ItemError, MONTH_NAMES};
use super::{all_bits, CronSchedule, DayRule, DaySpec};
use crate::error::UsageError;

const DOW_NAMES: [&str; 7] = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"];

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

    fn names(self) -> Option<&'static [&'static str]> {
        match self {
            Field::Month => Some(&MONTH_NAMES),
            Field::Dow => Some(&DOW_NAMES),
            _ => None,
        }
    }

    fn is_day(self) -> bool {
        matches!(self, Field::Dom | Field::Dow)
    }

    /// What a user may write in this field, for error messages.
    fn allowed(self) -> String {
        let (lo, hi) = self.bounds();
        match self {
            Field::Dom => format!("{lo}-{hi}, L, LW or nW"),
            Field::Month => format!("{lo}-{hi} or jan-dec"),
            Field::Dow => format!("{lo}-{hi} (0 and 7 are Sunday), sun-sat, nL or n#k"),
            _ => format!("{lo}-{hi}"),
        }
    }
}

impl Grammar for Field {
    type Error = String;

    fn bounds(&self) -> (u32, u32) {
        match self {
            Field::Second | Field::Minute => (0, 59),
            Field::Hour => (0, 23),
            Field::Dom => (1, 31),
            Field::Month => (1, 12),
            Field::Dow => (0, 7),
        }
    }

    /// A day-of-week range ending in Sunday (`sat-sun`, `fri-0`) ends at 7,
    /// so weekends can be written as people write them.
    fn range_end(&self, first: u32, last: u32) -> u32 {
        if *self == Field::Dow && last == 0 && first > 0 {
            7
        } else {
            last
        }
    }

    /// A number in range or (month, day-of-week) a 3-letter name.
    fn value(&self, text: &str) -> Result<u32, String> {
        let name = self.name();
        let (lo, hi) = self.bounds();
        if let Some(names) = self.names() {
            if let Some(i) = names.iter().position(|n| *n == text) {
                return Ok(if *self == Field::Month {
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
                    self.allowed()
                )),
            };
        }
        Err(format!(
            "unknown {name} '{text}' (allowed {})",
            self.allowed()
        ))
    }
}

/// One parsed field: plain value bits, day rules, and whether it starts
/// with a star (or is `?`).
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
    // `?` is `*`, but only as a whole day field (croniter and Quartz refuse
    // `?,*` and `?/2` too).
    if field.is_day() && text == "?" {
        let (lo, hi) = field.bounds();
        return Ok(ParsedField {
            bits: all_bits(lo, hi),
            rules: Vec::new(),
            any: true,
        });
    }
    if field.is_day() && text.contains('?') {
        return Err(format!(
            "'?' stands only alone, as the whole {} field (write ? or *, not '{text}')",
            field.name()
        ));
    }
    // A starred step such as `*/2` still restricts values but counts as
    // "starts with *" for the day rule, like Debian cron.
    let mut out = ParsedField {
        bits: 0,
        rules: Vec::new(),
        any: text.starts_with('*'),
    };
    for item in text.split(',') {
        parse_item(item, field, &mut out)?;
    }
    Ok(out)
}

fn parse_item(item: &str, field: Field, out: &mut ParsedField) -> Result<(), String> {
    let name = field.name();
    if item.is_empty() {
        return Err(format!(
            "empty item in {name} field (allowed: {})",
            field.allowed()
        ));
    }
    let lower = item.to_ascii_lowercase();
    if let Some(rule) = day_rule(item, &lower, field)? {
        out.rules.push(rule);
        return Ok(());
    }
    let span = expr::item(&lower, &field).map_err(|e| match e {
        ItemError::Step(s) => format!(
            "bad step '/{s}' in {name} '{item}' (a step is a whole number of at least 1)"
        ),
        ItemError::Reversed { first, last } => format!(
            "reversed range {item} in {name} (a range goes from low to high, e.g. {last}-{first}; allowed {})",
            field.allowed()
        ),
        ItemError::Value(msg) => msg,
        // Not raised: crontab takes any step, like cron.
        long => long.to_string(),
    })?;
    out.bits |= span.bits();
    Ok(())
}

/// The day rules, which take no steps: `L`, `LW`, `nW` in day-of-month,
/// `n#k` and `nL` in day-of-week. `None` when `item` is not one.
fn day_rule(item: &str, lower: &str, field: Field) -> Result<Option<DayRule>, String> {
    let name = field.name();
    match field {
        Field::Dom => {
            if lower == "l" {
                return Ok(Some(DayRule::Last));
            }
            if lower == "lw" {
                return Ok(Some(DayRule::LastWeekday));
            }
            if let Some(n) = lower.strip_suffix('w') {
                return Ok(Some(DayRule::NearestWeekday(field.value(n)? as u8)));
            }
        }
        Field::Dow => {
            if let Some((n, k)) = lower.split_once('#') {
                let weekday = field.value(n)? % 7;
                let nth: u32 = k
                    .parse()
                    .ok()
                    .filter(|k| (1..=5).contains(k))
                    .ok_or_else(|| {
                        format!("bad occurrence '#{k}' in {name} '{item}' (allowed #1 to #5)")
                    })?;
                return Ok(Some(DayRule::Nth {
                    weekday: weekday as u8,
                    nth: nth as u8,
                }));
            }
            if let Some(n) = lower.strip_suffix('l') {
                if n.is_empty() {
                    return Err(format!(
                        "'L' alone is not allowed in {name}; write nL for the last weekday n of the month (5L = last Friday)"
                    ));
                }
                return Ok(Some(DayRule::LastOf((field.value(n)? % 7) as u8)));
            }
        }
        _ => {}
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::trigger::cron::tests::{err, firsts, next};

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

    #[test]
    fn question_mark_only_as_a_whole_day_field() {
        for expr in ["* * ?,* * *", "0 0 ?/2 * *", "0 0 * * 1,?", "0 0 1 * ?-5"] {
            let e = err(expr);
            assert!(e.contains("stands only alone"), "{expr}: {e}");
        }
        assert_eq!(
            err("* * ?,* * *"),
            "invalid cron expression '* * ?,* * *': '?' stands only alone, as the whole day-of-month field (write ? or *, not '?,*')"
        );
    }

    #[test]
    fn day_of_week_ranges_ending_in_sunday_end_at_seven() {
        let same = |a: &str, b: &str| {
            assert_eq!(parse_crontab(a).unwrap(), parse_crontab(b).unwrap(), "{a}")
        };
        same("0 0 * * sat-sun", "0 0 * * 0,6");
        same("0 0 * * SAT-SUN", "0 0 * * 6-7");
        same("0 0 * * mon-sun", "0 0 * * 0-6");
        same("0 0 * * fri-0", "0 0 * * 5-7");
        same("0 0 * * 1-0/2", "0 0 * * 1,3,5,0");
        // Other reversed ranges stay errors.
        assert!(err("0 0 * * sat-fri").contains("reversed range sat-fri"));
        assert!(err("0 0 * * 7-1").contains("reversed range 7-1"));
        // 2026-11-28 is a Saturday.
        assert_eq!(
            firsts("0 9 * * sat-sun", "2026-11-23 00:00:00", 3),
            [
                "2026-11-28 09:00:00",
                "2026-11-29 09:00:00",
                "2026-12-05 09:00:00"
            ]
        );
    }
}
