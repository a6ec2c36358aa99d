//! Next-fire computation speed: `cargo bench --bench next_fire`.
//!
//! For each trigger and zone, rounds each compute the next fire from start
//! instants spread over a year (every 4h23m17s, so starts land at all times
//! of day); a round's time divided by its starts is one sample. Prints the
//! median, and the min and max of the samples, in nanoseconds. Cron
//! expressions and `any`: 41 rounds × 2,000 starts; an `all` that never
//! agrees (each next-fire runs the search to its bound): 21 rounds × 50.
//! No criterion: it would double the dependency build on CI's 2 cores for
//! one table.

use std::hint::black_box;
use std::time::Instant;

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use tick::trigger::Trigger;

fn main() {
    let exprs = [
        "*/5 * * * *",
        "30 9 * * 1-5",
        "0 0 29 2 *",
        "0 0 L * 5L",
        "0 0 30 2 *",
    ];
    let zones = ["UTC", "America/New_York"];
    println!(
        "{:<44} {:<18} {:>10} {:>10} {:>10}",
        "trigger", "zone", "median ns", "min ns", "max ns"
    );
    for zone in zones {
        let tz: Tz = zone.parse().unwrap();
        let cron = |e: &str| Trigger::crontab(e, tz).unwrap();
        for expr in exprs {
            report(&format!("'{expr}'"), zone, &cron(expr), 41, 2_000);
        }
        let any = Trigger::any(
            vec![
                cron("0 9 * * 1-5"),
                cron("0 10 * * 6,0"),
                cron("*/15 12-14 * * *"),
            ],
            tz,
        );
        report("any of 3 cron parts", zone, &any, 41, 2_000);
        let never = Trigger::all(vec![cron("0 9 * * *"), cron("0 10 * * *")], tz);
        report("all never agreeing (bound reached)", zone, &never, 21, 50);
    }
}

fn report(label: &str, zone: &str, trigger: &Trigger, rounds: usize, starts: usize) {
    let base: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
    let starts: Vec<DateTime<Utc>> = (0..starts as i64)
        .map(|i| base + Duration::seconds(i * 15_797))
        .collect();
    // Warm up caches and the branch predictor.
    for s in &starts {
        black_box(trigger.next_fire(black_box(*s)));
    }
    let mut samples: Vec<f64> = (0..rounds)
        .map(|_| {
            let t0 = Instant::now();
            for s in &starts {
                black_box(trigger.next_fire(black_box(*s)));
            }
            t0.elapsed().as_nanos() as f64 / starts.len() as f64
        })
        .collect();
    samples.sort_by(f64::total_cmp);
    println!(
        "{:<44} {:<18} {:>10.0} {:>10.0} {:>10.0}",
        label,
        zone,
        samples[rounds / 2],
        samples[0],
        samples[rounds - 1]
    );
}
