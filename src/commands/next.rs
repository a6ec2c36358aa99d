//! `tick next`: preview a trigger's fire times, printed as they are
//! computed (`-n 100000000 | head -2` costs two fires, not a list of them).

use std::io::{IsTerminal, Write};

use anyhow::Result;
use chrono_tz::Tz;

use crate::args::trigger::{warnings_at, Now};
use crate::cli::NextArgs;
use crate::error::UsageError;
use crate::output;
use crate::trigger::input::parse_datetime;
use crate::trigger::Schedule;

pub fn run(args: &NextArgs, ctx: &super::Ctx) -> Result<()> {
    // --from is "now" for every check and anchor (docs/triggers.md): an
    // interval without --start starts one interval after it and `date
    // --in` counts from it. A preview refuses no schedule for having no
    // fire after it (a date or an --end before it): it prints nothing and
    // says so, with the warnings `add` gives.
    let from = match &args.from {
        Some(s) => {
            let tz = args.trigger.zone(None)?;
            let at = parse_datetime(s, tz).map_err(|e| UsageError::new(format!("--from: {e}")))?;
            Some(at)
        }
        None => None,
    };
    let now = Now::preview(from, ctx.now());
    let trigger = args.trigger.validate(now, None)?;
    if matches!(trigger.schedule, Schedule::Reboot) && !args.json {
        eprintln!("note: @reboot fires once each time `tick run` starts, never by the clock");
    }
    // The first fire, computed once: for the warnings, then the listing.
    let first = trigger.next_fire(now.at);
    for w in warnings_at(&trigger, now, first) {
        eprintln!("warning: {w}");
    }
    let stdout = std::io::stdout();
    // On a terminal each line shows as soon as it is known; into a pipe
    // they go in blocks.
    let each_line = stdout.is_terminal();
    let mut out = std::io::BufWriter::new(stdout.lock());
    let fires = std::iter::successors(first, |t| trigger.next_fire(*t)).take(args.count);
    if args.json {
        write_json(&mut out, fires, trigger.tz)?;
    } else {
        for t in fires {
            writeln!(out, "{}", output::rfc3339(t, trigger.tz))?;
            if each_line {
                out.flush()?;
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// The JSON array of `output::fire_times_json`, written one element at a
/// time with the same bytes as serde_json's pretty printer.
fn write_json(
    out: &mut impl Write,
    fires: impl Iterator<Item = chrono::DateTime<chrono::Utc>>,
    tz: Tz,
) -> std::io::Result<()> {
    let zone = serde_json::to_string(tz.name())?;
    let mut first = true;
    for t in fires {
        let at = serde_json::to_string(&output::rfc3339(t, tz))?;
        let sep = if first { "[\n" } else { ",\n" };
        write!(
            out,
            "{sep}  {{\n    \"fire_at\": {at},\n    \"timezone\": {zone}\n  }}"
        )?;
        first = false;
    }
    writeln!(out, "{}", if first { "[]" } else { "\n]" })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The streamed array is byte for byte what the pretty printer writes.
    #[test]
    fn streamed_json_matches_serde() {
        let tz: Tz = "Europe/Berlin".parse().unwrap();
        let t0: chrono::DateTime<chrono::Utc> = "2026-03-29T00:30:00Z".parse().unwrap();
        for n in [0, 1, 3] {
            let fires: Vec<_> = (0..n).map(|i| t0 + chrono::Duration::hours(i)).collect();
            let mut streamed = Vec::new();
            write_json(&mut streamed, fires.iter().copied(), tz).unwrap();
            let mut whole = Vec::new();
            output::write_json(&mut whole, &output::fire_times_json(&fires, tz)).unwrap();
            assert_eq!(String::from_utf8(streamed), String::from_utf8(whole), "{n}");
        }
    }
}
