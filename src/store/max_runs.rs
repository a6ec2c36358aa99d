//! `--max-runs N`, as both backends apply it inside the claim's
//! transaction: each claimed run of such a job is counted in its options,
//! and the Nth finishes the job (no next run), all or nothing.

use anyhow::Result;

use super::{Claim, Claimed};
use crate::model::{JobOptions, Status};

/// The claims (by index) that started a run of a job with `--max-runs`:
/// won, not a retry, with a `running` row.
pub fn counted(claims: &[Claim], out: &[Claimed]) -> Vec<usize> {
    claims
        .iter()
        .zip(out)
        .enumerate()
        .filter(|(_, (c, o))| {
            c.max_runs
                && c.retry.is_none()
                && o.won
                && o.rows.iter().any(|r| r.status == Status::Running)
        })
        .map(|(i, _)| i)
        .collect()
}

/// One more run, onto a job's stored options: the options to store, and
/// whether that was its last run.
pub fn count_run(options: &str) -> Result<(String, bool)> {
    let mut o: JobOptions = serde_json::from_str(options)?;
    let Some(m) = &mut o.max_runs else {
        return Ok((options.to_string(), false));
    };
    m.started = m.started.saturating_add(1);
    let last = m.left() == 0;
    Ok((serde_json::to_string(&o)?, last))
}

/// Store [`count_run`]'s options (`$1`) for job `$3`, finishing it when
/// `$2` (its last run).
pub const COUNT_RUN: &str = "UPDATE jobs SET options = $1,
       state = CASE WHEN $2 THEN 'finished' ELSE state END,
       next_run_at = CASE WHEN $2 THEN NULL ELSE next_run_at END
     WHERE id = $3";
