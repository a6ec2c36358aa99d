//! [`Notices`] in the jobs file (see `store/notices.rs`).

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::{jobs, numbered, to_ms, SqliteStore};
use crate::store::notices::{clear_sql, watched_sql, Notices, Watched, LAST_SUCCESS, RAISE};
use crate::store::rows::from_ms;

impl Notices for SqliteStore {
    fn raise_notice(
        &mut self,
        job_id: &str,
        condition: &str,
        at: DateTime<Utc>,
        quiet_since: Option<DateTime<Utc>>,
    ) -> Result<bool> {
        let quiet = quiet_since.map_or(i64::MAX, to_ms);
        let tx = self.immediate()?;
        let n = tx.execute(
            &numbered(RAISE),
            rusqlite::params![job_id, condition, to_ms(at), quiet],
        )?;
        tx.commit()?;
        Ok(n == 1)
    }

    fn clear_notices(&mut self, job_id: &str, conditions: &[&str]) -> Result<Vec<String>> {
        let tx = self.immediate()?;
        let mut values: Vec<&dyn rusqlite::ToSql> = vec![&job_id];
        values.extend(conditions.iter().map(|c| c as &dyn rusqlite::ToSql));
        let cleared = {
            let mut stmt = tx.prepare(&numbered(&clear_sql(conditions.len())))?;
            let rows = stmt.query_map(&values[..], |r| r.get::<_, String>(0))?;
            rows.collect::<rusqlite::Result<Vec<String>>>()?
        };
        tx.commit()?;
        Ok(cleared)
    }

    fn watched_for_silence(&self) -> Result<Vec<Watched>> {
        let mut stmt = self.conn.prepare_cached(&watched_sql(jobs::COLUMNS))?;
        let rows = stmt.query_map([], |row| {
            let job = jobs::job_from_row(row, false)?;
            let ok: Option<i64> = row.get(LAST_SUCCESS)?;
            Ok((job, ok))
        })?;
        let mut out = Vec::new();
        for row in rows {
            // A row that cannot be read is not watched (listings say why).
            if let (Ok(job), ok) = row? {
                out.push(Watched {
                    job,
                    last_success: ok.map(from_ms),
                });
            }
        }
        Ok(out)
    }
}
