//! `--pause-after-failures` in the jobs file, inside the transaction that
//! records an execution's end (see `store/pausing.rs`), and `--max-runs`,
//! inside the claim's (see `store/max_runs.rs`).

use anyhow::Result;
use rusqlite::Transaction;

use super::numbered;
use crate::store::pausing::{failed_in_a_row, pause_after, rows_to_read, RECENT_RUNS};
use crate::store::Finish;

/// Pause the job of `f` when its last `n` runs failed: the note, if it did.
pub(super) fn pause_after_failures(tx: &Transaction, f: &Finish, n: u32) -> Result<Option<String>> {
    let Some(mut job) = super::jobs::get(tx, f.job_id)? else {
        return Ok(None);
    };
    let limit = rows_to_read(n, job.options.retries);
    let rows = {
        let mut stmt = tx.prepare_cached(&numbered(RECENT_RUNS))?;
        let rows = stmt.query_map(rusqlite::params![f.job_id, limit], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?))
        })?;
        rows.collect::<rusqlite::Result<Vec<_>>>()?
    };
    if !failed_in_a_row(&rows, n) {
        return Ok(None);
    }
    let note = pause_after(&mut job, n, f.at);
    if note.is_some() {
        super::jobs::write(tx, &job)?;
    }
    Ok(note)
}

/// Count a run of job `id` (it has `--max-runs`), finishing it at the last.
pub(super) fn count_run(tx: &Transaction, id: &str) -> Result<()> {
    let options: String =
        tx.query_row("SELECT options FROM jobs WHERE id = ?1", [id], |r| r.get(0))?;
    let (options, last) = crate::store::max_runs::count_run(&options)?;
    tx.prepare_cached(&numbered(crate::store::max_runs::COUNT_RUN))?
        .execute(rusqlite::params![options, last, id])?;
    Ok(())
}
