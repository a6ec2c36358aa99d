//! [`Runs`] in PostgreSQL: due jobs, claims, and the lifecycle of an
//! execution row.
//!
//! A claim is one transaction from reading the due jobs to the commit:
//! `due_jobs` begins it and locks the rows it returns (`FOR UPDATE SKIP
//! LOCKED`, at most the runner's limit), so runners on other hosts read
//! other rows at the same instant; `claim` then updates each job on the
//! condition that its next run is still the one decided from, inserts the
//! execution rows (unique on job and scheduled time), checks the runner's
//! lease, and commits. Any other call in between rolls it back.

use std::collections::{HashMap, HashSet};

use anyhow::Result;
use chrono::{DateTime, Utc};
use postgres::Client;

use super::jobs::select;
use super::PgStore;
use crate::model::{Fire, RetryPlan, RunResult, Status};
use crate::store::rows::{self, from_ms, to_ms};
use crate::store::{
    Claim, Claimed, ClaimedRow, Due, DueQuery, Finish, JobRow, LeaseLost, Owner, PendingRetry,
    Recorded, RunnerLock, RunningRow, Runs, Started, Version,
};

impl Runs for PgStore {
    /// Runners on PostgreSQL are peers: none stands by.
    fn runner_lock(&self, _me: &str) -> Result<RunnerLock> {
        Ok(RunnerLock::Held(Box::new(())))
    }

    fn become_runner(&mut self) -> Result<()> {
        Ok(())
    }

    /// The database outlives any one connection: nothing to check.
    fn check_identity(&self) -> Result<()> {
        Ok(())
    }

    /// PostgreSQL's autovacuum does the housekeeping.
    fn maintain(&mut self) -> Result<()> {
        Ok(())
    }

    /// The `changes` sequence, bumped by every write that changes jobs.
    fn version(&self) -> Result<Version> {
        let theirs =
            self.read(|c| Ok(c.query_one("SELECT last_value FROM changes", &[])?.get(0)))?;
        Ok(Version {
            theirs,
            ours: self.writes.get(),
        })
    }

    fn subscribe(&mut self, wake: Box<dyn Fn() + Send>) -> Result<()> {
        super::listen::spawn(self.url.clone(), wake)
    }

