//! `tick generate completions|man DIR` (hidden): shell completions and man
//! pages from the clap definition. The committed `completions/` and `man/`
//! are checked against this output by a test.

use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;
use clap_complete::Shell;

use crate::cli::{Cli, GenerateArgs, GenerateWhat};

pub fn run(args: &GenerateArgs) -> Result<()> {
    match args.what {
        GenerateWhat::Completions => completions(&args.dir),
        GenerateWhat::Man => man_pages(&args.dir),
    }
}

/// Write `tick.bash`, `_tick`, `tick.fish`, `tick.elv` and `_tick.ps1`.
pub fn completions(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for shell in [
        Shell::Bash,
        Shell::Zsh,
        Shell::Fish,
        Shell::Elvish,
        Shell::PowerShell,
    ] {
        let mut cmd = Cli::command();
        clap_complete::generate_to(shell, &mut cmd, "tick", dir)
            .with_context(|| format!("cannot write {shell} completions into {}", dir.display()))?;
    }
    Ok(())
}

/// Write `tick.1` and `tick-SUBCOMMAND.1` for every visible subcommand.
pub fn man_pages(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let cmd = Cli::command();
    write_page(&cmd, dir, "tick")?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("tick-{}", sub.get_name());
        let sub = sub.clone().name(name.clone());
        write_page(&sub, dir, &name)?;
    }
    Ok(())
}

fn write_page(cmd: &clap::Command, dir: &Path, name: &str) -> Result<()> {
    let mut buf = Vec::new();
    clap_mangen::Man::new(cmd.clone()).render(&mut buf)?;
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, buf).with_context(|| format!("cannot write {}", path.display()))
}
