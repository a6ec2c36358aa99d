//! [`Backfills`] in the jobs file (see `store/backfill.rs`).

use anyhow::Result;
use chrono::{DateTime, Utc};
use rusqlite::params;

use super::{numbered, to_ms, SqliteStore};
use crate::store::backfill::{Backfills, STORE, TAKEN};

impl Backfills for SqliteStore {
    fn unrun(&self, job_id: &str, fires: &[DateTime<Utc>]) -> Result<Vec<DateTime<Utc>>> {
        let mut taken = self.conn.prepare_cached(&numbered(TAKEN))?;
        let mut out = Vec::new();
        for t in fires {
            let n: i64 = taken.query_row(params![job_id, to_ms(*t)], |r| r.get(0))?;
            if n == 0 {
                out.push(*t);
            }
        }
        Ok(out)
    }

    fn backfill(
        &mut self,
        job_id: &str,
        fires: &[DateTime<Utc>],
        pace: i64,
    ) -> Result<Vec<DateTime<Utc>>> {
        let tx = self.immediate()?;
        let mut out = Vec::new();
        {
            let mut store = tx.prepare_cached(&numbered(STORE))?;
            for t in fires {
                if store.execute(params![job_id, to_ms(*t), pace])? == 1 {
                    out.push(*t);
                }
            }
        }
        tx.commit()?;
        Ok(out)
    }
}