    fn next_due(&self, skip: &[String]) -> Result<Option<DateTime<Utc>>> {
        self.read(|c| {
            // A pending retry or backfill fire counts, as in the jobs file
            // (LEAST ignores a NULL).
            let row = c.query_one(
                "SELECT LEAST(
                    (SELECT min(next_run_at) FROM jobs
                     WHERE state = 'active' AND next_run_at IS NOT NULL AND id <> ALL($1)),
                    (SELECT min(due_at) FROM retries WHERE job_id <> ALL($1)))",
                &[&skip],
            )?;
            Ok(row.get::<_, Option<i64>>(0).map(from_ms))
        })
    }

    fn due_jobs(&self, q: &DueQuery) -> Result<Vec<Due>> {
        let mut conn = self.conn.borrow_mut();
        let result = conn.client(&self.url).and_then(|c| {
            c.batch_execute("BEGIN")?;
            let rows = select(
                c,
                "WHERE state = 'active' AND next_run_at IS NOT NULL AND next_run_at <= $1
                   AND id <> ALL($2)
                 ORDER BY next_run_at, id LIMIT $3 FOR UPDATE SKIP LOCKED",
                &[&to_ms(q.horizon), &q.skip, &(q.limit as i64)],
            )?;
            // Read after the rows are locked: a copy another runner claimed
            // and committed before is counted.
            Ok(rows::due(rows, &running_elsewhere(c, q.me)?))
        });
        match &result {
            Ok(_) => conn.in_claim = true,
            Err(_) => {
                if let Some(c) = conn.client.as_mut().filter(|c| !c.is_closed()) {
                    let _ = c.batch_execute("ROLLBACK");
                }
            }
        }
        conn.settle(&result);
        super::named(result, &self.location)
    }

    fn reboot_jobs(&self) -> Result<Vec<JobRow>> {
        self.read(|c| {
            // Text first (a malformed row must not fail the query), then
            // each candidate decoded: only real @reboot triggers, and bad
            // rows, go back.
            let rows = select(
                c,
                "WHERE state = 'active' AND trigger LIKE '%\"reboot\"%' ORDER BY id",
                &[],
            )?;
            Ok(rows
                .into_iter()
                .filter(|r| {
                    r.as_ref()
                        .map_or(true, |j| j.trigger.schedule.kind() == "reboot")
                })
                .collect())
        })
    }

    fn claim(
        &mut self,
        claims: &[Claim],
        owner: &Owner,
        now: DateTime<Utc>,
    ) -> Result<Vec<Claimed>> {
        let schema = self.url.schema.clone();
        let mut conn = self.conn.borrow_mut();
        // The transaction due_jobs began, if its connection is still there.
        let began = std::mem::take(&mut conn.in_claim)
            && conn.client.as_ref().is_some_and(|c| !c.is_closed());
        let result = conn.client(&self.url).and_then(|c| {
            if !began {
                c.batch_execute("BEGIN")?;
            }
            let result = claim_in(c, claims, owner, now).and_then(|v| {
                c.batch_execute(&super::commit_sql(&schema, true))?;
                Ok(v)
            });
            if result.is_err() && !c.is_closed() {
                let _ = c.batch_execute("ROLLBACK");
            }
            result
        });
        conn.settle(&result);
        self.wrote(&result);
        super::named(result, &self.location)
    }

    fn insert_running(&mut self, fire: &Fire, owner: &Owner) -> Result<Option<i64>> {
        let attempt = i32::try_from(fire.attempt).unwrap_or(i32::MAX);
        self.write(false, |c| {
            let row = c.query_opt(
                "INSERT INTO executions (job_id, job_name, command, scheduled_at, status, runner, owner, attempt, retry_of)
                 VALUES ($1, $2, $3, $4, 'running', $5, $6, $7, $8)
                 ON CONFLICT (job_id, scheduled_at) DO NOTHING RETURNING id",
                &[
                    &fire.job_id,
                    &fire.job_name,
                    &fire.command,
                    &to_ms(fire.scheduled_at),
                    &owner.label,
                    &owner.process,
                    &attempt,
                    &fire.retry_of,
                ],
            )?;
            Ok(row.map(|r| r.get(0)))
        })
    }

    fn record(&mut self, started: &[Started], finished: &[Finish]) -> Result<Vec<Recorded>> {
        if started.is_empty() && finished.is_empty() {
            return Ok(vec![Recorded::default(); finished.len()]);
        }
        let stores_retry = finished
            .iter()
            .any(|f| f.retry.is_some() || f.pause_after.is_some());
        self.write(stores_retry, |c| {
            let start = c.prepare(rows::RECORD_START)?;
            for s in started {
                c.execute(&start, &[&to_ms(s.at), &s.pid, &s.execution_id])?;
            }
            let end = c.prepare(rows::RECORD_END)?;
            for f in finished {
                let r = f.result;
                let [peak, user, system] = rows::usage_cells(r.usage);
                c.execute(
                    &end,
                    &[
                        &f.status.as_str(),
                        &r.exit_code,
                        &r.signal,
                        &to_ms(f.at),
                        &r.stdout,
                        &r.stderr,
                        &r.stdout_truncated,
                        &r.stderr_truncated,
                        &f.execution_id,
                        &f.reason,
                        &f.started.map(to_ms),
                        &peak,
                        &user,
                        &system,
                    ],
                )?;
            }
            let mut retried = vec![Recorded::default(); finished.len()];
            for (i, f) in finished.iter().enumerate() {
                if let Some(plan) = &f.retry {
                    retried[i].retried = store_retry(c, f, plan)?;
                }
                if let (Some(n), false) = (f.pause_after, retried[i].retried) {
                    retried[i].paused = super::pausing::pause_after_failures(c, f, n)?;
                }
            }
            let mut jobs: Vec<&str> = finished.iter().map(|f| f.job_id).collect();
            jobs.sort_unstable();
            jobs.dedup();
            super::executions::enforce_retention(c, &jobs)?;
            Ok(retried)
        })
    }

    fn due_retries(&self, now: DateTime<Utc>, me: &str) -> Result<Vec<PendingRetry>> {
        self.read(|c| {
            let rows = c.query(
                "SELECT id, job_id, due_at, attempt, retry_of FROM retries
                 WHERE due_at <= $1 ORDER BY due_at, id",
                &[&to_ms(now)],
            )?;
            let elsewhere = if rows.is_empty() {
                HashMap::new()
            } else {
                running_elsewhere(c, me)?
            };
            // Few are ever due at once: each job is read on its own.
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                let job_id: String = r.try_get(1)?;
                let Some(job) = select(c, "WHERE id = $1", &[&job_id])?.pop() else {
                    continue;
                };
                out.push(PendingRetry {
                    id: r.try_get(0)?,
                    job,
                    retry: RetryPlan {
                        due_at: from_ms(r.try_get(2)?),
                        attempt: u32::try_from(r.try_get::<_, i32>(3)?).unwrap_or(1),
                        retry_of: r.try_get(4)?,
                    },
                    running_elsewhere: elsewhere.get(&job_id).copied().unwrap_or(0),
                });
            }
            Ok(out)
        })
    }

    fn pending_retries(&self) -> Result<Vec<(String, DateTime<Utc>, u32)>> {
        self.read(|c| {
            let rows = c.query(
                "SELECT job_id, due_at, attempt FROM retries ORDER BY due_at",
                &[],
            )?;
            rows.iter()
                .map(|r| {
                    Ok((
                        r.try_get(0)?,
                        from_ms(r.try_get(1)?),
                        u32::try_from(r.try_get::<_, i32>(2)?).unwrap_or(1),
                    ))
                })
                .collect()
        })
    }

    fn record_output_so_far(&mut self, outputs: &[(i64, &RunResult)]) -> Result<()> {
        if outputs.is_empty() {
            return Ok(());
        }
        // Best effort, like the file's: a failure is the caller's to ignore.
        self.write(false, |c| {
            let stmt = c.prepare(
                "UPDATE executions SET stdout = $1, stderr = $2, stdout_truncated = $3, stderr_truncated = $4
                 WHERE id = $5 AND status = 'running'",
            )?;
            for (id, r) in outputs {
                c.execute(
                    &stmt,
                    &[
                        &r.stdout,
                        &r.stderr,
                        &r.stdout_truncated,
                        &r.stderr_truncated,
                        id,
                    ],
                )?;
            }
            Ok(())
        })
    }

    fn unclaim(
        &mut self,
        execution_id: i64,
        fire: &Fire,
        claimed_next: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        self.write(true, |c| {
            let restored = c.execute(
                "UPDATE jobs SET next_run_at = $1, state = 'active'
                 WHERE id = $2 AND next_run_at IS NOT DISTINCT FROM $3
                   AND state = CASE WHEN $3::bigint IS NULL THEN 'finished' ELSE 'active' END",
                &[
                    &to_ms(fire.scheduled_at),
                    &fire.job_id,
                    &claimed_next.map(to_ms),
                ],
            )?;
            if restored == 1 {
                c.execute(
                    "DELETE FROM executions WHERE id = $1 AND status = 'running' AND started_at IS NULL",
                    &[&execution_id],
                )?;
            }
            Ok(restored == 1)
        })
    }

    fn running_executions(&self) -> Result<Vec<RunningRow>> {
        self.read(|c| {
            c.query(rows::RUNNING_SQL, &[])?
                .iter()
                .map(|r| rows::running(r))
                .collect()
        })
    }

    fn interrupt(
        &mut self,
        execution_ids: &[i64],
        at: DateTime<Utc>,
        reason: &str,
    ) -> Result<usize> {
        self.write(false, |c| {
            let stmt = c.prepare(rows::INTERRUPT)?;
            let mut n = 0;
            for id in execution_ids {
                n += c.execute(&stmt, &[&to_ms(at), &reason, id])? as usize;
            }
            Ok(n)
        })
    }
}

