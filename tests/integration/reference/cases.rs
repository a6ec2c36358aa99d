//! Zones, start instants and expressions: what the properties are tried on.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use super::matcher::*;
use chrono::{DateTime, Duration, Offset, TimeZone, Timelike, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use proptest::sample::Index;
// ---------------------------------------------------------------------------
// Zones and start instants
// ---------------------------------------------------------------------------

/// UTC and no-DST Kathmandu (+05:45) as controls; the others shift: New
/// York and London (northern), Lord Howe (30-minute shift), Santiago
/// (transitions at local midnight), Chatham (+12:45/+13:45, at 02:45), St
/// John's (-03:30) and Adelaide (+09:30/+10:30).
pub(super) const ZONES: [Tz; 9] = [
    Tz::UTC,
    Tz::America__New_York,
    Tz::Europe__London,
    Tz::Australia__Lord_Howe,
    Tz::America__Santiago,
    Tz::Asia__Kathmandu,
    Tz::Pacific__Chatham,
    Tz::America__St_Johns,
    Tz::Australia__Adelaide,
];

pub(super) fn offset_secs(tz: Tz, t: DateTime<Utc>) -> i32 {
    tz.offset_from_utc_datetime(&t.naive_utc())
        .fix()
        .local_minus_utc()
}

pub(super) fn base() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2024, 1, 1, 0, 0, 0).unwrap()
}

/// Span of the random start dates: 2024 to 2030.
pub(super) const SPAN_SECS: i64 = 7 * 365 * 86_400;

/// Offset changes of each zone in 2024–2030, to the minute, found once by
/// sampling offsets hourly.
pub(super) fn transitions(zone: usize) -> &'static [DateTime<Utc>] {
    static TABLE: OnceLock<Vec<Vec<DateTime<Utc>>>> = OnceLock::new();
    &TABLE.get_or_init(|| {
        ZONES
            .iter()
            .map(|&tz| {
                let mut out = Vec::new();
                let stop = base() + Duration::seconds(SPAN_SECS);
                let mut t = base();
                while t < stop {
                    let next = t + Duration::hours(1);
                    if offset_secs(tz, next) != offset_secs(tz, t) {
                        let mut m = t;
                        while offset_secs(tz, m) == offset_secs(tz, t) {
                            m += Duration::minutes(1);
                        }
                        out.push(m);
                    }
                    t = next;
                }
                out
            })
            .collect()
    })[zone]
}

/// Where a case starts: a zone, a start instant (whole seconds) and the
/// local hours of the gap or fold it was placed near, which the hour fields
/// favour so that gaps and folds are actually hit.
#[derive(Debug, Clone)]
pub(super) struct Start {
    tz: Tz,
    from: DateTime<Utc>,
    hot_hours: Vec<u32>,
}

/// Local hours of the wall times a transition skips or repeats: those
/// from its reading in the old offset to its reading in the new one.
pub(super) fn hours_around(tz: Tz, t: DateTime<Utc>) -> Vec<u32> {
    let reading = |at: DateTime<Utc>| t.naive_utc() + Duration::seconds(offset_secs(tz, at).into());
    let (old, new) = (reading(t - Duration::seconds(1)), reading(t));
    // Offsets and transitions fall on quarter hours.
    let mut w = old.min(new);
    let mut hours = BTreeSet::new();
    while w < old.max(new) {
        hours.insert(w.hour());
        w += Duration::minutes(15);
    }
    hours.into_iter().collect()
}

/// A start for a `window`: mostly so that a transition lies in the window,
/// sometimes exactly on or within minutes of one, sometimes anywhere in
/// 2024–2030. Zones that shift are drawn twice as often as UTC and
/// Kathmandu.
pub(super) fn start(window: Duration) -> impl Strategy<Value = Start> {
    let w = window.num_seconds();
    let zones: Vec<usize> = (0..ZONES.len())
        .flat_map(|z| {
            if transitions(z).is_empty() {
                vec![z]
            } else {
                vec![z, z]
            }
        })
        .collect();
    (
        prop::sample::select(zones),
        any::<Index>(),
        0u8..8,
        -(w - 3600)..=3600i64,
        -120i64..=120,
        0..SPAN_SECS,
    )
        .prop_map(move |(zone, idx, kind, spread, minutes, random)| {
            let tz = ZONES[zone];
            let ts = transitions(zone);
            if ts.is_empty() || kind == 0 {
                return Start {
                    tz,
                    from: base() + Duration::seconds(random),
                    hot_hours: vec![0, 1, 2, 3, 23],
                };
            }
            let t = ts[idx.index(ts.len())];
            let from = match kind {
                1..=4 => t + Duration::seconds(spread),
                5 | 6 => t + Duration::minutes(minutes),
                // One second either side of a whole minute near it.
                _ => t + Duration::minutes(minutes) + Duration::seconds(random % 3 - 1),
            };
            Start {
                tz,
                from,
                hot_hours: hours_around(tz, t),
            }
        })
}

