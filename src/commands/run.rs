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
use crate::store::{lock, Store};

pub fn run(args: &RunArgs, ctx: &Ctx, log: Logger) -> Result<()> {
    let store = Store::open_or_create(&ctx.db_path()?)?;
    // The real path: a second name for the file finds the same lock.
    let path = store.path().to_path_buf();
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
        match lock::try_lock(&path, &me)? {
            Ok(l) => break l,
            Err(holder) => {
                if !said {
                    log.info(&format!(
                        "{} is held by {holder}; standing by to take over when it stops",
                        path.display()
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
        max_workers: args.max_workers,
        echo: !args.no_echo,
        runner: format!("pid {} on {host}", std::process::id()),
        on_event: args.on_event.clone(),
    };
    let result = Scheduler::new(store, Box::new(SystemClock), cfg, log, tx, rx).run();
    // The last echoed lines, unless stdout is stuck.
    crate::echo::flush(Duration::from_secs(2));
    result
}
