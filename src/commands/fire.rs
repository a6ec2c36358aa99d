//! `tick fire ID`: run a job once now, in the foreground, through the same
//! executor and [`Watch`] as `tick run` (process group, capture, timeout),
//! recorded as an execution (django-apscheduler's "run now"). Exits with
//! the job's status, as [`crate::model::Status::exit_code`] decides.

use std::sync::mpsc;

use anyhow::{Context, Result};
use chrono::Utc;

use super::job_options::parse_timeout;
use super::Ctx;
use crate::cli::FireArgs;
use crate::error::JobExit;
use crate::executor::{self, Echo, Sent, Spec, Watch};
use crate::model::RunResult;
use crate::store::{Owner, Started};

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
        let msg = match watch.next_wake() {
            Some(w) => rx.recv_timeout((w - Utc::now()).to_std().unwrap_or_default()),
            None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
        };
        match msg {
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
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break RunResult::default(),
        }
    };
    let status = watch.status(&finished);
    store.finish(id, status, &finished, Utc::now())?;
    match status.exit_code(&finished) {
        0 => Ok(()),
        code => Err(JobExit(code).into()),
    }
}
