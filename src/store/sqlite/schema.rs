//! The jobs file's tables and their migrations on `PRAGMA user_version`.
//!
//! Each migration runs in one `BEGIN IMMEDIATE` transaction together with the
//! version bump, so a file is always at exactly one version. Never edit a
//! migration that has shipped: add a new one.

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, TransactionBehavior};

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
];

/// The schema version this tick writes.
pub const LATEST: u32 = MIGRATIONS.len() as u32;

fn version(conn: &Connection) -> Result<u32> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Bring the file up to [`LATEST`]; refuse a file from a newer tick.
pub fn migrate(conn: &mut Connection, path: &std::path::Path) -> Result<()> {
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
