//! What every backend shares: the columns it stores, decoding a stored
//! row into domain types (so a row reads the same from a file or from
//! PostgreSQL, and a bad one is a [`BadRow`] in both), generated ids and
//! the errors of a taken or unknown id. No driver's types here: each
//! backend reads its columns and hands them over.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{BadRow, Due, HistoryFilter, JobFilter, JobRow, Output, RunnerRow, RunningRow};
use crate::error::UsageError;
use crate::model::{Execution, Fire, Job, JobOptions, LastRun, RunResult, Status, Usage};
use crate::trigger::TriggerSpec;

/// A job's columns, in the order [`StoredJob`] is read from.
pub const JOB_COLUMNS: &str =
    "id, name, command, trigger, state, next_run_at, options, created_at, updated_at";

/// An execution's columns, in the order [`execution`] reads them.
pub const EXECUTION_COLUMNS: &str = "id, job_id, job_name, command, scheduled_at, started_at, \
     finished_at, status, exit_code, signal, attempt, retry_of, reason, \
     peak_memory_kib, user_cpu_us, system_cpu_us";

/// How many [`EXECUTION_COLUMNS`] there are.
const EXECUTION_WIDTH: usize = 16;

/// A runner's columns, with its running count (`runners` aliased as is).
pub const RUNNER_COLUMNS: &str =
    "id, name, host, pid, process, version, started_at, renewed_at, lease_ms, state,
    (SELECT count(*) FROM executions e WHERE e.status = 'running' AND e.owner = runners.process)";

/// Running executions per job owned by another live runner than `$1`
/// (the asking runner's process identity): the copies `--max-instances`
/// must count besides the runner's own. `tick fire` does not count (as on
/// one machine), nor a dead runner's rows (they are being interrupted).
/// The same text serves both dialects.
pub const RUNNING_ELSEWHERE: &str = "SELECT job_id, count(*) FROM executions
     WHERE status = 'running' AND owner IS DISTINCT FROM $1
       AND owner IN (SELECT process FROM runners WHERE state = 'alive')
     GROUP BY job_id";

/// A child started: `$1` started_at, `$2` pid, `$3` execution id.
pub const RECORD_START: &str =
    "UPDATE executions SET started_at = $1, pid = $2 WHERE id = $3 AND status = 'running'";

/// An execution ended: `$1` status, `$2` exit code, `$3` signal, `$4`
/// finished_at, `$5`/`$6` stdout/stderr, `$7`/`$8` their truncation, `$9`
/// id, `$10` why it did not run (for a fire missed waiting for a worker),
/// `$11` its start as the clock reads now (NULL: as recorded), `$12`..`$14`
/// what it cost (see [`usage_cells`]).
pub const RECORD_END: &str =
    "UPDATE executions SET status = $1, exit_code = $2, signal = $3, finished_at = $4,
            stdout = $5, stderr = $6, stdout_truncated = $7, stderr_truncated = $8,
            reason = $10, started_at = COALESCE($11, started_at),
            peak_memory_kib = $12, user_cpu_us = $13, system_cpu_us = $14
     WHERE id = $9 AND status = 'running'";

/// What a run cost as stored: peak memory (KiB), user and system CPU
/// (microseconds), all NULL when it was not read.
pub fn usage_cells(u: Option<Usage>) -> [Option<i64>; 3] {
    match u {
        Some(u) => [
            Some(u.peak_memory_kib),
            Some(u.user_cpu_us),
            Some(u.system_cpu_us),
        ],
        None => [None; 3],
    }
}

/// Executions of runners gone: `$1` finished_at, `$2` the reason, `$3`
/// the execution id.
pub const INTERRUPT: &str =
    "UPDATE executions SET status = 'interrupted', finished_at = $1, reason = $2
     WHERE id = $3 AND status = 'running'";

/// The heart of a claim: the job moves on only if its next run is still
/// the one decided from (`$4`); `$1` new next run, `$2` new state, `$3` id.
pub const CLAIM_JOB: &str = "UPDATE jobs SET next_run_at = $1, state = $2
     WHERE id = $3 AND state = 'active' AND next_run_at = $4";