/// Store the retry `plan` of the execution `f` ended, inside a record
/// transaction: stored when the job is not paused or removed and its next
/// regular fire is not sooner; recorded `skipped` (superseded) when it is.
/// Whether it was stored. (The same rule as the file's `store_retry`.)
fn store_retry(c: &mut Client, f: &Finish, plan: &RetryPlan) -> Result<bool> {
    let job = c.query_opt(
        "SELECT state, next_run_at FROM jobs WHERE id = $1",
        &[&f.job_id],
    )?;
    let due = to_ms(plan.due_at);
    let attempt = i32::try_from(plan.attempt).unwrap_or(i32::MAX);
    let Some(job) = job else { return Ok(false) };
    let (state, next): (String, Option<i64>) = (job.try_get(0)?, job.try_get(1)?);
    if state == "paused" {
        return Ok(false);
    }
    if state == "active" && next.is_some_and(|n| n <= due) {
        c.execute(
            "INSERT INTO executions (job_id, job_name, command, scheduled_at, finished_at, status, runner, attempt, retry_of, reason)
             SELECT job_id, job_name, command, $1, $2, 'skipped', runner, $3, $4, 'superseded by the next fire'
             FROM executions WHERE id = $5
             ON CONFLICT (job_id, scheduled_at) DO NOTHING",
            &[&due, &to_ms(f.at), &attempt, &plan.retry_of, &f.execution_id],
        )?;
        return Ok(false);
    }
    let n = c.execute(
        "INSERT INTO retries (job_id, due_at, attempt, retry_of) VALUES ($1, $2, $3, $4)
         ON CONFLICT (job_id, due_at) DO NOTHING",
        &[&f.job_id, &due, &attempt, &plan.retry_of],
    )?;
    Ok(n == 1)
}

