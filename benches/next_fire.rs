//! Next-fire computation speed: `cargo bench --bench next_fire`.
//!
//! For each expression and zone, 41 rounds each compute the next fire from
//! 2,000 start instants spread over a year (every 4h23m17s, so starts land at
//! all times of day); a round's time divided by 2,000 is one sample. Prints
//! the median, and the min and max of the samples, in nanoseconds.
//! No criterion: it would double the dependency build on CI's 2 cores for
//! one table.

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use tick::trigger::Trigger;

const STARTS: usize = 2_000;
const ROUNDS: usize = 41;

fn main() {
    let exprs = [
        "*/5 * * * *",
        "30 9 * * 1-5",
        "0 0 29 2 *",
        "0 0 L * 5L",
        "0 0 30 2 *",
    ];
    let zones = ["UTC", "America/New_York"];
    let base: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    let starts: Vec<DateTime<Utc>> = (0..STARTS as i64)
        .map(|i| base + Duration::seconds(i * 15_797))
        .collect();
    println!(
        "{:<16} {:<18} {:>10} {:>10} {:>10}",
        "expression", "zone", "median ns", "min ns", "max ns"
    );
    for zone in zones {
        let tz: Tz = zone.parse().unwrap();
        for expr in exprs {
            let trigger = Trigger::crontab(expr, tz).unwrap();
            // Warm up caches and the branch predictor.
            for s in &starts {
                black_box(trigger.next_fire(black_box(*s)));
            }
            let mut samples: Vec<f64> = (0..ROUNDS)
                .map(|_| {
                    let t0 = Instant::now();
                    for s in &starts {
                        black_box(trigger.next_fire(black_box(*s)));
                    }
                    t0.elapsed().as_nanos() as f64 / STARTS as f64
                })
                .collect();
            samples.sort_by(f64::total_cmp);
            println!(
                "{:<16} {:<18} {:>10.0} {:>10.0} {:>10.0}",
                format!("'{expr}'"),
                zone,
                samples[ROUNDS / 2],
                samples[0],
                samples[ROUNDS - 1]
            );
        }
    }
}
