//! `tick add`: validate everything, then write one job in one transaction.

use anyhow::Result;

use super::job_options::{join_command, validate_id, validate_name};
use super::Ctx;
use crate::cli::AddArgs;
use crate::error::UsageError;
use crate::model::{Job, JobOptions, JobState};
use crate::store::NewJobId;
use crate::trigger::input::parse_datetime;

pub fn run(args: &AddArgs, ctx: &Ctx) -> Result<()> {
    let id = add(args, ctx)?;
    println!("{id}");
    Ok(())
}

/// Validate and add the job; its id. The HTTP API adds jobs through this too.
pub fn add(args: &AddArgs, ctx: &Ctx) -> Result<String> {
    let now = ctx.now();
    let trigger = args.trigger.to_trigger(now)?;
    let mut options = JobOptions::default();
    args.options.apply(&mut options)?;
    if let Some(name) = &args.options.name {
        validate_name(name)?;
    }
    let command = join_command(&args.command)?;
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
        name: args.options.name.clone(),
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
    ctx.store_for_write()?.add_job(job, id)
}