/// The claim's statements, inside its transaction. The runner's row is
/// checked first (not declared expired), locked (shared) until the
/// commit, so that no other runner can declare it expired midway. Every
/// decision in one statement, every row in another: two round trips per
/// claim, not two per fire (100,000 due jobs, 4 runners: 1,400 claims/s
/// with a statement per fire).
fn claim_in(
    c: &mut Client,
    claims: &[Claim],
    owner: &Owner,
    now: DateTime<Utc>,
) -> Result<Vec<Claimed>> {
    if let Some(runner) = owner.runner {
        let held = c
            .query_opt(
                "SELECT 1 FROM runners WHERE id = $1 AND state = 'alive' FOR SHARE",
                &[&runner],
            )?
            .is_some();
        if !held {
            return Err(LeaseLost.into());
        }
    }
    let won_ids = move_jobs(c, claims)?;
    let won_retries = take_retries(c, claims)?;
    let mut out: Vec<Claimed> = claims
        .iter()
        .map(|cl| Claimed {
            won: match cl.retry {
                Some(id) => won_retries.contains(&id),
                None => won_ids.contains(&cl.fire.job_id),
            },
            rows: Vec::new(),
        })
        .collect();
    insert_rows(c, claims, &mut out, owner, now)?;
    for i in crate::store::max_runs::counted(claims, &out) {
        super::pausing::count_run(c, &claims[i].fire.job_id)?;
    }
    let decided: Vec<&str> = claims
        .iter()
        .filter(|cl| cl.rows.iter().any(|(_, st, _)| *st != Status::Running))
        .map(|cl| cl.fire.job_id.as_str())
        .collect();
    super::executions::enforce_retention(c, &decided)?;
    Ok(out)
}

