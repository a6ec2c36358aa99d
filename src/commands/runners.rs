//! `tick runners`: the runners registered on the store (any backend) and
//! their leases, newest first. A runner still marked alive whose lease ran
//! out shows as `expired`: the next live runner will declare it so.

use std::io::Write;

use anyhow::Result;
use chrono::Utc;

use super::Ctx;
use crate::args::trigger::resolve_tz;
use crate::cli::RunnersArgs;
use crate::output::{self, RunnerJson};

pub fn run(args: &RunnersArgs, ctx: &Ctx) -> Result<()> {
    let tz = resolve_tz(None)?;
    let now = Utc::now();
    let runners = ctx.store_to_read()?.runners()?;
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        let items: Vec<RunnerJson> = runners
            .iter()
            .map(|r| RunnerJson::new(r, now, tz))
            .collect();
        output::write_json(&mut out, &items)?;
    } else if runners.is_empty() {
        if !ctx.quiet {
            writeln!(out, "No runners yet. Start one with: tick run")?;
        }
    } else {
        let mut t = output::runners_table(&runners, now, tz, ctx.color);
        if let Some(width) = super::terminal_width().filter(|_| !args.wide) {
            t.fit_named(width, output::RUNNERS_FIT);
        }
        t.write(&mut out, "")?;
    }
    out.flush()?;
    Ok(())
}
