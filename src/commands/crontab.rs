//! `tick import [FILE|-]` and `tick export`: crontab files in and out.
//! Import is all-or-nothing: every line is checked first, each one that
//! cannot be taken is reported with its number, and only a clean file adds
//! its jobs, in one transaction.

use std::io::Write;

use anyhow::Result;

use super::trigger::resolve_tz;
use super::Ctx;
use crate::cli::{ExportArgs, ImportArgs};
use crate::crontab;
use crate::error::{one_line, UsageError};
use crate::model::{Job, JobOptions, JobState};
use crate::trigger::input::parse_tz;
use crate::trigger::{CronSource, ScheduleSpec, Trigger};

pub fn import(args: &ImportArgs, ctx: &Ctx) -> Result<()> {
    let (name, text) = match args.file.as_deref() {
        None | Some("-") => (
            "stdin".to_string(),
            crontab::read(std::io::stdin().lock())
                .map_err(|e| UsageError::new(format!("cannot read the crontab from stdin: {e}")))?,
        ),
        Some(path) => (
            path.to_string(),
            std::fs::File::open(path)
                .map_err(|e| e.to_string())
                .and_then(crontab::read)
                .map_err(|e| UsageError::new(format!("cannot read crontab '{path}': {e}")))?,
        ),
    };
    let parsed = crontab::parse(&text);
    for note in &parsed.notes {
        eprintln!("note: {}", one_line(&format!("{name}: {note}")));
    }
    let now = ctx.now();
    let default_tz = resolve_tz(None)?;
    let mut errors = parsed.errors.clone();
    let mut jobs = Vec::new();
    for e in &parsed.entries {
        let tz = match &e.zone {
            Some(z) => match parse_tz(z) {
                Ok(tz) => tz,
                Err(err) => {
                    errors.push(format!("line {}: CRON_TZ: {err}", e.line));
                    continue;
                }
            },
            None => default_tz,
        };
        let trigger = match Trigger::crontab(&e.schedule, tz) {
            Ok(t) => t,
            Err(err) => {
                errors.push(format!("line {}: {err}", e.line));
                continue;
            }
        };
        jobs.push(Job {
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
        });
    }
    errors.sort_by_key(|e| {
        e.trim_start_matches("line ")
            .split(':')
            .next()
            .and_then(|n| n.parse::<usize>().ok())
            .unwrap_or(0)
    });
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("error: {}", one_line(&format!("{name}: {e}")));
        }
        return Err(UsageError::new(format!(
            "{name}: {} line(s) could not be imported; nothing was added",
            errors.len()
        ))
        .into());
    }
    if jobs.is_empty() {
        ctx.say(&format!("{name}: no jobs to import"));
        return Ok(());
    }
    let ids = ctx.store_for_write()?.add_jobs(jobs)?;
    ctx.say(&format!("imported {} job(s): {}", ids.len(), ids.join(" ")));
    Ok(())
}

pub fn export(_args: &ExportArgs, ctx: &Ctx) -> Result<()> {
    let mut jobs: Vec<Job> = match ctx.store_for_read()? {
        None => Vec::new(),
        Some(store) => store.jobs()?.into_iter().filter_map(|r| r.ok()).collect(),
    };
    jobs.sort_by(|a, b| {
        a.created_at
            .cmp(&b.created_at)
            .then_with(|| a.id.cmp(&b.id))
    });
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "# crontab written by tick export")?;
    let mut zone: Option<String> = None;
    for job in &jobs {
        let warn = |why: &str| eprintln!("warning: job {}: {why}", job.id);
        if job.state != JobState::Active {
            warn(&format!("not exported: it is {}", job.state));
            continue;
        }
        let schedule = match &job.trigger.schedule {
            ScheduleSpec::Reboot => "@reboot".to_string(),
            ScheduleSpec::Cron {
                cron: CronSource::Expr(e),
            } => {
                let fields: Vec<&str> = e.split_whitespace().collect();
                match fields.len() {
                    6 if fields[0] == "0" => fields[1..].join(" "),
                    6 => {
                        warn("not exported: crontab has no seconds field");
                        continue;
                    }
                    _ => e.clone(),
                }
            }
            ScheduleSpec::Cron {
                cron: CronSource::Fields(_),
            } => {
                warn(
                    "not exported: APScheduler-style fields (--hour ...) have no crontab form here",
                );
                continue;
            }
            ScheduleSpec::Any { .. } | ScheduleSpec::All { .. } => {
                warn("not exported: crontab has no combined (any/all) triggers");
                continue;
            }
            other => {
                warn(&format!(
                    "not exported: crontab cannot express {} triggers",
                    other.kind()
                ));
                continue;
            }
        };
        let command = match crontab::write_command(&crontab::cron_command(&job.command)) {
            Ok(c) => c,
            Err(why) => {
                warn(&format!("not exported: {why}"));
                continue;
            }
        };
        let o = &job.options;
        let defaults = JobOptions::default();
        let mut lost = Vec::new();
        if o.timeout.is_some() {
            lost.push("--timeout");
        }
        if o.cwd.is_some() {
            lost.push("--cwd");
        }
        if !o.env.is_empty() {
            lost.push("--env");
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
        if zone.as_deref() != Some(job.trigger.timezone.as_str()) {
            writeln!(out, "CRON_TZ={}", job.trigger.timezone)?;
            zone = Some(job.trigger.timezone.clone());
        }
        match &job.name {
            Some(name) => writeln!(out, "# tick job {} ({})", job.id, one_line(name))?,
            None => writeln!(out, "# tick job {}", job.id)?,
        }
        writeln!(out, "{schedule} {command}")?;
    }
    out.flush()?;
    Ok(())
}
