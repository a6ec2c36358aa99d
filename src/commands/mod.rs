//! One file per subcommand. `dispatch` hands each its Args struct and a
//! [`Ctx`] (where the store is, colour, verbosity).
//!
//! This is where command-line strings become domain types (zones, triggers,
//! job options) before anything is computed or written.

pub(crate) mod add;
pub mod complete;
mod copy;
mod crontab;
mod fire;
mod generate;
pub(crate) mod history;
pub(crate) mod job_options;
pub(crate) mod jobs;
pub(crate) mod list;
pub(crate) mod logs;
mod next;
mod run;
pub(crate) mod runners;
pub(crate) mod serve;
pub(crate) mod show;
pub mod status;
pub mod trigger;
pub mod usage;

use std::io::IsTerminal;
use std::path::PathBuf;

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::cli::{Cli, ColorChoice, Command};
use crate::error::UsageError;
use crate::log::Logger;
use crate::store::{Location, Store};

/// What every command may need besides its own arguments.
#[derive(Clone)]
pub struct Ctx {
    db: Option<PathBuf>,
    verbose: u8,
    /// Colour on stdout.
    pub color: bool,
    pub quiet: bool,
}

impl Ctx {
    /// Now, in whole seconds: what triggers and job times are computed from.
    pub fn now(&self) -> DateTime<Utc> {
        crate::trigger::input::floor_secs(Utc::now())
    }

    pub fn location(&self) -> Result<Location> {
        Location::find(self.db.as_deref())
    }

    /// The store for a command that writes: created if missing.
    pub fn store_for_write(&self) -> Result<Box<dyn Store>> {
        self.location()?.open_or_create()
    }

    /// The store for a command that reads: `None` if there is none yet.
    pub fn store_for_read(&self) -> Result<Option<Box<dyn Store>>> {
        self.location()?.open_existing()
    }

    /// The store and one job in it, given by id or unique name; an
    /// unknown one is a usage error.
    pub fn store_with_job(&self, id: &str) -> Result<(Box<dyn Store>, crate::model::Job)> {
        let mut store = self
            .store_for_read()?
            .ok_or_else(|| UsageError::unknown_job(id))?;
        let id = job_id(store.as_mut(), id)?;
        let job = store.job(&id)?;
        Ok((store, job))
    }

    /// A line for people on stdout, unless `--quiet`.
    pub fn say(&self, line: &str) {
        if !self.quiet {
            println!("{line}");
        }
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

/// For `history` and `logs`: a job id with history (the job may be
/// removed), else [`job_id`].
pub fn job_id_with_history(store: &mut dyn Store, given: &str) -> Result<String> {
    if store.has_history(given)? {
        return Ok(given.to_string());
    }
    job_id(store, given)
}

/// `--name GLOB` of `list` and `history`, checked before any store is
/// opened.
pub fn name_glob(text: &str) -> Result<crate::store::Glob, UsageError> {
    crate::store::Glob::parse(text).map_err(|e| {
        UsageError::new(format!(
            "invalid --name '{text}': {e} (a shell pattern: *, ?, [...], with \\ quoting the next character)"
        ))
    })
}

pub fn dispatch(cli: Cli) -> Result<()> {
    let color = match cli.color {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            std::io::stdout().is_terminal()
                && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
        }
    };
    let ctx = Ctx {
        db: cli.db,
        verbose: cli.verbose,
        color,
        quiet: cli.quiet,
    };
    match cli.command {
        Command::Add(args) => add::run(&args, &ctx),
        Command::List(args) => list::run(&args, &ctx),
        Command::Show(args) => show::run(&args, &ctx),
        Command::Pause(args) => jobs::pause(&args, &ctx),
        Command::Resume(args) => jobs::resume(&args, &ctx),
        Command::Remove(args) => jobs::remove(&args, &ctx),
        Command::Modify(args) => jobs::modify(&args, &ctx),
        Command::Reschedule(args) => jobs::reschedule(&args, &ctx),
        Command::History(args) => history::history(&args, &ctx),
        Command::Logs(args) => logs::logs(&args, &ctx),
        Command::Fire(args) => fire::run(&args, &ctx),
        Command::Prune(args) => history::prune(&args, &ctx),
        Command::Import(args) => crontab::import(&args, &ctx),
        Command::Export(args) => crontab::export(&args, &ctx),
        Command::Status(args) => status::run(&args, &ctx),
        Command::Run(args) => run::run(&args, &ctx, Logger::new(ctx.verbose, ctx.quiet)),
        Command::Serve(args) => serve::run(&args, &ctx),
        Command::Runners(args) => runners::run(&args, &ctx),
        Command::Copy(args) => copy::run(&args, &ctx),
        Command::Next(args) => next::run(&args, &ctx),
        Command::Generate(args) => generate::run(&args),
    }
}
