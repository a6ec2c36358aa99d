//! `tick import [FILE|-|--crontab]`: crontab files in (`export.rs` writes
//! them out). Import is all-or-nothing: every line is checked first, each
//! one that cannot be taken is reported with its number, and only a clean
//! file adds its jobs, in one transaction. It ends by saying that cron
//! still runs those lines, or (`--crontab --remove`) by emptying the
//! crontab once the jobs are in.

use std::collections::{BTreeSet, HashMap};
use std::io::{Read, Write};
use std::path::PathBuf;
use std::process::{Command, Stdio};

use anyhow::{anyhow, bail, Result};

use super::Ctx;
use crate::args::crontab::entry_job;
use crate::cli::ImportArgs;
use crate::crontab::{self, Entry, Format};
use crate::error::{one_line, UsageError};
use crate::model::{Job, DEFAULT_SHELL};
use crate::store::Location;

/// A crontab to import: where it came from (for messages), its text, and
/// the format its path suggests.
struct Source {
    name: String,
    text: String,
    format: Format,
}

pub fn import(args: &ImportArgs, ctx: &Ctx) -> Result<()> {
    let source = read_input(args)?;
    let name = source.name.as_str();
    let format = if args.system {
        Format::System
    } else {
        source.format
    };
    let parsed = crontab::parse_as(&source.text, format);
    let say = |kind: &str, msg: &str| eprintln!("{kind}: {}", one_line(&format!("{name}: {msg}")));
    for note in &parsed.notes {
        say("note", note);
    }
    let users = Passwd::read();
    if format == Format::User {
        refuse_user_fields(name, &parsed.entries, &users)?;
    }
    let me = users.me();
    let mut checked = check_entries(&parsed, &users, ctx.now(), &say);
    refuse_errors(name, &mut checked.errors)?;
    if !checked.own_user_lines.is_empty() {
        say("warning", &format!(
            "the user field was taken out of line(s) {}: tick runs every job as the user who runs 'tick run' ({})",
            checked.own_user_lines.join(", "),
            me.unwrap_or("you")
        ));
    }
    let store = if args.dry_run {
        ctx.store_for_read()?
    } else {
        Some(ctx.store_for_write()?)
    };
    let mut jobs = checked.jobs;
    let already = match &store {
        Some(store) => drop_already_there(store.as_ref(), &mut jobs)?,
        None => 0,
    };
    let already_text = match already {
        0 => String::new(),
        n => format!("; {n} already there, not added again"),
    };
    if args.dry_run {
        return show_dry_run(&jobs, &already_text);
    }
    if jobs.is_empty() {
        ctx.say(&format!("{name}: no jobs to import{already_text}"));
    } else if let Some(mut store) = store {
        let ids = store.add_jobs(jobs.into_iter().map(|(_, j)| j).collect())?;
        ctx.say(&format!(
            "imported {} job(s): {}{already_text}",
            ids.len(),
            ids.join(" ")
        ));
    }
    if parsed.entries.is_empty() {
        return Ok(());
    }
    if args.remove {
        let copy = remove_crontab(&source.text, ctx.location()?)?;
        eprintln!(
            "note: emptied your crontab (crontab -r): cron no longer runs these lines; a copy of it is in {}",
            one_line(&copy.display().to_string())
        );
        return Ok(());
    }
    eprintln!("note: {}", one_line(&still_runs(args, format)));
    Ok(())
}

/// What cron still does after an import, and how to stop it.
fn still_runs(args: &ImportArgs, format: Format) -> String {
    match (format, args.file.as_deref()) {
        (Format::System, Some(path)) if path != "-" => format!(
            "cron still runs the lines of {path}: delete the file (or comment its lines out), so that each job runs once"
        ),
        (Format::System, _) => {
            "cron still runs these lines where they came from: remove them there, so that each job runs once".into()
        }
        (Format::User, _) => {
            "cron still runs these lines: remove them from your crontab, so that each job runs once: crontab -r empties it, or import it with tick import --crontab --remove, which empties it once the jobs are in".into()
        }
    }
}

