//! The job store: one SQLite file. All SQL lives under this folder, behind
//! a narrow interface (open, jobs, executions), so that another store (say
//! PostgreSQL) can take its place without the scheduler noticing.
//!
//! - `schema.rs`: tables and migrations;
//! - `jobs.rs`: reading and changing jobs, each change one transaction;
//! - `executions.rs`: history;
//! - `safety.rs`: which files and folders may be trusted, checked before
//!   SQLite opens anything.
//!
//! Every read-modify-write runs in `BEGIN IMMEDIATE`, so concurrent writers
//! wait for each other (`busy_timeout`) instead of failing.

mod executions;
mod jobs;
pub mod lock;
mod runs;
pub mod safety;
pub mod schema;

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OpenFlags};

pub use executions::Output;
pub use jobs::NewJobId;
pub use runs::{Claim, Claimed, Finish};

/// How long a command waits for another process's write before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// An open jobs file.
pub struct Store {
    conn: Connection,
    path: PathBuf,
    /// See [`Store::sync_only_claims`].
    sync_claims_only: bool,
}

impl Store {
    /// Open the jobs file, creating it (0600, in a 0700 folder) if missing.
    pub fn open_or_create(path: &Path) -> Result<Store> {
        Store::open(&safety::create(path)?)
    }

    /// Open an existing jobs file; `None` when there is none yet (reading
    /// commands then show nothing and create nothing).
    pub fn open_existing(path: &Path) -> Result<Option<Store>> {
        safety::existing(path)?.map(|p| Store::open(&p)).transpose()
    }

    /// `path` is the real path ([`safety::resolve`]): the lock and every
    /// message derive from it.
    fn open(path: &Path) -> Result<Store> {
        safety::check(path)?;
        // While another process switches a new file to WAL or migrates it,
        // SQLite can answer "locked" at once instead of waiting (it skips the
        // busy handler where waiting could deadlock). Opening is idempotent:
        // retry it for as long as a write would wait.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match Store::open_once(path) {
                Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5 + fastrand::u64(0..20)));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path) -> Result<Store> {
        let ctx = || format!("cannot open jobs file {}", path.display());
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )
        .with_context(ctx)?;
        conn.busy_timeout(BUSY_TIMEOUT).with_context(ctx)?;
        // WAL lets readers (tick list) and the runner work while one writes;
        // FULL makes each committed change durable before tick says "done".
        let mode: String = conn
            .query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))
            .with_context(ctx)?;
        if !mode.eq_ignore_ascii_case("wal") {
            bail!(
                "cannot open jobs file {}: journal mode is {mode}, not wal",
                path.display()
            );
        }
        conn.pragma_update(None, "synchronous", "FULL")
            .with_context(ctx)?;
        // A short-lived command should not checkpoint the WAL into the main
        // file on exit (three more fsyncs); SQLite checkpoints every 1000
        // pages on its own, and readers see WAL content either way.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .with_context(ctx)?;
        schema::migrate(&mut conn, path).with_context(ctx)?;
        Ok(Store {
            conn,
            path: path.to_path_buf(),
            sync_claims_only: false,
        })
    }

    /// The real path of the jobs file: a link given as `--db` resolved.
    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// SQLITE_BUSY or SQLITE_LOCKED anywhere in the chain.
fn is_busy(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        matches!(
            c.downcast_ref::<rusqlite::Error>()
                .and_then(|e| e.sqlite_error_code()),
            Some(rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked)
        )
    })
}

/// Where the jobs file is: `--db`, else `$TICK_DB`, else
/// `$XDG_DATA_HOME/tick/jobs.db`, else `~/.local/share/tick/jobs.db`.
pub fn default_path(flag: Option<&Path>) -> Result<PathBuf> {
    if let Some(p) = flag {
        return Ok(p.to_path_buf());
    }
    let env = |k: &str| {
        std::env::var_os(k)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    if let Some(p) = env("TICK_DB") {
        return Ok(p);
    }
    if let Some(d) = env("XDG_DATA_HOME").filter(|d| d.is_absolute()) {
        return Ok(d.join("tick").join("jobs.db"));
    }
    match env("HOME") {
        Some(home) => Ok(home.join(".local/share/tick/jobs.db")),
        None => bail!("cannot find the jobs file: set --db, $TICK_DB or $HOME"),
    }
}

/// Name the jobs file in a storage error (disk full, read-only file...);
/// usage errors such as an unknown id pass through as they are.
fn named<T>(result: Result<T>, path: &Path) -> Result<T> {
    result.map_err(|e| {
        if e.is::<rusqlite::Error>() {
            e.context(format!("cannot write jobs file {}", path.display()))
        } else {
            e
        }
    })
}

fn to_ms(t: DateTime<Utc>) -> i64 {
    t.timestamp_millis()
}

fn from_ms(ms: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_millis(ms).unwrap_or_default()
}
