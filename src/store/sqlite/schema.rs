//! The jobs file's tables and their migrations on `PRAGMA user_version`,
//! and how a jobs file is told from another program's database (which
//! tick neither reads nor writes).
//!
//! Each migration runs in one `BEGIN IMMEDIATE` transaction together with the
//! version bump, so a file is always at exactly one version. Never edit a
//! migration that has shipped: add a new one.

use std::path::Path;

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, TransactionBehavior};

use crate::error::UsageError;

/// Migration N (1-based) brings a file from version N-1 to N.
const MIGRATIONS: &[&str] = &[
    // 1: jobs and executions. Instants are integer milliseconds since the
    // Unix epoch (UTC); trigger and options are JSON documents.
    "CREATE TABLE jobs (
        id          TEXT PRIMARY KEY,
        name        TEXT,
        command     TEXT NOT NULL,
        trigger     TEXT NOT NULL,
        timezone    TEXT NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('active', 'paused', 'finished')),
        next_run_at INTEGER,
        options     TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
    );
    CREATE INDEX jobs_by_next_run ON jobs (state, next_run_at);
    CREATE TABLE executions (
        id           INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id       TEXT NOT NULL,
        job_name     TEXT,
        command      TEXT NOT NULL,
        scheduled_at INTEGER NOT NULL,
        started_at   INTEGER,
        finished_at  INTEGER,
        status       TEXT NOT NULL,
        exit_code    INTEGER,
        signal       INTEGER,
        stdout       BLOB,
        stderr       BLOB,
        stdout_truncated INTEGER NOT NULL DEFAULT 0,
        stderr_truncated INTEGER NOT NULL DEFAULT 0,
        runner       TEXT,
        UNIQUE (job_id, scheduled_at)
    );
    CREATE INDEX executions_by_job ON executions (job_id, id);",
    // 2: `tick list` order (soonest next run first, then the rest by id)
    // straight from an index: sorting 10,000 wide rows cost more than
    // everything else the command does.
    "CREATE INDEX jobs_by_list_order ON jobs ((next_run_at IS NULL), next_run_at, id);",
    // 3: who owns a running execution (`BOOT:PID:START` of the runner or
    // `tick fire`) and its child's pid (= its process group), so that a
    // new runner touches only a dead owner's rows and ends their groups.
    "ALTER TABLE executions ADD COLUMN owner TEXT;
     ALTER TABLE executions ADD COLUMN pid INTEGER;
     CREATE INDEX executions_running ON executions (status) WHERE status = 'running';",
    // 4: runners and their leases: who runs this store, since when, and
    // until when their lease holds (a runner stopped with SIGSTOP is taken
    // over once it runs out). Instants in ms, like everywhere.
    "CREATE TABLE runners (
        id          INTEGER PRIMARY KEY AUTOINCREMENT,
        name        TEXT NOT NULL,
        host        TEXT NOT NULL,
        pid         INTEGER NOT NULL,
        process     TEXT NOT NULL,
        version     TEXT NOT NULL,
        started_at  INTEGER NOT NULL,
        renewed_at  INTEGER NOT NULL,
        lease_ms    INTEGER NOT NULL,
        state       TEXT NOT NULL CHECK (state IN ('alive', 'gone', 'expired')),
        ended_at    INTEGER
    );
    CREATE INDEX runners_alive ON runners (state) WHERE state = 'alive';",
    // 5: retries. Each attempt is an execution row (`attempt` 1, 2, ...,
    // `retry_of` the first attempt's id); a retry not yet run waits in
    // `retries` until it is claimed like a fire (the row goes, an execution
    // row comes, in one transaction).
    "ALTER TABLE executions ADD COLUMN attempt INTEGER NOT NULL DEFAULT 1;
     ALTER TABLE executions ADD COLUMN retry_of INTEGER;
     CREATE TABLE retries (
        id        INTEGER PRIMARY KEY AUTOINCREMENT,
        job_id    TEXT NOT NULL,
        due_at    INTEGER NOT NULL,
        attempt   INTEGER NOT NULL,
        retry_of  INTEGER NOT NULL,
        UNIQUE (job_id, due_at)
     );
     CREATE INDEX retries_by_due ON retries (due_at);",
    // 6: why a fire was missed or skipped (how late, which limit), kept for
    // history, logs and listeners; and jobs by name, so that a name given
    // where an id is expected is found without reading every job.
    "ALTER TABLE executions ADD COLUMN reason TEXT;
     CREATE INDEX jobs_by_name ON jobs (name) WHERE name IS NOT NULL;",
    // 7: `list --state` and `history --status`/`--name` from indexes:
    // jobs of one state in list order (a `LIMIT` reads only what it
    // shows), executions newest first by status and by the name they ran
    // under (`--name` on ids has the primary key and `executions_by_job`).
    "CREATE INDEX jobs_by_state_list_order ON jobs (state, (next_run_at IS NULL), next_run_at, id);
     CREATE INDEX executions_by_status ON executions (status, id);
     CREATE INDEX executions_by_job_name ON executions (job_name, id) WHERE job_name IS NOT NULL;",
    // 8: stored options without their defaults (a third of the jobs
    // table), and each job's latest execution (what `tick list` shows of
    // it) kept on the job's row, so that a listing reads one table in one
    // index order: finding it per job in `executions` was half of listing
    // 10,000 jobs. Triggers keep it whoever writes, hand edits included:
    // a new execution becomes the latest, an update of the latest is
    // copied, and deleting or moving the latest (or adding a job whose id
    // has history) finds it again.
    "ALTER TABLE jobs ADD COLUMN last_execution INTEGER;
     ALTER TABLE jobs ADD COLUMN last_status TEXT;
     ALTER TABLE jobs ADD COLUMN last_scheduled_at INTEGER;
     ALTER TABLE jobs ADD COLUMN last_started_at INTEGER;
     ALTER TABLE jobs ADD COLUMN last_finished_at INTEGER;
     UPDATE jobs SET (last_execution, last_status, last_scheduled_at, last_started_at, last_finished_at) =
         (SELECT id, status, scheduled_at, started_at, finished_at FROM executions
          WHERE job_id = jobs.id ORDER BY id DESC LIMIT 1);
     -- Options as tick now stores them: only what differs from the
     -- defaults (see `JobOptions`). `$[0]` names nothing in an object; a
     -- row that is not a JSON object is left as it is (and listed as bad).
     UPDATE jobs SET options = json_remove(options,
             CASE WHEN json_type(options, '$.max_instances') = 'integer' AND json_extract(options, '$.max_instances') = 1 THEN '$.max_instances' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.coalesce') = 'true' THEN '$.coalesce' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.misfire_grace') = 'integer' AND json_extract(options, '$.misfire_grace') = 60 THEN '$.misfire_grace' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.timeout') = 'null' THEN '$.timeout' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.cwd') = 'null' THEN '$.cwd' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.env') = 'object' AND json_extract(options, '$.env') = '{}' THEN '$.env' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.keep_history') = 'integer' AND json_extract(options, '$.keep_history') = 100 THEN '$.keep_history' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.on_success') = 'null' THEN '$.on_success' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.on_failure') = 'null' THEN '$.on_failure' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.first_run') = 'null' THEN '$.first_run' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.retries') = 'integer' AND json_extract(options, '$.retries') = 0 THEN '$.retries' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.retry_delay') = 'integer' AND json_extract(options, '$.retry_delay') = 30 THEN '$.retry_delay' ELSE '$[0]' END,
             CASE WHEN json_type(options, '$.retry_max_delay') = 'integer' AND json_extract(options, '$.retry_max_delay') = 3600 THEN '$.retry_max_delay' ELSE '$[0]' END)
     WHERE json_valid(options) AND json_type(options) = 'object';
     CREATE TRIGGER last_run_added AFTER INSERT ON executions BEGIN
         UPDATE jobs SET last_execution = NEW.id, last_status = NEW.status,
             last_scheduled_at = NEW.scheduled_at, last_started_at = NEW.started_at,
             last_finished_at = NEW.finished_at
         WHERE id = NEW.job_id AND (last_execution IS NULL OR last_execution <= NEW.id);
     END;
     CREATE TRIGGER last_run_changed
     AFTER UPDATE OF status, scheduled_at, started_at, finished_at ON executions BEGIN
         UPDATE jobs SET last_status = NEW.status, last_scheduled_at = NEW.scheduled_at,
             last_started_at = NEW.started_at, last_finished_at = NEW.finished_at
         WHERE id = NEW.job_id AND last_execution = NEW.id;
     END;
     CREATE TRIGGER last_run_deleted AFTER DELETE ON executions BEGIN
         UPDATE jobs SET (last_execution, last_status, last_scheduled_at, last_started_at, last_finished_at) =
             (SELECT id, status, scheduled_at, started_at, finished_at FROM executions
              WHERE job_id = jobs.id ORDER BY id DESC LIMIT 1)
         WHERE id = OLD.job_id AND last_execution = OLD.id;
     END;
     CREATE TRIGGER last_run_moved AFTER UPDATE OF id, job_id ON executions BEGIN
         UPDATE jobs SET (last_execution, last_status, last_scheduled_at, last_started_at, last_finished_at) =
             (SELECT id, status, scheduled_at, started_at, finished_at FROM executions
              WHERE job_id = jobs.id ORDER BY id DESC LIMIT 1)
         WHERE id IN (OLD.job_id, NEW.job_id);
     END;
     CREATE TRIGGER last_run_of_new_job AFTER INSERT ON jobs
     WHEN EXISTS (SELECT 1 FROM executions WHERE job_id = NEW.id) BEGIN
         UPDATE jobs SET (last_execution, last_status, last_scheduled_at, last_started_at, last_finished_at) =
             (SELECT id, status, scheduled_at, started_at, finished_at FROM executions
              WHERE job_id = jobs.id ORDER BY id DESC LIMIT 1)
         WHERE id = NEW.id;
     END;",
    // 9: what each run cost, from its process's rusage when it was reaped:
    // peak resident memory in KiB, user and system CPU in microseconds.
    // NULL where it did not run or was not read (and in older rows).
    "ALTER TABLE executions ADD COLUMN peak_memory_kib INTEGER;
     ALTER TABLE executions ADD COLUMN user_cpu_us INTEGER;
     ALTER TABLE executions ADD COLUMN system_cpu_us INTEGER;",
    // 10: notification conditions raised (`--notify`): a row while one is
    // raised, so that each is notified once until it clears, across
    // restarts (see `store/notices.rs`).
    "CREATE TABLE notices (
        job_id    TEXT NOT NULL,
        condition TEXT NOT NULL,
        since     INTEGER NOT NULL,
        PRIMARY KEY (job_id, condition)
     );",
];

