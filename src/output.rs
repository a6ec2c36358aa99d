//! How results are shown: tables (comfy-table) and JSON. Times for machines
//! are RFC 3339 with the zone's offset at that instant; times for people are
//! local to the job's zone, with a relative hint ("in 3m").

use std::collections::HashMap;
use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;
use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use serde_json::{json, Value};

use crate::model::{Execution, Job, JobState, Status};
use crate::trigger::input::format_duration;
use crate::trigger::Trigger;

/// RFC 3339 with the offset of `tz` at that instant: `2026-03-08T03:00:00-04:00`.
pub fn rfc3339(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// `2026-11-23 03:00:00 CET`
pub fn local_time(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// "in 3m", "5h ago", "now".
pub fn relative(t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let secs = (t - now).num_seconds();
    let span = |s: i64| -> String {
        let s = s.unsigned_abs();
        let (n, unit) = match s {
            0..=59 => (s, "s"),
            60..=3599 => (s / 60, "m"),
            3600..=86_399 => (s / 3600, "h"),
            _ => (s / 86_400, "d"),
        };
        format!("{n}{unit}")
    };
    match secs {
        0 => "now".into(),
        s if s > 0 => format!("in {}", span(s)),
        s => format!("{} ago", span(s)),
    }
}

/// The zone of a job, falling back to UTC for display when it is unknown.
pub fn job_tz(job: &Job) -> Tz {
    job.trigger.timezone.parse().unwrap_or(Tz::UTC)
}

/// A job's human trigger, or why its stored trigger cannot be used.
pub fn describe_trigger(job: &Job) -> String {
    match Trigger::from_spec(&job.trigger) {
        Ok(t) => t.describe(),
        Err(e) => format!("unusable: {e}"),
    }
}

fn opt_secs(v: Option<u64>) -> String {
    v.map_or_else(|| "none".to_string(), format_duration)
}

/// The JSON object of a job (SPEC §1 field names).
pub fn job_json(job: &Job, last: Option<&Execution>) -> Value {
    let tz = job_tz(job);
    json!({
        "id": job.id,
        "name": job.name,
        "command": job.command,
        "trigger": describe_trigger(job),
        "timezone": job.trigger.timezone,
        "state": job.state.as_str(),
        "next_run_at": job.next_run_at.map(|t| rfc3339(t, tz)),
        "max_instances": job.options.max_instances,
        "coalesce": job.options.coalesce,
        "misfire_grace_seconds": job.options.misfire_grace,
        "timeout_seconds": job.options.timeout,
        "cwd": job.options.cwd,
        "env": job.options.env,
        "jitter_seconds": job.trigger.jitter,
        "last_status": last.map(|e| e.status.as_str()),
        "last_run_at": last.map(|e| rfc3339(e.started_at.unwrap_or(e.scheduled_at), tz)),
        "created_at": rfc3339(job.created_at, tz),
        "updated_at": rfc3339(job.updated_at, tz),
        "trigger_spec": job.trigger,
    })
}

/// The JSON object of an execution (SPEC §1 field names).
pub fn execution_json(e: &Execution, tz: Tz) -> Value {
    json!({
        "id": e.id,
        "job_id": e.job_id,
        "job_name": e.job_name,
        "command": e.command,
        "scheduled_at": rfc3339(e.scheduled_at, tz),
        "started_at": e.started_at.map(|t| rfc3339(t, tz)),
        "finished_at": e.finished_at.map(|t| rfc3339(t, tz)),
        "duration_ms": e.duration_ms(),
        "status": e.status.as_str(),
        "exit_code": e.exit_code,
        "signal": e.signal,
    })
}

pub fn write_json(out: &mut impl Write, value: &Value) -> std::io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// `[{"fire_at": "...", "timezone": "..."}, ...]`
pub fn fire_times_json(fires: &[DateTime<Utc>], tz: Tz) -> Value {
    fires
        .iter()
        .map(|t| json!({ "fire_at": rfc3339(*t, tz), "timezone": tz.name() }))
        .collect()
}

fn table(color: bool) -> Table {
    let mut t = Table::new();
    t.load_style(presets::NOTHING)
        .set_content_arrangement(ContentArrangement::Disabled);
    if !color {
        t.force_no_tty();
    }
    t
}

fn header(t: &mut Table, names: &[&str], color: bool) {
    t.set_header(names.iter().map(|n| {
        let c = Cell::new(n);
        if color {
            c.add_attribute(comfy_table::Attribute::Bold)
        } else {
            c
        }
    }));
}

fn state_cell(state: JobState, color: bool) -> Cell {
    let c = Cell::new(state.as_str());
    if !color {
        return c;
    }
    match state {
        JobState::Active => c.fg(Color::Green),
        JobState::Paused => c.fg(Color::Yellow),
        JobState::Finished => c.fg(Color::DarkGrey),
    }
}

pub fn status_cell(status: Status, color: bool) -> Cell {
    let c = Cell::new(status.as_str());
    if !color {
        return c;
    }
    match status {
        Status::Success => c.fg(Color::Green),
        Status::Running => c.fg(Color::Cyan),
        Status::Skipped | Status::Missed => c.fg(Color::Yellow),
        Status::Failed | Status::Killed | Status::Timeout | Status::Interrupted => c.fg(Color::Red),
    }
}

/// The jobs table of `tick list`.
pub fn jobs_table(
    jobs: &[Job],
    last: &HashMap<String, Execution>,
    now: DateTime<Utc>,
    color: bool,
) -> String {
    let mut t = table(color);
    header(
        &mut t,
        &["ID", "NAME", "TRIGGER", "NEXT RUN", "LAST", "STATE"],
        color,
    );
    for job in jobs {
        let tz = job_tz(job);
        let next = match (job.state, job.next_run_at) {
            (_, Some(n)) => format!("{} ({})", local_time(n, tz), relative(n, now)),
            (JobState::Active, None) => "never".into(),
            _ => "-".into(),
        };
        let last = last.get(&job.id).map_or_else(
            || "-".to_string(),
            |e| {
                let when = e.finished_at.or(e.started_at).unwrap_or(e.scheduled_at);
                format!("{} {}", e.status, relative(when, now))
            },
        );
        t.add_row(vec![
            Cell::new(&job.id),
            Cell::new(job.name.as_deref().unwrap_or("-")),
            Cell::new(describe_trigger(job)),
            Cell::new(next),
            Cell::new(last),
            state_cell(job.state, color),
        ]);
    }
    trim_lines(&t.to_string())
}

/// The executions table of `tick show` (and later `tick history`).
pub fn executions_table(execs: &[Execution], tz: Tz, color: bool) -> String {
    let mut t = table(color);
    header(
        &mut t,
        &["EXEC", "SCHEDULED", "STARTED", "DURATION", "STATUS", "EXIT"],
        color,
    );
    for e in execs {
        t.add_row(vec![
            Cell::new(e.id),
            Cell::new(local_time(e.scheduled_at, tz)),
            Cell::new(e.started_at.map_or("-".into(), |s| local_time(s, tz))),
            Cell::new(e.duration_ms().map_or("-".into(), human_ms)),
            status_cell(e.status, color),
            Cell::new(match (e.exit_code, e.signal) {
                (Some(c), _) => c.to_string(),
                (None, Some(s)) => format!("signal {s}"),
                _ => "-".into(),
            }),
        ]);
    }
    trim_lines(&t.to_string())
}

/// `850ms`, `12.3s`, `4m05s`, `2h10m`.
pub fn human_ms(ms: i64) -> String {
    match ms {
        ..=999 => format!("{ms}ms"),
        1000..=59_999 => format!("{:.1}s", ms as f64 / 1000.0),
        60_000..=3_599_999 => format!("{}m{:02}s", ms / 60_000, ms % 60_000 / 1000),
        _ => format!("{}h{:02}m", ms / 3_600_000, ms % 3_600_000 / 60_000),
    }
}

pub(crate) fn opt_text(v: Option<u64>) -> String {
    opt_secs(v)
}

/// comfy-table pads every cell; drop the padding at line ends and the
/// preset's leading space.
fn trim_lines(s: &str) -> String {
    let lines: Vec<&str> = s.lines().map(|l| l.trim_end()).collect();
    let indent = lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| l.len() - l.trim_start().len())
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(indent..).unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times() {
        let now: DateTime<Utc> = "2026-01-01T00:00:00Z".parse().unwrap();
        let at = |s: i64| now + chrono::Duration::seconds(s);
        assert_eq!(relative(at(0), now), "now");
        assert_eq!(relative(at(45), now), "in 45s");
        assert_eq!(relative(at(180), now), "in 3m");
        assert_eq!(relative(at(-7200), now), "2h ago");
        assert_eq!(relative(at(3 * 86_400 + 5), now), "in 3d");
    }

    #[test]
    fn human_durations() {
        assert_eq!(human_ms(850), "850ms");
        assert_eq!(human_ms(12_340), "12.3s");
        assert_eq!(human_ms(245_000), "4m05s");
        assert_eq!(human_ms(7_800_000), "2h10m");
    }
}