/// Retention: keep the newest `keep_history` executions of job `$1` (`$2`
/// when the job is gone); running ones are never deleted. `keep` is the
/// dialect's way to read `keep_history` from the job's JSON options.
pub fn retention_sql(keep: &str) -> String {
    format!(
        "DELETE FROM executions
         WHERE job_id = $1 AND status != 'running' AND id <= (
             SELECT id FROM executions WHERE job_id = $1 ORDER BY id DESC LIMIT 1 OFFSET (
                 SELECT coalesce((SELECT {keep} FROM jobs WHERE id = $1), $2)
             )
         )"
    )
}

/// Where a listing finds each job's latest execution: its status,
/// scheduled_at, started_at and finished_at (all NULL when it has none),
/// then the rest of the `FROM`. See [`listed_select`].
pub enum LastRunFrom {
    /// Kept on the job's row (a jobs file: its triggers keep it).
    JobRow,
    /// Joined row by row through the executions' `(job_id, id)` index, so
    /// that a filtered listing costs what it shows, not a pass over all
    /// history (PostgreSQL: a row kept on the job would be locked by every
    /// execution's end, and a claim skips locked jobs).
    Joined,
}

/// A listing's `SELECT ... FROM`: the job's `columns` (which start with
/// `id, name, command`, as an execution's do: qualified here), then its
/// latest execution as [`last_run`] reads it, from where `last` says;
/// `jobs` is how the jobs table is named in the `FROM` (with a dialect's
/// index hint).
pub fn listed_select(columns: &str, last: LastRunFrom, jobs: &str) -> String {
    debug_assert!(columns.starts_with("id, name, command, "));
    let columns = columns.replacen(
        "id, name, command, ",
        "jobs.id, jobs.name, jobs.command, ",
        1,
    );
    let last = match last {
        LastRunFrom::JobRow => {
            format!(
                "jobs.last_status, jobs.last_scheduled_at, jobs.last_started_at, \
                 jobs.last_finished_at FROM {jobs}"
            )
        }
        LastRunFrom::Joined => format!(
            "e.status, e.scheduled_at, e.started_at, e.finished_at FROM {jobs} \
             LEFT JOIN executions e \
             ON e.id = (SELECT max(x.id) FROM executions x WHERE x.job_id = jobs.id)"
        ),
    };
    format!("SELECT {columns}, {last}")
}

/// The `WHERE` of a listing's jobs, in both dialects: `$1` is the name
/// pattern (or NULL: no such filter), written by `glob` for a column.
pub fn jobs_where(filter: &JobFilter, glob: fn(&str) -> String) -> String {
    let name = if filter.name.is_some() {
        format!("({} OR {})", glob("id"), glob("name"))
    } else {
        "CAST($1 AS text) IS NULL".into()
    };
    format!("WHERE {} AND {name}", filter.states.sql())
}

/// The `WHERE` of `tick history`, in both dialects: `$1` job id, `$2`
/// status, `$3` name pattern (written by `glob` for a column), `$5` the
/// execution id the page starts below, each NULL when not filtered on. Only the conditions given are written, so that
/// each query has its index (`? IS NULL OR job_id = ?` has none in
/// SQLite); a parameter not filtered on is still read, as a constant.
pub fn history_where(filter: &HistoryFilter, glob: fn(&str) -> String) -> String {
    let unused = |n: u8| format!("CAST(${n} AS text) IS NULL");
    let job = match filter.job_id {
        Some(_) => "job_id = $1".into(),
        None => unused(1),
    };
    let status = match filter.status {
        Some(_) => "status = $2".into(),
        None => unused(2),
    };
    // The name it ran under, or its job's name now (renamed since).
    let name = match filter.name {
        Some(_) => format!(
            "({} OR {} OR job_id IN (SELECT id FROM jobs WHERE {}))",
            glob("job_id"),
            glob("job_name"),
            glob("name")
        ),
        None => unused(3),
    };
    let before = match filter.before {
        Some(_) => "id < $5".to_string(),
        None => "CAST($5 AS bigint) IS NULL".to_string(),
    };
    format!("WHERE {job} AND {status} AND {name} AND {before}")
}

/// Due rows with their running counts elsewhere.
pub fn due(rows: Vec<JobRow>, elsewhere: &HashMap<String, u32>) -> Vec<Due> {
    rows.into_iter()
        .map(|row| {
            let id = match &row {
                Ok(j) => &j.id,
                Err(b) => &b.id,
            };
            Due {
                running_elsewhere: elsewhere.get(id).copied().unwrap_or(0),
                row,
            }
        })
        .collect()
}

