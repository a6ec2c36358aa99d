//! [`Runners`] in the jobs file: who runs it and their leases. On a file
//! all runners share one host, so a runner whose process is gone is known
//! dead at once; the lease covers a runner that is there but not running
//! (stopped with SIGSTOP, say). Lease times are written from the wall
//! clock but never compared with it (see `scheduler::Lapses`).

use anyhow::Result;
use chrono::Utc;
use rusqlite::{params, OptionalExtension};

use super::{decode_all, to_ms, SqliteStore};
use crate::model::RunnerState;
use crate::store::{RunnerInfo, RunnerRow, Runners};

use crate::store::rows::{self, RUNNER_COLUMNS as COLUMNS};

impl Runners for SqliteStore {
    fn register_runner(&mut self, info: &RunnerInfo) -> Result<i64> {
        let now = to_ms(Utc::now());
        let tx = self.immediate()?;
        tx.execute(
            "INSERT INTO runners (name, host, pid, process, version, started_at, renewed_at, lease_ms, state)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7, 'alive')",
            params![
                info.name,
                info.host,
                info.pid,
                info.process,
                info.version,
                now,
                info.lease.as_millis() as i64
            ],
        )?;
        let id = tx.last_insert_rowid();
        // Keep the last runners, not every start since the file began.
        tx.execute(
            "DELETE FROM runners WHERE state != 'alive'
               AND id NOT IN (SELECT id FROM runners ORDER BY id DESC LIMIT 100)",
            [],
        )?;
        tx.commit()?;
        Ok(id)
    }

    fn renew_lease(&mut self, runner: i64) -> Result<bool> {
        let tx = self.immediate()?;
        let n = tx.execute(
            "UPDATE runners SET renewed_at = ?1 WHERE id = ?2 AND state = 'alive'",
            params![to_ms(Utc::now()), runner],
        )?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn expire(&mut self, lapsed: Vec<RunnerRow>) -> Result<Vec<RunnerRow>> {
        let now = to_ms(Utc::now());
        let tx = self.immediate()?;
        let mut expired = Vec::new();
        for r in lapsed {
            let n = tx.execute(
                "UPDATE runners SET state = 'expired', ended_at = ?1
                 WHERE id = ?2 AND state = 'alive' AND renewed_at = ?3",
                params![now, r.id, to_ms(r.renewed_at)],
            )?;
            if n == 1 {
                expired.push(RunnerRow {
                    state: RunnerState::Expired,
                    ..r
                });
            }
        }
        tx.commit()?;
        Ok(expired)
    }

    fn unregister_runner(&mut self, runner: i64) -> Result<()> {
        let tx = self.immediate()?;
        tx.execute(
            "UPDATE runners SET state = 'gone', ended_at = ?1 WHERE id = ?2 AND state = 'alive'",
            params![to_ms(Utc::now()), runner],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn runners(&self) -> Result<Vec<RunnerRow>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM runners ORDER BY id DESC"))?;
        decode_all(&mut stmt, [], rows::runner)
    }
}

impl SqliteStore {
    /// Inside a claim: whether `runner` still holds its lease.
    pub(super) fn lease_held(tx: &rusqlite::Transaction, runner: i64) -> Result<bool> {
        Ok(tx
            .query_row(
                "SELECT 1 FROM runners WHERE id = ?1 AND state = 'alive'",
                [runner],
                |_| Ok(()),
            )
            .optional()?
            .is_some())
    }
}