/// The schema version this tick writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

/// The tables every version of the jobs file has: with a `user_version`
/// of 1 or more, they make a file tick's.
const OWN_TABLES: [&str; 2] = ["jobs", "executions"];

/// How many of a foreign file's tables a refusal names.
const TABLES_NAMED: usize = 5;

/// What an existing file given as the jobs file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Contents {
    /// Nothing yet: an empty file, or an SQLite database without tables
    /// (a jobs file whose creation stopped before its first migration).
    Nothing,
    /// An SQLite database; whose, [`identify`] says.
    Sqlite,
    /// A jobs file, of any version.
    JobsFile,
}

/// The magic string that opens every SQLite database file.
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Read the first bytes of `path` before SQLite opens it: empty, an SQLite
/// database, or refused (another kind of file is never handed to SQLite,
/// which would write its header over it).
pub fn sniff(path: &Path) -> Result<Contents> {
    use std::io::Read;
    let mut head = Vec::with_capacity(SQLITE_MAGIC.len());
    std::fs::File::open(path)
        .and_then(|f| f.take(SQLITE_MAGIC.len() as u64).read_to_end(&mut head))
        .with_context(|| format!("cannot read jobs file {}", path.display()))?;
    if head.is_empty() {
        Ok(Contents::Nothing)
    } else if head == SQLITE_MAGIC {
        Ok(Contents::Sqlite)
    } else {
        Err(foreign(path, "it is not an SQLite database").into())
    }
}

