//! [`Jobs`] in the jobs file. Each method is one transaction.

use anyhow::Result;
use rusqlite::{params, OptionalExtension, Row, Transaction};

use super::{to_ms, SqliteStore};
use crate::error::UsageError;
use crate::model::{Job, LastRun};
use crate::store::rows::{self, generate_id, StoredJob};
use crate::store::{JobFilter, JobRow, JobStates, Jobs, NewJobId, Output};

pub(super) use crate::store::rows::JOB_COLUMNS as COLUMNS;

/// A job from a row of [`COLUMNS`], all of it or (`summary`) only what a
/// listing shows (see [`rows::job`]).
pub(super) fn job_from_row(row: &Row, summary: bool) -> rusqlite::Result<JobRow> {
    let id: String = row.get(0)?;
    // Decode straight from SQLite's text: no String per column.
    let text = |i: usize| -> std::result::Result<&str, String> {
        row.get_ref(i)
            .and_then(|v| v.as_str().map_err(Into::into))
            .map_err(|e| e.to_string())
    };
    let stored = (|| -> std::result::Result<StoredJob, String> {
        let get = |e: rusqlite::Error| e.to_string();
        Ok(StoredJob {
            name: row.get(1).map_err(get)?,
            command: row.get(2).map_err(get)?,
            trigger: text(3)?,
            state: text(4)?,
            next_run_at: row.get(5).map_err(get)?,
            options: text(6)?,
            created_at: row.get(7).map_err(get)?,
            updated_at: row.get(8).map_err(get)?,
        })
    })();
    Ok(rows::job(id, stored, summary))
}

fn unknown(id: &str) -> UsageError {
    UsageError::unknown_job(id)
}

pub(super) fn get(tx: &Transaction, id: &str) -> Result<Option<Job>> {
    let job = tx
        .query_row(
            &format!("SELECT {COLUMNS} FROM jobs WHERE id = ?1"),
            [id],
            |row| job_from_row(row, false),
        )
        .optional()?;
    match job {
        None => Ok(None),
        Some(Ok(job)) => Ok(Some(job)),
        Some(Err(e)) => Err(anyhow::anyhow!(e)),
    }
}

pub(super) fn exists(tx: &Transaction, id: &str) -> Result<bool> {
    Ok(tx
        .query_row("SELECT 1 FROM jobs WHERE id = ?1", [id], |_| Ok(()))
        .optional()?
        .is_some())
}

pub(super) fn write(tx: &Transaction, job: &Job) -> Result<()> {
    tx.execute(
        "INSERT INTO jobs (id, name, command, trigger, timezone, state, next_run_at, options, created_at, updated_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (id) DO UPDATE SET
           name = excluded.name, command = excluded.command, trigger = excluded.trigger,
           timezone = excluded.timezone, state = excluded.state, next_run_at = excluded.next_run_at,
           options = excluded.options, updated_at = excluded.updated_at",
        params![
            job.id,
            job.name,
            job.command,
            serde_json::to_string(&job.trigger)?,
            job.trigger.timezone,
            job.state.as_str(),
            job.next_run_at.map(to_ms),
            serde_json::to_string(&job.options)?,
            to_ms(job.created_at),
            to_ms(job.updated_at),
        ],
    )?;
    // A job that is not active has no pending retry (pausing drops them).
    if job.state != crate::model::JobState::Active {
        tx.execute("DELETE FROM retries WHERE job_id = ?1", [&job.id])?;
    }
    Ok(())
}

/// The other jobs that have `name`, by id.
pub(super) fn name_holders(tx: &Transaction, name: &str, id: &str) -> Result<Vec<String>> {
    let mut stmt = tx.prepare_cached(&super::numbered(rows::NAME_HOLDERS))?;
    let ids = stmt
        .query_map(params![name, id], |r| r.get(0))?
        .collect::<rusqlite::Result<Vec<String>>>()?;
    Ok(ids)
}

/// Refuse `job`'s name (new, or changed from `before`) if another job
/// has it; inside the write transaction, so no concurrent add slips in.
fn check_name(tx: &Transaction, before: Option<&Job>, job: &Job) -> Result<()> {
    if let Some(name) = rows::renamed(before, job) {
        if let Some(holder) = name_holders(tx, name, &job.id)?.first() {
            return Err(rows::name_taken(name, holder).into());
        }
    }
    Ok(())
}

/// Whether a listing reads the jobs table as it lies: most of the jobs,
/// in any order. Following the list order's index costs a search of the
/// table per row.
fn scans(filter: &JobFilter) -> bool {
    filter.any_order && filter.is_most()
}

