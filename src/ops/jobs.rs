//! Changing jobs: pause, resume, remove, modify, reschedule, run now. Each
//! changes its jobs in one transaction, all or nothing, and returns what
//! happened for the caller to say.

use anyhow::Result;
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use super::Ctx;
use crate::error::{Conflict, UsageError};
use crate::executor::check_syntax;
use crate::model::{Job, JobOptions, JobState, Pause};
use crate::trigger::input::parse_datetime;
use crate::trigger::Trigger;

/// What `tick pause` was given besides the jobs: a note, and when the
/// runner resumes them (a DATETIME read in each job's zone).
#[derive(Debug, Default, Clone, Copy)]
pub struct PauseWith<'a> {
    pub note: Option<&'a str>,
    pub until: Option<&'a str>,
}

impl PauseWith<'_> {
    /// The pause for `job`: its `--until` read in the job's zone, refused
    /// when it is not after `now`.
    fn pause_for(&self, job: &Job, now: DateTime<Utc>) -> Result<Option<Pause>> {
        let until = match self.until {
            None => None,
            Some(text) => {
                let tz = job.trigger.timezone.parse().unwrap_or(chrono_tz::UTC);
                let at = parse_datetime(text, tz)
                    .map_err(|e| UsageError::new(format!("invalid --until: {e}")))?;
                if at <= now {
                    return Err(UsageError::new(format!(
                        "invalid --until '{text}': it is not in the future (now is {}); give a later DATETIME",
                        now.with_timezone(&tz).format("%Y-%m-%d %H:%M:%S %Z")
                    ))
                    .into());
                }
                Some(at)
            }
        };
        let note = self.note.map(str::to_string);
        Ok((note.is_some() || until.is_some()).then_some(Pause { note, until }))
    }
}

/// Pause the jobs given by id or name (`None`: every job, `pause --all`):
/// a line for each, `paused ID` or why it was left. A job `pause --all`
/// paused is marked so (see [`resume`]); one paused by its id is paused
/// by hand. A note or end given to a job already paused (by its id)
/// replaces its own.
pub fn pause(ctx: &Ctx, given: Option<&[String]>, with: &PauseWith) -> Result<Vec<String>> {
    let by_all = given.is_none();
    switch(ctx, given, &mut |job, now| {
        let pause = with.pause_for(job, now)?;
        if job.state == JobState::Paused && pause.is_some() && !by_all {
            job.options.pause = pause;
            job.options.paused_by_all = false;
            job.updated_at = now;
            return Ok(format!(
                "paused {} (it was paused: its note and end replaced)",
                job.id
            ));
        }
        if !job.pause(pause, now) {
            if !by_all {
                job.options.paused_by_all = false;
            }
            return Ok(left(job));
        }
        job.options.paused_by_all = by_all;
        Ok(format!("paused {}", job.id))
    })
}

/// Resume the jobs given by id or name: a line for each, `resumed ID` or
/// why it was left. `None` (`resume --all`) resumes exactly the jobs
/// `pause --all` paused, and names those left paused by hand. A resumed
/// job's next run is computed from now: runs missed while paused are not
/// run; its note and end are cleared.
pub fn resume(ctx: &Ctx, given: Option<&[String]>) -> Result<Vec<String>> {
    let all = given.is_none();
    switch(ctx, given, &mut |job, now| {
        if job.state != JobState::Paused {
            return Ok(left(job));
        }
        if all && !job.options.paused_by_all {
            return Ok(format!(
                "{0} was paused by hand, not by pause --all: left paused (tick resume {0} resumes it)",
                job.id
            ));
        }
        job.resume(now).map_err(anyhow::Error::msg)?;
        Ok(format!("resumed {}", job.id))
    })
}

/// A job left in its state: `ID is STATE, left as it is`.
fn left(job: &Job) -> String {
    format!("{} is {}, left as it is", job.id, job.state)
}

/// Apply `each` to the jobs given by id or name (`None`: every job) in
/// one transaction: the line it says for each.
fn switch(
    ctx: &Ctx,
    given: Option<&[String]>,
    each: &mut dyn FnMut(&mut Job, DateTime<Utc>) -> Result<String>,
) -> Result<Vec<String>> {
    let now = ctx.now();
    let mut lines = Vec::new();
    let mut store = ctx.store_for_write()?;
    let ids = match given {
        Some(given) => Some(super::job_ids(store.as_mut(), given)?),
        None => None,
    };
    store.update_jobs(ids.as_deref(), &mut |job| {
        lines.push(each(job, now)?);
        Ok(())
    })?;
    Ok(lines)
}

/// Remove the jobs given by id or name: their ids.
pub fn remove(ctx: &Ctx, given: &[String]) -> Result<Vec<String>> {
    let mut store = ctx.store_for_write()?;
    let ids = super::job_ids(store.as_mut(), given)?;
    store.remove_jobs(&ids)?;
    Ok(ids)
}

/// A validated change to one job (`args::jobs` builds it).
pub struct Change<'a> {
    /// The job, by id or name.
    pub id: &'a str,
    pub command: Option<String>,
    /// `Some(None)` removes the name.
    pub name: Option<Option<String>>,
    /// Variables to remove from its environment.
    pub unset_env: &'a [String],
    /// The options to change, applied to its options.
    pub options: &'a dyn OptionEdits,
}

/// Changes to a job's options, validated when applied (the command line's
/// option flags, and the API's option fields read as them).
pub trait OptionEdits {
    /// Apply the changes onto `opts`; leave the rest.
    fn apply_to(&self, opts: &mut JobOptions) -> Result<(), UsageError>;
}

