//! The jobs file: the store in one SQLite file. rusqlite is used only
//! under this folder.
//!
//! - `mod.rs`: opening (modes, ownership, WAL, migrations);
//! - `schema.rs`: tables and migrations;
//! - `jobs.rs`: [`Jobs`](super::Jobs);
//! - `executions.rs`: [`History`](super::History);
//! - `runs.rs`: [`Runs`](super::Runs): due jobs, claims, execution rows;
//! - `runners.rs`: [`Runners`](super::Runners): runners and leases;
//! - `copy.rs`: `tick copy` into the file;
//! - `lock.rs`: the runner lock file beside the jobs file;
//! - `safety.rs`: which files and folders may be trusted, checked before
//!   SQLite opens anything.
//!
//! Every read-modify-write runs in `BEGIN IMMEDIATE`, so concurrent writers
//! wait for each other (`busy_timeout`) instead of failing.

mod backfill;
mod copy;
mod executions;
mod jobs;
pub mod lock;
mod notices;
mod pausing;
mod runners;
mod runs;
pub mod safety;
pub mod schema;

use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{bail, Context, Result};
use rusqlite::{Connection, OpenFlags, Transaction, TransactionBehavior};

use super::{Folder, JobRow, Location};

/// How long a command waits for another process's write before failing.
const BUSY_TIMEOUT: Duration = Duration::from_secs(30);

/// The write-ahead log is checkpointed into the jobs file, and removed,
/// when the last process using it closes it and it is larger than this.
const WAL_CHECKPOINT_AT: u64 = 1024 * 1024;

/// SQLite's page cache for a command, in KiB (as `PRAGMA cache_size`
/// takes it: negative), and SQLite's default: the runner's, and a whole
/// listing's single pass over the table.
const COMMAND_CACHE_KIB: i64 = -64 * 1024;
pub(super) const DEFAULT_CACHE_KIB: i64 = -2000;

/// A log reset after a checkpoint is truncated to this size.
const WAL_LIMIT: i64 = 4 * 1024 * 1024;

/// An open jobs file.
pub struct SqliteStore {
    conn: Connection,
    location: Location,
    path: PathBuf,
    /// See [`super::Runs::become_runner`].
    sync_claims_only: bool,
    /// (device, inode) of the file opened: see [`super::Runs::check_identity`].
    identity: (u64, u64),
}

impl SqliteStore {
    /// Open the jobs file, creating it (0600) if missing, and its folder
    /// (0700) with [`Folder::Create`].
    pub fn open_or_create(path: &Path, folder: Folder) -> Result<SqliteStore> {
        let path = safety::create(path, folder == Folder::Create)?;
        SqliteStore::open(&path, true)?
            .ok_or_else(|| anyhow::anyhow!("cannot create jobs file {}", path.display()))
    }

    /// Open an existing jobs file; `None` when there is none yet, or it is
    /// still empty (reading commands then show nothing and write nothing).
    pub fn open_existing(path: &Path) -> Result<Option<SqliteStore>> {
        match safety::existing(path)? {
            Some(p) => SqliteStore::open(&p, false),
            None => Ok(None),
        }
    }

    /// `path` is the real path ([`safety::resolve`]): the lock and every
    /// message derive from it. A file that holds nothing yet is made a
    /// jobs file when `create`, else `None`; another program's file is
    /// refused before anything is written to it.
    fn open(path: &Path, create: bool) -> Result<Option<SqliteStore>> {
        safety::check(path)?;
        if schema::sniff(path)? == schema::Contents::Nothing && !create {
            return Ok(None);
        }
        // While another process switches a new file to WAL or migrates it,
        // SQLite can answer "locked" at once instead of waiting (it skips the
        // busy handler where waiting could deadlock). Opening is idempotent:
        // retry it for as long as a write would wait.
        let deadline = std::time::Instant::now() + BUSY_TIMEOUT;
        loop {
            match SqliteStore::open_once(path, create) {
                Err(e) if is_busy(&e) && std::time::Instant::now() < deadline => {
                    std::thread::sleep(Duration::from_millis(5 + fastrand::u64(0..20)));
                }
                other => return other,
            }
        }
    }

    fn open_once(path: &Path, create: bool) -> Result<Option<SqliteStore>> {
        let ctx = || format!("cannot open jobs file {}", path.display());
        let mut conn = Connection::open_with_flags(
            path,
            OpenFlags::SQLITE_OPEN_READ_WRITE
                | OpenFlags::SQLITE_OPEN_NO_MUTEX
                | OpenFlags::SQLITE_OPEN_NOFOLLOW,
        )
        .with_context(ctx)?;
        conn.busy_timeout(BUSY_TIMEOUT).with_context(ctx)?;
        // Only reads until the file is known to be tick's.
        if schema::identify(&conn, path)? == schema::Contents::Nothing && !create {
            return Ok(None);
        }
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
        // A listing of 10,000 jobs with their latest executions touches
        // 7 MB of pages in index order: with SQLite's default 2 MB cache
        // it read them four times over (7,258 reads for 1,767 pages). A
        // command lives for one pass, so let it keep what it read (memory
        // is taken only as pages are read); the runner goes back to the
        // default (`become_runner`).
        conn.pragma_update(None, "cache_size", COMMAND_CACHE_KIB)
            .with_context(ctx)?;
        // A short-lived command should not checkpoint the WAL into the main
        // file on exit (three more fsyncs) while the log is small; see
        // `Drop` for when it does.
        conn.set_db_config(
            rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
            true,
        )
        .with_context(ctx)?;
        // A log that is reset (after a complete checkpoint, by the next
        // write of a process that saw it) is cut back to this size.
        conn.pragma_update(None, "journal_size_limit", WAL_LIMIT)
            .with_context(ctx)?;
        schema::migrate(&mut conn, path).with_context(ctx)?;
        let meta = std::fs::metadata(path).with_context(ctx)?;
        Ok(Some(SqliteStore {
            identity: (meta.dev(), meta.ino()),
            conn,
            location: Location::File(path.to_path_buf()),
            path: path.to_path_buf(),
            sync_claims_only: false,
        }))
    }

