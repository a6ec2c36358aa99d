//! `tick runners`: the runners registered on the store (any backend) and
//! their leases, newest first. A runner still marked alive whose lease ran
//! out shows as `expired`: the next live runner will declare it so.

use std::io::Write;

use anyhow::Result;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::trigger::resolve_tz;
use super::Ctx;
use crate::cli::RunnersArgs;
use crate::output::{self, local_time, Style, Table};
use crate::store::RunnerRow;

/// A runner as JSON (here and in the HTTP API): times in RFC 3339 in
/// your zone.
#[derive(Serialize)]
pub struct RunnerJson<'a> {
    id: i64,
    name: &'a str,
    host: &'a str,
    pid: i64,
    version: &'a str,
    started_at: String,
    renewed_at: String,
    lease_ms: i64,
    running: i64,
    pub state: &'a str,
}

impl<'a> RunnerJson<'a> {
    pub fn new(r: &'a RunnerRow, now: DateTime<Utc>, tz: chrono_tz::Tz) -> Self {
        RunnerJson {
            id: r.id,
            name: &r.name,
            host: &r.host,
            pid: r.pid,
            version: &r.version,
            started_at: output::rfc3339(r.started_at, tz),
            renewed_at: output::rfc3339(r.renewed_at, tz),
            lease_ms: r.lease_ms,
            running: r.running,
            state: r.state_at(now).as_str(),
        }
    }
}

pub fn run(args: &RunnersArgs, ctx: &Ctx) -> Result<()> {
    let tz = resolve_tz(None)?;
    let now = Utc::now();
    let runners = match ctx.store_for_read()? {
        Some(store) => store.runners()?,
        None => Vec::new(),
    };
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
        let mut t = Table::new(
            &[
                "NAME", "HOST", "PID", "VERSION", "STARTED", "RENEWED", "RUNNING", "STATE",
            ],
            ctx.color,
        );
        for r in &runners {
            let st = r.state_at(now);
            t.cell(&r.name, Style::Plain);
            t.cell(&r.host, Style::Plain);
            t.cell_fmt(format_args!("{}", r.pid), Style::Plain);
            t.cell(&r.version, Style::Plain);
            t.cell(&local_time(r.started_at, tz), Style::Plain);
            t.cell(&local_time(r.renewed_at, tz), Style::Plain);
            t.cell_fmt(format_args!("{}", r.running), Style::Plain);
            t.cell(st.as_str(), Style::of_runner(st));
        }
        t.write(&mut out, "")?;
    }
    out.flush()?;
    Ok(())
}
