//! [`History`] in PostgreSQL: executions and their output.

use anyhow::Result;
use chrono::{DateTime, Utc};
use postgres::{Client, Row};

use super::PgStore;
use crate::model::{Execution, DEFAULT_KEEP_HISTORY};
use crate::store::rows::{self, to_ms, EXECUTION_COLUMNS as COLUMNS};
use crate::store::{History, HistoryFilter, Output};

fn executions(rows: Vec<Row>) -> Result<Vec<Execution>> {
    rows.iter().map(|r| rows::execution(r)).collect()
}

impl History for PgStore {
    fn executions_of(&self, job_id: &str, limit: usize) -> Result<Vec<Execution>> {
        self.read(|c| {
            executions(c.query(
                &format!(
                    "SELECT {COLUMNS} FROM executions WHERE job_id = $1 ORDER BY id DESC LIMIT $2"
                ),
                &[&job_id, &(limit as i64)],
            )?)
        })
    }

    fn history(&self, filter: &HistoryFilter) -> Result<Vec<Execution>> {
        let sql = format!(
            "SELECT {COLUMNS} FROM executions {} ORDER BY id DESC LIMIT $4",
            rows::history_where(filter, |c| format!("{c} COLLATE \"C\" ~ $3"))
        );
        let name = filter.name.map(|g| g.to_regex());
        let limit = filter.limit.min(i64::MAX as usize) as i64;
        self.read(|c| {
            executions(c.query(
                &sql,
                &[
                    &filter.job_id,
                    &filter.status.map(|s| s.as_str()),
                    &name,
                    &limit,
                    &filter.before,
                ],
            )?)
        })
    }

    fn recent_executions(&self, job_ids: &[String], per_job: usize) -> Result<Vec<Execution>> {
        if job_ids.is_empty() || per_job == 0 {
            return Ok(Vec::new());
        }
        let per_job = per_job.min(i64::MAX as usize) as i64;
        let sql = crate::store::recent::postgres_sql();
        self.read(|c| executions(c.query(&sql, &[&job_ids, &per_job])?))
    }

    fn has_history(&self, job_id: &str) -> Result<bool> {
        self.read(|c| {
            Ok(c.query_one(
                "SELECT EXISTS (SELECT 1 FROM executions WHERE job_id = $1)",
                &[&job_id],
            )?
            .get(0))
        })
    }

    fn output(&self, job_id: &str, id: Option<i64>) -> Result<Output> {
        let sql = format!(
            "SELECT {COLUMNS}, coalesce(stdout, ''::bytea), coalesce(stderr, ''::bytea), stdout_truncated, stderr_truncated
             FROM executions WHERE job_id = $1
               AND ($2::bigint IS NULL AND status NOT IN ('missed', 'skipped') OR id = $2)
             ORDER BY id DESC LIMIT 1"
        );
        self.read(|c| {
            let Some(r) = c.query_opt(&sql, &[&job_id, &id])? else {
                return Ok(Output::default());
            };
            rows::output(&r)
        })
    }

    fn job_of_execution(&self, id: i64) -> Result<Option<String>> {
        self.read(|c| {
            Ok(
                c.query_opt("SELECT job_id FROM executions WHERE id = $1", &[&id])?
                    .map(|r| r.get(0)),
            )
        })
    }

    fn prune(&mut self, before: DateTime<Utc>) -> Result<usize> {
        self.write(false, |c| {
            Ok(c.execute(
                "DELETE FROM executions WHERE status != 'running' AND coalesce(finished_at, scheduled_at) < $1",
                &[&to_ms(before)],
            )? as usize)
        })
    }
}

/// The job's `keep_history`, read from its JSON options.
const KEEP: &str = "(options::jsonb ->> 'keep_history')::bigint";

/// Keep the newest `keep_history` executions of each of `jobs` (the default
/// also for removed jobs); running ones are never deleted. Called as rows
/// are written. One query finds the jobs that hold more than that (few: a
/// claim's 250 jobs cost one round trip, not 250); the shared retention
/// statement then trims each of them.
pub(super) fn enforce_retention(c: &mut Client, jobs: &[&str]) -> Result<()> {
    if jobs.is_empty() {
        return Ok(());
    }
    let keep_default = i64::from(DEFAULT_KEEP_HISTORY);
    let over: Vec<String> = c
        .query(
            &format!(
                "SELECT j.id FROM unnest($1::text[]) AS j(id)
                 WHERE (SELECT count(*) FROM executions WHERE job_id = j.id)
                       > coalesce((SELECT {KEEP} FROM jobs WHERE id = j.id), $2)"
            ),
            &[&jobs, &keep_default],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for job_id in over {
        c.execute(&rows::retention_sql(KEEP), &[&job_id, &keep_default])?;
    }
    Ok(())
}
