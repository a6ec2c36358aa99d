//! `tick copy` into PostgreSQL: one transaction.

use anyhow::Result;

use super::PgStore;
use crate::model::Job;
use crate::store::rows::{self, copy_conflict, to_ms};
use crate::store::Output;

impl PgStore {
    pub(super) fn copy_into(
        &mut self,
        jobs: &[Job],
        history: &[Output],
        replace: bool,
    ) -> Result<usize> {
        let location = self.location.clone();
        self.write(true, |c| {
            for job in jobs {
                if !super::jobs::write(c, job, replace)? {
                    return Err(copy_conflict(&job.id, &location).into());
                }
            }
            rows::copied_names_free(jobs, &location, &mut |name, id| {
                super::jobs::name_holders(c, name, id)
            })?;
            let insert = c.prepare(rows::COPY_EXECUTION)?;
            let existing = c.prepare(rows::COPIED_EXECUTION)?;
            let mut ids = rows::CopiedIds::default();
            let mut n = 0;
            for o in history {
                let Some(e) = &o.execution else { continue };
                let r = &o.result;
                let [peak, user, system] = rows::usage_cells(e.usage);
                let new = c.query_opt(
                    &insert,
                    &[
                        &e.job_id,
                        &e.job_name,
                        &e.command,
                        &to_ms(e.scheduled_at),
                        &e.started_at.map(to_ms),
                        &e.finished_at.map(to_ms),
                        &e.status.as_str(),
                        &e.exit_code,
                        &e.signal,
                        &r.stdout,
                        &r.stderr,
                        &r.stdout_truncated,
                        &r.stderr_truncated,
                        &i32::try_from(e.attempt).unwrap_or(i32::MAX),
                        &ids.retry_of(e),
                        &e.reason,
                        &peak,
                        &user,
                        &system,
                    ],
                )?;
                let id: i64 = match new {
                    Some(row) => {
                        n += 1;
                        row.get(0)
                    }
                    None => c
                        .query_one(&existing, &[&e.job_id, &to_ms(e.scheduled_at)])?
                        .get(0),
                };
                ids.note(e.id, id);
            }
            Ok(n)
        })
    }
}
