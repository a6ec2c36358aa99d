//! `tick next`: preview a trigger's fire times.

use std::io::Write;

use anyhow::Result;

use super::trigger::Now;
use crate::cli::NextArgs;
use crate::error::UsageError;
use crate::output;
use crate::trigger::input::parse_datetime;
use crate::trigger::Schedule;

pub fn run(args: &NextArgs, ctx: &super::Ctx) -> Result<()> {
    // --from is "now" for every check and anchor (SPEC §2): an interval
    // without --start starts one interval after it, `date --in` counts
    // from it, and an --end or date before it is an error.
    let now = match &args.from {
        Some(s) => {
            let tz = args.trigger.zone(None)?;
            let at = parse_datetime(s, tz).map_err(|e| UsageError::new(format!("--from: {e}")))?;
            Now { at, is_from: true }
        }
        None => Now::clock(ctx.now()),
    };
    let trigger = args.trigger.validate(now, None)?;
    if matches!(trigger.schedule, Schedule::Reboot) && !args.json {
        eprintln!("note: @reboot fires once each time `tick run` starts, never by the clock");
    }
    let fires = trigger.fires_after(now.at, args.count);
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
