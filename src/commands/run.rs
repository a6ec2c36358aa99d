//! `tick run`: take the runner lock (or stand by until it frees), hook
//! SIGINT/SIGTERM/SIGHUP into the scheduler's event channel, and run.

use std::sync::mpsc;
use std::time::Duration;

use anyhow::{Context, Result};

use super::Ctx;
use crate::cli::RunArgs;
use crate::clock::{Clock, SystemClock};
use crate::error::UsageError;
use crate::log::Logger;
use crate::model::RunnerState;
use crate::scheduler::{Config, Event, Lapses, Scheduler};
use crate::store::{Owner, RunnerInfo, RunnerLock, RunnerRow, Store};
use crate::trigger::input::parse_duration;

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
    let result = run_until_stopped(args, ctx, &log);
    // The last log and echoed lines, unless their stream is stuck.
    crate::echo::flush(Duration::from_secs(2));
    result
}

fn run_until_stopped(args: &RunArgs, ctx: &Ctx, log: &Logger) -> Result<()> {
    let lease =
        parse_duration(&args.lease).map_err(|e| UsageError::new(format!("--lease: {e}")))?;
    if lease == 0 {
        return Err(UsageError::new("invalid --lease 0s: it must be at least 1s").into());
    }
    let notify = args
        .notify
        .iter()
        .map(|t| crate::args::notify::target(t))
        .collect::<Result<Vec<_>, _>>()?;
    let mut store = ctx.store_for_write()?;
    if let Some(listen) = &args.http {
        let opts = crate::http::Options {
            listen: listen.clone(),
            token_file: args.token_file.clone(),
            read_only: args.read_only,
        };
        super::serve::start_in_runner(&opts, ctx, log)?;
    }
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
    let pid = std::process::id();
    let me = format!("tick run (pid {pid} on {host})");
    // A write that waits for another process's lock waits briefly, here
    // too: a standby retries rather than hang behind a frozen holder.
    store.become_runner()?;
    let Some(_lock) = stand_by(store.as_mut(), &me, &host, &rx, log)? else {
        log.info("stopped while standing by");
        return Ok(());
    };
    let name = args.name.clone().unwrap_or_else(|| format!("{host}:{pid}"));
    let process = crate::process::me();
    let runner = store.register_runner(&RunnerInfo {
        name,
        host: host.clone(),
        pid,
        process: process.clone(),
        version: env!("CARGO_PKG_VERSION").to_string(),
        lease: Duration::from_secs(lease),
    })?;
    let cfg = Config {
        max_workers: workers_within_open_files_limit(args.max_workers, log),
        echo: !args.no_echo,
        owner: Owner {
            label: format!("pid {pid} on {host}"),
            process,
            runner: Some(runner),
        },
        host,
        lease: Duration::from_secs(lease),
        on_event: args.on_event.clone(),
        notify,
    };
    let result = Scheduler::new(store, Box::new(SystemClock), cfg, log.clone(), tx, rx).run();
    let undelivered = crate::notify::finish(LISTENER_GRACE);
    if undelivered > 0 {
        log.warn(&format!(
            "{undelivered} notification(s) not delivered {}s after the stop",
            LISTENER_GRACE.as_secs()
        ));
    }
    let killed = crate::listener::finish(LISTENER_GRACE);
    if killed > 0 {
        log.warn(&format!(
            "killed {killed} listener(s) still running {}s after the stop",
            LISTENER_GRACE.as_secs()
        ));
    }
    result
}

/// The runner holding the lock, if it lapsed (see [`Lapses`]) and no other
/// runner is alive: declared expired.
fn lapsed_holder(
    store: &mut dyn Store,
    lapses: &mut Lapses,
    host: &str,
) -> Result<Option<RunnerRow>> {
    let elapsed = SystemClock.elapsed();
    let expired = store.expire_runners(&mut |r| lapses.lapsed(r, None, host, elapsed))?;
    let alive = store
        .runners()?
        .iter()
        .any(|r| r.state == RunnerState::Alive);
    Ok(expired.into_iter().next().filter(|_| !alive))
}

/// Become the store's runner: take the runner lock, or stand by until its
/// holder stops, dies, or lets its lease run out (stopped with SIGSTOP,
/// say: then the lock stays taken and this runner goes on without it).
/// `None` if stopped while standing by; else what holds the lock.
fn stand_by(
    store: &mut dyn Store,
    me: &str,
    host: &str,
    rx: &mpsc::Receiver<Event>,
    log: &Logger,
) -> Result<Option<Box<dyn Send>>> {
    let (mut said, mut stuck) = (false, false);
    let mut lapses = Lapses::default();
    loop {
        match store.runner_lock(me)? {
            RunnerLock::Held(lock) => {
                if said {
                    log.info("the previous runner stopped; taking over");
                }
                return Ok(Some(lock));
            }
            RunnerLock::Taken(holder) => {
                if !said {
                    log.info(&format!(
                        "{} is held by {holder}; standing by to take over when it stops",
                        store.location()
                    ));
                    said = true;
                }
                match lapsed_holder(store, &mut lapses, host) {
                    Ok(Some(r)) => {
                        log.warn(&format!(
                            "runner {} (pid {} on {}) holding the lock stopped renewing its lease (no renewal seen for {}); taking over",
                            r.name,
                            r.pid,
                            r.host,
                            crate::units::human_ms(r.lease_ms)
                        ));
                        return Ok(Some(Box::new(())));
                    }
                    Ok(None) => {}
                    // The holder may be frozen inside a write: no one can
                    // write until it runs again. Said once, tried again.
                    Err(e) if !stuck => {
                        log.warn(&format!(
                            "cannot declare the runner holding the lock expired yet ({}); trying again",
                            crate::error::chain_text(&e)
                        ));
                        stuck = true;
                    }
                    Err(_) => {}
                }
                if let Ok(Event::Stop) = rx.recv_timeout(Duration::from_secs(1)) {
                    return Ok(None);
                }
            }
        }
    }
}
