//! [`Notices`] in PostgreSQL (see `store/notices.rs`): a raise is an
//! `INSERT ... ON CONFLICT DO NOTHING` and a clear a `DELETE ...
//! RETURNING`, so that of several runners seeing the same condition,
//! exactly one notifies.

use anyhow::Result;
use chrono::{DateTime, Utc};
use postgres::types::ToSql;

use super::jobs::job_from_row;
use super::PgStore;
use crate::store::notices::{clear_sql, watched_sql, Notices, Watched, LAST_SUCCESS, RAISE};
use crate::store::rows::{from_ms, to_ms, JOB_COLUMNS};

impl Notices for PgStore {
    fn raise_notice(
        &mut self,
        job_id: &str,
        condition: &str,
        at: DateTime<Utc>,
        quiet_since: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let quiet = quiet_since.map_or(i64::MAX, to_ms);
        self.write(false, |c| {
            let n = c.execute(RAISE, &[&job_id, &condition, &to_ms(at), &quiet])?;
            Ok(n == 1)
        })
    }

    fn clear_notices(&mut self, job_id: &str, conditions: &[&str]) -> Result<Vec<String>> {
        let mut values: Vec<&(dyn ToSql + Sync)> = vec![&job_id];
        values.extend(conditions.iter().map(|c| c as &(dyn ToSql + Sync)));
        self.write(false, |c| {
            let rows = c.query(&clear_sql(conditions.len()), &values)?;
            Ok(rows.iter().map(|r| r.get(0)).collect())
        })
    }

    fn watched_for_silence(&self) -> Result<Vec<Watched>> {
        self.read(|c| {
            let rows = c.query(&watched_sql(JOB_COLUMNS), &[])?;
            Ok(rows
                .iter()
                .filter_map(|row| {
                    let job = job_from_row(row, false).ok()?;
                    let ok: Option<i64> = row.try_get(LAST_SUCCESS).ok()?;
                    Some(Watched {
                        job,
                        last_success: ok.map(from_ms),
                    })
                })
                .collect())
        })
    }
}
