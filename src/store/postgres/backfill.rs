//! [`Backfills`] in PostgreSQL (see `store/backfill.rs`): the `retries`
//! table's UNIQUE (job_id, due_at) makes two concurrent backfills of one
//! range store each fire once; the claim's UNIQUE (job_id, scheduled_at)
//! of executions runs it once.

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::PgStore;
use crate::store::backfill::{Backfills, STORE, TAKEN};
use crate::store::rows::to_ms;

impl Backfills for PgStore {
    fn unrun(&self, job_id: &str, fires: &[DateTime<Utc>]) -> Result<Vec<DateTime<Utc>>> {
        self.read(|c| {
            let taken = c.prepare(TAKEN)?;
            let mut out = Vec::new();
            for t in fires {
                let n: i64 = c.query_one(&taken, &[&job_id, &to_ms(*t)])?.try_get(0)?;
                if n == 0 {
                    out.push(*t);
                }
            }
            Ok(out)
        })
    }

    fn backfill(
        &mut self,
        job_id: &str,
        fires: &[DateTime<Utc>],
        pace: i64,
    ) -> Result<Vec<DateTime<Utc>>> {
        self.write(true, |c| {
            let store = c.prepare(STORE)?;
            let mut out = Vec::new();
            for t in fires {
                if c.execute(&store, &[&job_id, &to_ms(*t), &pace])? == 1 {
                    out.push(*t);
                }
            }
            Ok(out)
        })
    }
}
