//! Shell completion. The shells call tick itself to complete a command
//! line (clap_complete's `CompleteEnv`: the scripts in `completions/` run
//! `TICK_COMPLETE=bash tick -- tick show <word>`), so the candidates come
//! from the same clap definition as the parser, plus what only tick
//! knows: the job ids of the jobs file (with their names), the names a
//! job goes by (with its id), and the time zone names. Hidden subcommands (`generate`) are never offered.
//!
//! Chosen over the static scripts clap_complete writes because those
//! cannot call back for job ids in bash, zsh and fish alike; the cost is a
//! short-lived `tick` per TAB.

use std::ffi::OsStr;
use std::path::PathBuf;

use clap::CommandFactory;
use clap_complete::engine::{ArgValueCompleter, CompletionCandidate};
use clap_complete::env::EnvCompleter;

use crate::cli::Cli;
use crate::store::{JobFilter, Location};

/// The environment variable that asks tick for completions (not clap's
/// default `COMPLETE`, which another program's user may have set).
pub const VAR: &str = "TICK_COMPLETE";

/// The shell asking (`TICK_COMPLETE`'s value), kept for the completers.
static SHELL: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// At most this many job ids are offered.
const MAX_IDS: usize = 1000;

/// When the shell asks (`TICK_COMPLETE` is set): print the completions
/// and exit. Otherwise return at once.
pub fn complete_if_asked() {
    // clap_complete unsets the variable before the completers run.
    let _ = SHELL.set(std::env::var(VAR).unwrap_or_default());
    clap_complete::CompleteEnv::with_factory(command)
        .var(VAR)
        .bin("tick")
        .completer("tick")
        .complete();
}

/// The registration script of each shell, for `completions/`: file name
/// and contents.
pub fn scripts() -> std::io::Result<Vec<(&'static str, Vec<u8>)>> {
    let shells: [(&str, &dyn EnvCompleter); 5] = [
        ("tick.bash", &clap_complete::env::Bash),
        ("_tick", &clap_complete::env::Zsh),
        ("tick.fish", &clap_complete::env::Fish),
        ("tick.elv", &clap_complete::env::Elvish),
        ("_tick.ps1", &clap_complete::env::Powershell),
    ];
    let mut out = Vec::new();
    for (file, shell) in shells {
        let mut buf = Vec::new();
        shell.write_registration(VAR, "tick", "tick", "tick", &mut buf)?;
        out.push((file, buf));
    }
    Ok(out)
}

/// The command line's definition with tick's own candidates: job ids
/// wherever an id is taken, zone names for `--tz`.
pub fn command() -> clap::Command {
    let ids = || ArgValueCompleter::new(job_ids);
    let zones = || ArgValueCompleter::new(zone_names);
    let mut cmd = Cli::command();
    for (sub, arg) in [
        ("show", "id"),
        ("pause", "ids"),
        ("resume", "ids"),
        ("remove", "ids"),
        ("modify", "id"),
        ("reschedule", "id"),
        ("history", "id"),
        ("logs", "id"),
        ("fire", "id"),
    ] {
        cmd = cmd.mut_subcommand(sub, |s| with(s, arg, ids()));
    }
    for sub in ["add", "reschedule", "next"] {
        cmd = cmd.mut_subcommand(sub, |s| with(s, "tz", zones()));
    }
    cmd
}

/// `cmd` with `completer` on its argument `id`, changed in place
/// (`mut_arg` would move it last, renumbering the positionals).
fn with(cmd: clap::Command, id: &str, completer: ArgValueCompleter) -> clap::Command {
    cmd.mut_args(|a| {
        if a.get_id() == id {
            a.add(completer.clone())
        } else {
            a
        }
    })
}

/// Job ids starting with `current`, each with its name (or trigger), and
/// the names a job goes by (a name only one job has, that is no job's id)
/// starting with it, each with its job's id.
fn job_ids(current: &OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    let Ok(Some(store)) = Location::find(db_flag().as_deref()).and_then(|l| l.open_existing())
    else {
        return Vec::new();
    };
    // bash inserts a candidate as it is: a name with a blank or a quote
    // needs its backslashes (zsh and fish quote for themselves).
    let bash = SHELL.get().is_some_and(|v| v == "bash");
    let mut out = Vec::new();
    let mut ids = std::collections::HashSet::new();
    // Each name, with the id of the job that has it (None: several do).
    let mut names: std::collections::BTreeMap<String, Option<String>> = Default::default();
    let filter = JobFilter::every_summary();
    let _ = store.each_job(filter, &mut |row| {
        let Ok(job) = row else { return Ok(()) };
        if let Some(name) = &job.name {
            names
                .entry(name.clone())
                .and_modify(|id| *id = None)
                .or_insert_with(|| Some(job.id.clone()));
        }
        if job.id.starts_with(prefix.as_ref()) && out.len() < MAX_IDS {
            let help = job.name.clone().unwrap_or_else(|| job.trigger.describe());
            out.push(CompletionCandidate::new(job.id.clone()).help(Some(help.into())));
        }
        ids.insert(job.id);
        Ok(())
    });
    for (name, id) in names {
        let Some(id) = id.filter(|_| !ids.contains(&name)) else {
            continue;
        };
        let shown = if bash {
            bash_escaped(&name)
        } else {
            name.clone()
        };
        let typed = name.starts_with(prefix.as_ref()) || shown.starts_with(prefix.as_ref());
        if typed && out.len() < MAX_IDS {
            out.push(CompletionCandidate::new(shown).help(Some(id.into())));
        }
    }
    out.sort_by(|a, b| a.get_value().cmp(b.get_value()));
    out
}

/// `text` with a backslash before each character bash would read as
/// other than itself in a word.
fn bash_escaped(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if !(c.is_alphanumeric() || "_-.,/:@%+=".contains(c)) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// Time zone names starting with `current`.
fn zone_names(current: &OsStr) -> Vec<CompletionCandidate> {
    let prefix = current.to_string_lossy();
    chrono_tz::TZ_VARIANTS
        .iter()
        .map(|tz| tz.name())
        .filter(|name| name.starts_with(prefix.as_ref()))
        .map(CompletionCandidate::new)
        .collect()
}

/// `--db PATH` on the command line being completed (after the `--` that
/// starts it), so that ids come from the jobs file it names.
fn db_flag() -> Option<PathBuf> {
    use std::os::unix::ffi::OsStrExt;
    // Any bytes (a path may be): `std::env::args` would panic.
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let line = &args[args.iter().position(|a| a == "--")? + 1..];
    line.iter()
        .enumerate()
        .find_map(|(i, a)| match a.as_bytes().strip_prefix(b"--db") {
            Some(b"") => line.get(i + 1).map(PathBuf::from),
            Some(rest) => rest
                .strip_prefix(b"=")
                .map(|p| PathBuf::from(OsStr::from_bytes(p))),
            None => None,
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_completion_definition_is_consistent() {
        super::command().debug_assert();
    }
}
