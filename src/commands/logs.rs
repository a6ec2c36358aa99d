//! `tick logs ID`: the captured output of a job's latest execution that
//! ran (or of `--execution N`): a header line, then each stream under its
//! `==> name <==` line, the bytes as they are, except on a terminal, where
//! control characters are shown escaped. `--raw` writes one stream's bytes
//! only, exactly as captured (stdout's, or with `--stderr` stderr's), for
//! `> out.bin`.
//!
//! `--follow` follows a running execution until it ends: it reads the
//! execution's row a few times a second, and the runner (or `tick fire`)
//! writes the output so far into it about once a second
//! ([`crate::store::Runs::record_output_so_far`]), so new output shows
//! within about a second of being printed. On a job that has not run yet
//! it waits for its first execution, then follows that.

use std::io::{IsTerminal, Write};
use std::time::Duration;

use anyhow::Result;
use chrono_tz::Tz;

use super::Ctx;
use crate::args::trigger::resolve_tz;
use crate::cli::LogsArgs;
use crate::escape::{self, Newlines};
use crate::model::{Execution, Status};
use crate::ops;
use crate::ops::logs::{cut_marker, output_of};
use crate::output::{local_time, Relative};
use crate::store::{Output, Store};
use crate::units::human_ms;

/// How often `--follow` reads the execution (or the job's first) again.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);

const STREAMS: [&str; 2] = ["stdout", "stderr"];

/// What `tick logs` writes.
#[derive(Debug, Clone, Copy)]
enum Shape {
    /// For people: a header, both streams under their `==> name <==`
    /// lines; control characters escaped when `escaped` (a terminal).
    Marked { escaped: bool },
    /// `--raw`: the bytes of stream `.0` (0 stdout, 1 stderr) only, as
    /// captured; what is said about them goes to stderr.
    Raw(usize),
}

impl Shape {
    fn shows(self, k: usize) -> bool {
        match self {
            Shape::Marked { .. } => true,
            Shape::Raw(r) => r == k,
        }
    }
}

pub fn logs(args: &LogsArgs, ctx: &Ctx) -> Result<()> {
    let tz = resolve_tz(None)?;
    let mut store = ctx.store_to_read()?;
    let shape = if args.raw {
        Shape::Raw(usize::from(args.stderr))
    } else {
        Shape::Marked {
            escaped: std::io::stdout().is_terminal(),
        }
    };
    let (id, o) = if args.follow && args.execution.is_none() {
        let id = ops::job_id_with_history(store.as_mut(), &args.id)?;
        match store.output(&id, None)? {
            o if o.execution.is_some() => (id, o),
            _ => first_run(store.as_mut(), &id, ctx, tz)?,
        }
    } else {
        output_of(store.as_mut(), &args.id, args.execution)?
    };
    // output_of returned an error for an execution that is not there.
    let Some(e) = &o.execution else {
        return Err(ops::unknown(&args.id).into());
    };
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    if let Shape::Marked { .. } = shape {
        header(&mut out, e, tz)?;
    }
    if args.follow && e.status == Status::Running {
        let exec = e.id;
        follow(&mut out, store.as_mut(), &id, exec, o, shape, tz)
    } else {
        whole(&mut out, &o, shape)
    }
}

/// `logs --follow` on a job that has not run yet: wait for its first
/// execution that runs (a missed or skipped fire is not one), saying so on
/// stderr, and return it. An error if the job is removed meanwhile.
fn first_run(store: &mut dyn Store, id: &str, ctx: &Ctx, tz: Tz) -> Result<(String, Output)> {
    let job = match store.job(id) {
        Ok(job) => job,
        // History only (a removed job): nothing will run it again.
        Err(_) => return output_of(store, id, None),
    };
    if !ctx.quiet {
        let now = chrono::Utc::now();
        let when = match job.next_run_at {
            Some(at) => format!("next run {}, {}", Relative(at, now), local_time(at, tz)),
            None => format!("it has no next run: 'tick fire {id}' runs it now"),
        };
        eprintln!(
            "tick: job {id} has not run yet: waiting for its first execution ({when}; Ctrl-C stops)"
        );
    }
    // Without a runner it may wait a long time: said, as `list` says it.
    super::status::runner_note(ctx, Some(&*store))?;
    loop {
        std::thread::sleep(FOLLOW_EVERY);
        let o = store.output(id, None)?;
        if o.execution.is_some() {
            return Ok((id.to_string(), o));
        }
        if store.job(id).is_err() {
            return Err(crate::error::UsageError::missing(format!(
                "job '{id}' was removed before it ran"
            ))
            .into());
        }
    }
}

/// The execution's streams as captured: both under their `==> name <==`
/// lines, or (raw) one stream's bytes only.
fn whole(out: &mut impl Write, o: &Output, shape: Shape) -> Result<()> {
    for (k, name) in STREAMS.iter().enumerate() {
        if !shape.shows(k) {
            continue;
        }
        let (data, cut) = stream(o, k);
        match shape {
            Shape::Raw(_) => {
                if cut {
                    eprintln!("tick: {name} was cut: {}", cut_marker());
                }
                out.write_all(data)?;
            }
            Shape::Marked { escaped } => {
                writeln!(out, "==> {name} <==")?;
                if cut {
                    writeln!(out, "{}", cut_marker())?;
                }
                write_bytes(out, data, escaped)?;
                if !data.is_empty() && !data.ends_with(b"\n") {
                    writeln!(out)?;
                }
            }
        }
    }
    out.flush()?;
    Ok(())
}

