//! `/metrics` in Prometheus' text format (version 0.0.4), with
//! prometheus.io's conventions: base units (`_seconds`), `_total` for
//! counters, job ids as labels (never a command or a name).
//!
//! Counters and histograms count executions that ended since the first
//! scrape, as the server sees them appear in the history (every runner's,
//! on a shared store): a counter only grows, whatever retention or `tick
//! prune` delete later. From the first scrape on, the server looks at the
//! newest executions at every scrape and every 5 seconds in between (cheap:
//! a walk down from the newest id), and follows the ones it saw running
//! until they end. Gauges (jobs
//! by state, next fires, running executions, live runners) are read at
//! each scrape; each job's last peak memory is that of the latest
//! execution seen ending (with its cost recorded) since the first scrape.

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::server::Response;
use super::App;
use crate::model::{Execution, JobState, Status};
use crate::ops;

/// How often the history is looked at between scrapes.
const CATCH_UP: Duration = Duration::from_secs(5);
/// Successes looked at when the server starts, for each job's last one.
const RECENT_SUCCESSES: usize = 1000;

const DURATION_BUCKETS: &[f64] = &[
    0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0, 900.0, 3600.0,
];
const LATENESS_BUCKETS: &[f64] = &[
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 60.0,
];

#[derive(Debug, Clone)]
struct Histogram {
    bounds: &'static [f64],
    counts: Vec<u64>,
    sum: f64,
    count: u64,
}

impl Histogram {
    fn new(bounds: &'static [f64]) -> Histogram {
        Histogram {
            bounds,
            counts: vec![0; bounds.len()],
            sum: 0.0,
            count: 0,
        }
    }

    fn observe(&mut self, v: f64) {
        for (i, b) in self.bounds.iter().enumerate() {
            if v <= *b {
                self.counts[i] += 1;
            }
        }
        self.sum += v;
        self.count += 1;
    }

    fn write(&self, out: &mut String, name: &str, help: &str) {
        let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} histogram");
        for (b, c) in self.bounds.iter().zip(&self.counts) {
            let _ = writeln!(out, "{name}_bucket{{le=\"{b}\"}} {c}");
        }
        let _ = writeln!(out, "{name}_bucket{{le=\"+Inf\"}} {}", self.count);
        let _ = writeln!(out, "{name}_sum {}", self.sum);
        let _ = writeln!(out, "{name}_count {}", self.count);
    }
}

