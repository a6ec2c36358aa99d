//! The range-list grammar both cron syntaxes share, after APScheduler 3's
//! `triggers/cron/expressions.py` (`AllExpression`, `RangeExpression`): a
//! field is a comma list of items, each `*`, `*/n`, `a`, `a-b`, `a-b/n` or
//! `a/n` (meaning `a-max/n`).
//!
//! What a value is (numbers, month and weekday names), what else an item may
//! be (`L`, `5#2`, `last fri`) and how errors read belong to each syntax
//! (`crontab.rs`, `aps.rs`), through [`Grammar`]; this file only reads the
//! grammar and says which values an item covers.

/// Month names, shared by both syntaxes (`jan` is 1).
pub(super) const MONTH_NAMES: [&str; 12] = [
    "jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec",
];

/// What one field of one syntax accepts.
pub(super) trait Grammar {
    /// How the syntax reports a bad value.
    type Error;
    /// The smallest and largest value.
    fn bounds(&self) -> (u32, u32);
    /// One value: a number in range, or a name.
    fn value(&self, text: &str) -> Result<u32, Self::Error>;
    /// Where a range `first-last` ends: `last`, unless the syntax wraps it
    /// (crontab's day-of-week `fri-sun` ends at 7).
    fn range_end(&self, _first: u32, last: u32) -> u32 {
        last
    }
    /// Whether a step larger than the values it steps over is an error
    /// (APScheduler 3 refuses `*/60` in minutes and `4-6/3` in days).
    fn refuses_long_steps(&self) -> bool {
        false
    }
}

/// The values an item covers: every `step`-th value from `first` to `last`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Span {
    pub first: u32,
    pub last: u32,
    pub step: u32,
}

/// Why an item does not read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum ItemError<E> {
    /// The text after `/` is not a whole number of at least 1.
    Step(String),
    /// `a-b` with `a` after `b`.
    Reversed { first: u32, last: u32 },
    /// A step larger than the range it steps over, where the syntax refuses it.
    LongStep { step: u32, first: u32, last: u32 },
    /// A value the syntax does not know.
    Value(E),
}

impl<E: std::fmt::Display> std::fmt::Display for ItemError<E> {
    /// The syntax-neutral wording; a syntax may word the first two its own way.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ItemError::Step(s) => write!(
                f,
                "bad step '/{s}' (a step is a whole number of at least 1)"
            ),
            ItemError::Reversed { first, last } => write!(
                f,
                "reversed range {first}-{last} (a range goes from low to high)"
            ),
            ItemError::LongStep { step, first, last } if first == last => write!(
                f,
                "step {step} on the single value {first} (a step needs a range, e.g. {first}-{}/{step})",
                first + step
            ),
            ItemError::LongStep { step, first, last } => write!(
                f,
                "step {step} is larger than the range {first}-{last} it steps over (at most {})",
                last - first
            ),
            ItemError::Value(e) => e.fmt(f),
        }
    }
}

/// Read one item of a field: `*`, `*/n`, `a`, `a-b`, `a-b/n` or `a/n`.
/// The caller has split the list, trimmed and lowercased as its syntax
/// wants, and dealt with the items that are not ranges.
pub(super) fn item<G: Grammar>(text: &str, g: &G) -> Result<Span, ItemError<G::Error>> {
    let (lo, hi) = g.bounds();
    let (base, step) = match text.split_once('/') {
        Some((base, s)) => {
            let step = s
                .parse::<u32>()
                .ok()
                .filter(|s| *s >= 1)
                .ok_or_else(|| ItemError::Step(s.to_string()))?;
            (base, Some(step))
        }
        None => (text, None),
    };
    let (first, last) = if base == "*" {
        (lo, hi)
    } else if let Some((a, b)) = base.split_once('-') {
        let first = g.value(a).map_err(ItemError::Value)?;
        let last = g.range_end(first, g.value(b).map_err(ItemError::Value)?);
        if first > last {
            return Err(ItemError::Reversed { first, last });
        }
        (first, last)
    } else {
        let first = g.value(base).map_err(ItemError::Value)?;
        (first, if step.is_some() { hi } else { first })
    };
    if let Some(step) = step {
        if g.refuses_long_steps() && step > last - first {
            return Err(ItemError::LongStep { step, first, last });
        }
    }
    Ok(Span {
        first,
        last,
        step: step.unwrap_or(1),
    })
}

impl Span {
    /// Every value the item covers, in order.
    pub fn values(self) -> impl Iterator<Item = u32> {
        (self.first..=self.last).step_by(self.step as usize)
    }

    /// The values as bits of a field of at most 64 values.
    pub fn bits(self) -> u64 {
        self.values().fold(0, |m, v| m | 1 << v)
    }

    /// Whether the item covers every value of a field from `lo` to `hi`.
    pub fn is_all(self, lo: u32, hi: u32) -> bool {
        self.first == lo && self.last == hi && self.step == 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Numbers 0..=59, and `x` as 10 to show that names go through `value`.
    struct Minutes {
        strict: bool,
    }

    impl Grammar for Minutes {
        type Error = String;
        fn bounds(&self) -> (u32, u32) {
            (0, 59)
        }
        fn value(&self, text: &str) -> Result<u32, String> {
            match text {
                "x" => Ok(10),
                _ => text
                    .parse()
                    .ok()
                    .filter(|v| *v <= 59)
                    .ok_or_else(|| text.to_string()),
            }
        }
        fn refuses_long_steps(&self) -> bool {
            self.strict
        }
    }

    fn values(text: &str) -> Vec<u32> {
        item(text, &Minutes { strict: false })
            .unwrap()
            .values()
            .collect()
    }

    #[test]
    fn the_item_forms() {
        assert_eq!(values("*").len(), 60);
        assert_eq!(values("*/20"), [0, 20, 40]);
        assert_eq!(values("7"), [7]);
        assert_eq!(values("x-12"), [10, 11, 12]);
        assert_eq!(values("10-50/20"), [10, 30, 50]);
        assert_eq!(values("50/5"), [50, 55]);
    }

    #[test]
    fn the_errors() {
        let lax = Minutes { strict: false };
        assert_eq!(item("*/0", &lax), Err(ItemError::Step("0".into())));
        assert_eq!(item("5/", &lax), Err(ItemError::Step("".into())));
        assert_eq!(
            item("22-2", &lax),
            Err(ItemError::Reversed { first: 22, last: 2 })
        );
        assert_eq!(item("61", &lax), Err(ItemError::Value("61".into())));
        // APScheduler's rule: the step may not exceed the distance it steps over.
        let strict = Minutes { strict: true };
        assert_eq!(item("*/60", &lax).unwrap().values().count(), 1);
        assert_eq!(
            item("*/60", &strict),
            Err(ItemError::LongStep {
                step: 60,
                first: 0,
                last: 59
            })
        );
        assert!(item("*/59", &strict).is_ok());
        assert!(item("10-50/45", &strict).is_err());
        assert!(item("10-50/40", &strict).is_ok());
        assert!(item("50/10", &strict).is_err());
    }
}