/// Follow a running execution: print what is new in each stream as it
/// comes, under a `==> stream <==` line whenever the stream changes (raw:
/// the one stream's new bytes only), until it ends; then its header again.
fn follow(
    out: &mut impl Write,
    store: &mut dyn Store,
    id: &str,
    exec: i64,
    mut o: Output,
    shape: Shape,
    tz: Tz,
) -> Result<()> {
    let mut shown: [Vec<u8>; 2] = Default::default();
    let mut current: Option<usize> = None;
    let marked = matches!(shape, Shape::Marked { .. });
    loop {
        for (k, name) in STREAMS.iter().enumerate() {
            let (data, _) = stream(&o, k);
            let (skipped, new) = new_bytes(&shown[k], data);
            if new.is_empty() || !shape.shows(k) {
                continue;
            }
            if marked && current != Some(k) {
                if current.is_some_and(|c| !shown[c].ends_with(b"\n")) {
                    writeln!(out)?;
                }
                writeln!(out, "==> {name} <==")?;
            }
            current = Some(k);
            let note = "[... output skipped: it came faster than it was read ...]";
            match shape {
                Shape::Marked { escaped } => {
                    if skipped {
                        writeln!(out, "{note}")?;
                    }
                    write_bytes(out, new, escaped)?;
                }
                Shape::Raw(_) => {
                    if skipped {
                        eprintln!("tick: {name}: {note}");
                    }
                    out.write_all(new)?;
                }
            }
            shown[k] = data.to_vec();
        }
        out.flush()?;
        let running = o
            .execution
            .as_ref()
            .is_some_and(|e| e.status == Status::Running);
        if !running {
            break;
        }
        std::thread::sleep(FOLLOW_EVERY);
        o = store.output(id, Some(exec))?;
        if o.execution.is_none() {
            // Gone (pruned, or given back by a runner that stopped).
            break;
        }
    }
    if marked {
        if current.is_some_and(|c| !shown[c].ends_with(b"\n")) {
            writeln!(out)?;
        }
        if let Some(e) = &o.execution {
            header(out, e, tz)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// `execution 12 of backup: success in 3.2s, 2026-11-22 05:21:16 UTC`,
/// with the reason of a missed or skipped row.
fn header(out: &mut impl Write, e: &Execution, tz: Tz) -> std::io::Result<()> {
    let when = e.started_at.unwrap_or(e.scheduled_at);
    let took = e
        .duration_ms()
        .map(|d| format!(" in {}", human_ms(d)))
        .unwrap_or_default();
    let why = e
        .reason
        .as_deref()
        .map(|r| format!(" ({})", escape::text(r, Newlines::Escape)))
        .unwrap_or_default();
    writeln!(
        out,
        "execution {} of {}: {}{took}, {}{why}",
        e.id,
        e.job_id,
        e.status,
        local_time(when, tz)
    )
}

fn stream(o: &Output, k: usize) -> (&[u8], bool) {
    if k == 0 {
        (&o.result.stdout, o.result.stdout_truncated)
    } else {
        (&o.result.stderr, o.result.stderr_truncated)
    }
}

fn write_bytes(out: &mut impl Write, data: &[u8], escaped: bool) -> std::io::Result<()> {
    if escaped {
        out.write_all(&escape::bytes(data, Newlines::Keep))
    } else {
        out.write_all(data)
    }
}

/// What `now` (a stream's last 64 KiB) holds beyond `before` (the same
/// window when last shown): the part after their overlap, the longest
/// start of `now` that is an end of `before` (the window may have slid).
/// `true` when they do not overlap at all (more came than the window
/// holds): then all of `now`, and some output was skipped.
fn new_bytes<'a>(before: &[u8], now: &'a [u8]) -> (bool, &'a [u8]) {
    if now.starts_with(before) {
        return (false, &now[before.len()..]);
    }
    // Knuth-Morris-Pratt: `now` as the pattern, run over `before`.
    let mut fail = vec![0usize; now.len()];
    let mut k = 0;
    for i in 1..now.len() {
        while k > 0 && now[i] != now[k] {
            k = fail[k - 1];
        }
        if now[i] == now[k] {
            k += 1;
        }
        fail[i] = k;
    }
    let mut matched = 0;
    for b in before {
        while matched > 0 && (matched == now.len() || *b != now[matched]) {
            matched = fail[matched - 1];
        }
        if matched < now.len() && *b == now[matched] {
            matched += 1;
        }
    }
    (matched == 0 && !before.is_empty(), &now[matched..])
}

#[cfg(test)]
mod tests {
    use super::new_bytes;

    #[test]
    fn new_bytes_of_a_growing_and_a_sliding_window() {
        assert_eq!(new_bytes(b"", b"abc"), (false, &b"abc"[..]));
        assert_eq!(new_bytes(b"abc", b"abcde"), (false, &b"de"[..]));
        assert_eq!(new_bytes(b"abc", b"abc"), (false, &b""[..]));
        // The window slid by two bytes and grew by three.
        assert_eq!(
            new_bytes(b"0123456789", b"23456789xyz"),
            (false, &b"xyz"[..])
        );
        assert_eq!(new_bytes(b"xxabab", b"ababcd"), (false, &b"cd"[..]));
        assert_eq!(new_bytes(b"aaab", b"abaab"), (false, &b"aab"[..]));
        // Nothing in common: all of it, said skipped.
        assert_eq!(new_bytes(b"aaaa", b"bbbb"), (true, &b"bbbb"[..]));
    }
}
