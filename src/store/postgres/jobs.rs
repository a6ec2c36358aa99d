//! [`Jobs`] in PostgreSQL. Each method is one transaction; those that
//! change jobs announce it (see `mod.rs`).

use anyhow::Result;
use postgres::fallible_iterator::FallibleIterator;
use postgres::types::ToSql;
use postgres::{Client, Row};

use super::PgStore;
use crate::error::UsageError;
use crate::model::{Job, LastRun};
use crate::store::rows::{self, generate_id, to_ms, StoredJob, JOB_COLUMNS};
use crate::store::{JobFilter, JobRow, Jobs, NewJobId, Output};

/// A job from a row of [`JOB_COLUMNS`], all of it or (`summary`) only
/// what a listing shows; a column that cannot be read, or whose content
/// is bad, makes a [`crate::store::BadRow`].
pub(super) fn job_from_row(row: &Row, summary: bool) -> JobRow {
    let id: String = row.try_get(0).unwrap_or_default();
    let stored = (|| -> std::result::Result<StoredJob, postgres::Error> {
        Ok(StoredJob {
            name: row.try_get(1)?,
            command: row.try_get(2)?,
            trigger: row.try_get(3)?,
            state: row.try_get(4)?,
            next_run_at: row.try_get(5)?,
            options: row.try_get(6)?,
            created_at: row.try_get(7)?,
            updated_at: row.try_get(8)?,
        })
    })();
    rows::job(id, stored.map_err(|e| e.to_string()), summary)
}

impl PgStore {
    /// The rows of `select` (a `SELECT ... FROM jobs`) that `filter`
    /// selects, in list order, handed to `f` row by row as the server
    /// sends them: 100,000 jobs are never all in memory.
    fn each_in_list_order(
        &self,
        select: &str,
        filter: &JobFilter,
        f: &mut dyn FnMut(&Row) -> Result<()>,
    ) -> Result<()> {
        let sql = format!(
            "{select} {} ORDER BY (jobs.next_run_at IS NULL), jobs.next_run_at, jobs.id LIMIT $2",
            rows::jobs_where(filter, |c| format!("jobs.{c} COLLATE \"C\" ~ $1"))
        );
        let name = filter.name.as_ref().map(|g| g.to_regex());
        let limit = filter.limit.map(|n| n.min(i64::MAX as usize) as i64);
        self.read(|c| {
            let params: [&(dyn ToSql + Sync); 2] = [&name, &limit];
            let mut rows = c.query_raw(&sql, params)?;
            while let Some(row) = rows.next()? {
                f(&row)?;
            }
            Ok(())
        })
    }
}

/// Jobs matching `filter` (SQL after `FROM jobs`).
pub(super) fn select(
    c: &mut Client,
    filter: &str,
    params: &[&(dyn ToSql + Sync)],
) -> Result<Vec<JobRow>> {
    let rows = c.query(&format!("SELECT {JOB_COLUMNS} FROM jobs {filter}"), params)?;
    Ok(rows.iter().map(|row| job_from_row(row, false)).collect())
}

fn get(c: &mut Client, id: &str) -> Result<Option<Job>> {
    select(c, "WHERE id = $1", &[&id])?
        .pop()
        .transpose()
        .map_err(|bad| anyhow::anyhow!(bad))
}

/// Write a job: with `replace`, over a job of that id; without it, only
/// if the id is free (`false` if it is taken, even by a concurrent add).
pub(super) fn write(c: &mut Client, job: &Job, replace: bool) -> Result<bool> {
    let conflict = if replace {
        "DO UPDATE SET
           name = excluded.name, command = excluded.command, trigger = excluded.trigger,
           timezone = excluded.timezone, state = excluded.state, next_run_at = excluded.next_run_at,
           options = excluded.options, updated_at = excluded.updated_at"
    } else {
        "DO NOTHING"
    };
    let n = c.execute(
        &format!(
            "INSERT INTO jobs (id, name, command, trigger, timezone, state, next_run_at, options, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
             ON CONFLICT (id) {conflict}"
        ),
        &[
            &job.id,
            &job.name,
            &job.command,
            &serde_json::to_string(&job.trigger)?,
            &job.trigger.timezone,
            &job.state.as_str(),
            &job.next_run_at.map(to_ms),
            &serde_json::to_string(&job.options)?,
            &to_ms(job.created_at),
            &to_ms(job.updated_at),
        ],
    )?;
    // A job that is not active has no pending retry (pausing drops them).
    if n == 1 && job.state != crate::model::JobState::Active {
        c.execute("DELETE FROM retries WHERE job_id = $1", &[&job.id])?;
    }
    Ok(n == 1)
}

/// Write a new job under a generated id; the id.
fn write_new(c: &mut Client, job: &mut Job) -> Result<String> {
    loop {
        job.id = generate_id();
        if write(c, job, false)? {
            return Ok(job.id.clone());
        }
    }
}

/// The other jobs that have `name`, by id, once this transaction holds
/// the name's lock: two transactions giving one name take turns, and the
/// second sees the first's job (an index cannot be unique: files from
/// before unique names may have duplicates).
pub(super) fn name_holders(c: &mut Client, name: &str, id: &str) -> Result<Vec<String>> {
    c.execute("SELECT pg_advisory_xact_lock($1)", &[&name_key(name)])?;
    Ok(c.query(rows::NAME_HOLDERS, &[&name, &id])?
        .iter()
        .map(|r| r.get(0))
        .collect())
}