/// A start and an expression made for it.
pub(super) fn case(
    window: Duration,
    expr: fn(&Gen) -> Text,
) -> impl Strategy<Value = (String, Tz, DateTime<Utc>)> {
    start(window).prop_flat_map(move |s| {
        let gen = Gen {
            hot_hours: s.hot_hours,
        };
        (expr(&gen), Just(s.tz), Just(s.from))
    })
}

// ---------------------------------------------------------------------------
// Expressions
// ---------------------------------------------------------------------------

pub(super) type Text = BoxedStrategy<String>;

/// Expression generators for one case.
#[derive(Debug, Clone)]
pub(super) struct Gen {
    /// Hours the hour fields favour (around the case's transition).
    hot_hours: Vec<u32>,
}

impl Gen {
    /// Values of a field, weighted toward the ones that meet DST transitions
    /// (hot hours, minutes 0/15/30/45, month ends).
    fn numbers(&self, kind: Kind) -> BoxedStrategy<u32> {
        match kind {
            Kind::Second => prop_oneof![Just(0u32), Just(30), 0u32..60].boxed(),
            Kind::Minute => prop_oneof![Just(0u32), Just(15), Just(30), Just(45), 0u32..60].boxed(),
            Kind::Hour => prop_oneof![
                3 => prop::sample::select(self.hot_hours.clone()),
                1 => 0u32..24,
            ]
            .boxed(),
            Kind::Dom => prop_oneof![2 => 1u32..=31, 1 => Just(1u32), 1 => 28u32..=31].boxed(),
            Kind::Month => (1u32..=12).boxed(),
            Kind::Dow => (0u32..=7).boxed(),
        }
    }

    /// A value and its text: the number, or (month, weekday) sometimes its
    /// name in lower, upper or title case.
    fn value(&self, kind: Kind) -> BoxedStrategy<(u32, String)> {
        (self.numbers(kind), 0u8..6)
            .prop_map(move |(v, how)| {
                let (names, first) = kind.names();
                let name = names.get(v.wrapping_sub(first) as usize);
                let text = match (name, how) {
                    (Some(n), 0) => n.to_string(),
                    (Some(n), 1) => n.to_ascii_uppercase(),
                    (Some(n), 2) => n[..1].to_ascii_uppercase() + &n[1..],
                    _ => v.to_string(),
                };
                (v, text)
            })
            .boxed()
    }

    /// An item that does not start with `*`: `a`, `a-b`, `a-b/n`, `a/n`.
    fn plain_item(&self, kind: Kind) -> Text {
        let v = self.value(kind);
        let range =
            (v.clone(), v.clone())
                .prop_map(|(a, b)| if a.0 <= b.0 { (a.1, b.1) } else { (b.1, a.1) });
        // Day-of-week ranges may end in Sunday written as 0 or `sun`.
        let range = if kind == Kind::Dow {
            let to_sunday = (1u32..=6, prop::sample::select(vec!["0", "sun", "SUN"]))
                .prop_map(|(a, sun)| (a.to_string(), sun.to_string()));
            prop_oneof![4 => range, 1 => to_sunday].boxed()
        } else {
            range.boxed()
        };
        prop_oneof![
            5 => v.clone().prop_map(|(_, t)| t),
            2 => range.clone().prop_map(|(a, b)| format!("{a}-{b}")),
            1 => (range, 1..=max_step(kind)).prop_map(|((a, b), n)| format!("{a}-{b}/{n}")),
            1 => (v, 1..=max_step(kind)).prop_map(|((_, a), n)| format!("{a}/{n}")),
        ]
        .boxed()
    }

    /// Day rules of the day fields: `L`, `LW`, `nW`; `nL`, `n#k`.
    fn rule_item(&self, kind: Kind) -> Text {
        match kind {
            Kind::Dom => prop_oneof![
                Just("L".to_string()),
                Just("LW".to_string()),
                self.numbers(Kind::Dom).prop_map(|n| format!("{n}W")),
            ]
            .boxed(),
            Kind::Dow => prop_oneof![
                (0u32..=7).prop_map(|n| format!("{n}L")),
                (0u32..=7, 1u32..=5).prop_map(|(n, k)| format!("{n}#{k}")),
            ]
            .boxed(),
            _ => unreachable!("day rules exist only in the day fields"),
        }
    }

    /// Any item of a field (day rules only when `rules`).
    fn any_item(&self, kind: Kind, rules: bool) -> Text {
        if rules {
            prop_oneof![
                3 => self.plain_item(kind),
                1 => star_step(kind),
                2 => self.rule_item(kind),
            ]
            .boxed()
        } else {
            prop_oneof![3 => self.plain_item(kind), 1 => star_step(kind)].boxed()
        }
    }

    /// A restricted field: 1–3 items, the first not starting with `*`.
    fn restricted(&self, kind: Kind, rules: bool) -> Text {
        let first = if rules {
            prop_oneof![3 => self.plain_item(kind), 2 => self.rule_item(kind)].boxed()
        } else {
            self.plain_item(kind)
        };
        (
            first,
            prop::collection::vec(self.any_item(kind, rules), 0..=2),
        )
            .prop_map(|(first, rest)| {
                std::iter::once(first)
                    .chain(rest)
                    .collect::<Vec<_>>()
                    .join(",")
            })
            .boxed()
    }

