//! `tick copy` into the jobs file: one `BEGIN IMMEDIATE` transaction.

use anyhow::Result;
use rusqlite::{params, OptionalExtension};

use super::{jobs, numbered, to_ms, SqliteStore};
use crate::model::Job;
use crate::store::rows::{self, copy_conflict};
use crate::store::Output;

impl SqliteStore {
    pub(super) fn copy_into(
        &mut self,
        jobs_in: &[Job],
        history: &[Output],
        replace: bool,
    ) -> Result<usize> {
        let path = self.path.clone();
        let location = self.location.clone();
        let result = (|| {
            let tx = self.immediate()?;
            for job in jobs_in {
                if !replace && jobs::exists(&tx, &job.id)? {
                    return Err(copy_conflict(&job.id, &location).into());
                }
                jobs::write(&tx, job)?;
            }
            rows::copied_names_free(jobs_in, &location, &mut |name, id| {
                jobs::name_holders(&tx, name, id)
            })?;
            let mut n = 0;
            {
                let mut insert = tx.prepare(&numbered(rows::COPY_EXECUTION))?;
                let mut existing = tx.prepare(&numbered(rows::COPIED_EXECUTION))?;
                let mut ids = rows::CopiedIds::default();
                for o in history {
                    let Some(e) = &o.execution else { continue };
                    let r = &o.result;
                    let [peak, user, system] = rows::usage_cells(e.usage);
                    let new: Option<i64> = insert
                        .query_row(
                            params![
                                e.job_id,
                                e.job_name,
                                e.command,
                                to_ms(e.scheduled_at),
                                e.started_at.map(to_ms),
                                e.finished_at.map(to_ms),
                                e.status.as_str(),
                                e.exit_code,
                                e.signal,
                                r.stdout,
                                r.stderr,
                                r.stdout_truncated,
                                r.stderr_truncated,
                                e.attempt,
                                ids.retry_of(e),
                                e.reason,
                                peak,
                                user,
                                system,
                            ],
                            |r| r.get(0),
                        )
                        .optional()?;
                    let id = match new {
                        Some(id) => {
                            n += 1;
                            id
                        }
                        None => existing
                            .query_row(params![e.job_id, to_ms(e.scheduled_at)], |r| r.get(0))?,
                    };
                    ids.note(e.id, id);
                }
            }
            tx.commit()?;
            Ok(n)
        })();
        super::named(result, &path)
    }
}