/// A job row as stored: instants in milliseconds since the epoch, trigger
/// and options as JSON text.
pub struct StoredJob<'a> {
    pub name: Option<String>,
    pub command: String,
    pub trigger: &'a str,
    pub state: &'a str,
    pub next_run_at: Option<i64>,
    pub options: &'a str,
    pub created_at: i64,
    pub updated_at: i64,
}

/// Decode a job, checking what the command line would have checked; a
/// column that could not even be read is `Err(text)`. With `summary`
/// (see [`JobFilter::summary`]) only `first_run`, `retries` and `pause` of its
/// options are read, the rest left at their defaults.
pub fn job(id: String, stored: Result<StoredJob, String>, summary: bool) -> JobRow {
    let parsed = stored.and_then(|s| {
        let options = if summary {
            serde_json::from_str::<OptionsSummary>(s.options).map(|o| JobOptions {
                first_run: o.first_run.map(|t| t.0),
                retries: o.retries,
                pause: o.pause,
                ..JobOptions::default()
            })
        } else {
            serde_json::from_str::<JobOptions>(s.options)
        };
        Ok(Job {
            trigger: serde_json::from_str::<TriggerSpec>(s.trigger)
                .map_err(|e| format!("bad trigger: {e}"))
                .and_then(|t| check_jitter(t.jitter).map(|()| t))?,
            state: s.state.parse()?,
            options: options
                .map_err(|e| format!("bad options: {e}"))
                .and_then(|o| o.check().map(|()| o))?,
            id: id.clone(),
            name: s.name,
            command: s.command,
            next_run_at: s.next_run_at.map(from_ms),
            created_at: from_ms(s.created_at),
            updated_at: from_ms(s.updated_at),
        })
    });
    parsed.map_err(|error| BadRow { id, error })
}

/// What a listing reads of a job's options (the rest of the document is
/// skipped over, not decoded).
#[derive(serde::Deserialize)]
struct OptionsSummary {
    #[serde(default)]
    first_run: Option<crate::rfc3339::Instant>,
    #[serde(default)]
    retries: u32,
    #[serde(default)]
    pause: Option<crate::model::Pause>,
}

/// The command line's bound on `--jitter`, for a row read back.
fn check_jitter(jitter: u64) -> Result<(), String> {
    let max = crate::units::MAX_DURATION_SECS;
    if jitter > max {
        return Err(format!("jitter is {jitter}s; at most {max}s (100 years)"));
    }
    Ok(())
}

/// One result row as a backend's driver reads it: the columns of the
/// shared statements, by position, so that a row is decoded by one piece
/// of code whatever stored it. Integers of any width read as `i64`.
pub trait Cells {
    fn int(&self, i: usize) -> anyhow::Result<Option<i64>>;
    fn text(&self, i: usize) -> anyhow::Result<Option<String>>;
    fn bytes(&self, i: usize) -> anyhow::Result<Vec<u8>>;
    fn flag(&self, i: usize) -> anyhow::Result<bool>;
}

fn int(c: &dyn Cells, i: usize) -> anyhow::Result<i64> {
    c.int(i)?
        .ok_or_else(|| anyhow::anyhow!("column {i} is NULL"))
}

fn text(c: &dyn Cells, i: usize) -> anyhow::Result<String> {
    c.text(i)?
        .ok_or_else(|| anyhow::anyhow!("column {i} is NULL"))
}

fn int32(c: &dyn Cells, i: usize) -> anyhow::Result<Option<i32>> {
    Ok(c.int(i)?.map(|v| i32::try_from(v).unwrap_or(i32::MAX)))
}

/// An execution: the [`EXECUTION_COLUMNS`] from column 0.
pub fn execution(c: &dyn Cells) -> anyhow::Result<Execution> {
    execution_at(c, 0)
}

/// A listed job's latest execution (see [`listed_select`]), from
/// column `at`, if it has one.
pub fn last_run(c: &dyn Cells, at: usize) -> anyhow::Result<Option<LastRun>> {
    let Some(status) = c.text(at)? else {
        return Ok(None);
    };
    Ok(Some(LastRun {
        status: status_of(&status),
        scheduled_at: from_ms(int(c, at + 1)?),
        started_at: c.int(at + 2)?.map(from_ms),
        finished_at: c.int(at + 3)?.map(from_ms),
    }))
}