/// The crontab to import: `--crontab` (what `crontab -l` prints), a
/// file, or standard input.
fn read_input(args: &ImportArgs) -> Result<Source> {
    if args.crontab {
        return Ok(Source {
            name: "crontab -l".into(),
            text: crontab_list()?,
            format: Format::User,
        });
    }
    Ok(match args.file.as_deref() {
        None | Some("-") => Source {
            name: "stdin".to_string(),
            text: crontab::read(std::io::stdin().lock())
                .map_err(|e| UsageError::new(format!("cannot read the crontab from stdin: {e}")))?,
            format: Format::User,
        },
        Some(path) => Source {
            name: path.to_string(),
            text: std::fs::File::open(path)
                .map_err(|e| e.to_string())
                .and_then(crontab::read)
                .map_err(|e| UsageError::new(format!("cannot read crontab '{path}': {e}")))?,
            format: Format::of_path(std::path::Path::new(path)),
        },
    })
}

/// `crontab ARG` (the program found on PATH): its stdout, read within the
/// limits of any crontab ([`crontab::read`]), and how it ended, with the
/// last line it wrote on stderr.
fn run_crontab(arg: &str) -> Result<(Result<String, String>, std::process::ExitStatus, String)> {
    let mut child = Command::new("crontab")
        .arg(arg)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| anyhow!("cannot run 'crontab {arg}' (the crontab program on PATH): {e}"))?;
    let out = match child.stdout.take() {
        Some(stdout) => crontab::read(stdout),
        None => Ok(String::new()),
    };
    if out.is_err() {
        let _ = child.kill();
    }
    let mut err = String::new();
    if let Some(stderr) = child.stderr.take() {
        let _ = stderr.take(64 * 1024).read_to_string(&mut err);
    }
    let status = child.wait()?;
    let said = err.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
    Ok((out, status, said.trim().to_string()))
}

/// Your crontab: what `crontab -l` prints.
fn crontab_list() -> Result<String> {
    let (out, status, said) = run_crontab("-l")?;
    if !status.success() {
        bail!("'crontab -l' failed ({status}): {said}");
    }
    out.map_err(|e| UsageError::new(format!("cannot read what 'crontab -l' printed: {e}")).into())
}

/// `--remove`, once the jobs are in: empty the crontab (`crontab -r`),
/// unless it changed since it was read; a copy of it is kept first, next
/// to the jobs file (in `$HOME` for a PostgreSQL store). Where the copy is.
fn remove_crontab(imported: &str, store: &Location) -> Result<PathBuf> {
    let kept = "the jobs are imported, but cron still runs them";
    if crontab_list().ok().as_deref() != Some(imported) {
        bail!("your crontab changed while it was imported, so it was left as it is: {kept}; remove those lines with crontab -e");
    }
    let dir = match store {
        Location::File(p) => p.parent().map(PathBuf::from).unwrap_or_default(),
        Location::Postgres(_) => std::env::var_os("HOME")
            .map(PathBuf::from)
            .unwrap_or_default(),
    };
    let copy = save_copy(&dir, imported).map_err(|e| {
        anyhow!(
            "cannot keep a copy of your crontab in {}: {e}; it was left as it is: {kept}",
            dir.display()
        )
    })?;
    let (_, status, said) = run_crontab("-r")?;
    if !status.success() {
        bail!("'crontab -r' failed ({status}): {said}; {kept}: remove them with crontab -e");
    }
    Ok(copy)
}

/// Write `text` to a new file `crontab-removed-TIME` (0600) in `dir`.
fn save_copy(dir: &std::path::Path, text: &str) -> std::io::Result<PathBuf> {
    use std::os::unix::fs::OpenOptionsExt;
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    for n in 1.. {
        let name = match n {
            1 => format!("crontab-removed-{stamp}"),
            n => format!("crontab-removed-{stamp}-{n}"),
        };
        let path = dir.join(name);
        match std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&path)
        {
            Ok(mut f) => {
                f.write_all(text.as_bytes())?;
                f.sync_all()?;
                return Ok(path);
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(e),
        }
    }
    unreachable!("1.. never ends")
}

