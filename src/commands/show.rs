//! `tick show ID`: every field, the next 5 fire times, the last 10
//! executions (read by `ops::show`, shown with `output/`).

use std::io::Write;

use anyhow::Result;

use super::Ctx;
use crate::cli::ShowArgs;
use crate::ops::{self, show::Details};
use crate::output::{self, job_tz, rfc3339, DetailsJson};

pub fn run(args: &ShowArgs, ctx: &Ctx) -> Result<()> {
    let now = ctx.now();
    let details = ops::show::details(&args.id, ctx)?;
    if !details.runner {
        super::status::note_no_runner(ctx)?;
    }
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if args.json {
        output::write_json(&mut out, &DetailsJson::new(&details))?;
        out.flush()?;
        return Ok(());
    }
    let Details {
        job,
        runner,
        executions: execs,
        fires,
    } = &details;
    let tz = job_tz(job);
    for (k, v) in output::fields(job, now, *runner) {
        // One line each, like a table cell: a command's ESC or newline shows escaped.
        let v = crate::escape::text(&v, crate::escape::Newlines::Escape);
        writeln!(out, "{:<14} {v}", format!("{k}:"))?;
    }
    writeln!(out, "next fires:")?;
    if fires.is_empty() {
        writeln!(out, "  none")?;
    }
    for f in fires {
        writeln!(out, "  {}", rfc3339(*f, tz))?;
    }
    writeln!(out, "last executions:")?;
    if execs.is_empty() {
        writeln!(out, "  none")?;
    } else {
        let mut t = output::executions_table(execs, tz, ctx.color, false, true);
        if let Some(width) = super::terminal_width() {
            t.fit_named(width.saturating_sub(2), output::EXECUTIONS_FIT);
        }
        t.write(&mut out, "  ")?;
    }
    out.flush()?;
    Ok(())
}
