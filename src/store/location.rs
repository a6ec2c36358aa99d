//! Where a store is: `--db`, `$TICK_DB` or the default jobs file, a file
//! path or a PostgreSQL URL, and opening it for reading or writing.

use std::path::{Path, PathBuf};

use anyhow::{bail, Result};

use super::{postgres, sqlite, Store};
use crate::error::UsageError;

/// Where a store is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    File(PathBuf),
    /// A PostgreSQL URL; shown without its password.
    Postgres(postgres::PgUrl),
}

impl std::fmt::Display for Location {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Location::File(p) => write!(f, "{}", p.display()),
            Location::Postgres(u) => write!(f, "{u}"),
        }
    }
}

/// Whether opening a jobs file for writing may create its folder: only the
/// default location's (a `--db` or `$TICK_DB` whose folder is missing is
/// most likely a typo, and creating it would hide one).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Folder {
    Create,
    MustExist,
}

impl Location {
    /// `--db`, else `$TICK_DB`, else `$XDG_DATA_HOME/tick/jobs.db`, else
    /// `~/.local/share/tick/jobs.db`. A `postgres://` or `postgresql://`
    /// URL names a PostgreSQL store; anything else is a file path.
    pub fn find(flag: Option<&Path>) -> Result<Location> {
        Ok(Location::found(flag)?.0)
    }

    /// [`Location::find`], and whether its folder may be created: only
    /// for the default location.
    pub fn found(flag: Option<&Path>) -> Result<(Location, Folder)> {
        if let Some(p) = flag {
            return Ok((Location::given(p)?, Folder::MustExist));
        }
        let env = |k: &str| {
            std::env::var_os(k)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        };
        if let Some(p) = env("TICK_DB") {
            return Ok((Location::given(&p)?, Folder::MustExist));
        }
        let default = if let Some(d) = env("XDG_DATA_HOME").filter(|d| d.is_absolute()) {
            d.join("tick").join("jobs.db")
        } else {
            match env("HOME") {
                Some(home) => home.join(".local/share/tick/jobs.db"),
                None => bail!("cannot find the jobs file: set --db, $TICK_DB or $HOME"),
            }
        };
        Ok((Location::File(default), Folder::Create))
    }

    /// Why a reading command has nothing to read: `no jobs file at PATH`
    /// (exit 2, as input that names what is not there).
    pub fn missing(&self) -> UsageError {
        UsageError::missing(match self {
            Location::File(p) => format!(
                "no jobs file at {} (tick add creates it; check --db and $TICK_DB)",
                p.display()
            ),
            Location::Postgres(u) => format!(
                "no jobs at {u}: its tick schema is not created (tick add creates it; check --db and $TICK_DB)"
            ),
        })
    }

    /// `--db` or `$TICK_DB` as given: a URL (which must be UTF-8 and
    /// valid) or a path.
    pub fn given(p: &Path) -> Result<Location> {
        let bytes = p.as_os_str().as_encoded_bytes();
        if !postgres::is_url(&String::from_utf8_lossy(bytes)) {
            return Ok(Location::File(p.to_path_buf()));
        }
        let text = p.to_str().ok_or_else(|| {
            UsageError::new("invalid PostgreSQL URL: it is not UTF-8 (percent-encode other bytes)")
        })?;
        Ok(Location::Postgres(postgres::PgUrl::parse(text)?))
    }

    /// Open the store, creating it if missing (a jobs file's folder only
    /// with [`Folder::Create`]).
    pub fn open_or_create(&self, folder: Folder) -> Result<Box<dyn Store>> {
        match self {
            Location::File(p) => Ok(Box::new(sqlite::SqliteStore::open_or_create(p, folder)?)),
            Location::Postgres(u) => Ok(Box::new(
                postgres::PgStore::open(u, true)?
                    .ok_or_else(|| anyhow::anyhow!("{u}: the schema was not created"))?,
            )),
        }
    }

    /// Open the store if it exists: `None` when there is none yet (reading
    /// commands then show nothing and create nothing).
    pub fn open_existing(&self) -> Result<Option<Box<dyn Store>>> {
        match self {
            Location::File(p) => {
                Ok(sqlite::SqliteStore::open_existing(p)?.map(|s| Box::new(s) as Box<dyn Store>))
            }
            Location::Postgres(u) => {
                Ok(postgres::PgStore::open(u, false)?.map(|s| Box::new(s) as Box<dyn Store>))
            }
        }
    }
}