/// A user's crontab whose lines start with a user name is a system
/// crontab (`m h dom mon dow USER command`, as in /etc/cron.d) read
/// without `--system`: every job would run `USER command` and fail. A
/// line is taken for one when its command's first word is an account of
/// this machine (/etc/passwd), a word follows that is not an option (does
/// not start with `-`), and the first word is nothing the shell can run
/// (`command -v` finds no program, builtin or function of that name on
/// the line's PATH), so cron itself could not run it either: `sync -f /`
/// and `mail -s hi me` (accounts, and programs) are commands, `root
/// test -e /x` is not. Any such line refuses the whole file, in one line.
fn refuse_user_fields(name: &str, entries: &[Entry], users: &Passwd) -> Result<()> {
    let mut lines = Vec::new();
    let mut names = BTreeSet::new();
    for e in entries {
        let mut words = e.cron.command.split_whitespace();
        let (Some(word), Some(next)) = (words.next(), words.next()) else {
            continue;
        };
        if next.starts_with('-') {
            // An option: `mail -s hi me` is a command, whether or not a
            // mail program is installed.
            continue;
        }
        if users.has(word) && !shell_finds(word, e) {
            lines.push(e.line.to_string());
            names.insert(word);
        }
    }
    if lines.is_empty() {
        return Ok(());
    }
    let names: Vec<&str> = names.into_iter().collect();
    Err(UsageError::new(one_line(&format!(
        "{name}: line(s) {} start with a user name ({}) where the command belongs, as in a system crontab (m h dom mon dow USER command): import it with --system; nothing was added",
        lines.join(", "),
        names.join(", ")
    )))
    .into())
}

/// Whether the shell finds `word` as a command (a program on the line's
/// PATH, a builtin, a keyword); when unsure, yes.
fn shell_finds(word: &str, e: &Entry) -> bool {
    let mut sh = Command::new(DEFAULT_SHELL);
    sh.args(["-c", "command -v -- \"$1\"", "sh", word])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if let Some(path) = e.env.get("PATH") {
        sh.env("PATH", path);
    }
    sh.status().map_or(true, |s| s.success())
}

/// The crontab's entries checked: the jobs they make (with their line),
/// the lines that cannot be taken, and the lines whose user field (this
/// user's) was taken out.
struct Checked {
    jobs: Vec<(usize, Job)>,
    errors: Vec<String>,
    own_user_lines: Vec<String>,
}

fn check_entries(
    parsed: &crontab::Parsed,
    users: &Passwd,
    now: chrono::DateTime<chrono::Utc>,
    say: &dyn Fn(&str, &str),
) -> Checked {
    let me = users.me();
    let home = users.home();
    let mut out = Checked {
        jobs: Vec::new(),
        errors: parsed.errors.clone(),
        own_user_lines: Vec::new(),
    };
    for e in &parsed.entries {
        if let Some(user) = &e.user {
            if Some(user.as_str()) != me {
                out.errors.push(format!(
                    "line {}: a job for user '{user}', but tick runs every job as the user who runs 'tick run' ({}): import this crontab as {user}",
                    e.line,
                    me.unwrap_or("you")
                ));
                continue;
            }
            out.own_user_lines.push(e.line.to_string());
        }
        if !e.cron.input.is_empty() {
            percent_warning(e, say);
        }
        match entry_job(e, home.as_deref(), now) {
            Ok(job) => out.jobs.push((e.line, job)),
            Err(err) => out.errors.push(format!("line {}: {err}", e.line)),
        }
    }
    out
}

/// Each line that cannot be taken, in line order, on stderr; then an
/// error: nothing is added.
fn refuse_errors(name: &str, errors: &mut [String]) -> Result<()> {
    if errors.is_empty() {
        return Ok(());
    }
    errors.sort_by_key(|e| {
        e.trim_start_matches("line ")
            .split(':')
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    });
    for e in errors.iter() {
        eprintln!("error: {}", one_line(&format!("{name}: {e}")));
    }
    Err(UsageError::new(format!(
        "{name}: {} line(s) could not be imported; nothing was added",
        errors.len()
    ))
    .into())
}

