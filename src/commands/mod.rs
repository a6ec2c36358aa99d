//! One file per subcommand. `dispatch` hands each its Args struct.
//!
//! This is where command-line strings become domain types (zones, triggers)
//! before anything is computed or written.

mod generate;
mod next;
pub mod trigger;

use anyhow::Result;

use crate::cli::{Cli, Command};
use crate::clock::SystemClock;

pub fn dispatch(cli: Cli) -> Result<()> {
    let clock = SystemClock;
    match cli.command {
        Command::Next(args) => next::run(&args, &clock),
        Command::Generate(args) => generate::run(&args),
    }
}