/// A stored status. An unknown one (from a newer tick) reads as
/// interrupted rather than failing the listing.
fn status_of(text: &str) -> Status {
    text.parse().unwrap_or(Status::Interrupted)
}

/// An execution: the [`EXECUTION_COLUMNS`] from column `at`.
pub fn execution_at(c: &dyn Cells, at: usize) -> anyhow::Result<Execution> {
    let status = text(c, at + 7)?;
    Ok(Execution {
        id: int(c, at)?,
        job_id: text(c, at + 1)?,
        job_name: c.text(at + 2)?,
        command: text(c, at + 3)?,
        scheduled_at: from_ms(int(c, at + 4)?),
        started_at: c.int(at + 5)?.map(from_ms),
        finished_at: c.int(at + 6)?.map(from_ms),
        status: status_of(&status),
        exit_code: int32(c, at + 8)?,
        signal: int32(c, at + 9)?,
        attempt: u32::try_from(int(c, at + 10)?).unwrap_or(1),
        retry_of: c.int(at + 11)?,
        reason: c.text(at + 12)?,
        usage: usage(c, at + 13)?,
    })
}

/// What a run cost, from its three columns at `at` (`None` unless all
/// three are there: a row written by an older tick has none).
fn usage(c: &dyn Cells, at: usize) -> anyhow::Result<Option<Usage>> {
    Ok(match (c.int(at)?, c.int(at + 1)?, c.int(at + 2)?) {
        (Some(peak_memory_kib), Some(user_cpu_us), Some(system_cpu_us)) => Some(Usage {
            peak_memory_kib,
            user_cpu_us,
            system_cpu_us,
        }),
        _ => None,
    })
}

/// The output of an execution: the [`EXECUTION_COLUMNS`], then stdout,
/// stderr (never NULL) and their truncation flags.
pub fn output(c: &dyn Cells) -> anyhow::Result<Output> {
    let execution = execution(c)?;
    let at = EXECUTION_WIDTH;
    let result = RunResult {
        exit_code: execution.exit_code,
        signal: execution.signal,
        stdout: c.bytes(at)?,
        stderr: c.bytes(at + 1)?,
        stdout_truncated: c.flag(at + 2)?,
        stderr_truncated: c.flag(at + 3)?,
        usage: execution.usage,
    };
    Ok(Output {
        execution: Some(execution),
        result,
    })
}

/// Every execution recorded as `running`, read by [`running`].
pub const RUNNING_SQL: &str =
    "SELECT id, job_id, job_name, command, scheduled_at, pid, owner, started_at IS NOT NULL,
            attempt, retry_of
     FROM executions WHERE status = 'running' ORDER BY id";

/// A row of [`RUNNING_SQL`].
pub fn running(c: &dyn Cells) -> anyhow::Result<RunningRow> {
    Ok(RunningRow {
        execution_id: int(c, 0)?,
        fire: Fire {
            job_id: text(c, 1)?,
            job_name: c.text(2)?,
            command: text(c, 3)?,
            scheduled_at: from_ms(int(c, 4)?),
            attempt: u32::try_from(int(c, 8)?).unwrap_or(1),
            retry_of: c.int(9)?,
        },
        pid: int32(c, 5)?,
        owner: c.text(6)?,
        started: c.flag(7)?,
    })
}

/// A runner: the [`RUNNER_COLUMNS`].
pub fn runner(c: &dyn Cells) -> anyhow::Result<RunnerRow> {
    Ok(RunnerRow {
        id: int(c, 0)?,
        name: text(c, 1)?,
        host: text(c, 2)?,
        pid: int(c, 3)?,
        process: text(c, 4)?,
        version: text(c, 5)?,
        started_at: from_ms(int(c, 6)?),
        renewed_at: from_ms(int(c, 7)?),
        lease_ms: int(c, 8)?,
        state: text(c, 9)?.parse().map_err(anyhow::Error::msg)?,
        running: int(c, 10)?,
    })
}

/// A short readable id: 6 characters without look-alikes (no 0/o, 1/l/i).
pub fn generate_id() -> String {
    const ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";
    (0..6)
        .map(|_| ALPHABET[fastrand::usize(..ALPHABET.len())] as char)
        .collect()
}

