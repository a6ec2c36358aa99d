//! `tick add`: validate everything, then write one job in one transaction.

use anyhow::Result;

use super::job_options::{check_shell, join_command, validate_id};
use super::Ctx;
use crate::cli::AddArgs;
use crate::error::UsageError;
use crate::model::{Job, JobOptions, JobState};
use crate::store::NewJobId;
use crate::trigger::input::parse_datetime;

pub fn run(args: &AddArgs, ctx: &Ctx) -> Result<()> {
    let (job, id, warnings) = prepare(args, ctx)?;
    let mut store = ctx.store_for_write()?;
    let id = store.add_job(job, id)?;
    println!("{id}");
    for w in warnings {
        eprintln!("warning: {w}");
    }
    super::status::runner_note_for_add(ctx, store.as_ref())?;
    Ok(())
}

/// Validate and add the job; its id. The HTTP API adds jobs through this too.
pub fn add(args: &AddArgs, ctx: &Ctx) -> Result<String> {
    let (job, id, _) = prepare(args, ctx)?;
    ctx.store_for_write()?.add_job(job, id)
}

/// Validate everything into the job to add (nothing is opened or written
/// yet), how its id is chosen, and warnings for people (a trigger that
/// never fires, a fixed-offset zone).
fn prepare(args: &AddArgs, ctx: &Ctx) -> Result<(Job, NewJobId, Vec<String>)> {
    let now = ctx.now();
    let trigger = args.trigger.to_trigger(now)?;
    let mut options = JobOptions::default();
    args.options.apply(&mut options)?;
    let name = args.options.name()?.flatten();
    let command = join_command(&args.command)?;
    check_shell("command", &command)?;
    args.options.check_listeners()?;
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
    let first_run = match args.first_run.as_deref() {
        None => None,
        Some(s) if s.eq_ignore_ascii_case("now") => Some(now),
        Some(s) => {
            let t = parse_datetime(s, trigger.tz)
                .map_err(|e| UsageError::new(format!("--first-run: {e}, or now")))?;
            if t < now {
                return Err(UsageError::new(format!(
                    "--first-run '{s}' is in the past; use now or a later time"
                ))
                .into());
            }
            Some(t)
        }
    };
    options.first_run = first_run;
    // A date already past was refused with the trigger (commands/trigger.rs).
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
    let warnings = super::trigger::warnings(&trigger, now);
    Ok((job, id, warnings))
}
