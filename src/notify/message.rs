//! What a notice says: one JSON object for webhooks (its `text` a few
//! plain lines that read well in Slack, Mattermost and ntfy, `content` the
//! same for Discord, `title` a one-line summary), and the same text as
//! mail. Built from plain facts; nothing here does I/O.

use chrono::{DateTime, SecondsFormat, Utc};
use serde::Serialize;

use crate::model::Status;
use crate::units::{format_duration, human_ms};

/// How much of a run's output a notice carries: its last 2 KiB.
pub const OUTPUT_TAIL: usize = 2048;
/// How much of it the `text` shows (chat messages stay short).
const TEXT_TAIL: usize = 600;

/// What is known of the execution (or job) a notice is about.
#[derive(Debug, Clone, Default)]
pub struct Facts {
    pub job_id: String,
    pub job_name: Option<String>,
    pub command: String,
    pub execution_id: Option<i64>,
    pub status: Option<Status>,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub scheduled_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub duration_ms: Option<i64>,
    /// The last [`OUTPUT_TAIL`] bytes of what it printed (stdout, then stderr).
    pub output: Vec<u8>,
    /// Why (a missed fire's lateness, the expectation it broke).
    pub reason: Option<String>,
}

impl Facts {
    /// The last [`OUTPUT_TAIL`] bytes of stdout followed by stderr.
    pub fn tail_of(stdout: &[u8], stderr: &[u8]) -> Vec<u8> {
        let mut all = Vec::with_capacity((stdout.len() + stderr.len()).min(OUTPUT_TAIL));
        let skip_err = stderr.len().saturating_sub(OUTPUT_TAIL);
        let room = OUTPUT_TAIL - (stderr.len() - skip_err);
        all.extend_from_slice(&stdout[stdout.len().saturating_sub(room)..]);
        all.extend_from_slice(&stderr[skip_err..]);
        all
    }
}

/// A runner that stopped renewing its lease (`runner-lost`).
#[derive(Debug, Clone, Serialize)]
pub struct LostRunner {
    pub name: String,
    pub host: String,
    pub pid: i64,
    pub renewed_at: String,
    pub lease_ms: i64,
}

/// One notice, as webhooks receive it (docs/http.md lists the fields).
#[derive(Debug, Clone, Serialize)]
pub struct Message {
    /// `failure`, `success`, `recovery`, `output`, `missed`, `long`,
    /// `short`, `silent`, `paused` or `runner-lost`.
    pub event: &'static str,
    pub title: String,
    pub text: String,
    /// The same as `text`, under the name Discord reads.
    pub content: String,
    /// The host of the runner that sent it.
    pub host: String,
    pub job_id: Option<String>,
    pub job_name: Option<String>,
    pub command: Option<String>,
    pub execution_id: Option<i64>,
    pub status: Option<&'static str>,
    pub exit_code: Option<i32>,
    pub signal: Option<i32>,
    pub scheduled_at: Option<String>,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    pub duration_ms: Option<i64>,
    /// The last 2 KiB of the run's output (invalid UTF-8 replaced).
    pub output: Option<String>,
    pub reason: Option<String>,
    /// For `runner-lost`: the runner.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub runner: Option<LostRunner>,
}

fn time(t: Option<DateTime<Utc>>) -> Option<String> {
    t.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true))
}

/// `job "Nightly backup" (a1b2)` or `job a1b2`.
fn job_label(f: &Facts) -> String {
    match &f.job_name {
        Some(name) => format!("job \"{name}\" ({})", f.job_id),
        None => format!("job {}", f.job_id),
    }
}

/// What the first line says happened.
fn headline(event: &str, f: &Facts) -> String {
    let took = f.duration_ms.map(human_ms).unwrap_or_else(|| "?".into());
    let how = match (f.status, f.exit_code, f.signal) {
        (Some(Status::Timeout), _, _) => " (timed out)".to_string(),
        (_, Some(c), _) if c != 0 => format!(" with exit code {c}"),
        (_, _, Some(s)) => format!(" (killed by signal {s})"),
        _ => String::new(),
    };
    match event {
        "failure" => format!("failed{how} after {took}"),
        "success" => format!("succeeded in {took}"),
        "recovery" => format!("recovered: succeeded in {took}"),
        "output" => format!(
            "printed output ({}{how})",
            f.status.map_or("running", Status::as_str)
        ),
        "missed" => "missed a fire".to_string(),
        "long" => format!("is still running after {took}"),
        "short" => format!("succeeded in only {took}"),
        "silent" => "has not succeeded in time".to_string(),
        "paused" => "was paused".to_string(),
        other => other.to_string(),
    }
}