/// Whose database `conn` is, from its tables and `user_version`, read
/// before anything is written: tick's (any version), nothing yet, or
/// another program's, refused.
pub fn identify(conn: &Connection, path: &Path) -> Result<Contents> {
    let ctx = || format!("cannot read jobs file {}", path.display());
    // One snapshot for both reads: another process may be creating the
    // file's tables and setting its version at this very moment.
    let tx = conn.unchecked_transaction().with_context(ctx)?;
    let v = version(&tx).with_context(ctx)?;
    let tables = {
        let mut stmt = tx
            .prepare(
                "SELECT name FROM sqlite_master WHERE type = 'table'
                 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
            )
            .with_context(ctx)?;
        let names = stmt
            .query_map([], |r| r.get::<_, String>(0))
            .and_then(|rows| rows.collect::<rusqlite::Result<Vec<_>>>())
            .with_context(ctx)?;
        names
    };
    tx.finish().with_context(ctx)?;
    let own = OWN_TABLES.iter().all(|t| tables.iter().any(|n| n == t));
    match (v, tables.is_empty()) {
        (0, true) => Ok(Contents::Nothing),
        (1.., false) if own => Ok(Contents::JobsFile),
        (v, true) => Err(foreign(path, &format!("it has no tables, and user_version {v}")).into()),
        (_, false) => {
            let mut named = tables
                .iter()
                .take(TABLES_NAMED)
                .map(|t| crate::escape::text(t, crate::escape::Newlines::Escape))
                .collect::<Vec<_>>()
                .join(", ");
            if tables.len() > TABLES_NAMED {
                named.push_str(", ...");
            }
            Err(foreign(path, &format!("it has tables {named}")).into())
        }
    }
}

