//! [`Runs`] in the jobs file: due jobs, claims, and the lifecycle of an
//! execution row. Each method is one transaction.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::{params, OptionalExtension};

use super::{from_ms, numbered, to_ms, SqliteStore};
use crate::model::{Fire, RetryPlan, RunResult, Status};
use crate::store::rows;
use crate::store::{
    Claim, Claimed, ClaimedRow, Due, DueQuery, Finish, JobRow, LeaseLost, Owner, PendingRetry,
    Recorded, RunnerLock, RunningRow, Runs, Started, StoreGone, Version,
};

/// How long a runner's write waits for another process's lock.
const RUNNER_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(1);
/// How long writing the output so far waits for another process's lock.
const SO_FAR_BUSY_TIMEOUT: std::time::Duration = std::time::Duration::from_millis(50);

impl Runs for SqliteStore {
    fn runner_lock(&self, me: &str) -> Result<RunnerLock> {
        super::lock::try_lock(&self.path, me)
    }

    /// `PRAGMA data_version` (changes when another connection commits) and
    /// the rows this connection changed.
    fn version(&self) -> Result<Version> {
        // Read when stepped, not when prepared: safe to cache.
        let theirs = self
            .conn
            .prepare_cached("PRAGMA data_version")?
            .query_row([], |r| r.get(0))?;
        Ok(Version {
            theirs,
            ours: self.conn.total_changes(),
        })
    }

    fn next_due(&self, skip: &[String]) -> Result<Option<DateTime<Utc>>> {
        let retry: Option<i64> = self
            .conn
            .prepare_cached(
                "SELECT min(due_at) FROM retries WHERE job_id NOT IN (SELECT value FROM json_each(?1))",
            )?
            .query_row([serde_json::to_string(skip)?], |r| r.get(0))?;
        let ms: Option<i64> = if skip.is_empty() {
            self.conn
                .prepare_cached(
                    "SELECT min(next_run_at) FROM jobs WHERE state = 'active' AND next_run_at IS NOT NULL",
                )?
                .query_row([], |r| r.get(0))?
        } else {
            // The soonest in index order, stepping over the skipped few.
            self.conn
                .prepare_cached(
                    "SELECT next_run_at FROM jobs
                     WHERE state = 'active' AND next_run_at IS NOT NULL
                       AND id NOT IN (SELECT value FROM json_each(?1))
                     ORDER BY next_run_at LIMIT 1",
                )?
                .query_row([serde_json::to_string(skip)?], |r| r.get(0))
                .optional()?
        };
        let soonest = match (ms, retry) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        Ok(soonest.map(from_ms))
    }

    fn due_jobs(&self, q: &DueQuery) -> Result<Vec<Due>> {
        let rows = self.select_jobs(
            "WHERE state = 'active' AND next_run_at IS NOT NULL AND next_run_at <= ?1
               AND id NOT IN (SELECT value FROM json_each(?2))
             ORDER BY next_run_at, id LIMIT ?3",
            params![
                to_ms(q.horizon),
                serde_json::to_string(q.skip)?,
                q.limit as i64
            ],
        )?;
        Ok(rows::due(rows, &self.running_elsewhere(q.me)?))
    }

    fn reboot_jobs(&self) -> Result<Vec<JobRow>> {
        self.select_jobs(
            "WHERE state = 'active' AND json_extract(trigger, '$.kind') = 'reboot' ORDER BY id",
            params![],
        )
    }

    fn claim(
        &mut self,
        claims: &[Claim],
        owner: &Owner,
        now: DateTime<Utc>,
    ) -> Result<Vec<Claimed>> {
        if self.sync_claims_only {
            self.conn.pragma_update(None, "synchronous", "FULL")?;
        }
        let result = self.claim_in_tx(claims, owner, now);
        if self.sync_claims_only {
            self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        }
        result
    }

    fn insert_running(&mut self, fire: &Fire, owner: &Owner) -> Result<Option<i64>> {
        let tx = self.immediate()?;
        let n = tx.execute(
            "INSERT INTO executions (job_id, job_name, command, scheduled_at, status, runner, owner, attempt, retry_of)
             VALUES (?1, ?2, ?3, ?4, 'running', ?5, ?6, ?7, ?8)
             ON CONFLICT (job_id, scheduled_at) DO NOTHING",
            params![
                fire.job_id,
                fire.job_name,
                fire.command,
                to_ms(fire.scheduled_at),
                owner.label,
                owner.process,
                fire.attempt,
                fire.retry_of
            ],
        )?;
        let id = (n == 1).then(|| tx.last_insert_rowid());
        tx.commit()?;
        Ok(id)
    }