/// The jobs whose fires won: each moved on only if its next run is still
/// the one decided from.
fn move_jobs(c: &mut Client, claims: &[Claim]) -> Result<HashSet<String>> {
    let fires: Vec<&Claim> = claims.iter().filter(|cl| cl.retry.is_none()).collect();
    if fires.is_empty() {
        return Ok(HashSet::new());
    }
    let col = |f: &dyn Fn(&Claim) -> Option<i64>| fires.iter().map(|cl| f(cl)).collect::<Vec<_>>();
    let ids: Vec<&str> = fires.iter().map(|cl| cl.fire.job_id.as_str()).collect();
    let states: Vec<&str> = fires.iter().map(|cl| cl.new_state.as_str()).collect();
    Ok(c.query(
        "UPDATE jobs j SET next_run_at = d.new_next, state = d.new_state
         FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::text[])
              AS d(id, expected, new_next, new_state)
         WHERE j.id = d.id AND j.state = 'active' AND j.next_run_at = d.expected
         RETURNING j.id",
        &[
            &ids,
            &col(&|cl| Some(to_ms(cl.fire.scheduled_at))),
            &col(&|cl| cl.new_next.map(to_ms)),
            &states,
        ],
    )?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// The pending retries won: whoever takes a retry's row wins it.
fn take_retries(c: &mut Client, claims: &[Claim]) -> Result<HashSet<i64>> {
    let ids: Vec<i64> = claims.iter().filter_map(|cl| cl.retry).collect();
    if ids.is_empty() {
        return Ok(HashSet::new());
    }
    Ok(c.query(
        "DELETE FROM retries WHERE id = ANY($1) RETURNING id",
        &[&ids],
    )?
    .iter()
    .map(|r| r.get(0))
    .collect())
}

/// Insert the rows of the claims that won, in order (ids ascend as the
/// file's do), and note each recorded row on its claim's outcome.
fn insert_rows(
    c: &mut Client,
    claims: &[Claim],
    out: &mut [Claimed],
    owner: &Owner,
    now: DateTime<Utc>,
) -> Result<()> {
    let mut new_rows = Vec::new();
    let mut by_key = HashMap::new();
    for (i, cl) in claims.iter().enumerate().filter(|(i, _)| out[*i].won) {
        for (at, status, reason) in &cl.rows {
            by_key.insert((cl.fire.job_id.as_str(), to_ms(*at)), (i, *at));
            new_rows.push((&cl.fire, to_ms(*at), *status, reason.as_deref()));
        }
    }
    if new_rows.is_empty() {
        return Ok(());
    }
    let running = |status: Status| status == Status::Running;
    let inserted = c.query(
        "INSERT INTO executions (job_id, job_name, command, scheduled_at, finished_at, status, runner, owner,
                                 attempt, retry_of, reason)
         SELECT r.job_id, r.job_name, r.command, r.at, r.finished, r.status, $7, r.owner,
                r.attempt, r.retry_of, r.reason
         FROM unnest($1::text[], $2::text[], $3::text[], $4::bigint[], $5::bigint[], $6::text[], $8::text[],
                     $9::int[], $10::bigint[], $11::text[])
              WITH ORDINALITY AS r(job_id, job_name, command, at, finished, status, owner,
                                   attempt, retry_of, reason, n)
         ORDER BY r.n
         ON CONFLICT (job_id, scheduled_at) DO NOTHING
         RETURNING id, job_id, scheduled_at, status",
        &[
            &new_rows.iter().map(|r| r.0.job_id.as_str()).collect::<Vec<_>>(),
            &new_rows.iter().map(|r| r.0.job_name.as_deref()).collect::<Vec<_>>(),
            &new_rows.iter().map(|r| r.0.command.as_str()).collect::<Vec<_>>(),
            &new_rows.iter().map(|r| r.1).collect::<Vec<_>>(),
            &new_rows
                .iter()
                .map(|r| (!running(r.2)).then(|| to_ms(now)))
                .collect::<Vec<_>>(),
            &new_rows.iter().map(|r| r.2.as_str()).collect::<Vec<_>>(),
            &owner.label,
            &new_rows
                .iter()
                .map(|r| running(r.2).then_some(owner.process.as_str()))
                .collect::<Vec<_>>(),
            &new_rows
                .iter()
                .map(|r| i32::try_from(r.0.attempt).unwrap_or(i32::MAX))
                .collect::<Vec<_>>(),
            &new_rows.iter().map(|r| r.0.retry_of).collect::<Vec<_>>(),
            &new_rows.iter().map(|r| r.3).collect::<Vec<_>>(),
        ],
    )?;
    for row in &inserted {
        let (job, at): (&str, i64) = (row.try_get(1)?, row.try_get(2)?);
        let status: Status = row
            .try_get::<_, &str>(3)?
            .parse()
            .unwrap_or(Status::Interrupted);
        if let Some(&(claim, scheduled_at)) = by_key.get(&(job, at)) {
            out[claim].rows.push(ClaimedRow {
                scheduled_at,
                status,
                execution_id: row.try_get(0)?,
            });
        }
    }
    for o in out.iter_mut() {
        o.rows.sort_by_key(|r| r.execution_id);
    }
    Ok(())
}

/// [`rows::RUNNING_ELSEWHERE`]: running copies per job of other live
/// runners than `me`.
fn running_elsewhere(c: &mut postgres::Client, me: &str) -> Result<HashMap<String, u32>> {
    Ok(c.query(rows::RUNNING_ELSEWHERE, &[&me])?
        .iter()
        .map(|r| {
            (
                r.get(0),
                u32::try_from(r.get::<_, i64>(1)).unwrap_or(u32::MAX),
            )
        })
        .collect())
}
