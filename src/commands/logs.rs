//! `tick logs ID`: the captured output of a job's latest execution that
//! ran (or of `--execution N`), as it was captured: the bytes as they
//! are, except on a terminal, where control characters are shown escaped
//! (`--raw` writes them as they are there too).
//!
//! `--follow` follows a running execution until it ends: it reads the
//! execution's row a few times a second, and the runner (or `tick fire`)
//! writes the output so far into it about once a second
//! ([`crate::store::Runs::record_output_so_far`]), so new output shows
//! within about a second of being printed.

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
use crate::output::local_time;
use crate::store::{Output, Store};
use crate::units::human_ms;

/// How often `--follow` reads the execution again.
const FOLLOW_EVERY: Duration = Duration::from_millis(250);

pub fn logs(args: &LogsArgs, ctx: &Ctx) -> Result<()> {
    let tz = resolve_tz(None)?;
    let mut store = ctx
        .store_for_read()?
        .ok_or_else(|| ops::unknown(&args.id))?;
    let (id, o) = output_of(store.as_mut(), &args.id, args.execution)?;
    // output_of returned an error for an execution that is not there.
    let Some(e) = &o.execution else {
        return Err(ops::unknown(&args.id).into());
    };
    // On a terminal a job's output could set the title or fake lines:
    // show its control characters escaped there, unless --raw.
    let visible = !args.raw && std::io::stdout().is_terminal();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    header(&mut out, e, tz)?;
    if args.follow && e.status == Status::Running {
        let exec = e.id;
        follow(&mut out, store.as_mut(), &id, exec, o, visible, tz)
    } else {
        whole(&mut out, &o, visible)
    }
}

/// Both streams as captured, each under its `==> name <==` line.
fn whole(out: &mut impl Write, o: &Output, visible: bool) -> Result<()> {
    for (k, name) in ["stdout", "stderr"].iter().enumerate() {
        let (data, cut) = stream(o, k);
        writeln!(out, "==> {name} <==")?;
        if cut {
            writeln!(out, "{}", cut_marker())?;
        }
        write_bytes(out, data, visible)?;
        if !data.is_empty() && !data.ends_with(b"\n") {
            writeln!(out)?;
        }
    }
    out.flush()?;
    Ok(())
}

/// Follow a running execution: print what is new in each stream as it
/// comes, under a `==> stream <==` line whenever the stream changes,
/// until it ends; then its header again.
fn follow(
    out: &mut impl Write,
    store: &mut dyn Store,
    id: &str,
    exec: i64,
    mut o: Output,
    visible: bool,
    tz: Tz,
) -> Result<()> {
    let mut shown: [Vec<u8>; 2] = Default::default();
    let mut current: Option<usize> = None;
    loop {
        for (k, name) in ["stdout", "stderr"].iter().enumerate() {
            let (data, _) = stream(&o, k);
            let (skipped, new) = new_bytes(&shown[k], data);
            if new.is_empty() {
                continue;
            }
            if current != Some(k) {
                if current.is_some_and(|c| !shown[c].ends_with(b"\n")) {
                    writeln!(out)?;
                }
                writeln!(out, "==> {name} <==")?;
                current = Some(k);
            }
            if skipped {
                writeln!(
                    out,
                    "[... output skipped: it came faster than it was read ...]"
                )?;
            }
            write_bytes(out, new, visible)?;
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
    if current.is_some_and(|c| !shown[c].ends_with(b"\n")) {
        writeln!(out)?;
    }
    if let Some(e) = &o.execution {
        header(out, e, tz)?;
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

fn write_bytes(out: &mut impl Write, data: &[u8], visible: bool) -> std::io::Result<()> {
    if visible {
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
