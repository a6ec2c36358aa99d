//! Errors written for people, and the one place exit codes are decided.
//!
//! Most failures travel as `anyhow::Error` with context added at the edges.
//! A [`UsageError`] anywhere in the chain means the user asked for something
//! invalid (bad flag, expression, date, zone, unknown job): exit code 2.

use std::fmt;

/// Exit code for success.
pub const EXIT_OK: i32 = 0;
/// Exit code for any failure that is not the user's input.
pub const EXIT_FAILURE: i32 = 1;
/// Exit code for bad input.
pub const EXIT_USAGE: i32 = 2;

/// Invalid input: the message names the bad value and what would be valid.
/// `missing`: the input names something that is not there (a job, an
/// execution): 404 over HTTP, exit 2 on the command line like any usage error.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError {
    msg: String,
    missing: bool,
}

impl UsageError {
    pub fn new(msg: impl Into<String>) -> Self {
        UsageError {
            msg: msg.into(),
            missing: false,
        }
    }

    /// Input that names something that is not there.
    pub fn missing(msg: impl Into<String>) -> Self {
        UsageError {
            msg: msg.into(),
            missing: true,
        }
    }

    /// Whether it names something that is not there.
    pub fn is_missing(&self) -> bool {
        self.missing
    }

    /// A job id (or name) that names no job.
    pub fn unknown_job(id: &str) -> Self {
        UsageError::missing(format!(
            "unknown job '{id}': no job has that id or name (see 'tick list --all')"
        ))
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for UsageError {}

/// A request the store's state refuses for now, though nothing in it is
/// wrong (run-now with no live runner to fire it): exit 1, 409 Conflict
/// over HTTP.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Conflict(pub String);

impl fmt::Display for Conflict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Conflict {}

/// Not an error to report: `tick fire` passing its job's exit code on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JobExit(pub i32);

impl fmt::Display for JobExit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "the job exited with {}", self.0)
    }
}

impl std::error::Error for JobExit {}

/// The error and its causes, `: `-separated (like `{:#}`), without a cause
/// that only repeats the one before it (SQLite's "Error code 8: ..." after
/// the same text).
pub fn chain_text(err: &anyhow::Error) -> String {
    let mut parts: Vec<String> = Vec::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if parts
            .last()
            .is_some_and(|prev| text.contains(prev.as_str()) || prev.contains(&text))
        {
            continue;
        }
        parts.push(text);
    }
    parts.join(": ")
}

/// An error message as one line: control characters a user typed (a
/// newline in a quoted value, say) are shown escaped.
pub fn one_line(msg: &str) -> String {
    crate::escape::text(msg, crate::escape::Newlines::Escape).into_owned()
}

/// Exit code of `tick fire` for a job that timed out (as `timeout(1)`);
/// [`crate::model::Status::exit_code`] maps an execution's end to these.
pub const EXIT_TIMEOUT: i32 = 124;
/// Exit code of `tick fire` stopped by SIGINT/SIGTERM (as a shell's 128+2).
pub const EXIT_INTERRUPTED: i32 = 130;

/// The process exit code for an error.
pub fn exit_code(err: &anyhow::Error) -> i32 {
    if let Some(JobExit(code)) = err.downcast_ref::<JobExit>() {
        *code
    } else if is_broken_pipe(err) {
        EXIT_OK
    } else if err.chain().any(|e| e.is::<UsageError>()) {
        EXIT_USAGE
    } else {
        EXIT_FAILURE
    }
}

/// Errors that are not reported on stderr: a closed stdout
/// (`tick next | head -1`) and a job's own exit code.
pub fn is_silent(err: &anyhow::Error) -> bool {
    is_broken_pipe(err) || err.downcast_ref::<JobExit>().is_some()
}

/// A closed stdout is not a failure.
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|e| {
        e.downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