    /// An unrestricted field: `*`, `*/n`, or `*/n` followed by more items
    /// (still "starts with `*`" for the DST and day rules).
    fn starred(&self, kind: Kind, rules: bool) -> Text {
        prop_oneof![
            3 => Just("*".to_string()),
            3 => star_step(kind),
            1 => (star_step(kind), self.any_item(kind, rules))
                .prop_map(|(a, b)| format!("{a},{b}")),
        ]
        .boxed()
    }

    /// Day-of-month, month and day-of-week for the short windows: mostly
    /// unrestricted so that they fire, sometimes restricted or `?`.
    fn common_days(&self) -> BoxedStrategy<(String, String, String)> {
        let day = |kind| {
            prop_oneof![
                6 => Just("*".to_string()),
                1 => Just("?".to_string()),
                1 => self.starred(kind, true),
                2 => self.restricted(kind, true),
            ]
        };
        let month = prop_oneof![
            8 => Just("*".to_string()),
            1 => self.starred(Kind::Month, false),
            1 => self.restricted(Kind::Month, false),
        ];
        (day(Kind::Dom), month, day(Kind::Dow)).boxed()
    }

    /// Day fields for the long window: day rules, lists and ranges, with
    /// every combination of restricted / unrestricted for the Vixie rule.
    fn rule_days(&self) -> BoxedStrategy<(String, String, String)> {
        let free = |kind| {
            prop_oneof![
                Just("*".to_string()),
                Just("?".to_string()),
                star_step(kind)
            ]
        };
        let days = prop_oneof![
            2 => (self.restricted(Kind::Dom, true), free(Kind::Dow)),
            2 => (free(Kind::Dom), self.restricted(Kind::Dow, true)),
            // Both restricted: either may match.
            2 => (self.restricted(Kind::Dom, true), self.restricted(Kind::Dow, true)),
        ];
        let month = prop_oneof![
            5 => Just("*".to_string()),
            1 => self.starred(Kind::Month, false),
            1 => self.restricted(Kind::Month, false),
        ];
        (days, month)
            .prop_map(|((dom, dow), month)| (dom, month, dow))
            .boxed()
    }

    /// Minute and hour, each starred or restricted, weighted `[both starred,
    /// minute starred, hour starred, neither]`.
    fn times(&self, weights: [u32; 4]) -> BoxedStrategy<(String, String)> {
        let (m, h) = (Kind::Minute, Kind::Hour);
        prop_oneof![
            weights[0] => (self.starred(m, false), self.starred(h, false)),
            weights[1] => (self.starred(m, false), self.restricted(h, false)),
            weights[2] => (self.restricted(m, false), self.starred(h, false)),
            weights[3] => (self.restricted(m, false), self.restricted(h, false)),
        ]
        .boxed()
    }
}

pub(super) fn max_step(kind: Kind) -> u32 {
    let (lo, hi) = kind.bounds();
    (hi - lo).div_ceil(2)
}

/// `*/n` (n = 1 included: the same as `*`).
pub(super) fn star_step(kind: Kind) -> Text {
    (1..=max_step(kind)).prop_map(|n| format!("*/{n}")).boxed()
}

pub(super) fn five(
    (min, hour): (String, String),
    (dom, month, dow): (String, String, String),
) -> String {
    format!("{min} {hour} {dom} {month} {dow}")
}

/// Minute or hour (or both) starts with `*`.
pub(super) fn wildcard_expr(g: &Gen) -> Text {
    (g.times([1, 1, 1, 0]), g.common_days())
        .prop_map(|(times, days)| five(times, days))
        .boxed()
}

/// Neither minute nor hour starts with `*`.
pub(super) fn fixed_expr(g: &Gen) -> Text {
    (g.times([0, 0, 0, 1]), g.common_days())
        .prop_map(|(times, days)| five(times, days))
        .boxed()
}

/// Day rules over a long window; times mostly fixed, sometimes a sparse
/// wildcard (so that the brute force stays quick).
pub(super) fn day_rule_expr(g: &Gen) -> Text {
    let times = prop_oneof![
        3 => (g.restricted(Kind::Minute, false), g.restricted(Kind::Hour, false)),
        1 => ((5u32..=30).prop_map(|n| format!("*/{n}")), g.restricted(Kind::Hour, false)),
        1 => (g.restricted(Kind::Minute, false), (4u32..=12).prop_map(|n| format!("*/{n}"))),
    ];
    (times, g.rule_days())
        .prop_map(|(times, days)| five(times, days))
        .boxed()
}

/// 6 fields, seconds first; fixed-time or wildcard by minute and hour.
pub(super) fn seconds_expr(g: &Gen) -> Text {
    let second = prop_oneof![
        g.starred(Kind::Second, false),
        g.restricted(Kind::Second, false)
    ];
    (second, g.times([1, 1, 1, 2]), g.common_days())
        .prop_map(|(sec, times, days)| format!("{sec} {}", five(times, days)))
        .boxed()
}
