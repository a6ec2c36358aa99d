//! `--pause-after-failures N`, as both backends apply it inside the
//! transaction that records an execution's end: the job's recent runs read
//! back ([`RECENT_RUNS`]), the last N runs judged ([`failed_in_a_row`]),
//! and the job paused with a note saying why, all or nothing.

use chrono::{DateTime, Utc};

use crate::model::{Job, Pause, Status};

/// What recording one execution's end did besides writing it.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Recorded {
    /// Its retry was stored (see [`super::Finish::retry`]).
    pub retried: bool,
    /// It paused its job (`--pause-after-failures`): the note said why.
    pub paused: Option<String>,
}

/// A job's latest executions that ran or were to run, newest first
/// (`$1` the job, `$2` how many), as `id, status, retry_of`.
pub const RECENT_RUNS: &str = "SELECT id, status, retry_of FROM executions
     WHERE job_id = $1 AND status NOT IN ('missed', 'skipped')
     ORDER BY id DESC LIMIT $2";

/// How many of a job's latest rows [`RECENT_RUNS`] reads to see its last
/// `n` runs: each run has at most `retries + 1` attempts.
pub fn rows_to_read(n: u32, retries: u32) -> i64 {
    (i64::from(n) * (i64::from(retries) + 1)).min(100_000)
}

/// Whether the last `n` runs (a fire with its retries is one run, judged
/// by its last attempt) all failed, from rows `(id, status, retry_of)`
/// newest first. A run still going, or interrupted, breaks the row.
pub fn failed_in_a_row(rows: &[(i64, String, Option<i64>)], n: u32) -> bool {
    let mut seen: Vec<i64> = Vec::new();
    for (id, status, retry_of) in rows {
        let run = retry_of.unwrap_or(*id);
        if seen.contains(&run) {
            continue;
        }
        seen.push(run);
        let failed = matches!(
            status.parse::<Status>(),
            Ok(Status::Failed | Status::Killed | Status::Timeout)
        );
        if !failed {
            return false;
        }
        if seen.len() as u64 >= u64::from(n) {
            return true;
        }
    }
    false
}

/// Pause `job` after `n` failed runs in a row: the note, or `None` when
/// it was not active (paused or removed meanwhile).
pub fn pause_after(job: &mut Job, n: u32, at: DateTime<Utc>) -> Option<String> {
    let note = format!(
        "paused after {n} failed run{} in a row",
        if n == 1 { "" } else { "s" }
    );
    let pause = Pause {
        note: Some(note.clone()),
        until: None,
    };
    job.pause(Some(pause), at).then_some(note)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(id: i64, status: &str, retry_of: Option<i64>) -> (i64, String, Option<i64>) {
        (id, status.to_string(), retry_of)
    }

    #[test]
    fn a_run_is_judged_by_its_last_attempt() {
        let rows = [
            row(5, "failed", Some(4)),
            row(4, "failed", None),
            row(3, "failed", None),
            row(2, "success", Some(1)),
            row(1, "failed", None),
        ];
        assert!(failed_in_a_row(&rows, 2));
        assert!(!failed_in_a_row(&rows, 3));
        assert!(!failed_in_a_row(&rows[..1], 2), "too few runs");
        assert!(!failed_in_a_row(&[row(9, "interrupted", None)], 1));
        assert!(failed_in_a_row(&[row(9, "timeout", None)], 1));
    }
}