/// Change one job: its id.
pub fn modify(ctx: &Ctx, change: &Change) -> Result<String> {
    let now = ctx.now();
    let mut store = ctx.store_for_write()?;
    let id = super::job_id(store.as_mut(), change.id)?;
    store.update_jobs(Some(std::slice::from_ref(&id)), &mut |job| {
        apply_change(job, change, now)
    })?;
    Ok(id)
}

/// [`modify`]'s change, onto a job read in its transaction.
fn apply_change(job: &mut Job, change: &Change, now: DateTime<Utc>) -> Result<()> {
    unset_env(job, change.unset_env)?;
    if let Some(name) = &change.name {
        job.name = name.clone();
    }
    let shell = job.options.shell.clone();
    change.options.apply_to(&mut job.options)?;
    if let Some(c) = &change.command {
        job.command = c.clone();
    }
    if change.command.is_some() || job.options.shell != shell {
        // The command as the job's shell reads it (bash's own syntax
        // under `--shell /bin/bash`).
        let what = match change.command {
            Some(_) => "--command",
            None => "command",
        };
        check_syntax(what, &job.command, &job.options.shell)?;
    }
    job.updated_at = now;
    Ok(())
}

/// A trigger builder: the trigger from "now" and the job's own zone (kept
/// unless the trigger names another).
pub type BuildTrigger<'a> = &'a dyn Fn(DateTime<Utc>, Option<Tz>) -> Result<Trigger, UsageError>;

/// The page's change form: a [`Change`] and a new trigger (either may be
/// absent) to one job (by id or name), in ONE transaction: both or
/// neither. The trigger is built before anything is opened for writing.
/// Returns the job's id.
pub fn edit(
    ctx: &Ctx,
    given: &str,
    change: Option<&Change>,
    build: Option<BuildTrigger>,
) -> Result<String> {
    let now = ctx.now();
    let (_, job) = ctx.store_with_job(given)?;
    let zone = job.trigger.timezone.parse().ok();
    let trigger = build.map(|b| b(now, zone)).transpose()?;
    let next = trigger.as_ref().map(|t| t.next_fire(now));
    let spec = trigger.as_ref().map(Trigger::spec);
    let mut store = ctx.store_for_write()?;
    store.update_jobs(Some(std::slice::from_ref(&job.id)), &mut |job| {
        if let Some(change) = change {
            apply_change(job, change, now)?;
        }
        if let (Some(spec), Some(next)) = (&spec, next) {
            apply_trigger(job, spec, next, now);
        }
        Ok(())
    })?;
    Ok(job.id)
}

/// A new trigger onto a job: its next run from it, unless it is paused.
fn apply_trigger(
    job: &mut Job,
    spec: &crate::trigger::TriggerSpec,
    next: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) {
    job.trigger = spec.clone();
    if job.state != JobState::Paused {
        job.state = JobState::Active;
        job.next_run_at = next;
    }
    job.updated_at = now;
}

/// Remove these variables from a job's environment; one it does not have
/// is an error naming those it has.
fn unset_env(job: &mut Job, keys: &[String]) -> Result<()> {
    for key in keys {
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
    Ok(())
}

/// A job given a new trigger.
pub struct Rescheduled {
    pub id: String,
    pub trigger: Trigger,
    /// The instant it was computed from.
    pub now: DateTime<Utc>,
}

/// Give one job (by id or name) the trigger `build` makes from the job's
/// own zone (kept unless the trigger names another). The job is read
/// first: an unknown id is an error before anything is opened for writing.
pub fn reschedule(ctx: &Ctx, given: &str, build: BuildTrigger) -> Result<Rescheduled> {
    let now = ctx.now();
    let (_, job) = ctx.store_with_job(given)?;
    let zone = job.trigger.timezone.parse().ok();
    let trigger = build(now, zone)?;
    let next = trigger.next_fire(now);
    let spec = trigger.spec();
    let mut store = ctx.store_for_write()?;
    store.update_jobs(Some(std::slice::from_ref(&job.id)), &mut |job| {
        apply_trigger(job, &spec, next, now);
        Ok(())
    })?;
    Ok(Rescheduled {
        id: job.id,
        trigger,
        now,
    })
}

/// What run-now says when no live runner holds the store.
pub const NO_RUNNER: &str = "no runner is running: start `tick run`";

/// Set a job's next run to now, so that a runner fires it through the
/// normal pipeline (claim, misfire rules, max instances, history): the
/// HTTP API's and page's "run now". A paused job is refused (resume it
/// first); a finished one fires once more. With no live runner (see
/// [`crate::store::RunnerRow::state_at`]) nothing would fire it: a
/// [`Conflict`], and nothing is written. `tick fire` runs a job in the
/// foreground instead, runner or not.
pub fn run_now(id: &str, ctx: &Ctx) -> Result<()> {
    let now = ctx.now();
    let mut store = ctx.store_for_write()?;
    let paused = |job: &Job| -> Result<()> {
        if job.state == JobState::Paused {
            return Err(UsageError::new(format!(
                "job '{}' is paused: resume it before running it now",
                job.id
            ))
            .into());
        }
        Ok(())
    };
    paused(&store.job(id)?)?;
    if super::runners::live_runner(store.as_ref())?.is_none() {
        return Err(Conflict(NO_RUNNER.into()).into());
    }
    store.update_jobs(Some(std::slice::from_ref(&id.to_string())), &mut |job| {
        paused(job)?;
        job.state = JobState::Active;
        job.next_run_at = Some(now);
        job.updated_at = now;
        Ok(())
    })?;
    Ok(())
}
