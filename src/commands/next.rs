//! `tick next`: preview a trigger's fire times.

use std::io::Write;

use anyhow::Result;

use crate::cli::NextArgs;
use crate::error::UsageError;
use crate::output;
use crate::trigger::input::parse_datetime;
use crate::trigger::Schedule;

pub fn run(args: &NextArgs, ctx: &super::Ctx) -> Result<()> {
    let now = ctx.now();
    let trigger = args.trigger.to_trigger(now)?;
    let from = match &args.from {
        Some(s) => {
            parse_datetime(s, trigger.tz).map_err(|e| UsageError::new(format!("--from: {e}")))?
        }
        None => now,
    };
    // An interval without --start starts one interval after --from.
    let trigger = match (&trigger.schedule, &args.trigger.start, &args.from) {
        (Schedule::Interval { .. }, None, Some(_)) => args.trigger.to_trigger(from)?,
        _ => trigger,
    };
    let fires = trigger.fires_after(from, args.count);
    if matches!(trigger.schedule, Schedule::Reboot) && !args.json {
        eprintln!("note: @reboot fires once each time `tick run` starts, never by the clock");
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        output::write_json(&mut out, &output::fire_times_json(&fires, trigger.tz))?;
    } else {
        for t in &fires {
            writeln!(out, "{}", output::rfc3339(*t, trigger.tz))?;
        }
    }
    out.flush()?;
    Ok(())
}