/// What the server has seen of the history.
struct Seen {
    /// Every execution id up to this one has been counted or is in `open`.
    cursor: i64,
    /// Executions seen running: id → job id.
    open: BTreeMap<i64, String>,
    runs: BTreeMap<(String, &'static str), u64>,
    duration: Histogram,
    lateness: Histogram,
    /// Each job's latest success (when it finished).
    last_success: HashMap<String, DateTime<Utc>>,
    /// CPU microseconds by job and mode (`user`, `system`).
    cpu: BTreeMap<(String, &'static str), i64>,
    /// Each job's latest execution that recorded its cost: (id, peak KiB).
    peak_memory: BTreeMap<String, (i64, i64)>,
}

#[derive(Default)]
pub struct Collector(Mutex<Option<Seen>>);

/// The gauges of one scrape.
#[derive(Default)]
struct Gauges {
    /// Active, paused, finished.
    states: [u64; 3],
    next: Vec<(String, DateTime<Utc>)>,
    last_ok: Vec<(String, DateTime<Utc>)>,
    alive: usize,
}

impl Collector {
    /// Once something scrapes, look at the history every few seconds, so
    /// that no execution is missed between scrapes (retention may delete
    /// it). Before the first scrape this costs nothing but a wake-up.
    pub fn start_background(app: Arc<App>) {
        let _ = std::thread::Builder::new()
            .name("tick-http-metrics".into())
            .stack_size(256 * 1024)
            .spawn(move || loop {
                std::thread::sleep(CATCH_UP);
                let _ = app.metrics.catch_up(app.as_ref(), false);
            });
    }

    /// Count what ended since the last look; `first`: start counting if
    /// not started yet (a scrape).
    fn catch_up(&self, app: &App, first: bool) -> Result<()> {
        let mut guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        match guard.as_mut() {
            None if first => *guard = Some(Seen::start(app)?),
            None => {}
            Some(seen) => seen.catch_up(app)?,
        }
        Ok(())
    }

    pub fn render(&self, app: &App) -> Response {
        match self.text(app) {
            Ok(text) => Response::new(200, "text/plain; version=0.0.4; charset=utf-8", text),
            Err(e) => Response::error(
                503,
                &format!("cannot read the store: {}", crate::error::chain_text(&e)),
            ),
        }
    }

    /// What is read at each scrape: jobs by state, next fires, last
    /// successes (seen, or the latest execution when it succeeded), runners
    /// alive.
    fn gauges(&self, app: &App) -> Result<Gauges> {
        let now = Utc::now();
        let mut g = Gauges::default();
        let sel = ops::list::Selection {
            all: true,
            ..Default::default()
        };
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let seen = guard.as_ref();
        ops::list::each(&sel, &app.ctx, &mut |l| {
            g.states[match l.job.state {
                JobState::Active => 0,
                JobState::Paused => 1,
                JobState::Finished => 2,
            }] += 1;
            if let Some(n) = l.job.next_run_at {
                g.next.push((l.job.id.clone(), n));
            }
            let stored = seen.and_then(|s| s.last_success.get(&l.job.id)).copied();
            let listed = l
                .last
                .filter(|e| e.status == Status::Success)
                .and_then(|e| e.finished_at);
            if let Some(t) = stored.max(listed) {
                g.last_ok.push((l.job.id.clone(), t));
            }
            Ok(())
        })?;
        drop(guard);
        g.alive = ops::runners::runners(&app.ctx)?
            .iter()
            .filter(|r| r.state_at(now) == crate::model::RunnerState::Alive)
            .count();
        Ok(g)
    }

    fn text(&self, app: &App) -> Result<String> {
        self.catch_up(app, true)?;
        let g = self.gauges(app)?;
        let (next, last_ok) = (&g.next, &g.last_ok);
        let mut out = String::with_capacity(4096 + next.len() * 80);
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let seen = guard.as_ref();
        gauge_head(&mut out, "tick_jobs", "Jobs in the store, by state.");
        for (state, n) in ["active", "paused", "finished"].iter().zip(g.states) {
            let _ = writeln!(out, "tick_jobs{{state=\"{state}\"}} {n}");
        }
        let _ = writeln!(
            out,
            "# HELP tick_job_runs_total Executions that ended, by job and status, since the first scrape.\n# TYPE tick_job_runs_total counter"
        );
        if let Some(seen) = seen {
            for ((job, status), n) in &seen.runs {
                let _ = writeln!(
                    out,
                    "tick_job_runs_total{{job=\"{}\",status=\"{status}\"}} {n}",
                    label(job)
                );
            }
            seen.duration.write(
                &mut out,
                "tick_job_run_duration_seconds",
                "How long executions ran, from start to end.",
            );
            seen.lateness.write(
                &mut out,
                "tick_fire_lateness_seconds",
                "How late executions started after their scheduled time (jitter included).",
            );
            seen.write_usage(&mut out);
        }
        job_times(
            &mut out,
            "tick_job_last_success_timestamp_seconds",
            "When each job's latest successful execution ended (Unix time).",
            last_ok,
        );
        job_times(
            &mut out,
            "tick_job_next_fire_timestamp_seconds",
            "Each job's next scheduled fire (Unix time, without jitter).",
            next,
        );
        gauge_head(
            &mut out,
            "tick_executions_running",
            "Executions recorded as running.",
        );
        let running = seen.map_or(0, |s| s.open.len());
        let _ = writeln!(out, "tick_executions_running {running}");
        gauge_head(
            &mut out,
            "tick_runners_alive",
            "Runners registered on the store whose lease holds.",
        );
        let _ = writeln!(out, "tick_runners_alive {}", g.alive);
        notifications(&mut out);
        gauge_head(&mut out, "tick_build_info", "The version of tick serving.");
        let _ = writeln!(
            out,
            "tick_build_info{{version=\"{}\"}} 1",
            label(env!("CARGO_PKG_VERSION"))
        );
        Ok(out)
    }
}

/// What this process's notification delivery did (`--notify`: counted
/// where it runs, so `tick run --http` shows them; `tick serve` shows 0).
fn notifications(out: &mut String) {
    let c = crate::notify::counts();
    let _ = writeln!(
        out,
        "# HELP tick_notifications_total Notices (one per target) by outcome: sent, failed (after every attempt), dropped (the queue was full).\n# TYPE tick_notifications_total counter"
    );
    for (outcome, n) in [
        ("sent", c.sent),
        ("failed", c.failed),
        ("dropped", c.dropped),
    ] {
        let _ = writeln!(out, "tick_notifications_total{{outcome=\"{outcome}\"}} {n}");
    }
    let _ = writeln!(
        out,
        "# HELP tick_notification_attempts_failed_total Delivery attempts that failed, retries included.\n# TYPE tick_notification_attempts_failed_total counter\ntick_notification_attempts_failed_total {}",
        c.attempts_failed
    );
}

/// A gauge of one instant per job (Unix time).
fn job_times(out: &mut String, name: &str, help: &str, times: &[(String, DateTime<Utc>)]) {
    gauge_head(out, name, help);
    for (job, t) in times {
        let _ = writeln!(out, "{name}{{job=\"{}\"}} {}", label(job), seconds(*t));
    }
}

fn gauge_head(out: &mut String, name: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} gauge");
}

/// A label value: `\`, `"` and newlines escaped.
fn label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

fn seconds(t: DateTime<Utc>) -> String {
    format!("{:.3}", t.timestamp_millis() as f64 / 1000.0)
}

fn newest(app: &App, status: Option<Status>, limit: usize) -> Result<Vec<Execution>> {
    ops::history::executions(
        &ops::history::Selection {
            id: None,
            status,
            name: None,
            limit,
            before: None,
        },
        &app.ctx,
    )
}

impl Seen {
    /// Counting starts now: what runs now is followed, what ended is not
    /// counted; each job's last success is looked up among the recent ones.
    fn start(app: &App) -> Result<Seen> {
        let cursor = newest(app, None, 1)?.first().map_or(0, |e| e.id);
        let open = newest(app, Some(Status::Running), 100_000)?
            .into_iter()
            .map(|e| (e.id, e.job_id))
            .collect();
        let mut last_success = HashMap::new();
        for e in newest(app, Some(Status::Success), RECENT_SUCCESSES)? {
            if let Some(t) = e.finished_at {
                last_success.entry(e.job_id).or_insert(t);
            }
        }
        Ok(Seen {
            cursor,
            open,
            runs: BTreeMap::new(),
            duration: Histogram::new(DURATION_BUCKETS),
            lateness: Histogram::new(LATENESS_BUCKETS),
            last_success,
            cpu: BTreeMap::new(),
            peak_memory: BTreeMap::new(),
        })
    }