/// Another program's file (or not a database at all), refused untouched.
fn foreign(path: &Path, what: &str) -> UsageError {
    UsageError::new(format!(
        "{} is not a tick jobs file ({what}): give --db a new path or a tick jobs file",
        path.display()
    ))
}

fn version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Bring the file up to [`LATEST`]; refuse a file from a newer tick.
pub fn migrate(conn: &mut Connection, path: &Path) -> Result<()> {
    let newer = |v: u32| {
        anyhow::anyhow!(
            "jobs file {} was written by a newer tick (schema version {v}; this tick knows up to {LATEST}): upgrade tick",
            path.display()
        )
    };
    let v = version(conn)?;
    if v > LATEST {
        return Err(newer(v));
    }
    if v == LATEST {
        return Ok(());
    }
    for target in v + 1..=LATEST {
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Another process may have migrated while we waited for the lock.
        let now = version(&tx)?;
        if now > LATEST {
            return Err(newer(now));
        }
        if now >= target {
            continue;
        }
        tx.execute_batch(MIGRATIONS[target as usize - 1])
            .with_context(|| format!("migrating {} to schema version {target}", path.display()))?;
        tx.pragma_update(None, "user_version", target)?;
        tx.commit()?;
    }
    if version(conn)? != LATEST {
        bail!(
            "jobs file {} did not reach schema version {LATEST}",
            path.display()
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    type LastRun = (
        String,
        Option<i64>,
        Option<String>,
        Option<i64>,
        Option<i64>,
    );

    /// Each job's latest execution as kept on its row...
    fn kept(conn: &Connection) -> Vec<LastRun> {
        rows(
            conn,
            "SELECT id, last_execution, last_status, last_started_at, last_finished_at
             FROM jobs ORDER BY id",
        )
    }

    /// ...and as found in the executions.
    fn found(conn: &Connection) -> Vec<LastRun> {
        rows(
            conn,
            "SELECT jobs.id, e.id, e.status, e.started_at, e.finished_at FROM jobs
             LEFT JOIN executions e
             ON e.id = (SELECT max(x.id) FROM executions x WHERE x.job_id = jobs.id)
             ORDER BY jobs.id",
        )
    }

    fn rows(conn: &Connection, sql: &str) -> Vec<LastRun> {
        let mut stmt = conn.prepare(sql).unwrap();
        let rows = stmt
            .query_map([], |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
            })
            .unwrap();
        rows.map(Result::unwrap).collect()
    }

    fn add_job(conn: &Connection, id: &str) {
        conn.execute(
            "INSERT INTO jobs (id, command, trigger, timezone, state, options, created_at, updated_at)
             VALUES (?1, 'true', '{}', 'UTC', 'active', '{}', 0, 0)
             ON CONFLICT (id) DO UPDATE SET command = 'false'",
            [id],
        )
        .unwrap();
    }

    fn add_execution(conn: &Connection, id: i64, job: &str, status: &str) {
        conn.execute(
            "INSERT INTO executions (id, job_id, command, scheduled_at, started_at, status)
             VALUES (?1, ?2, 'true', ?1, ?1, ?3)",
            rusqlite::params![id, job, status],
        )
        .unwrap();
    }

    /// Whatever writes the executions (tick, `tick copy`, a hand edit),
    /// each job's row names its latest one, as `tick list` shows it; a
    /// file of an older version gets it when it is migrated, and its
    /// options lose their defaults.
    #[test]
    fn a_jobs_row_keeps_its_latest_execution() {
        let mut conn = Connection::open_in_memory().unwrap();
        for (i, m) in MIGRATIONS[..7].iter().enumerate() {
            conn.execute_batch(m).unwrap();
            conn.pragma_update(None, "user_version", i as i64 + 1)
                .unwrap();
        }
        for job in ["a", "b", "c"] {
            add_job(&conn, job);
        }
        add_execution(&conn, 1, "a", "success");
        add_execution(&conn, 2, "a", "failed");
        add_execution(&conn, 3, "b", "running");
        // Options as an older tick wrote them: every field.
        let full = serde_json::json!({
            "max_instances": 1, "coalesce": true, "misfire_grace": 60, "timeout": null,
            "cwd": null, "env": {}, "keep_history": 100, "on_success": null,
            "on_failure": null, "first_run": null, "retries": 0, "retry_delay": 30,
            "retry_max_delay": 3600
        });
        let mut changed = full.clone();
        changed["misfire_grace"] = serde_json::Value::Null;
        changed["coalesce"] = false.into();
        changed["env"] = serde_json::json!({"A": "1"});
        changed["retries"] = 3.into();
        changed["cwd"] = "/srv".into();
        let options = [
            ("a", full.to_string()),
            ("b", changed.to_string()),
            ("c", "not json".to_string()),
        ];
        for (job, text) in &options {
            conn.execute(
                "UPDATE jobs SET options = ?2 WHERE id = ?1",
                rusqlite::params![job, text],
            )
            .unwrap();
        }
        migrate(&mut conn, std::path::Path::new(":memory:")).unwrap();
        // Only the defaults went; each reads as it did.
        let stored = |job: &str| -> String {
            conn.query_row("SELECT options FROM jobs WHERE id = ?1", [job], |r| {
                r.get(0)
            })
            .unwrap()
        };
        assert_eq!(stored("a"), "{}");
        assert_eq!(
            stored("b"),
            r#"{"coalesce":false,"cwd":"/srv","env":{"A":"1"},"misfire_grace":null,"retries":3}"#
        );
        assert_eq!(stored("c"), "not json");
        // Each reads as it did, except the misfire grace every older job
        // had written: its default is now `auto`, which such a job gets.
        for (job, text) in &options[..2] {
            let read = |t: &str| serde_json::from_str::<crate::model::JobOptions>(t).unwrap();
            let mut before = read(text);
            if before.misfire_grace == crate::model::MisfireGrace::Within(60) {
                before.misfire_grace = crate::model::MisfireGrace::Auto;
            }
            assert_eq!(read(&stored(job)), before, "{job}");
        }
        let check = |conn: &Connection, step: &str| {
            assert_eq!(kept(conn), found(conn), "after {step}");
        };
        check(&conn, "the migration");
        assert_eq!(kept(&conn)[0].2.as_deref(), Some("failed"));

        add_execution(&conn, 4, "c", "running");
        check(&conn, "a new execution");
        conn.execute(
            "UPDATE executions SET status = 'success', finished_at = 9 WHERE id = 4",
            [],
        )
        .unwrap();
        check(&conn, "its end");
        conn.execute("UPDATE executions SET status = 'killed' WHERE id = 1", [])
            .unwrap();
        check(&conn, "an older one changed");
        add_execution(&conn, 0, "b", "missed");
        check(&conn, "an older id inserted by hand");
        conn.execute("DELETE FROM executions WHERE id = 2", [])
            .unwrap();
        check(&conn, "the latest deleted");
        conn.execute("DELETE FROM executions WHERE job_id = 'a'", [])
            .unwrap();
        check(&conn, "all of a job's deleted");
        assert_eq!(kept(&conn)[0].1, None);
        conn.execute("UPDATE executions SET job_id = 'a' WHERE id = 4", [])
            .unwrap();
        check(&conn, "an execution moved to another job");
        conn.execute("UPDATE executions SET id = 10 WHERE id = 0", [])
            .unwrap();
        check(&conn, "an execution renumbered");
        add_job(&conn, "b");
        check(&conn, "a job written over");
        conn.execute("DELETE FROM jobs WHERE id = 'b'", []).unwrap();
        add_job(&conn, "b");
        check(&conn, "a job added again where its history is");
        assert_eq!(kept(&conn)[1].1, Some(10));
    }
}
