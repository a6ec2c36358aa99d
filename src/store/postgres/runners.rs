//! [`Runners`] in PostgreSQL: runners on any number of hosts and their
//! leases. Lease times are written from the database's clock ([`NOW_MS`])
//! for people to read; who expired is never decided by comparing clocks
//! (see `scheduler::Lapses`), so a step of any host's clock expires no one.

use anyhow::Result;

use super::{PgStore, NOW_MS};
use crate::model::RunnerState;
use crate::store::rows::to_ms;
use crate::store::rows::{self, RUNNER_COLUMNS as COLUMNS};
use crate::store::{RunnerInfo, RunnerRow, Runners};

impl Runners for PgStore {
    fn register_runner(&mut self, info: &RunnerInfo) -> Result<i64> {
        self.write(false, |c| {
            let id: i64 = c
                .query_one(
                    &format!(
                        "INSERT INTO runners (name, host, pid, process, version, started_at, renewed_at, lease_ms, state)
                         VALUES ($1, $2, $3, $4, $5, {NOW_MS}, {NOW_MS}, $6, 'alive') RETURNING id"
                    ),
                    &[
                        &info.name,
                        &info.host,
                        &i64::from(info.pid),
                        &info.process,
                        &info.version,
                        &(info.lease.as_millis() as i64),
                    ],
                )?
                .get(0);
            // Keep the last runners, not every start since the store began.
            c.execute(
                "DELETE FROM runners WHERE state != 'alive'
                   AND id NOT IN (SELECT id FROM runners ORDER BY id DESC LIMIT 100)",
                &[],
            )?;
            Ok(id)
        })
    }

    fn renew_lease(&mut self, runner: i64) -> Result<bool> {
        self.write(false, |c| {
            let n = c.execute(
                &format!(
                    "UPDATE runners SET renewed_at = {NOW_MS} WHERE id = $1 AND state = 'alive'"
                ),
                &[&runner],
            )?;
            Ok(n == 1)
        })
    }

    fn expire(&mut self, lapsed: Vec<RunnerRow>) -> Result<Vec<RunnerRow>> {
        self.write(false, |c| {
            let mut expired = Vec::new();
            for r in lapsed {
                // Skips a runner whose claim holds its row (shared): a
                // runner in the middle of a claim holds its lease (and one
                // frozen there loses its session after a few seconds).
                let n = c.execute(
                    &format!(
                        "UPDATE runners SET state = 'expired', ended_at = {NOW_MS}
                         WHERE id = (SELECT id FROM runners
                                     WHERE id = $1 AND state = 'alive' AND renewed_at = $2
                                     FOR UPDATE SKIP LOCKED)"
                    ),
                    &[&r.id, &to_ms(r.renewed_at)],
                )?;
                if n == 1 {
                    expired.push(RunnerRow {
                        state: RunnerState::Expired,
                        ..r
                    });
                }
            }
            Ok(expired)
        })
    }

    fn unregister_runner(&mut self, runner: i64) -> Result<()> {
        self.write(false, |c| {
            c.execute(
                &format!(
                    "UPDATE runners SET state = 'gone', ended_at = {NOW_MS} WHERE id = $1 AND state = 'alive'"
                ),
                &[&runner],
            )?;
            Ok(())
        })
    }

    fn runners(&self) -> Result<Vec<RunnerRow>> {
        self.read(|c| {
            c.query(
                &format!("SELECT {COLUMNS} FROM runners ORDER BY id DESC"),
                &[],
            )?
            .iter()
            .map(|r| rows::runner(r))
            .collect()
        })
    }
}