    /// For the runner: status updates (started, finished) are not synced to
    /// disk one by one; only claims are (each claim's commit also syncs every
    /// earlier update). A power cut may lose the last few status updates —
    /// the next runner marks such runs `interrupted` — but never a claim, so
    /// a fire can never run twice. Checkpoints are left to the runner too
    /// ([`Runs::maintain`]), so that none lands inside a claim's commit.
    fn become_runner(&mut self) -> Result<()> {
        // A write lock held by another process makes a write wait at most
        // this long, so the loop stays responsive (it retries later).
        self.conn.busy_timeout(RUNNER_BUSY_TIMEOUT)?;
        self.conn.pragma_update(None, "synchronous", "NORMAL")?;
        self.conn.pragma_update(None, "wal_autocheckpoint", 0)?;
        self.conn
            .pragma_update(None, "cache_size", super::DEFAULT_CACHE_KIB)?;
        self.sync_claims_only = true;
        Ok(())
    }

    fn check_identity(&self) -> Result<()> {
        use std::os::unix::fs::MetadataExt;
        let gone = |what: &str| {
            Err(StoreGone(format!(
                "jobs file {} was {what} while tick run was using it",
                self.path.display()
            ))
            .into())
        };
        match std::fs::metadata(&self.path) {
            Ok(m) if (m.dev(), m.ino()) == self.identity => Ok(()),
            Ok(_) => gone("replaced by another file"),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => gone("deleted"),
            // Cannot tell (a permission change, say): not proof of anything.
            Err(_) => Ok(()),
        }
    }

    /// Copy the write-ahead log into the main file as far as readers allow
    /// (`PRAGMA wal_checkpoint(PASSIVE)`: never waits for anyone).
    fn maintain(&mut self) -> Result<()> {
        self.conn
            .query_row("PRAGMA wal_checkpoint(PASSIVE)", [], |_| Ok(()))?;
        Ok(())
    }

    fn record(&mut self, started: &[Started], finished: &[Finish]) -> Result<Vec<Recorded>> {
        let mut retried = vec![Recorded::default(); finished.len()];
        if started.is_empty() && finished.is_empty() {
            return Ok(retried);
        }
        let tx = self.immediate()?;
        {
            let mut start = tx.prepare_cached(&numbered(rows::RECORD_START))?;
            for s in started {
                start.execute(params![to_ms(s.at), s.pid, s.execution_id])?;
            }
            let mut end = tx.prepare_cached(&numbered(rows::RECORD_END))?;
            for f in finished {
                let r = f.result;
                let [peak, user, system] = rows::usage_cells(r.usage);
                end.execute(params![
                    f.status.as_str(),
                    r.exit_code,
                    r.signal,
                    to_ms(f.at),
                    r.stdout,
                    r.stderr,
                    r.stdout_truncated,
                    r.stderr_truncated,
                    f.execution_id,
                    f.reason,
                    f.started.map(to_ms),
                    peak,
                    user,
                    system
                ])?;
            }
            for (i, f) in finished.iter().enumerate() {
                if let Some(plan) = &f.retry {
                    retried[i].retried = store_retry(&tx, f, plan)?;
                }
                if let (Some(n), false) = (f.pause_after, retried[i].retried) {
                    retried[i].paused = super::pausing::pause_after_failures(&tx, f, n)?;
                }
            }
        }
        let mut jobs: Vec<&str> = finished.iter().map(|f| f.job_id).collect();
        jobs.sort_unstable();
        jobs.dedup();
        for job_id in jobs {
            super::executions::enforce_retention(&tx, job_id)?;
        }
        tx.commit()?;
        Ok(retried)
    }

