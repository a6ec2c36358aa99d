//! The small job commands: `pause`, `resume`, `remove`, `modify`,
//! `reschedule`: validate the flags (`args/`), change the jobs
//! (`ops::jobs`, one transaction each, all or nothing), say what changed.

use anyhow::Result;

use super::Ctx;
use crate::args::trigger::{warnings, Now};
use crate::cli::{ModifyArgs, PauseArgs, RemoveArgs, RescheduleArgs, SelectArgs};
use crate::ops::jobs;

pub fn pause(args: &PauseArgs, ctx: &Ctx) -> Result<()> {
    let with = jobs::PauseWith {
        note: args.note.as_deref(),
        until: args.until.as_deref(),
    };
    say_each(ctx, jobs::pause(ctx, selection(&args.select), &with)?);
    Ok(())
}

pub fn resume(args: &SelectArgs, ctx: &Ctx) -> Result<()> {
    say_each(ctx, jobs::resume(ctx, selection(args))?);
    Ok(())
}

/// The jobs given, or `None` for `--all`.
fn selection(args: &SelectArgs) -> Option<&[String]> {
    (!args.all).then_some(args.ids.as_slice())
}

fn say_each(ctx: &Ctx, lines: Vec<String>) {
    for line in lines {
        ctx.say(&line);
    }
}

pub fn remove(args: &RemoveArgs, ctx: &Ctx) -> Result<()> {
    for id in jobs::remove(ctx, &args.ids)? {
        ctx.say(&format!("removed {id}"));
    }
    Ok(())
}

pub fn modify(args: &ModifyArgs, ctx: &Ctx) -> Result<()> {
    let change = crate::args::change(args)?;
    let id = jobs::modify(ctx, &change)?;
    ctx.say(&format!("modified {id}"));
    Ok(())
}

pub fn reschedule(args: &RescheduleArgs, ctx: &Ctx) -> Result<()> {
    let done = jobs::reschedule(ctx, &args.id, &|now, zone| {
        args.trigger.validate(Now::clock(now), zone)
    })?;
    ctx.say(&format!("rescheduled {}", done.id));
    for w in warnings(&done.trigger, done.now) {
        eprintln!("warning: {w}");
    }
    Ok(())
}
