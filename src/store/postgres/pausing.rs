//! `--pause-after-failures` on PostgreSQL, inside the transaction that
//! records an execution's end (see `store/pausing.rs`): the job's row is
//! locked first, so that two runners ending its runs at once judge them
//! one after the other. And `--max-runs`, inside the claim's transaction
//! (see `store/max_runs.rs`).

use anyhow::Result;
use postgres::Client;

use crate::store::pausing::{failed_in_a_row, pause_after, rows_to_read, RECENT_RUNS};
use crate::store::Finish;

/// Pause the job of `f` when its last `n` runs failed: the note, if it did.
pub(super) fn pause_after_failures(c: &mut Client, f: &Finish, n: u32) -> Result<Option<String>> {
    let Some(mut job) = super::jobs::get_locked(c, f.job_id)? else {
        return Ok(None);
    };
    let limit = rows_to_read(n, job.options.retries);
    let rows: Vec<(i64, String, Option<i64>)> = c
        .query(RECENT_RUNS, &[&f.job_id, &limit])?
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    if !failed_in_a_row(&rows, n) {
        return Ok(None);
    }
    let note = pause_after(&mut job, n, f.at);
    if note.is_some() {
        super::jobs::write(c, &job, true)?;
    }
    Ok(note)
}

/// Count a run of job `id` (it has `--max-runs`), finishing it at the last.
pub(super) fn count_run(c: &mut Client, id: &str) -> Result<()> {
    let options: String = c
        .query_one("SELECT options FROM jobs WHERE id = $1 FOR UPDATE", &[&id])?
        .get(0);
    let (options, last) = crate::store::max_runs::count_run(&options)?;
    c.execute(crate::store::max_runs::COUNT_RUN, &[&options, &last, &id])?;
    Ok(())
}
