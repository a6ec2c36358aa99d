//! `tick export`: the jobs as a crontab that cron runs as tick does, each
//! job line with a `# tick:` line above it for the options a crontab line
//! has no place for (`--retries`, listeners, `--name`, ...: see
//! `args/crontab.rs`), so that `tick import` gives the jobs back whole.
//! What cannot be written at all (a trigger crontab cannot express, a
//! paused job, a value of several lines) is named in a warning per job.

use std::collections::BTreeMap;
use std::io::Write;

use anyhow::Result;

use super::crontab::Passwd;
use super::Ctx;
use crate::args::crontab::{tick_words, EnvLeft};
use crate::cli::ExportArgs;
use crate::crontab::{self, TICK_LINE};
use crate::model::{Job, JobState, DEFAULT_SHELL};
use crate::trigger::{CronSource, ScheduleSpec};

pub fn export(_args: &ExportArgs, ctx: &Ctx) -> Result<()> {
    let now = ctx.now();
    let home = Passwd::read().home();
    // No jobs file is an error, not an empty crontab: `tick --db typo
    // export | crontab -` must not empty the user's crontab.
    let store = ctx.store_to_read()?;
    let mut jobs: Vec<Job> = store.jobs()?.into_iter().filter_map(|r| r.ok()).collect();
    // Jobs with the same environment and shell together (none first):
    // crontab's NAME=value lines hold for every line after them.
    jobs.sort_by(|a, b| {
        (&a.options.env, &a.options.shell, a.created_at, &a.id).cmp(&(
            &b.options.env,
            &b.options.shell,
            b.created_at,
            &b.id,
        ))
    });
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    writeln!(out, "# crontab written by tick export")?;
    let mut zone: Option<String> = None;
    let mut shell = DEFAULT_SHELL.to_string();
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
        if zone.as_deref() != Some(job.trigger.timezone.as_str()) {
            writeln!(out, "CRON_TZ={}", job.trigger.timezone)?;
            zone = Some(job.trigger.timezone.clone());
        }
        let mut lost = Vec::new();
        if job.options.shell != shell {
            match crontab::write_env("SHELL", &job.options.shell) {
                Ok(line) => {
                    writeln!(out, "{line}")?;
                    shell = job.options.shell.clone();
                }
                Err(why) => lost.push(format!("--shell ({why})")),
            }
        }
        let left = write_env(&mut out, job, &mut env, &warn)?;
        let (words, more) = tick_words(job, &left, home.as_deref(), now);
        lost.extend(more);
        writeln!(out, "# tick job {}", job.id)?;
        if !words.is_empty() {
            writeln!(out, "# {TICK_LINE} {}", shell_words::join(&words))?;
        }
        writeln!(out, "{schedule} {command}")?;
        if !lost.is_empty() {
            warn(&format!("exported without {}", lost.join(", ")));
        }
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

/// Write the `NAME=value` lines `job` needs beyond those in force (`env`);
/// what they cannot carry is left for its `# tick:` line: a variable no
/// crontab line can hold as it is (or a name cron itself reads), and one
/// of the lines before it that it does not have (crontab cannot unset a
/// variable). Cron would run the job without the first or with the
/// second: said.
fn write_env(
    out: &mut impl Write,
    job: &Job,
    env: &mut BTreeMap<String, String>,
    warn: &dyn Fn(&str),
) -> Result<EnvLeft> {
    let mut left = EnvLeft::default();
    for (k, v) in &job.options.env {
        if env.get(k) == Some(v) {
            continue;
        }
        let line = if ["SHELL", "MAILTO", "MAILFROM", "CRON_TZ"].contains(&k.as_str()) {
            Err("in a crontab it would change how cron runs the jobs".to_string())
        } else {
            crontab::write_env(k, v)
        };
        match line {
            Ok(line) => {
                writeln!(out, "{line}")?;
                env.insert(k.clone(), v.clone());
            }
            Err(why) => {
                if !v.contains(['\n', '\r']) {
                    warn(&format!(
                        "cron would not give it --env {k} ({why}); its '# {TICK_LINE}' line keeps it for tick import"
                    ));
                }
                left.unwritten.push((k.clone(), v.clone()));
            }
        }
    }
    left.unset = env
        .keys()
        .filter(|k| !job.options.env.contains_key(*k))
        .cloned()
        .collect();
    if !left.unset.is_empty() {
        warn(&format!(
            "exported after lines that set {} for the jobs before it: cron gives it those too (crontab cannot unset a variable)",
            left.unset.join(", ")
        ));
    }
    Ok(left)
}
