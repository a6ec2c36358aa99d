//! `tick fire ID`: run a job once now, in the foreground, through the same
//! executor as `tick run` (process group, capture, timeout), recorded as an
//! execution (django-apscheduler's "run now"). Exits with the job's status:
//! its exit code, 128+n for a signal, 124 for a timeout, 130 if interrupted.

use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result};
use rustix::process::Signal;

use super::job_options::parse_timeout;
use super::Ctx;
use crate::cli::FireArgs;
use crate::error::JobExit;
use crate::executor::{self, Echo, Spec};
use crate::model::{RunResult, Status};

enum Msg {
    Done(RunResult),
    Stop,
}

pub fn run(args: &FireArgs, ctx: &Ctx) -> Result<()> {
    let timeout = args.timeout.as_deref().map(parse_timeout).transpose()?;
    let (mut store, job) = ctx.store_with_job(&args.id)?;
    let now = ctx.clock.now();
    let runner = format!("tick fire (pid {})", std::process::id());
    let id = store
        .insert_running(&job, now, &runner)?
        .context("an execution of this job at this very instant exists already")?;
    let (tx, rx) = mpsc::channel();
    let stop = tx.clone();
    ctrlc::set_handler(move || {
        let _ = stop.send(Msg::Stop);
    })
    .context("cannot install the signal handler")?;
    let spec = Spec {
        job_id: job.id.clone(),
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
            store.finish(id, Status::Failed, &msg, ctx.clock.now())?;
            return Err(e).context(format!("cannot start job {}", job.id));
        }
    };
    store.mark_started(&[(id, now)])?;
    let started = Instant::now();
    let deadline = timeout
        .or(job.options.timeout)
        .map(|t| started + Duration::from_secs(t));
    let mut kill_at: Option<Instant> = None;
    let (mut timed_out, mut stopped) = (false, false);
    let finished = loop {
        let wake = [deadline.filter(|_| kill_at.is_none()), kill_at]
            .into_iter()
            .flatten()
            .min();
        let msg = match wake {
            Some(w) => rx.recv_timeout(w.saturating_duration_since(Instant::now())),
            None => rx.recv().map_err(|_| mpsc::RecvTimeoutError::Disconnected),
        };
        match msg {
            Ok(Msg::Done(f)) => break f,
            Ok(Msg::Stop) if !stopped => {
                stopped = true;
                child.signal_group(Signal::TERM);
                kill_at.get_or_insert(Instant::now() + Duration::from_secs(5));
            }
            Ok(Msg::Stop) => child.signal_group(Signal::KILL),
            Err(mpsc::RecvTimeoutError::Timeout) => {
                if kill_at.is_some_and(|k| Instant::now() >= k) {
                    child.signal_group(Signal::KILL);
                    kill_at = None;
                } else if !timed_out {
                    timed_out = true;
                    eprintln!("tick: job {} timed out; sending SIGTERM", job.id);
                    child.signal_group(Signal::TERM);
                    kill_at = Some(Instant::now() + Duration::from_secs(5));
                }
            }
            Err(mpsc::RecvTimeoutError::Disconnected) => break RunResult::default(),
        }
    };
    let status = if stopped {
        Status::Interrupted
    } else if timed_out {
        Status::Timeout
    } else {
        finished.status()
    };
    let code = match (status, finished.exit_code, finished.signal) {
        (Status::Success, _, _) => 0,
        (Status::Timeout, _, _) => 124,
        (Status::Interrupted, _, _) => 130,
        (_, Some(c), _) => c,
        (_, None, Some(s)) => 128 + s,
        _ => 1,
    };
    store.finish(id, status, &finished, ctx.clock.now())?;
    if code != 0 {
        return Err(JobExit(code).into());
    }
    Ok(())
}
