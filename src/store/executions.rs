//! Execution history in the jobs file.

use std::collections::HashMap;

use anyhow::Result;
use rusqlite::{params, Row};

use super::{from_ms, Store};
use crate::model::{Execution, Status};

const COLUMNS: &str =
    "id, job_id, job_name, command, scheduled_at, started_at, finished_at, status, exit_code, signal";

fn execution_from_row(row: &Row) -> rusqlite::Result<Execution> {
    let status: String = row.get(7)?;
    Ok(Execution {
        id: row.get(0)?,
        job_id: row.get(1)?,
        job_name: row.get(2)?,
        command: row.get(3)?,
        scheduled_at: from_ms(row.get(4)?),
        started_at: row.get::<_, Option<i64>>(5)?.map(from_ms),
        finished_at: row.get::<_, Option<i64>>(6)?.map(from_ms),
        // An unknown status (from a newer tick) reads as interrupted rather
        // than failing the listing.
        status: status.parse().unwrap_or(Status::Interrupted),
        exit_code: row.get(8)?,
        signal: row.get(9)?,
    })
}

impl Store {
    /// The latest execution of every job that has one, by job id.
    pub fn last_executions(&self) -> Result<HashMap<String, Execution>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM executions
             WHERE id IN (SELECT max(id) FROM executions GROUP BY job_id)"
        ))?;
        let rows = stmt.query_map([], execution_from_row)?;
        let mut out = HashMap::new();
        for e in rows {
            let e = e?;
            out.insert(e.job_id.clone(), e);
        }
        Ok(out)
    }

    /// A job's executions, newest first.
    pub fn executions_of(&self, job_id: &str, limit: usize) -> Result<Vec<Execution>> {
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {COLUMNS} FROM executions WHERE job_id = ?1 ORDER BY id DESC LIMIT ?2"
        ))?;
        let rows = stmt.query_map(params![job_id, limit as i64], execution_from_row)?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}
