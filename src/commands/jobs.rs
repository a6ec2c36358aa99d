//! The small job commands: `pause`, `resume`, `remove`, `modify`,
//! `reschedule`. Each changes its jobs in one transaction, all or nothing.

use anyhow::Result;

use super::job_options::{check_shell, join_command};
use super::trigger::Now;
use super::Ctx;
use crate::cli::{ModifyArgs, RemoveArgs, RescheduleArgs, SelectArgs};
use crate::error::UsageError;
use crate::model::{Job, JobState};

use crate::trigger::Trigger;

fn selection(args: &SelectArgs) -> Option<&[String]> {
    (!args.all).then_some(args.ids.as_slice())
}

/// The next run of a job from `now`, compiling its stored trigger.
fn next_from_now(
    job: &Job,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    let trigger = Trigger::from_spec(&job.trigger)
        .map_err(|e| anyhow::anyhow!("job '{}' has a trigger that cannot be used: {e}", job.id))?;
    Ok(trigger.next_fire(now))
}

pub fn pause(args: &SelectArgs, ctx: &Ctx) -> Result<()> {
    switch(args, ctx, JobState::Active, JobState::Paused, "paused")
}

pub fn resume(args: &SelectArgs, ctx: &Ctx) -> Result<()> {
    switch(args, ctx, JobState::Paused, JobState::Active, "resumed")
}

/// Move the selected jobs in state `from` to state `to`; report each job.
/// A resumed job's next run is computed from now: runs missed while paused
/// are not run.
fn switch(args: &SelectArgs, ctx: &Ctx, from: JobState, to: JobState, verb: &str) -> Result<()> {
    let now = ctx.now();
    let mut lines = Vec::new();
    let mut store = ctx.store_for_write()?;
    let ids = match selection(args) {
        Some(given) => Some(super::job_ids(store.as_mut(), given)?),
        None => None,
    };
    store.update_jobs(ids.as_deref(), &mut |job| {
        if job.state != from {
            lines.push(format!("{} is {}, left as it is", job.id, job.state));
            return Ok(());
        }
        job.state = to;
        job.next_run_at = match to {
            JobState::Active => next_from_now(job, now)?,
            _ => None,
        };
        job.updated_at = now;
        lines.push(format!("{verb} {}", job.id));
        Ok(())
    })?;
    for line in lines {
        ctx.say(&line);
    }
    Ok(())
}

pub fn remove(args: &RemoveArgs, ctx: &Ctx) -> Result<()> {
    let mut store = ctx.store_for_write()?;
    let ids = super::job_ids(store.as_mut(), &args.ids)?;
    store.remove_jobs(&ids)?;
    for id in &ids {
        ctx.say(&format!("removed {id}"));
    }
    Ok(())
}

pub fn modify(args: &ModifyArgs, ctx: &Ctx) -> Result<()> {
    let now = ctx.now();
    let o = &args.options;
    let nothing = args.command.is_none()
        && args.unset_env.is_empty()
        && o.name.is_none()
        && o.max_instances.is_none()
        && !o.coalesce
        && !o.no_coalesce
        && o.misfire_grace.is_none()
        && o.timeout.is_none()
        && o.cwd.is_none()
        && o.env.is_empty()
        && o.keep_history.is_none()
        && o.on_success.is_none()
        && o.on_failure.is_none()
        && o.retries.is_none()
        && o.retry_delay.is_none()
        && o.retry_max_delay.is_none();
    if nothing {
        return Err(UsageError::new(
            "nothing to change: give --name, --command, --unset-env or a job option (see 'tick modify --help')",
        )
        .into());
    }
    let name = o.name()?;
    let command = args
        .command
        .as_ref()
        .map(|c| join_command(std::slice::from_ref(c)))
        .transpose()?;
    if let Some(c) = &command {
        check_shell("--command", c)?;
    }
    o.check_listeners()?;
    // Validate the flags once before opening the store.
    o.apply(&mut Default::default())?;
    let mut store = ctx.store_for_write()?;
    let id = super::job_id(store.as_mut(), &args.id)?;
    store.update_jobs(Some(std::slice::from_ref(&id)), &mut |job| {
        o.apply(&mut job.options)?;
        for key in &args.unset_env {
            if job.options.env.remove(key).is_none() {
                let has: Vec<&str> = job.options.env.keys().map(String::as_str).collect();
                return Err(UsageError::new(format!(
                    "invalid --unset-env '{key}': job {} has no {key} in its environment ({})",
                    job.id,
                    if has.is_empty() {
                        "it has none".to_string()
                    } else {
                        format!("it has {}", has.join(", "))
                    }
                ))
                .into());
            }
        }
        if let Some(name) = &name {
            job.name = name.clone();
        }
        if let Some(c) = &command {
            job.command = c.clone();
        }
        job.updated_at = now;
        Ok(())
    })?;
    ctx.say(&format!("modified {id}"));
    Ok(())
}

pub fn reschedule(args: &RescheduleArgs, ctx: &Ctx) -> Result<()> {
    let now = ctx.now();
    // The job keeps its zone unless --tz says otherwise; read it first (an
    // unknown id is an error before anything is opened for writing).
    let (_, job) = ctx.store_with_job(&args.id)?;
    let zone = job.trigger.timezone.parse().ok();
    let trigger = args.trigger.validate(Now::clock(now), zone)?;
    let next = trigger.next_fire(now);
    let spec = trigger.spec();
    let mut store = ctx.store_for_write()?;
    let warnings = super::trigger::warnings(&trigger, now);
    store.update_jobs(Some(std::slice::from_ref(&job.id)), &mut |job| {
        job.trigger = spec.clone();
        if job.state != JobState::Paused {
            job.state = JobState::Active;
            job.next_run_at = next;
        }
        job.updated_at = now;
        Ok(())
    })?;
    ctx.say(&format!("rescheduled {}", job.id));
    for w in warnings {
        eprintln!("warning: {w}");
    }
    Ok(())
}

/// Set a job's next run to now, so that a runner fires it through the
/// normal pipeline (claim, misfire rules, max instances, history): the
/// HTTP API's and page's "run now". A paused job is refused (resume it
/// first); a finished one fires once more. `tick fire` runs a job in the
/// foreground instead.
pub fn run_now(id: &str, ctx: &Ctx) -> Result<()> {
    let now = ctx.now();
    ctx.store_for_write()?.update_jobs(
        Some(std::slice::from_ref(&id.to_string())),
        &mut |job| {
            if job.state == JobState::Paused {
                return Err(UsageError::new(format!(
                    "job '{}' is paused: resume it before running it now",
                    job.id
                ))
                .into());
            }
            job.state = JobState::Active;
            job.next_run_at = Some(now);
            job.updated_at = now;
            Ok(())
        },
    )?;
    Ok(())
}
