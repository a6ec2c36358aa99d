//! `tick generate completions|man DIR` (hidden): shell completions and man
//! pages from the clap definition. The committed `completions/` and `man/`
//! are checked against this output by a test.

use std::path::Path;

use anyhow::{Context, Result};
use clap::CommandFactory;

use roff::{bold, roman, Roff};

use crate::cli::{Cli, GenerateArgs, GenerateWhat};

pub fn run(args: &GenerateArgs) -> Result<()> {
    match args.what {
        GenerateWhat::Completions => completions(&args.dir),
        GenerateWhat::Man => man_pages(&args.dir),
    }
}

/// Write `tick.bash`, `_tick`, `tick.fish`, `tick.elv` and `_tick.ps1`:
/// each registers tick as its own completer (see `complete.rs`).
pub fn completions(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    for (file, script) in super::complete::scripts()? {
        let path = dir.join(file);
        std::fs::write(&path, script)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    Ok(())
}

/// Write `tick.1` and `tick-SUBCOMMAND.1` for every visible subcommand.
pub fn man_pages(dir: &Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let cmd = Cli::command();
    let subs: Vec<String> = cmd
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| format!("tick-{}", s.get_name()))
        .collect();
    write_page(&cmd, dir, "tick", &subs)?;
    for sub in cmd.get_subcommands().filter(|s| !s.is_hide_set()) {
        let name = format!("tick-{}", sub.get_name());
        let sub = sub.clone().name(name.clone());
        write_page(&sub, dir, &name, &["tick".to_string()])?;
    }
    Ok(())
}

/// One page: clap_mangen's sections (name, synopsis, description,
/// options, subcommands, version), then EXAMPLES (the help's, one per
/// line, never filled), EXIT STATUS, ENVIRONMENT, FILES and SEE ALSO.
fn write_page(cmd: &clap::Command, dir: &Path, name: &str, see_also: &[String]) -> Result<()> {
    // The examples get their own section; clap_mangen would fill them
    // into one paragraph.
    let examples = cmd
        .get_after_help()
        .map(|h| h.to_string())
        .unwrap_or_default();
    let man = clap_mangen::Man::new(cmd.clone().after_help(None::<&str>));
    let mut page = Vec::new();
    man.render(&mut page)?;
    let mut roff = Roff::new();
    examples_section(&mut roff, &examples);
    exit_status_section(&mut roff, name);
    environment_section(&mut roff);
    files_section(&mut roff);
    roff.control("SH", ["SEE ALSO"]);
    let refs: Vec<String> = see_also.iter().map(|p| format!("{p}(1)")).collect();
    roff.text([roman(format!("{}, crontab(5)", refs.join(", ")))]);
    // Without the preamble `render` puts first: the page has one already.
    let extra = roff.render();
    let extra = extra
        .lines()
        .skip_while(|l| l.starts_with(".ie") || l.starts_with(".el"));
    for line in extra {
        page.extend_from_slice(line.as_bytes());
        page.push(b'\n');
    }
    let path = dir.join(format!("{name}.1"));
    std::fs::write(&path, page).with_context(|| format!("cannot write {}", path.display()))
}

/// EXAMPLES: the help's example lines as they are (no filling), the
/// notes after them as a paragraph.
fn examples_section(roff: &mut Roff, after_help: &str) {
    let body = after_help.strip_prefix("Examples:\n").unwrap_or(after_help);
    let (examples, notes) = body.split_once("\n\n").unwrap_or((body, ""));
    if examples.trim().is_empty() {
        return;
    }
    roff.control("SH", ["EXAMPLES"]);
    roff.control("PP", [])
        .control("nf", [])
        .control("RS", ["4"]);
    for line in examples.lines() {
        roff.text([roman(line.strip_prefix("  ").unwrap_or(line))]);
    }
    roff.control("RE", []).control("fi", []);
    if !notes.trim().is_empty() {
        roff.control("PP", []).text([roman(notes.trim())]);
    }
}

/// A section of tagged paragraphs: each name in bold, then its text.
fn tagged(roff: &mut Roff, title: &str, rows: &[(&str, &str)]) {
    roff.control("SH", [title]);
    for (name, text) in rows {
        roff.control("TP", [])
            .text([bold(*name)])
            .text([roman(*text)]);
    }
}

fn exit_status_section(roff: &mut Roff, name: &str) {
    let mut rows = vec![
        ("0", "Success."),
        ("1", "A failure that is not the input's: the jobs file cannot be read or written, a runner's store is gone, ..."),
        ("2", "A usage error: a bad flag, expression, date, zone or duration, an unknown job. Nothing was written."),
    ];
    if name == "tick-fire" || name == "tick" {
        rows.extend([
            ("N", "tick fire: the job's exit code (a signal n as 128+n)."),
            ("124", "tick fire: the job timed out."),
            ("130", "tick fire: interrupted by SIGINT or SIGTERM."),
        ]);
    }
    tagged(roff, "EXIT STATUS", &rows);
}

fn environment_section(roff: &mut Roff) {
    tagged(roff, "ENVIRONMENT", &[
        ("TICK_DB", "The jobs file when --db is not given."),
        ("XDG_DATA_HOME", "Without --db and TICK_DB, the jobs file is $XDG_DATA_HOME/tick/jobs.db (an absolute path only)."),
        ("HOME", "Without those, the jobs file is ~/.local/share/tick/jobs.db."),
        ("TZ", "The zone of new jobs without --tz (else the system zone); history is shown in it."),
        ("NO_COLOR", "When set and not empty, no colour (unless --color always)."),
        ("COLUMNS", "The width tick list fits on a terminal (else the terminal's)."),
        ("TICK_COMPLETE", "Set by the completion scripts to ask tick for completions."),
        ("TICK_JOB_ID, TICK_EXECUTION_ID, TICK_SCHEDULED_AT", "Given to each job's command by tick run and tick fire."),
        ("TICK_EVENT, TICK_STATUS, TICK_EXIT_CODE", "Given to listeners (--on-success, --on-failure, --on-event), with TICK_JOB_ID and TICK_SCHEDULED_AT; the event is also on their stdin as JSON."),
    ]);
}

fn files_section(roff: &mut Roff) {
    tagged(roff, "FILES", &[
        ("~/.local/share/tick/jobs.db", "The jobs file (see ENVIRONMENT for where else): one SQLite database holding the jobs and their history, created 0600 in a 0700 folder."),
        ("jobs.db-wal, jobs.db-shm", "SQLite's write-ahead log and its index, beside the jobs file."),
        ("jobs.db.lock", "The runner lock of tick run: who holds the jobs file."),
    ]);
}