impl Message {
    /// A notice about a job (`event` one of the job events).
    pub fn job(event: &'static str, f: &Facts, host: &str) -> Message {
        let label = job_label(f);
        let what = headline(event, f);
        let title = format!("tick: {label} {what}");
        let mut text = format!("{label} {what} on {host}");
        if let Some(reason) = &f.reason {
            text.push_str(&format!("\n{reason}"));
        }
        let mut facts = Vec::new();
        if let Some(at) = f.scheduled_at {
            facts.push(format!("scheduled {}", time(Some(at)).unwrap_or_default()));
        }
        if let Some(id) = f.execution_id {
            facts.push(format!("execution {id}"));
        }
        if !facts.is_empty() {
            text.push_str(&format!("\n{}", facts.join(", ")));
        }
        text.push_str(&format!("\n$ {}", head_chars(first_line(&f.command), 200)));
        let output =
            (!f.output.is_empty()).then(|| String::from_utf8_lossy(&f.output).into_owned());
        if let Some(out) = &output {
            let shown = tail_chars(out.trim_end(), TEXT_TAIL);
            text.push_str(&format!("\n```\n{}\n```", shown.replace("```", "'''")));
        }
        Message {
            event,
            title,
            content: text.clone(),
            text,
            host: host.to_string(),
            job_id: Some(f.job_id.clone()),
            job_name: f.job_name.clone(),
            command: Some(f.command.clone()),
            execution_id: f.execution_id,
            status: f.status.map(Status::as_str),
            exit_code: f.exit_code,
            signal: f.signal,
            scheduled_at: time(f.scheduled_at),
            started_at: time(f.started_at),
            finished_at: time(f.finished_at),
            duration_ms: f.duration_ms,
            output,
            reason: f.reason.clone(),
            runner: None,
        }
    }

    /// A runner's lease ran out (PostgreSQL), noticed on `host`.
    pub fn runner_lost(r: LostRunner, host: &str) -> Message {
        let title = format!("tick: runner {} on {} was lost", r.name, r.host);
        let text = format!(
            "runner {} (pid {} on {}) stopped renewing its lease: none seen for {} (last renewed {}); noticed on {host}, which takes over its executions",
            r.name,
            r.pid,
            r.host,
            format_duration((r.lease_ms / 1000).max(0) as u64),
            r.renewed_at
        );
        Message {
            event: "runner-lost",
            title,
            content: text.clone(),
            text,
            host: host.to_string(),
            job_id: None,
            job_name: None,
            command: None,
            execution_id: None,
            status: None,
            exit_code: None,
            signal: None,
            scheduled_at: None,
            started_at: None,
            finished_at: None,
            duration_ms: None,
            output: None,
            reason: None,
            runner: Some(r),
        }
    }

    /// The mail's subject: the title on one line.
    pub fn subject(&self) -> String {
        first_line(&self.title).to_string()
    }
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or("")
}

/// The first `n` bytes of `s`, on a character boundary, `…` last when cut.
fn head_chars(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut at = n;
    while !s.is_char_boundary(at) {
        at -= 1;
    }
    format!("{}…", &s[..at])
}

/// The last `n` bytes of `s`, on a character boundary, `…` first when cut.
fn tail_chars(s: &str, n: usize) -> String {
    if s.len() <= n {
        return s.to_string();
    }
    let mut at = s.len() - n;
    while !s.is_char_boundary(at) {
        at += 1;
    }
    format!("…{}", &s[at..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failure_reads_as_one_line_then_details() {
        let f = Facts {
            job_id: "backup".into(),
            job_name: Some("Nightly backup".into()),
            command: "pg_dump db > /b".into(),
            execution_id: Some(42),
            status: Some(Status::Failed),
            exit_code: Some(2),
            duration_ms: Some(3_500),
            scheduled_at: DateTime::from_timestamp(1_800_000_000, 0),
            output: b"disk full\n".to_vec(),
            ..Facts::default()
        };
        let m = Message::job("failure", &f, "web1");
        assert_eq!(
            m.text,
            "job \"Nightly backup\" (backup) failed with exit code 2 after 3.5s on web1\n\
             scheduled 2027-01-15T08:00:00Z, execution 42\n$ pg_dump db > /b\n```\ndisk full\n```"
        );
        assert_eq!(m.content, m.text);
        assert_eq!(m.output.as_deref(), Some("disk full\n"));
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["event"], "failure");
        assert_eq!(json["exit_code"], 2);
    }

    #[test]
    fn the_output_tail_is_the_last_two_kib_of_both_streams() {
        let out = vec![b'o'; 3000];
        let err = vec![b'e'; 100];
        let t = Facts::tail_of(&out, &err);
        assert_eq!(t.len(), OUTPUT_TAIL);
        assert!(t.ends_with(&err));
        assert_eq!(Facts::tail_of(b"a", b"b"), b"ab");
        assert_eq!(Facts::tail_of(b"", &vec![b'e'; 5000]).len(), OUTPUT_TAIL);
    }
}