/// A listing's query, each job with its latest execution (see
/// [`rows::listed_select`]): `?1` the name pattern, `?2` the limit (-1:
/// none). In list order unless it [`scans`] (`NOT INDEXED`).
fn listed_sql(filter: &JobFilter) -> String {
    let (jobs, order) = if scans(filter) {
        ("jobs NOT INDEXED", "")
    } else {
        (
            "jobs",
            "ORDER BY jobs.next_run_at IS NULL, jobs.next_run_at, jobs.id",
        )
    };
    super::numbered(&format!(
        "{} {} {order} LIMIT $2",
        rows::listed_select(COLUMNS, rows::LastRunFrom::JobRow, jobs),
        rows::jobs_where(filter, |c| format!("jobs.{c} GLOB $1"))
    ))
}

impl Jobs for SqliteStore {
    fn copy_in(&mut self, jobs: &[Job], history: &[Output], replace: bool) -> Result<usize> {
        self.copy_into(jobs, history, replace)
    }

    fn add_job(&mut self, mut job: Job, id: NewJobId) -> Result<String> {
        let path = self.path.clone();
        let result = (|| {
            let tx = self.immediate()?;
            match id {
                NewJobId::Given { id, replace } => {
                    if let Some(old) = get(&tx, &id)? {
                        if !replace {
                            return Err(rows::id_taken(&id).into());
                        }
                        job.created_at = old.created_at;
                    }
                    job.id = id;
                    check_name(&tx, None, &job)?;
                }
                NewJobId::Generated => {
                    job.id = loop {
                        let id = generate_id();
                        if !exists(&tx, &id)? {
                            break id;
                        }
                    };
                    check_name(&tx, None, &job)?;
                }
            }
            write(&tx, &job)?;
            tx.commit()?;
            Ok(job.id)
        })();
        super::named(result, &path)
    }

    fn add_jobs(&mut self, jobs: Vec<Job>) -> Result<Vec<String>> {
        let path = self.path.clone();
        let result = (|| {
            let tx = self.immediate()?;
            let mut ids = Vec::with_capacity(jobs.len());
            for mut job in jobs {
                job.id = loop {
                    let id = generate_id();
                    if !exists(&tx, &id)? {
                        break id;
                    }
                };
                check_name(&tx, None, &job)?;
                write(&tx, &job)?;
                ids.push(job.id);
            }
            tx.commit()?;
            Ok(ids)
        })();
        super::named(result, &path)
    }

    fn job(&mut self, id: &str) -> Result<Job> {
        let tx = self.conn.transaction()?;
        get(&tx, id)?.ok_or_else(|| unknown(id).into())
    }

    fn job_ids_named(&self, name: &str, limit: usize) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id FROM jobs WHERE name = ?1 ORDER BY id LIMIT ?2")?;
        let ids = stmt
            .query_map(params![name, limit as i64], |r| r.get(0))?
            .collect::<rusqlite::Result<Vec<String>>>()?;
        Ok(ids)
    }

    fn job_states(&self) -> Result<JobStates> {
        let mut n = JobStates::default();
        let mut stmt = self
            .conn
            .prepare("SELECT state, count(*) FROM jobs GROUP BY state")?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            let count: i64 = row.get(1)?;
            match row.get_ref(0)?.as_str().ok() {
                Some("active") => n.active = count,
                Some("paused") => n.paused = count,
                Some("finished") => n.finished = count,
                _ => n.unreadable += count,
            }
        }
        Ok(n)
    }

    fn job_count(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM jobs", [], |r| r.get(0))?)
    }

    fn jobs(&self) -> Result<Vec<JobRow>> {
        self.select_jobs("ORDER BY id", rusqlite::params![])
    }

    /// [`Jobs::each_listed`] without the latest execution: it is on the
    /// job's row, so reading it costs nothing more.
    fn each_job(&self, filter: JobFilter, f: &mut dyn FnMut(JobRow) -> Result<()>) -> Result<()> {
        self.each_listed(filter, &mut |row, _| f(row))
    }

    fn each_listed(
        &self,
        filter: JobFilter,
        f: &mut dyn FnMut(JobRow, Option<LastRun>) -> Result<()>,
    ) -> Result<()> {
        // Read as the table lies, each page is read once: a command's big
        // page cache would only hold all of them (40 MiB more for 100,000
        // jobs, and slower), so SQLite's default serves this pass.
        let cache: Option<i64> = if scans(&filter) {
            let cache = self
                .conn
                .pragma_query_value(None, "cache_size", |r| r.get(0))?;
            self.conn
                .pragma_update(None, "cache_size", super::DEFAULT_CACHE_KIB)?;
            Some(cache)
        } else {
            None
        };
        let listed = (|| {
            let mut stmt = self.conn.prepare(&listed_sql(&filter))?;
            let name = filter.name.as_ref().map(|g| g.to_sqlite());
            let limit = filter.limit.map_or(-1, |n| n.min(i64::MAX as usize) as i64);
            let mut rows = stmt.query(params![name, limit])?;
            while let Some(row) = rows.next()? {
                let last = rows::last_run(row, 9)?;
                f(job_from_row(row, filter.summary)?, last)?;
            }
            Ok(())
        })();
        if let Some(cache) = cache {
            self.conn.pragma_update(None, "cache_size", cache)?;
        }
        listed
    }

    fn update_jobs(
        &mut self,
        ids: Option<&[String]>,
        change: &mut dyn FnMut(&mut Job) -> Result<()>,
    ) -> Result<Vec<Job>> {
        let path = self.path.clone();
        let result = (|| {
            let tx = self.immediate()?;
            let all_ids: Vec<String> = match ids {
                Some(ids) => ids.to_vec(),
                None => {
                    let mut stmt = tx.prepare("SELECT id FROM jobs ORDER BY id")?;
                    let ids = stmt
                        .query_map([], |r| r.get(0))?
                        .collect::<rusqlite::Result<Vec<String>>>()?;
                    ids
                }
            };
            let mut out = Vec::with_capacity(all_ids.len());
            for id in &all_ids {
                let before = get(&tx, id)?.ok_or_else(|| unknown(id))?;
                let mut job = before.clone();
                change(&mut job)?;
                check_name(&tx, Some(&before), &job)?;
                write(&tx, &job)?;
                out.push(job);
            }
            tx.commit()?;
            Ok(out)
        })();
        super::named(result, &path)
    }

    fn remove_jobs(&mut self, ids: &[String]) -> Result<()> {
        let path = self.path.clone();
        let result = (|| {
            let tx = self.immediate()?;
            for id in ids {
                if tx.execute("DELETE FROM jobs WHERE id = ?1", [id])? == 0 {
                    return Err(unknown(id).into());
                }
                tx.execute("DELETE FROM retries WHERE job_id = ?1", [id])?;
                // Its raised conditions go with it: a job added again
                // under the id starts with none.
                tx.execute("DELETE FROM notices WHERE job_id = ?1", [id])?;
            }
            tx.commit()?;
            Ok(())
        })();
        super::named(result, &path)
    }
}

