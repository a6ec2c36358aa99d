//! One file per subcommand. `dispatch` hands each its Args struct and a
//! [`Ctx`] (where the store is, colour, verbosity). Each parses (`args/`
//! turns the words into domain values), calls `ops/`, and prints (with
//! `output/`). Nothing here is called by `http/`; `serve.rs` and `run.rs`
//! start the HTTP server.

mod add;
mod backfill;
pub mod complete;
mod copy;
mod crontab;
mod export;
mod fire;
mod generate;
mod history;
mod jobs;
mod list;
mod logs;
mod next;
mod run;
mod runners;
mod serve;
mod show;
mod status;
pub mod usage;

use std::io::IsTerminal;

use anyhow::Result;

use crate::cli::{Cli, ColorChoice, Command};
use crate::log::Logger;
use crate::ops;

/// What every command may need besides its own arguments: the
/// operations' context (where the store is; `Deref` to it), and how to
/// print.
#[derive(Clone)]
pub struct Ctx {
    ops: ops::Ctx,
    verbose: u8,
    /// Colour on stdout.
    pub color: bool,
    pub quiet: bool,
}

impl std::ops::Deref for Ctx {
    type Target = ops::Ctx;

    fn deref(&self) -> &ops::Ctx {
        &self.ops
    }
}

impl Ctx {
    /// A line for people on stdout, unless `--quiet`.
    pub fn say(&self, line: &str) {
        if !self.quiet {
            println!("{line}");
        }
    }
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
        ops: ops::Ctx::new(cli.db),
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
        Command::Backfill(args) => backfill::run(&args, &ctx),
        Command::Prune(args) => history::prune(&args, &ctx),
        Command::Import(args) => crontab::import(&args, &ctx),
        Command::Export(args) => export::export(&args, &ctx),
        Command::Status(args) => status::run(&args, &ctx),
        Command::Run(args) => run::run(&args, &ctx, Logger::new(ctx.verbose, ctx.quiet)),
        Command::Serve(args) => serve::run(&args, &ctx),
        Command::Runners(args) => runners::run(&args, &ctx),
        Command::Copy(args) => copy::run(&args, &ctx),
        Command::Next(args) => next::run(&args, &ctx),
        Command::Generate(args) => generate::run(&args),
    }
}

/// The width to fit a table into: stdout's terminal (`$COLUMNS` first,
/// as `ls` reads it), or `None` when stdout is not a terminal (a pipe
/// gets every cell whole).
pub fn terminal_width() -> Option<usize> {
    if !std::io::stdout().is_terminal() {
        return None;
    }
    let columns = std::env::var("COLUMNS").ok().and_then(|c| c.parse().ok());
    columns
        .or_else(|| terminal_size::terminal_size_of(std::io::stdout()).map(|(w, _)| w.0 as usize))
        .filter(|w| *w > 0)
        .or(Some(80))
}
