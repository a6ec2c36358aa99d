//! `tick import [FILE|-]` and `tick export`: crontab files in and out.
//! Import is all-or-nothing: every line is checked first, each one that
//! cannot be taken is reported with its number, and only a clean file adds
//! its jobs, in one transaction.

use std::collections::{BTreeMap, HashMap};
use std::io::Write;

use anyhow::Result;

use super::Ctx;
use crate::args::job_options::check_exec_string;
use crate::args::trigger::resolve_tz;
use crate::cli::{ExportArgs, ImportArgs};
use crate::crontab::{self, Format};
use crate::error::{one_line, UsageError};
use crate::model::{Job, JobOptions, JobState};
use crate::trigger::input::parse_tz;
use crate::trigger::{CronSource, ScheduleSpec, Trigger};

pub fn import(args: &ImportArgs, ctx: &Ctx) -> Result<()> {
    let (name, text, format) = read_input(args)?;
    let format = if args.system { Format::System } else { format };
    let parsed = crontab::parse_as(&text, format);
    let say = |kind: &str, msg: &str| eprintln!("{kind}: {}", one_line(&format!("{name}: {msg}")));
    for note in &parsed.notes {
        say("note", note);
    }
    let me = current_user();
    let mut checked = check_entries(&parsed, me.as_deref(), ctx.now(), &say)?;
    refuse_errors(&name, &mut checked.errors)?;
    if !checked.own_user_lines.is_empty() {
        say("warning", &format!(
            "the user field was taken out of line(s) {}: tick runs every job as the user who runs 'tick run' ({})",
            checked.own_user_lines.join(", "),
            me.as_deref().unwrap_or("you")
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
        return Ok(());
    }
    let Some(mut store) = store else {
        return Ok(());
    };
    let ids = store.add_jobs(jobs.into_iter().map(|(_, j)| j).collect())?;
    ctx.say(&format!(
        "imported {} job(s): {}{already_text}",
        ids.len(),
        ids.join(" ")
    ));
    Ok(())
}

/// The crontab to import: where it came from (for messages), its text,
/// and the format its path suggests.
fn read_input(args: &ImportArgs) -> Result<(String, String, Format)> {
    Ok(match args.file.as_deref() {
        None | Some("-") => (
            "stdin".to_string(),
            crontab::read(std::io::stdin().lock())
                .map_err(|e| UsageError::new(format!("cannot read the crontab from stdin: {e}")))?,
            Format::User,
        ),
        Some(path) => (
            path.to_string(),
            std::fs::File::open(path)
                .map_err(|e| e.to_string())
                .and_then(crontab::read)
                .map_err(|e| UsageError::new(format!("cannot read crontab '{path}': {e}")))?,
            Format::of_path(std::path::Path::new(path)),
        ),
    })
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
    me: Option<&str>,
    now: chrono::DateTime<chrono::Utc>,
    say: &dyn Fn(&str, &str),
) -> Result<Checked> {
    let default_tz = resolve_tz(None)?;
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
        } else if let Some(word) = e.cron.command.split_whitespace().next() {
            // The user field of a system crontab read as a command:
            // `root test -e ...` would fail at every fire.
            if word == "root" || Some(word) == me {
                say("warning", &format!(
                    "line {}: the command starts with '{word}', a user name: if this is a system crontab (with a user field), import it with --system",
                    e.line
                ));
            }
        }
        if !e.cron.input.is_empty() {
            percent_warning(e, say);
        }
        match entry_job(e, default_tz, now) {
            Ok(job) => out.jobs.push((e.line, job)),
            Err(err) => out.errors.push(format!("line {}: {err}", e.line)),
        }
    }
    Ok(out)
}