    fn due_retries(&self, now: DateTime<Utc>, me: &str) -> Result<Vec<PendingRetry>> {
        // Few are ever due at once: each job is read on its own.
        let due: Vec<(i64, String, i64, u32, i64)> = {
            let mut stmt = self.conn.prepare_cached(
                "SELECT id, job_id, due_at, attempt, retry_of FROM retries
                 WHERE due_at <= ?1 ORDER BY due_at, id",
            )?;
            let rows = stmt.query_map([to_ms(now)], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })?;
            rows.collect::<rusqlite::Result<_>>()?
        };
        let elsewhere = if due.is_empty() {
            HashMap::new()
        } else {
            self.running_elsewhere(me)?
        };
        let mut out = Vec::with_capacity(due.len());
        for (id, job_id, due_at, attempt, retry_of) in due {
            let Some(job) = self.select_jobs("WHERE id = ?1", [&job_id])?.pop() else {
                continue;
            };
            out.push(PendingRetry {
                id,
                job,
                retry: RetryPlan {
                    due_at: from_ms(due_at),
                    attempt,
                    retry_of,
                },
                running_elsewhere: elsewhere.get(&job_id).copied().unwrap_or(0),
            });
        }
        Ok(out)
    }

    fn pending_retries(&self) -> Result<Vec<(String, DateTime<Utc>, u32)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT job_id, due_at, attempt FROM retries ORDER BY due_at")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, from_ms(r.get(1)?), r.get(2)?)))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn record_output_so_far(&mut self, outputs: &[(i64, &RunResult)]) -> Result<()> {
        if outputs.is_empty() {
            return Ok(());
        }
        // Best effort: never hold the caller up behind another process's
        // write for long (the next second brings the output again).
        let usual = if self.sync_claims_only {
            RUNNER_BUSY_TIMEOUT
        } else {
            super::BUSY_TIMEOUT
        };
        self.conn.busy_timeout(SO_FAR_BUSY_TIMEOUT)?;
        let result = self.write_output_so_far(outputs);
        self.conn.busy_timeout(usual)?;
        result
    }

    fn unclaim(
        &mut self,
        execution_id: i64,
        fire: &Fire,
        claimed_next: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let tx = self.immediate()?;
        let restored = tx.execute(
            "UPDATE jobs SET next_run_at = ?1, state = 'active'
             WHERE id = ?2 AND next_run_at IS ?3
               AND state = CASE WHEN ?3 IS NULL THEN 'finished' ELSE 'active' END",
            params![
                to_ms(fire.scheduled_at),
                fire.job_id,
                claimed_next.map(to_ms)
            ],
        )?;
        if restored == 1 {
            tx.execute(
                "DELETE FROM executions WHERE id = ?1 AND status = 'running' AND started_at IS NULL",
                [execution_id],
            )?;
        }
        tx.commit()?;
        Ok(restored == 1)
    }

    fn running_executions(&self) -> Result<Vec<RunningRow>> {
        let mut stmt = self.conn.prepare_cached(rows::RUNNING_SQL)?;
        super::decode_all(&mut stmt, [], rows::running)
    }

    fn interrupt(
        &mut self,
        execution_ids: &[i64],
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<usize> {
        let tx = self.immediate()?;
        let mut n = 0;
        {
            let mut stmt = tx.prepare_cached(&numbered(rows::INTERRUPT))?;
            for id in execution_ids {
                n += stmt.execute(params![to_ms(at), reason, id])?;
            }
        }
        tx.commit()?;
        Ok(n)
    }
}