/// `tick add --id ID` without `--replace` where ID exists.
pub fn id_taken(id: &str) -> UsageError {
    UsageError::new(format!(
        "job id '{id}' is taken (use --replace to overwrite it, or another --id)"
    ))
}

/// The other jobs that have name `$1` (any but job `$2`), by id: a name
/// is checked free inside the transaction that gives it. The same text
/// serves both dialects.
pub const NAME_HOLDERS: &str = "SELECT id FROM jobs WHERE name = $1 AND id != $2 ORDER BY id";

/// A name given to a job (`add`, `modify`, the API) that another job has.
pub fn name_taken(name: &str, holder: &str) -> UsageError {
    UsageError::new(format!(
        "invalid --name '{}': job {holder} has it already (names are unique: give another, or rename {holder} first)",
        crate::escape::text(name, crate::escape::Newlines::Escape)
    ))
}

/// The jobs a change gives a name another job has: each changed job
/// (`before` its change, `after` it) whose name is new, with a name.
/// Names kept as they were are not looked at: a file with duplicate
/// names from before unique names keeps working.
pub fn renamed<'a>(before: Option<&Job>, after: &'a Job) -> Option<&'a str> {
    let name = after.name.as_deref()?;
    match before {
        Some(old) if old.name.as_deref() == Some(name) => None,
        _ => Some(name),
    }
}

/// After `tick copy` wrote `jobs` (in its transaction): an error if a
/// copied job's name is had by a job of the target that was not copied
/// over. `holders(name, id)` gives the other jobs with that name. Copied
/// jobs that share a name among themselves (a file from before names
/// were unique) are copied as they are: nothing a user stored is lost.
pub fn copied_names_free(
    jobs: &[Job],
    store: &super::Location,
    holders: &mut dyn FnMut(&str, &str) -> anyhow::Result<Vec<String>>,
) -> anyhow::Result<()> {
    let copied: std::collections::HashSet<&str> = jobs.iter().map(|j| j.id.as_str()).collect();
    for job in jobs {
        let Some(name) = job.name.as_deref() else {
            continue;
        };
        if let Some(h) = holders(name, &job.id)?
            .into_iter()
            .find(|h| !copied.contains(h.as_str()))
        {
            return Err(UsageError::new(format!(
                "job {} is named '{}', which job {h} of {store} has already (names are unique: rename one of them); nothing was copied",
                job.id,
                crate::escape::text(name, crate::escape::Newlines::Escape)
            ))
            .into());
        }
    }
    Ok(())
}

/// `tick copy` into a store that has a job of that id, without `--replace`.
pub fn copy_conflict(id: &str, store: &super::Location) -> UsageError {
    UsageError::new(format!(
        "job id '{id}' exists in {store} (use --replace to overwrite it); nothing was copied"
    ))
}

/// `tick copy` inserts one execution and reads back its new id; a fire
/// the target has already is left as it is ([`COPIED_EXECUTION`] finds
/// its id). Owner and pid are left out: no process of the target store
/// owns a copied row.
pub const COPY_EXECUTION: &str =
    "INSERT INTO executions (job_id, job_name, command, scheduled_at, \
     started_at, finished_at, status, exit_code, signal, stdout, stderr, stdout_truncated, \
     stderr_truncated, attempt, retry_of, reason, peak_memory_kib, user_cpu_us, system_cpu_us)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
     ON CONFLICT (job_id, scheduled_at) DO NOTHING RETURNING id";
/// The id of job `$1`'s execution for the fire at `$2`.
pub const COPIED_EXECUTION: &str =
    "SELECT id FROM executions WHERE job_id = $1 AND scheduled_at = $2";

/// Execution ids change in a copy: a retry's `retry_of` must name the
/// copy of its first attempt. Executions are copied oldest first, so the
/// first attempt's new id is known when its retries come.
#[derive(Default)]
pub struct CopiedIds(HashMap<i64, i64>);

impl CopiedIds {
    pub fn retry_of(&self, e: &Execution) -> Option<i64> {
        e.retry_of.and_then(|old| self.0.get(&old).copied())
    }

    pub fn note(&mut self, old: i64, new: i64) {
        self.0.insert(old, new);
    }
}

pub fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

pub fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_execution_width_counts_its_columns() {
        assert_eq!(
            super::EXECUTION_COLUMNS.split(',').count(),
            super::EXECUTION_WIDTH
        );
    }
}
