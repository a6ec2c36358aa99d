//! [`History`] in the jobs file: executions and their output.

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{decode_all, numbered, SqliteStore};
use crate::model::Execution;
use crate::model::DEFAULT_KEEP_HISTORY;
use crate::store::rows;
use crate::store::{History, HistoryFilter, Output};

use crate::store::rows::EXECUTION_COLUMNS as COLUMNS;

/// `tick history`'s query: `?1` job id, `?2` status, `?3` name pattern,
/// `?4` limit, `?5` the id it starts below.
fn history_sql(filter: &HistoryFilter) -> String {
    numbered(&format!(
        "SELECT {COLUMNS} FROM executions {} ORDER BY id DESC LIMIT $4",
        rows::history_where(filter, |c| format!("{c} GLOB $3"))
    ))
}

impl History for SqliteStore {
    fn executions_of(&self, job_id: &str, limit: usize) -> Result<Vec<Execution>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM executions WHERE job_id = ?1 ORDER BY id DESC LIMIT ?2"
        ))?;
        decode_all(&mut stmt, params![job_id, limit as i64], rows::execution)
    }

    fn history(&self, filter: &HistoryFilter) -> Result<Vec<Execution>> {
        let mut stmt = self.conn.prepare(&history_sql(filter))?;
        let name = filter.name.map(|g| g.to_sqlite());
        decode_all(
            &mut stmt,
            params![
                filter.job_id,
                filter.status.map(|s| s.as_str()),
                name,
                filter.limit.min(i64::MAX as usize) as i64,
                filter.before
            ],
            rows::execution,
        )
    }

    fn recent_executions(&self, job_ids: &[String], per_job: usize) -> Result<Vec<Execution>> {
        if job_ids.is_empty() || per_job == 0 {
            return Ok(Vec::new());
        }
        let ids = serde_json::to_string(job_ids)?;
        let skip = (per_job - 1).min(i64::MAX as usize) as i64;
        let mut stmt = self
            .conn
            .prepare_cached(&crate::store::recent::sqlite_sql())?;
        decode_all(&mut stmt, params![ids, skip], rows::execution)
    }

    fn has_history(&self, job_id: &str) -> Result<bool> {
        Ok(self.conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM executions WHERE job_id = ?1)",
            [job_id],
            |r| r.get(0),
        )?)
    }

    fn output(&self, job_id: &str, id: Option<i64>) -> Result<Output> {
        // Without an id: the latest that ran (or failed to start), not a
        // fire that was missed or skipped.
        let sql = format!(
            "SELECT {COLUMNS}, coalesce(stdout, x''), coalesce(stderr, x''), stdout_truncated, stderr_truncated
             FROM executions WHERE job_id = ?1
               AND (?2 IS NULL AND status NOT IN ('missed', 'skipped') OR id = ?2)
             ORDER BY id DESC LIMIT 1"
        );
        let mut stmt = self.conn.prepare_cached(&sql)?;
        Ok(decode_all(&mut stmt, params![job_id, id], rows::output)?
            .pop()
            .unwrap_or_default())
    }

    fn job_of_execution(&self, id: i64) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        Ok(self
            .conn
            .query_row("SELECT job_id FROM executions WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .optional()?)
    }

    fn last_failure(&self) -> Result<Option<Execution>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {COLUMNS} FROM executions
             WHERE status IN ('failed', 'killed', 'timeout', 'missed')
             ORDER BY id DESC LIMIT 1"
        ))?;
        Ok(decode_all(&mut stmt, [], rows::execution)?.pop())
    }

    fn prune(&mut self, before: DateTime<Utc>) -> Result<usize> {
        let path = self.path.clone();
        let result = (|| {
            let tx = self.immediate()?;
            let n = tx.execute(
                "DELETE FROM executions WHERE status != 'running' AND coalesce(finished_at, scheduled_at) < ?1",
                [super::to_ms(before)],
            )?;
            tx.commit()?;
            Ok(n)
        })();
        super::named(result, &path)
    }
}

/// Keep the newest `keep_history` executions of a job (the default also for
/// removed jobs); running ones are never deleted. Called as rows are written.
pub(super) fn enforce_retention(
    conn: &rusqlite::Connection,
    job_id: &str,
) -> rusqlite::Result<usize> {
    conn.prepare_cached(&numbered(&rows::retention_sql(
        "json_extract(options, '$.keep_history')",
    )))?
    .execute(params![job_id, DEFAULT_KEEP_HISTORY])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use crate::store::sqlite::jobs::tests::{migrated, plan};
    use crate::store::Glob;

    #[test]
    fn history_filters_read_indexes_not_every_execution() {
        let conn = migrated();
        let glob = Glob::parse("job1*").unwrap();
        let history = |filter: HistoryFilter| {
            let name = filter.name.map(|g| g.to_sqlite());
            plan(
                &conn,
                &history_sql(&filter),
                params![
                    filter.job_id,
                    filter.status.map(|s| s.as_str()),
                    name,
                    20,
                    filter.before
                ],
            )
        };
        let failed = HistoryFilter {
            status: Some(Status::Failed),
            ..HistoryFilter::newest(20)
        };
        let p = history(failed);
        assert!(p.contains("executions_by_status"), "{p}");
        let of_job = HistoryFilter {
            job_id: Some("backup"),
            ..HistoryFilter::newest(20)
        };
        assert!(history(of_job).contains("executions_by_job"));
        let named = HistoryFilter {
            name: Some(&glob),
            ..HistoryFilter::newest(20)
        };
        let p = history(named);
        assert!(p.contains("executions_by_job_name"), "{p}");
        assert!(p.contains("executions_by_job "), "{p}");
    }

    /// The strip of the jobs page reads each job's newest rows through
    /// `(job_id, id)`: a range per job, never a pass over all executions.
    #[test]
    fn recent_executions_read_a_range_per_job() {
        let conn = migrated();
        let p = plan(
            &conn,
            &crate::store::recent::sqlite_sql(),
            params!["[\"a\",\"b\"]", 19],
        );
        assert!(
            p.contains("SEARCH e USING INDEX executions_by_job (job_id=? AND id>?)"),
            "{p}"
        );
        assert!(!p.contains("SCAN e"), "{p}");
    }
}