/// Store the retry `plan` of the execution `f` ended, inside a record
/// transaction: stored when the job is not paused or removed and its next
/// regular fire is not sooner; recorded `skipped` (superseded) when it is.
/// Whether it was stored.
fn store_retry(tx: &rusqlite::Transaction, f: &Finish, plan: &RetryPlan) -> Result<bool> {
    let job: Option<(String, Option<i64>)> = tx
        .query_row(
            "SELECT state, next_run_at FROM jobs WHERE id = ?1",
            [f.job_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .optional()?;
    let due = to_ms(plan.due_at);
    match job {
        Some((state, next)) if state != "paused" => {
            if state == "active" && next.is_some_and(|n| n <= due) {
                tx.execute(
                    "INSERT INTO executions (job_id, job_name, command, scheduled_at, finished_at, status, runner, attempt, retry_of, reason)
                     SELECT job_id, job_name, command, ?1, ?2, 'skipped', runner, ?3, ?4, 'superseded by the next fire'
                     FROM executions WHERE id = ?5
                     ON CONFLICT (job_id, scheduled_at) DO NOTHING",
                    params![due, to_ms(f.at), plan.attempt, plan.retry_of, f.execution_id],
                )?;
                return Ok(false);
            }
            let n = tx.execute(
                "INSERT INTO retries (job_id, due_at, attempt, retry_of) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (job_id, due_at) DO NOTHING",
                params![f.job_id, due, plan.attempt, plan.retry_of],
            )?;
            Ok(n == 1)
        }
        _ => Ok(false),
    }
}

impl SqliteStore {
    /// [`rows::RUNNING_ELSEWHERE`]: running copies per job of other live
    /// runners than `me`.
    fn running_elsewhere(&self, me: &str) -> Result<HashMap<String, u32>> {
        let mut stmt = self
            .conn
            .prepare_cached(&numbered(rows::RUNNING_ELSEWHERE))?;
        let counts = stmt
            .query_map([me], |r| Ok((r.get::<_, String>(0)?, r.get::<_, u32>(1)?)))?
            .collect::<rusqlite::Result<HashMap<_, _>>>()?;
        Ok(counts)
    }

    fn write_output_so_far(&mut self, outputs: &[(i64, &RunResult)]) -> Result<()> {
        let tx = self.immediate()?;
        {
            let mut stmt = tx.prepare_cached(
                "UPDATE executions SET stdout = ?1, stderr = ?2, stdout_truncated = ?3, stderr_truncated = ?4
                 WHERE id = ?5 AND status = 'running'",
            )?;
            for (id, r) in outputs {
                stmt.execute(params![
                    r.stdout,
                    r.stderr,
                    r.stdout_truncated,
                    r.stderr_truncated,
                    id
                ])?;
            }
        }
        tx.commit()?;
        Ok(())
    }

    fn claim_in_tx(
        &mut self,
        claims: &[Claim],
        owner: &Owner,
        now: DateTime<Utc>,
    ) -> Result<Vec<Claimed>> {
        let tx = self.immediate()?;
        if let Some(runner) = owner.runner {
            if !SqliteStore::lease_held(&tx, runner)? {
                return Err(LeaseLost.into());
            }
        }
        let mut out = vec![Claimed::default(); claims.len()];
        {
            let mut update = tx.prepare_cached(&numbered(rows::CLAIM_JOB))?;
            let mut insert = tx.prepare_cached(
                "INSERT INTO executions (job_id, job_name, command, scheduled_at, finished_at, status, runner, owner, attempt, retry_of, reason)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
                 ON CONFLICT (job_id, scheduled_at) DO NOTHING",
            )?;
            let mut take_retry = tx.prepare_cached("DELETE FROM retries WHERE id = ?1")?;
            for (c, claimed) in claims.iter().zip(&mut out) {
                let changed = match c.retry {
                    Some(id) => take_retry.execute([id])?,
                    None => update.execute(params![
                        c.new_next.map(to_ms),
                        c.new_state.as_str(),
                        c.fire.job_id,
                        to_ms(c.fire.scheduled_at)
                    ])?,
                };
                if changed == 0 {
                    continue;
                }
                claimed.won = true;
                for (at, status, reason) in &c.rows {
                    let finished = (*status != Status::Running).then(|| to_ms(now));
                    let n = insert.execute(params![
                        c.fire.job_id,
                        c.fire.job_name,
                        c.fire.command,
                        to_ms(*at),
                        finished,
                        status.as_str(),
                        owner.label,
                        (*status == Status::Running).then_some(&owner.process),
                        c.fire.attempt,
                        c.fire.retry_of,
                        reason
                    ])?;
                    if n == 1 {
                        claimed.rows.push(ClaimedRow {
                            scheduled_at: *at,
                            status: *status,
                            execution_id: tx.last_insert_rowid(),
                        });
                    }
                }
            }
        }
        for c in claims {
            if c.rows.iter().any(|(_, st, _)| *st != Status::Running) {
                super::executions::enforce_retention(&tx, &c.fire.job_id)?;
            }
        }
        for i in crate::store::max_runs::counted(claims, &out) {
            super::pausing::count_run(&tx, &claims[i].fire.job_id)?;
        }
        tx.commit()?;
        Ok(out)
    }
}
