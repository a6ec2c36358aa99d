//! The operations both front ends call: `commands/` (parse, call, print)
//! and `http/` (decode, call, answer in JSON or HTML). Each returns values
//! and prints nothing; what a value looks like on a terminal or a page is
//! theirs (and `output/`'s).
//!
//! Here: [`Ctx`] (where the store is, resolved once), finding a job by id
//! or name, and one file per operation (`add`, `backfill`, `show`, `list`, `history`,
//! `logs`, `jobs`, `runners`, `status`; `overview` for the page). Not here: clap types (`cli/`),
//! turning them into domain values (`args/`), anything that prints.

pub mod add;
pub mod backfill;
pub mod history;
pub mod jobs;
pub mod list;
pub mod logs;
pub mod overview;
pub mod runners;
pub mod show;
pub mod status;

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::error::UsageError;
use crate::model::Job;
use crate::store::{Folder, Glob, Location, Store};

/// Where the store is: `--db` as given, resolved to a [`Location`] the
/// first time it is asked for and kept (a context cloned for the HTTP
/// server shares it).
#[derive(Clone, Default)]
pub struct Ctx {
    db: Option<PathBuf>,
    location: Arc<OnceLock<(Location, Folder)>>,
}

impl Ctx {
    /// The store `--db` names (`None`: `$TICK_DB`, else the default file).
    pub fn new(db: Option<PathBuf>) -> Ctx {
        Ctx {
            db,
            location: Arc::default(),
        }
    }

    /// Now, in whole seconds: what triggers and job times are computed from.
    pub fn now(&self) -> DateTime<Utc> {
        crate::trigger::input::floor_secs(Utc::now())
    }

    /// Where the store is. Resolved on the first call (a bad `--db` is an
    /// error only for a command that needs the store), then kept.
    pub fn location(&self) -> Result<&Location> {
        Ok(&self.found()?.0)
    }

    /// The location, and whether its folder may be created.
    fn found(&self) -> Result<&(Location, Folder)> {
        if let Some(l) = self.location.get() {
            return Ok(l);
        }
        let found = Location::found(self.db.as_deref())?;
        Ok(self.location.get_or_init(|| found))
    }

    /// The store for a command that writes: created if missing (a jobs
    /// file's folder only at the default location).
    pub fn store_for_write(&self) -> Result<Box<dyn Store>> {
        let (location, folder) = self.found()?;
        location.open_or_create(*folder)
    }

    /// The store for a command that reads: `None` if there is none yet.
    pub fn store_for_read(&self) -> Result<Option<Box<dyn Store>>> {
        self.location()?.open_existing()
    }

    /// The store for a command that reads and has nothing to say without
    /// one: none yet is an error, `no jobs file at PATH` (exit 2).
    pub fn store_to_read(&self) -> Result<Box<dyn Store>> {
        let location = self.location()?;
        location
            .open_existing()?
            .ok_or_else(|| location.missing().into())
    }

    /// The store and one job in it, given by id or unique name; an
    /// unknown one is a usage error, and so is no store at all.
    pub fn store_with_job(&self, id: &str) -> Result<(Box<dyn Store>, Job)> {
        let mut store = self.store_to_read()?;
        let id = job_id(store.as_mut(), id)?;
        let job = store.job(&id)?;
        Ok((store, job))
    }
}

/// How many jobs an ambiguous name lists.
const AMBIGUOUS_SHOWN: usize = 10;

/// The id of the job `given` names: a job with that id, else the one job
/// with that name. An id wins over a name; a name that several jobs have
/// is an error listing their ids.
pub fn job_id(store: &mut dyn Store, given: &str) -> Result<String> {
    match store.job(given) {
        // Only "no such id" looks further: a row that cannot be read is
        // still that job (`tick remove` must reach it).
        Err(e) if e.is::<UsageError>() => {}
        _ => return Ok(given.to_string()),
    }
    by_name(store, given)?.ok_or_else(|| UsageError::unknown_job(given).into())
}

/// The one job with this name, if any; several are an error.
fn by_name(store: &dyn Store, name: &str) -> Result<Option<String>> {
    let mut ids = store.job_ids_named(name, AMBIGUOUS_SHOWN + 1)?;
    match ids.len() {
        0 => Ok(None),
        1 => Ok(ids.pop()),
        n => {
            let more = if n > AMBIGUOUS_SHOWN {
                ids.truncate(AMBIGUOUS_SHOWN);
                ", ..."
            } else {
                ""
            };
            Err(UsageError::new(format!(
                "the name '{name}' is ambiguous: jobs {}{more} have it; give one of their ids",
                ids.join(", ")
            ))
            .into())
        }
    }
}

/// [`job_id`] of each, in order.
pub fn job_ids(store: &mut dyn Store, given: &[String]) -> Result<Vec<String>> {
    given.iter().map(|g| job_id(store, g)).collect()
}

/// An id that names no job and no history.
pub fn unknown(id: &str) -> UsageError {
    UsageError::missing(format!(
        "unknown job '{id}': no job or history has that id, and no job that name (see 'tick list --all')"
    ))
}

/// For `history` and `logs`: the job's id, one with history (the job may
/// be removed since), else the id or unique name of a job.
pub fn job_id_with_history(store: &mut dyn Store, given: &str) -> Result<String> {
    if store.has_history(given)? {
        return Ok(given.to_string());
    }
    job_id(store, given).map_err(|e| match e.downcast::<UsageError>() {
        Ok(u) if u == UsageError::unknown_job(given) => unknown(given).into(),
        Ok(u) => u.into(),
        Err(e) => e,
    })
}

/// `--name GLOB` of `list` and `history` (the API's `name=`), checked
/// before any store is opened.
pub fn name_glob(text: &str) -> Result<Glob, UsageError> {
    Glob::parse(text).map_err(|e| {
        UsageError::new(format!(
            "invalid --name '{text}': {e} (a shell pattern: *, ?, [...], with \\ quoting the next character)"
        ))
    })
}
