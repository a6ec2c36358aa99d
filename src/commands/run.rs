//! `tick run`: take the runner lock (or stand by until it frees), hook
//! SIGINT/SIGTERM/SIGHUP into the scheduler's event channel, and run.

use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};

use super::Ctx;
use crate::cli::RunArgs;
use crate::clock::SystemClock;
use crate::log::Logger;
use crate::scheduler::{Config, Event, Scheduler};
use crate::store::{Owner, RunnerLock};

/// Open files a running child costs the runner (its two pipes and a pidfd,
/// one more while it starts)...
const FILES_PER_CHILD: u64 = 4;
/// ...and what the runner needs besides (store, log, listeners, echo).
const FILES_RESERVED: u64 = 64;

/// `--max-workers`, unless the open-files limit (raised to its hard limit
/// first) cannot take that many children: then as many as it can, said once.
fn workers_within_open_files_limit(asked: u16, log: &Logger) -> u16 {
    let Some(limit) = crate::process::raise_open_files_limit() else {
        return asked;
    };
    let fit = limit.saturating_sub(FILES_RESERVED) / FILES_PER_CHILD;
    let fit = u16::try_from(fit).unwrap_or(u16::MAX).max(1);
    if fit < asked {
        log.warn(&format!(
            "--max-workers {asked} needs more open files than the limit allows ({limit}; raise it with ulimit -n or LimitNOFILE=); running at most {fit} jobs at once"
        ));
        return fit;
    }
    asked
}

/// At exit, how long running listeners may still take before they are killed.
const LISTENER_GRACE: Duration = Duration::from_secs(5);

pub fn run(args: &RunArgs, ctx: &Ctx, log: Logger) -> Result<()> {
    let store = ctx.store_for_write()?;
    let (tx, rx) = mpsc::channel();
    let stop = tx.clone();
    // ctrlc installs its handler even when the shell started us with SIGINT
    // ignored (a background job of a non-interactive shell).
    ctrlc::set_handler(move || {
        let _ = stop.send(Event::Stop);
    })
    .context("cannot install the signal handler")?;
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into());
    let me = format!("tick run (pid {} on {host})", std::process::id());
    let mut said = false;
    let _lock = loop {
        match store.runner_lock(&me)? {
            RunnerLock::Held(l) => break l,
            RunnerLock::Taken(holder) => {
                if !said {
                    log.info(&format!(
                        "{} is held by {holder}; standing by to take over when it stops",
                        store.location()
                    ));
                    said = true;
                }
                match rx.recv_timeout(Duration::from_secs(1)) {
                    Ok(Event::Stop) => {
                        log.info("stopped while standing by");
                        return Ok(());
                    }
                    _ => continue,
                }
            }
        }
    };
    if said {
        log.info("the previous runner stopped; taking over");
    }
    let cfg = Config {
        max_workers: workers_within_open_files_limit(args.max_workers, &log),
        echo: !args.no_echo,
        owner: Owner {
            label: format!("pid {} on {host}", std::process::id()),
            process: crate::process::me(),
        },
        on_event: args.on_event.clone(),
    };
    let result = Scheduler::new(store, Box::new(SystemClock), cfg, log.clone(), tx, rx).run();
    let killed = crate::listener::finish(LISTENER_GRACE);
    if killed > 0 {
        log.warn(&format!(
            "killed {killed} listener(s) still running {}s after the stop",
            LISTENER_GRACE.as_secs()
        ));
    }
    // The last echoed lines, unless stdout is stuck.
    crate::echo::flush(Duration::from_secs(2));
    result
}