    fn catch_up(&mut self, app: &App) -> Result<()> {
        // The executions added since the cursor, read newest first in
        // growing batches until the cursor is reached.
        let mut limit = 64;
        let rows = loop {
            let rows = newest(app, None, limit)?;
            let reached = rows.last().is_none_or(|e| e.id <= self.cursor);
            if rows.len() < limit || reached || limit >= 1 << 20 {
                break rows;
            }
            limit *= 8;
        };
        let from = self.cursor;
        for e in rows.into_iter().rev().filter(|e| e.id > from) {
            self.cursor = e.id;
            if e.status == Status::Running {
                self.open.insert(e.id, e.job_id.clone());
            } else {
                self.count(&e);
            }
        }
        // The ones seen running: ended yet?
        let open: Vec<(i64, String)> = self.open.iter().map(|(k, v)| (*k, v.clone())).collect();
        for (id, job) in open {
            match ops::logs::captured(&job, Some(id), &app.ctx) {
                Ok((e, _)) if e.status == Status::Running => {}
                Ok((e, _)) => {
                    self.open.remove(&id);
                    self.count(&e);
                }
                // Given back unstarted, or deleted: nothing to count.
                Err(_) => {
                    self.open.remove(&id);
                }
            }
        }
        Ok(())
    }

    fn count(&mut self, e: &Execution) {
        *self
            .runs
            .entry((e.job_id.clone(), e.status.as_str()))
            .or_default() += 1;
        if let Some(ms) = e.duration_ms() {
            self.duration.observe(ms.max(0) as f64 / 1000.0);
        }
        if let Some(started) = e.started_at {
            let late = (started - e.scheduled_at).num_milliseconds().max(0);
            self.lateness.observe(late as f64 / 1000.0);
        }
        if let Some(u) = e.usage {
            for (mode, us) in [("user", u.user_cpu_us), ("system", u.system_cpu_us)] {
                let sum = self.cpu.entry((e.job_id.clone(), mode)).or_default();
                *sum = sum.saturating_add(us.max(0));
            }
            let slot = self
                .peak_memory
                .entry(e.job_id.clone())
                .or_insert((e.id, u.peak_memory_kib));
            if e.id >= slot.0 {
                *slot = (e.id, u.peak_memory_kib);
            }
        }
        if e.status == Status::Success {
            if let Some(t) = e.finished_at {
                let slot = self.last_success.entry(e.job_id.clone()).or_insert(t);
                *slot = (*slot).max(t);
            }
        }
    }
}

impl Seen {
    /// What runs cost: CPU seconds by job and mode, each job's last peak
    /// memory.
    fn write_usage(&self, out: &mut String) {
        let name = "tick_job_cpu_seconds_total";
        let _ = writeln!(
            out,
            "# HELP {name} CPU time of executions that ended, by job and mode (user, system), since the first scrape.\n# TYPE {name} counter"
        );
        for ((job, mode), us) in &self.cpu {
            let (job, s) = (label(job), *us as f64 / 1e6);
            let _ = writeln!(out, "{name}{{job=\"{job}\",mode=\"{mode}\"}} {s}");
        }
        let name = "tick_job_last_peak_memory_bytes";
        gauge_head(
            out,
            name,
            "Peak resident memory of each job's latest execution that ended since the first scrape.",
        );
        for (job, (_, kib)) in &self.peak_memory {
            let _ = writeln!(out, "{name}{{job=\"{}\"}} {}", label(job), kib * 1024);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn histograms_are_cumulative() {
        let mut h = Histogram::new(&[1.0, 5.0]);
        h.observe(0.5);
        h.observe(3.0);
        h.observe(10.0);
        let mut out = String::new();
        h.write(&mut out, "x_seconds", "help");
        assert!(out.contains("x_seconds_bucket{le=\"1\"} 1\n"));
        assert!(out.contains("x_seconds_bucket{le=\"5\"} 2\n"));
        assert!(out.contains("x_seconds_bucket{le=\"+Inf\"} 3\n"));
        assert!(out.contains("x_seconds_sum 13.5\n"));
        assert!(out.contains("x_seconds_count 3\n"));
    }

    #[test]
    fn labels_are_escaped() {
        assert_eq!(label("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
    }
}