/// Leave out the jobs already in the store (same trigger, zone, command
/// and environment): importing twice adds nothing. How many were left out.
fn drop_already_there(
    store: &dyn crate::store::Store,
    jobs: &mut Vec<(usize, Job)>,
) -> Result<usize> {
    let mut there: HashMap<String, usize> = HashMap::new();
    for job in store.jobs()?.into_iter().flatten() {
        *there.entry(identity(&job)).or_default() += 1;
    }
    let mut already = 0;
    jobs.retain(|(_, job)| match there.get_mut(&identity(job)) {
        Some(n) if *n > 0 => {
            *n -= 1;
            already += 1;
            false
        }
        _ => true,
    });
    Ok(already)
}

/// `--dry-run`: what would be imported, line by line.
fn show_dry_run(jobs: &[(usize, Job)], already_text: &str) -> Result<()> {
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "would import {} job(s){already_text}", jobs.len())?;
    for (line, job) in jobs {
        writeln!(
            out,
            "  line {line}: {} -- {}",
            job.trigger.describe(),
            one_line(&job.command)
        )?;
    }
    out.flush()?;
    Ok(())
}

/// What makes two jobs the same for import: trigger (with its zone),
/// command and environment.
fn identity(job: &Job) -> String {
    serde_json::to_string(&(&job.trigger, &job.command, &job.options.env)).unwrap_or_default()
}

/// An unescaped `%` in a command field starts the command's standard
/// input, as cron reads it. Said (once per line) where that is most likely
/// not what was meant: when it cut the command into one that is not valid
/// shell (`$(date +%F)`), or right after a `date` format's `+`.
fn percent_warning(e: &Entry, say: &dyn Fn(&str, &str)) {
    let shell = e.shell.as_deref().unwrap_or(DEFAULT_SHELL);
    let why = match crate::executor::syntax_error(shell, &e.cron.command) {
        Some(why) => format!("which is not valid shell ({why})"),
        None if e.cron.command.ends_with('+') => "which looks like a cut date format".into(),
        None => return,
    };
    let input = e.cron.input.strip_suffix('\n').unwrap_or(&e.cron.input);
    say(
        "warning",
        &format!(
            "line {}: the unescaped % starts the command's standard input, as cron reads it: the command is '{}' and its input '{input}', {why}; write \\% for a literal %",
            e.line,
            e.cron.command.trim_end(),
        ),
    );
}

/// This machine's accounts (/etc/passwd), and the user running tick.
pub(super) struct Passwd {
    names: Vec<String>,
    /// The user's name (else `$USER`) and home folder in /etc/passwd.
    me: Option<String>,
    my_home: Option<String>,
}

impl Passwd {
    pub(super) fn read() -> Passwd {
        let uid = rustix::process::getuid().as_raw();
        let text = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
        let mut out = Passwd {
            names: Vec::new(),
            me: None,
            my_home: None,
        };
        for l in text.lines() {
            let f: Vec<&str> = l.split(':').collect();
            if f.len() < 6 {
                continue;
            }
            if f[2].parse::<u32>().ok() == Some(uid) && out.me.is_none() {
                out.me = Some(f[0].to_string());
                out.my_home = Some(f[5].to_string());
            }
            out.names.push(f[0].to_string());
        }
        if out.me.is_none() {
            out.me = std::env::var("USER").ok().filter(|u| !u.is_empty());
        }
        out
    }

    fn has(&self, name: &str) -> bool {
        self.names.iter().any(|n| n == name)
    }

    fn me(&self) -> Option<&str> {
        self.me.as_deref()
    }

    /// The home folder of the user running tick, where cron runs a
    /// crontab's lines: `$HOME`, else the account's; `None` when neither
    /// is an existing folder.
    pub(super) fn home(&self) -> Option<String> {
        std::env::var("HOME")
            .ok()
            .into_iter()
            .chain(self.my_home.clone())
            .find(|h| h.starts_with('/') && std::path::Path::new(h).is_dir())
    }
}