/// The job one crontab line makes, or why it cannot be taken.
fn entry_job(
    e: &crontab::Entry,
    default_tz: chrono_tz::Tz,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Job, String> {
    let tz = match &e.zone {
        Some(z) => parse_tz(z).map_err(|err| format!("CRON_TZ: {err}"))?,
        None => default_tz,
    };
    let trigger = Trigger::crontab(&e.schedule, tz).map_err(|err| err.to_string())?;
    passable(e).map_err(|err| err.to_string())?;
    Ok(Job {
        id: String::new(),
        name: None,
        command: e.command.clone(),
        next_run_at: trigger.next_fire(now),
        trigger: trigger.spec(),
        state: JobState::Active,
        options: JobOptions {
            env: e.env.clone(),
            ..JobOptions::default()
        },
        created_at: now,
        updated_at: now,
    })
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

/// A line's command and environment as the kernel can pass them to
/// `/bin/sh` (no NUL, no string over 128 KiB), checked as `tick add`'s.
fn passable(e: &crontab::Entry) -> Result<(), UsageError> {
    check_exec_string("command", &e.command)?;
    for (k, v) in &e.env {
        check_exec_string(&format!("variable {k}"), &format!("{k}={v}"))?;
    }
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
fn percent_warning(e: &crontab::Entry, say: &dyn Fn(&str, &str)) {
    let why = match crate::executor::syntax_error(crate::model::DEFAULT_SHELL, &e.cron.command) {
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

/// The name of the user running tick (from /etc/passwd, else `$USER`).
fn current_user() -> Option<String> {
    let uid = rustix::process::getuid().as_raw();
    let passwd = std::fs::read_to_string("/etc/passwd").unwrap_or_default();
    passwd
        .lines()
        .find_map(|l| {
            let mut f = l.split(':');
            let name = f.next()?;
            (f.nth(1)?.parse::<u32>().ok()? == uid).then(|| name.to_string())
        })
        .or_else(|| std::env::var("USER").ok().filter(|u| !u.is_empty()))
}

pub fn export(_args: &ExportArgs, ctx: &Ctx) -> Result<()> {
    let mut jobs: Vec<Job> = match ctx.store_for_read()? {
        None => Vec::new(),
        Some(store) => store.jobs()?.into_iter().filter_map(|r| r.ok()).collect(),
    };
    // Jobs with the same environment together (none first): crontab's
    // NAME=value lines hold for every line after them.
    jobs.sort_by(|a, b| {
        a.options
            .env
            .cmp(&b.options.env)
            .then_with(|| a.created_at.cmp(&b.created_at))
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "# crontab written by tick export")?;
    let mut zone: Option<String> = None;
    let mut env: BTreeMap<String, String> = BTreeMap::new();
    for job in &jobs {
        let warn = |why: &str| eprintln!("warning: job {}: {why}", job.id);
        let line = schedule(job).and_then(|schedule| {
            let command = crontab::write_command(&crontab::cron_command(&job.command))
                .map_err(|why| format!("not exported: {why}"))?;
            Ok((schedule, command))
        });
        let (schedule, command) = match line {
            Ok(line) => line,
            Err(why) => {
                warn(&why);
                continue;
            }
        };
        warn_lost(job, &warn);
        if zone.as_deref() != Some(job.trigger.timezone.as_str()) {
            writeln!(out, "CRON_TZ={}", job.trigger.timezone)?;
            zone = Some(job.trigger.timezone.clone());
        }
        write_env(&mut out, job, &mut env, &warn)?;
        match &job.name {
            Some(name) => writeln!(out, "# tick job {} ({})", job.id, one_line(name))?,
            None => writeln!(out, "# tick job {}", job.id)?,
        }
        writeln!(out, "{schedule} {command}")?;
    }
    out.flush()?;
    Ok(())
}

/// A job's crontab schedule, or why it is not exported: not active, or a trigger crontab cannot express.
fn schedule(job: &Job) -> Result<String, String> {
    if job.state != JobState::Active {
        return Err(format!("not exported: it is {}", job.state));
    }
    let schedule = match &job.trigger.schedule {
        ScheduleSpec::Reboot => "@reboot".to_string(),
        ScheduleSpec::Cron {
            cron: CronSource::Expr(e),
        } => {
            let fields: Vec<&str> = e.split_whitespace().collect();
            match fields.len() {
                6 if fields[0] == "0" => fields[1..].join(" "),
                6 => return Err("not exported: crontab has no seconds field".into()),
                _ => e.clone(),
            }
        }
        ScheduleSpec::Cron {
            cron: CronSource::Fields(_),
        } => {
            return Err(
                "not exported: APScheduler-style fields (--hour ...) have no crontab form here"
                    .into(),
            )
        }
        ScheduleSpec::Any { .. } | ScheduleSpec::All { .. } => {
            return Err("not exported: crontab has no combined (any/all) triggers".into())
        }
        other => {
            return Err(format!(
                "not exported: crontab cannot express {} triggers",
                other.kind()
            ))
        }
    };
    Ok(schedule)
}

/// Warn about what a job has that its crontab line cannot keep.
fn warn_lost(job: &Job, warn: &dyn Fn(&str)) {
    let o = &job.options;
    let defaults = JobOptions::default();
    let mut lost = Vec::new();
    if o.timeout.is_some() {
        lost.push("--timeout");
    }
    if o.cwd.is_some() {
        lost.push("--cwd");
    }
    if o.max_instances != defaults.max_instances {
        lost.push("--max-instances");
    }
    if o.retries > 0 {
        lost.push("--retries");
    }
    if o.coalesce != defaults.coalesce || o.misfire_grace != defaults.misfire_grace {
        lost.push("misfire handling");
    }
    if job.trigger.jitter > 0 || job.trigger.start.is_some() || job.trigger.end.is_some() {
        lost.push("--jitter/--start/--end");
    }
    if !lost.is_empty() {
        warn(&format!(
            "exported without {} (crontab has no such thing)",
            lost.join(", ")
        ));
    }
}

/// Write the `NAME=value` lines `job` needs beyond those in force (`env`),
/// and warn where crontab cannot give it exactly its environment: a
/// variable of a job before it that it does not have (crontab cannot unset
/// one), a value no crontab line can hold, or a name cron itself reads.
fn write_env(
    out: &mut impl Write,
    job: &Job,
    env: &mut BTreeMap<String, String>,
    warn: &dyn Fn(&str),
) -> Result<()> {
    for (k, v) in &job.options.env {
        if env.get(k) == Some(v) {
            continue;
        }
        if ["SHELL", "MAILTO", "MAILFROM", "CRON_TZ"].contains(&k.as_str()) {
            warn(&format!(
                "exported without --env {k}: in a crontab it would change how cron runs the jobs"
            ));
            continue;
        }
        match crontab::write_env(k, v) {
            Ok(line) => {
                writeln!(out, "{line}")?;
                env.insert(k.clone(), v.clone());
            }
            Err(why) => warn(&format!("exported without --env {k}: {why}")),
        }
    }
    let extra: Vec<&str> = env
        .keys()
        .filter(|k| !job.options.env.contains_key(*k))
        .map(String::as_str)
        .collect();
    if !extra.is_empty() {
        warn(&format!(
            "exported after lines that set {} for the jobs before it: cron gives it those too (crontab cannot unset a variable)",
            extra.join(", ")
        ));
    }
    Ok(())
}
