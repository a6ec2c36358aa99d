//! [`History`] in the jobs file: executions and their output.

use std::collections::HashMap;

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{decode_all, numbered, SqliteStore};
use crate::model::{Execution, Status, DEFAULT_KEEP_HISTORY};
use crate::store::rows;
use crate::store::{History, Output};

use crate::store::rows::EXECUTION_COLUMNS as COLUMNS;

impl History for SqliteStore {
    fn last_executions(&self) -> Result<HashMap<String, Execution>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM executions
             WHERE id IN (SELECT max(id) FROM executions GROUP BY job_id)"
        ))?;
        Ok(decode_all(&mut stmt, [], rows::execution)?
            .into_iter()
            .map(|e| (e.job_id.clone(), e))
            .collect())
    }

    fn executions_of(&self, job_id: &str, limit: usize) -> Result<Vec<Execution>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM executions WHERE job_id = ?1 ORDER BY id DESC LIMIT ?2"
        ))?;
        decode_all(&mut stmt, params![job_id, limit as i64], rows::execution)
    }

    fn history(
        &self,
        job_id: Option<&str>,
        status: Option<Status>,
        limit: usize,
    ) -> Result<Vec<Execution>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM executions
             WHERE (?1 IS NULL OR job_id = ?1) AND (?2 IS NULL OR status = ?2)
             ORDER BY id DESC LIMIT ?3"
        ))?;
        decode_all(
            &mut stmt,
            params![job_id, status.map(|s| s.as_str()), limit as i64],
            rows::execution,
        )
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
