//! `tick fire ID`: run a job once now, in the foreground, through the same
//! executor and [`Watch`] as `tick run` (process group, capture, timeout),
//! recorded as an execution (django-apscheduler's "run now"), its output
//! so far written as it runs (`tick logs --follow`). The job's own
//! listener (`--on-success`/`--on-failure`) hears the end as from `tick
//! run`; a failure is summed up in one line on stderr. Exits with the
//! job's status, as [`crate::model::Status::exit_code`] decides.

use std::sync::mpsc;

use anyhow::{Context, Result};
use chrono::Utc;

use super::job_options::parse_timeout;
use super::Ctx;
use crate::cli::FireArgs;
use crate::error::JobExit;
use crate::executor::{self, Echo, Sent, Spec, Watch};
use crate::listener;
use crate::model::{RunResult, Status};
use crate::store::{Owner, Started};
use crate::units::human_ms;

enum Msg {
    Done(RunResult),
    Stop,
}

pub fn run(args: &FireArgs, ctx: &Ctx) -> Result<()> {
    let timeout = args.timeout.as_deref().map(parse_timeout).transpose()?;
    let (mut store, job) = ctx.store_with_job(&args.id)?;
    let now = Utc::now();
    let owner = Owner {
        label: format!("tick fire (pid {})", std::process::id()),
        process: crate::process::me(),
        runner: None,
    };
    let id = store
        .insert_running(&job, now, &owner)?
        .context("an execution of this job at this very instant exists already")?;
    let (tx, rx) = mpsc::channel();
    let stop = tx.clone();
    ctrlc::set_handler(move || {
        let _ = stop.send(Msg::Stop);
    })
    .context("cannot install the signal handler")?;
    let spec = Spec {
        job_id: job.id.clone(),
        execution_id: id,
        command: job.command.clone(),
        cwd: job.options.cwd.clone(),
        env: job.options.env.clone(),
        scheduled_at: now,
    };
    let echo = Echo {
        prefix: String::new(),
        split: true,
    };
    let child = match executor::spawn(&spec, Some(echo), move |f| {
        let _ = tx.send(Msg::Done(f));
    }) {
        Ok(child) => child,
        Err(e) => {
            let msg = RunResult::message(format!("tick: could not start the command: {e}\n"));
            store.finish(id, crate::model::Status::Failed, &msg, Utc::now())?;
            return Err(e).context(format!("cannot start job {}", job.id));
        }
    };
    store.record(
        &[Started {
            execution_id: id,
            at: now,
            pid: child.pid,
        }],
        &[],
    )?;
    let mut watch = Watch::new(now, timeout.or(job.options.timeout));
    let mut stops = 0;
    let finished = loop {
        // Wake at least each second to write the output so far (for
        // `tick logs --follow`; best effort).
        let wait = watch.next_wake().map_or(SO_FAR_EVERY, |w| {
            (w - Utc::now())
                .to_std()
                .unwrap_or_default()
                .min(SO_FAR_EVERY)
        });
        match rx.recv_timeout(wait) {
            Ok(Msg::Done(f)) => break f,
            // The first SIGINT/SIGTERM ends the job gently, a second at once.
            Ok(Msg::Stop) => {
                stops += 1;
                if stops == 1 {
                    watch.interrupt(&child, Utc::now());
                } else {
                    watch.kill(&child);
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if watch.tick(&child, Utc::now()) == Some(Sent::Timeout) {
                    eprintln!("tick: job {} timed out; sending SIGTERM", job.id);
                }
                if let Some(so_far) = child.so_far.changed() {
                    let _ = store.record_output_so_far(&[(id, &so_far)]);
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break RunResult::default(),
        }
    };
    let status = watch.status(&finished);
    let end = Utc::now();
    store.finish(id, status, &finished, end)?;
    let took = (end - now).num_milliseconds();
    if status != Status::Success {
        let detail = match (status, finished.exit_code, finished.signal) {
            (Status::Failed, Some(c), _) => format!(" with exit code {c}"),
            (Status::Killed, _, Some(s)) => format!(" by signal {s}"),
            _ => String::new(),
        };
        eprintln!(
            "tick: job {} {status}{detail} after {} (execution {id}; tick logs {} --execution {id})",
            job.id,
            human_ms(took),
            job.id
        );
    }
    // The job's own listener hears it as from `tick run` (so that an
    // --on-failure hook can be tried with tick fire); waited for here.
    if let Some(listener) = listener::own_listener(&job.options, status) {
        let event = listener::Event::new(
            &job.id,
            job.name.as_deref(),
            &job.command,
            Some(id),
            status,
            Some(&finished),
            now,
            Some(took),
            None,
        );
        if let Err(e) = listener::run(listener, &event, listener::TIMEOUT) {
            eprintln!("warning: listener for job {} failed: {e}", job.id);
        }
    }
    match status.exit_code(&finished) {
        0 => Ok(()),
        code => Err(JobExit(code).into()),
    }
}

/// How often the output so far is written while the command runs.
const SO_FAR_EVERY: std::time::Duration = std::time::Duration::from_secs(1);