/// The advisory lock key of a name: FNV-1a of its bytes, in a space of
/// its own (`tick-name:`).
fn name_key(name: &str) -> i64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in b"tick-name:".iter().chain(name.as_bytes()) {
        h = (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3);
    }
    h as i64
}

/// Refuse `job`'s name (new, or changed from `before`) if another job
/// has it.
fn check_name(c: &mut Client, before: Option<&Job>, job: &Job) -> Result<()> {
    if let Some(name) = rows::renamed(before, job) {
        if let Some(holder) = name_holders(c, name, &job.id)?.first() {
            return Err(rows::name_taken(name, holder).into());
        }
    }
    Ok(())
}

/// A job by id, its row locked until the transaction ends.
pub(super) fn get_locked(c: &mut Client, id: &str) -> Result<Option<Job>> {
    select(c, "WHERE id = $1 FOR UPDATE", &[&id])?
        .pop()
        .transpose()
        .map_err(|bad| anyhow::anyhow!(bad))
}

impl Jobs for PgStore {
    fn copy_in(&mut self, jobs: &[Job], history: &[Output], replace: bool) -> Result<usize> {
        self.copy_into(jobs, history, replace)
    }

    fn add_job(&mut self, mut job: Job, id: NewJobId) -> Result<String> {
        self.write(true, |c| {
            match id {
                NewJobId::Given { id, replace } => {
                    if let Some(old) = get_locked(c, &id)? {
                        if !replace {
                            return Err(rows::id_taken(&id).into());
                        }
                        job.created_at = old.created_at;
                    }
                    job.id = id;
                    check_name(c, None, &job)?;
                    // Taken meanwhile by a concurrent add: refused all the same.
                    if !write(c, &job, replace)? {
                        return Err(rows::id_taken(&job.id).into());
                    }
                    Ok(job.id)
                }
                NewJobId::Generated => {
                    check_name(c, None, &job)?;
                    write_new(c, &mut job)
                }
            }
        })
    }

    fn add_jobs(&mut self, jobs: Vec<Job>) -> Result<Vec<String>> {
        self.write(true, |c| {
            let mut ids = Vec::with_capacity(jobs.len());
            for mut job in jobs {
                check_name(c, None, &job)?;
                ids.push(write_new(c, &mut job)?);
            }
            Ok(ids)
        })
    }

    fn job(&mut self, id: &str) -> Result<Job> {
        self.read(|c| get(c, id)?.ok_or_else(|| UsageError::unknown_job(id).into()))
    }

    fn job_count(&self) -> Result<i64> {
        self.read(|c| Ok(c.query_one("SELECT count(*) FROM jobs", &[])?.get(0)))
    }

    fn jobs(&self) -> Result<Vec<JobRow>> {
        self.read(|c| select(c, "ORDER BY id", &[]))
    }

    fn each_job(&self, filter: JobFilter, f: &mut dyn FnMut(JobRow) -> Result<()>) -> Result<()> {
        let select = format!("SELECT {JOB_COLUMNS} FROM jobs");
        self.each_in_list_order(&select, &filter, &mut |row| {
            f(job_from_row(row, filter.summary))
        })
    }

    fn each_listed(
        &self,
        filter: JobFilter,
        f: &mut dyn FnMut(JobRow, Option<LastRun>) -> Result<()>,
    ) -> Result<()> {
        let select = rows::listed_select(JOB_COLUMNS, rows::LastRunFrom::Joined, "jobs");
        self.each_in_list_order(&select, &filter, &mut |row| {
            let last = rows::last_run(row, 9)?;
            f(job_from_row(row, filter.summary), last)
        })
    }

    fn update_jobs(
        &mut self,
        ids: Option<&[String]>,
        change: &mut dyn FnMut(&mut Job) -> Result<()>,
    ) -> Result<Vec<Job>> {
        self.write(true, |c| {
            let all_ids: Vec<String> = match ids {
                Some(ids) => ids.to_vec(),
                None => c
                    .query("SELECT id FROM jobs ORDER BY id", &[])?
                    .iter()
                    .map(|r| r.get(0))
                    .collect(),
            };
            let mut out = Vec::with_capacity(all_ids.len());
            for id in &all_ids {
                let before = get_locked(c, id)?.ok_or_else(|| UsageError::unknown_job(id))?;
                let mut job = before.clone();
                change(&mut job)?;
                check_name(c, Some(&before), &job)?;
                write(c, &job, true)?;
                out.push(job);
            }
            Ok(out)
        })
    }

    fn remove_jobs(&mut self, ids: &[String]) -> Result<()> {
        self.write(true, |c| {
            for id in ids {
                if c.execute("DELETE FROM jobs WHERE id = $1", &[id])? == 0 {
                    return Err(UsageError::unknown_job(id).into());
                }
                c.execute("DELETE FROM retries WHERE job_id = $1", &[id])?;
                // Its raised conditions go with it: a job added again
                // under the id starts with none.
                c.execute("DELETE FROM notices WHERE job_id = $1", &[id])?;
            }
            Ok(())
        })
    }
}