#[cfg(test)]
pub(super) mod tests {
    use super::*;
    use crate::model::JobState;
    use crate::store::{Glob, StateSet};

    /// `EXPLAIN QUERY PLAN`'s details, one per line.
    pub(in crate::store::sqlite) fn plan(
        conn: &rusqlite::Connection,
        sql: &str,
        params: impl rusqlite::Params,
    ) -> String {
        let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
        let rows = stmt.query_map(params, |r| r.get::<_, String>(3)).unwrap();
        rows.map(Result::unwrap).collect::<Vec<_>>().join("\n")
    }

    pub(in crate::store::sqlite) fn migrated() -> rusqlite::Connection {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        super::super::schema::migrate(&mut conn, std::path::Path::new(":memory:")).unwrap();
        conn
    }

    #[test]
    fn list_filters_read_indexes_not_every_job() {
        let conn = migrated();
        let list = |filter: JobFilter, name: Option<&str>| {
            plan(&conn, &listed_sql(&filter), params![name, 20])
        };
        let paused = JobFilter {
            states: StateSet::of(&[JobState::Paused]),
            ..JobFilter::default()
        };
        let p = list(paused, None);
        assert!(p.contains("USING INDEX jobs_by_state_list_order"), "{p}");
        assert!(!p.contains("TEMP B-TREE"), "sorted by the index: {p}");
        let named = JobFilter {
            name: Some(Glob::parse("job1*").unwrap()),
            ..JobFilter::default()
        };
        let p = list(named, Some("job1*"));
        assert!(
            !p.contains("SCAN jobs\n") && !p.ends_with("SCAN jobs"),
            "{p}"
        );
        assert!(p.contains("jobs_by_name"), "{p}");
        // As `tick list` reads them, with each job's latest execution:
        // the same plan, with nothing read from the executions.
        let paused = JobFilter {
            states: StateSet::of(&[JobState::Paused]),
            ..JobFilter::default()
        };
        let p = plan(&conn, &listed_sql(&paused), params![None::<String>, 20]);
        assert!(p.contains("USING INDEX jobs_by_state_list_order"), "{p}");
        assert!(!p.contains("executions"), "{p}");
        assert!(!p.contains("TEMP B-TREE"), "{p}");
        // All but the finished ones, in any order: the table as it lies;
        // paused ones in any order still have their index.
        let most = JobFilter {
            any_order: true,
            ..JobFilter::default()
        };
        let p = plan(&conn, &listed_sql(&most), params![None::<String>, -1]);
        assert_eq!(p, "SCAN jobs", "{p}");
        let paused = JobFilter {
            any_order: true,
            ..paused
        };
        let p = plan(&conn, &listed_sql(&paused), params![None::<String>, -1]);
        assert!(p.contains("USING INDEX jobs_by_state_list_order"), "{p}");
        // No filter: the list order's own index, no sort.
        let p = list(JobFilter::default(), None);
        assert!(
            p.contains("jobs_by_list_order") && !p.contains("TEMP B-TREE"),
            "{p}"
        );
    }
}
