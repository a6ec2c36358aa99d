//! The command line's words turned into domain values: a TRIGGER
//! (`trigger.rs`), job option flags (`job_options.rs`), and the Args of
//! `add`, `modify`, `list` and `history` into what `ops/` takes. Shared by
//! `commands/` (argv) and `http/` (the API reads the same words: trigger
//! strings, option fields, query parameters as flags).
//!
//! Not here: the clap types themselves (`cli/`), opening the store
//! (`ops/`), printing.

pub mod crontab;
pub mod job_options;
pub mod notify;
pub mod spec_words;
pub mod trigger;

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::cli::{AddArgs, HistoryArgs, ListArgs, ModifyArgs};
use crate::error::UsageError;
use crate::model::{Job, JobOptions, JobState};
use crate::ops::add::NewJob;
use crate::ops::jobs::Change;
use crate::ops::{history, list};
use crate::store::NewJobId;
use crate::trigger::input::parse_datetime;
use job_options::{check_exec_string, check_shell, join_command, validate_id};

/// `tick add`'s flags validated into the job to add (nothing is opened or
/// written yet), with warnings for people (a trigger that never fires, a
/// fixed-offset zone). `here`: the folder it runs in without `--cwd` (the
/// command line's current folder; `None` over HTTP: the runner user's
/// `$HOME`).
pub fn new_job(
    args: &AddArgs,
    now: DateTime<Utc>,
    here: Option<String>,
) -> Result<(NewJob, Vec<String>)> {
    let trigger = args.trigger.to_trigger(now)?;
    let mut options = JobOptions {
        cwd: here,
        ..JobOptions::default()
    };
    args.options.apply(&mut options)?;
    let name = args.options.name()?.flatten();
    let command = join_command(&args.command)?;
    check_shell("command", &command, &options.shell)?;
    args.options.check_listeners()?;
    args.options.check_notify(&options)?;
    let id = match &args.id {
        Some(id) => {
            validate_id(id)?;
            NewJobId::Given {
                id: id.clone(),
                replace: args.replace,
            }
        }
        None => NewJobId::Generated,
    };
    let first_run = first_run(args.first_run.as_deref(), trigger.tz, now)?;
    options.first_run = first_run;
    // A date already past was refused with the trigger (args/trigger.rs).
    let next = first_run.or_else(|| trigger.next_fire(now));
    let job = Job {
        id: String::new(),
        name,
        command,
        trigger: trigger.spec(),
        state: if args.paused {
            JobState::Paused
        } else {
            JobState::Active
        },
        next_run_at: if args.paused { None } else { next },
        options,
        created_at: now,
        updated_at: now,
    };
    let warnings = trigger::warnings(&trigger, now);
    Ok((NewJob { job, id }, warnings))
}

/// `--first-run`: `now`, or a time not in the past.
fn first_run(
    given: Option<&str>,
    tz: chrono_tz::Tz,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, UsageError> {
    let Some(s) = given else {
        return Ok(None);
    };
    if s.eq_ignore_ascii_case("now") {
        return Ok(Some(now));
    }
    let t =
        parse_datetime(s, tz).map_err(|e| UsageError::new(format!("--first-run: {e}, or now")))?;
    if t < now {
        return Err(UsageError::new(format!(
            "--first-run '{s}' is in the past; use now or a later time"
        )));
    }
    Ok(Some(t))
}

/// `tick modify`'s flags validated into a change (nothing is opened yet).
pub fn change(args: &ModifyArgs) -> Result<Change<'_>> {
    let o = &args.options;
    let nothing = args.command.is_none()
        && args.words.is_empty()
        && args.unset_env.is_empty()
        && o.name.is_none()
        && o.max_instances.is_none()
        && o.overlap.is_none()
        && !o.coalesce
        && !o.no_coalesce
        && o.misfire_grace.is_none()
        && o.timeout.is_none()
        && o.cwd.is_none()
        && o.env.is_empty()
        && o.shell.is_none()
        && o.keep_history.is_none()
        && o.on_success.is_none()
        && o.on_failure.is_none()
        && o.retries.is_none()
        && o.retry_delay.is_none()
        && o.retry_max_delay.is_none()
        && o.pause_after_failures.is_none()
        && o.max_runs.is_none()
        && !o.notify_given();
    if nothing {
        return Err(UsageError::new(
            "nothing to change: give --name, a command (--command or after --), --unset-env or a job option (see 'tick modify --help')",
        )
        .into());
    }
    let name = o.name()?;
    // `--command 'a b'` is one shell string; after `--`, words as `add`
    // takes them (clap refuses both at once). Read by the job's shell once
    // the change is applied (ops::jobs::modify).
    let (flag, command) = match &args.command {
        Some(c) => ("--command", Some(join_command(std::slice::from_ref(c))?)),
        None if args.words.is_empty() => ("command", None),
        None => ("command", Some(join_command(&args.words)?)),
    };
    if let Some(c) = &command {
        check_exec_string(flag, c)?;
    }
    o.check_listeners()?;
    // Validate the flags once before opening the store.
    o.apply(&mut Default::default())?;
    Ok(Change {
        id: &args.id,
        command,
        name,
        unset_env: &args.unset_env,
        options: o,
    })
}

/// What `tick list`'s flags (the API's query) select.
pub fn list_selection(args: &ListArgs) -> list::Selection {
    list::Selection {
        states: args.state.clone(),
        all: args.all,
        name: args.name.clone(),
        limit: args.limit,
        whole: args.json,
    }
}

/// What `tick history`'s flags (the API's query) select.
pub fn history_selection(args: &HistoryArgs) -> history::Selection {
    history::Selection {
        id: args.id.clone(),
        name: args.name.clone(),
        status: args.status,
        limit: args.limit,
        before: None,
    }
}