    /// A write transaction: `BEGIN IMMEDIATE`, so that concurrent writers
    /// wait for each other instead of failing.
    fn immediate(&mut self) -> Result<Transaction<'_>> {
        self.conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .with_context(|| format!("cannot write jobs file {}", self.path.display()))
    }

    /// Jobs matching `filter` (SQL after `FROM jobs`), each decoded on its own.
    fn select_jobs(&self, filter: &str, params: impl rusqlite::Params) -> Result<Vec<JobRow>> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {} FROM jobs {filter}", jobs::COLUMNS))?;
        let rows = stmt.query_map(params, |row| jobs::job_from_row(row, false))?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }
}

/// Why the log needs this: SQLite's automatic checkpoint (every 1000
/// pages, after a commit) copies the log into the file, but the log is
/// only *reset* (written again from its start) by the next write of a
/// process that saw that checkpoint complete, through the shared-memory
/// index. Each `tick add` is a new process, alone on the file: on opening
/// it rebuilds that index by reading the whole log (so it forgets the
/// checkpoint), appends its write at the end, and the log grows forever,
/// each command reading all of it. (With a runner holding the file open
/// the index survives and resets happen; the runner also checkpoints in
/// quiet gaps.) So the last process to close a log past
/// [`WAL_CHECKPOINT_AT`] lets SQLite checkpoint and remove it, which
/// SQLite does only when no other process has the file open: never under
/// a running runner's feet. A small log costs nothing on exit.
impl Drop for SqliteStore {
    fn drop(&mut self) {
        let wal = safety::beside(&self.path, "-wal");
        let big = std::fs::metadata(wal).is_ok_and(|m| m.len() > WAL_CHECKPOINT_AT);
        if big {
            let _ = self.conn.set_db_config(
                rusqlite::config::DbConfig::SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE,
                false,
            );
        }
    }
}

impl super::Store for SqliteStore {
    fn location(&self) -> &Location {
        &self.location
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

use super::rows::{from_ms, to_ms};

/// A statement shared with PostgreSQL (`$1`, `$2`...) in SQLite's own
/// numbered form (`?1`, `?2`...). SQLite reads `$1` as a *named*
/// parameter and numbers those in order of first appearance, so `$10`
/// before `$9` would silently swap two values; `?N` binds by number.
fn numbered(shared: &str) -> String {
    let mut out = String::with_capacity(shared.len());
    let mut chars = shared.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '$' && chars.peek().is_some_and(char::is_ascii_digit) {
            out.push('?');
        } else {
            out.push(c);
        }
    }
    out
}

/// Columns as [`rows`](super::rows) decodes them.
impl super::rows::Cells for rusqlite::Row<'_> {
    fn int(&self, i: usize) -> Result<Option<i64>> {
        Ok(self.get(i)?)
    }
    fn text(&self, i: usize) -> Result<Option<String>> {
        Ok(self.get(i)?)
    }
    fn bytes(&self, i: usize) -> Result<Vec<u8>> {
        Ok(self.get(i)?)
    }
    fn flag(&self, i: usize) -> Result<bool> {
        Ok(self.get(i)?)
    }
}

/// Every row of `stmt` with `params`, each decoded by `decode`.
fn decode_all<T>(
    stmt: &mut rusqlite::Statement,
    params: impl rusqlite::Params,
    decode: fn(&dyn super::rows::Cells) -> Result<T>,
) -> Result<Vec<T>> {
    let mut rows = stmt.query(params)?;
    let mut out = Vec::new();
    while let Some(row) = rows.next()? {
        out.push(decode(row)?);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    /// `.cargo/config.toml` builds SQLite without memory statistics (one
    /// process-wide mutex less on every allocation: docs/performance.md).
    #[test]
    fn sqlite_is_built_without_memory_statistics() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let mut stmt = conn.prepare("PRAGMA compile_options").unwrap();
        let options: Vec<String> = stmt
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap();
        assert!(
            options.iter().any(|o| o == "DEFAULT_MEMSTATUS=0"),
            "{options:?}"
        );
    }

    #[test]
    fn shared_statements_bind_by_number() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let sql = super::numbered("SELECT $2, $1, $10, $9");
        assert_eq!(sql, "SELECT ?2, ?1, ?10, ?9");
        let params: Vec<i64> = (1..=10).collect();
        let got: (i64, i64, i64, i64) = conn
            .query_row(&sql, rusqlite::params_from_iter(params), |r| {
                Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
            })
            .unwrap();
        assert_eq!(got, (2, 1, 10, 9));
    }
}
