//! `tick fire ID`: run a job once now, in the foreground, through the same
//! executor and [`Watch`] as `tick run` (process group, capture, timeout),
//! recorded as an execution (django-apscheduler's "run now"). Exits with
//! the job's status, as [`crate::model::Status::exit_code`] decides.
//!
//! It runs once, without the job's retries, unless `--retries N` asks for
//! them: then a failed attempt is run again after the job's delays, here
//! in the foreground, each attempt its own execution.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};

use anyhow::{Context, Result};
use chrono::Utc;

use super::job_options::{parse_retries, parse_timeout};
use super::Ctx;
use crate::cli::FireArgs;
use crate::error::JobExit;
use crate::executor::{self, Echo, Sent, Spec, Watch};
use crate::model::{Job, RunResult, Status};
use crate::store::{Owner, Started, Store};

enum Msg {
    Done(RunResult),
    Stop,
}

pub fn run(args: &FireArgs, ctx: &Ctx) -> Result<()> {
    let timeout = args.timeout.as_deref().map(parse_timeout).transpose()?;
    let retries = args.retries.map(parse_retries).transpose()?.unwrap_or(0);
    let (mut store, job) = ctx.store_with_job(&args.id)?;
    let owner = Owner {
        label: format!("tick fire (pid {})", std::process::id()),
        process: crate::process::me(),
        runner: None,
    };
    let (tx, rx) = mpsc::channel();
    let stop = tx.clone();
    ctrlc::set_handler(move || {
        let _ = stop.send(Msg::Stop);
    })
    .context("cannot install the signal handler")?;
    let mut options = job.options.clone();
    options.retries = retries;
    let (mut attempt, mut first) = (1, None);
    loop {
        let run = Attempt {
            job: &job,
            owner: &owner,
            timeout: timeout.or(job.options.timeout),
            attempt,
            retry_of: first,
        };
        let (id, status, result) = run.run(store.as_mut(), &tx, &rx)?;
        let Some(delay) = options.retry_after(attempt, status) else {
            return match status.exit_code(&result) {
                0 => Ok(()),
                code => Err(JobExit(code).into()),
            };
        };
        eprintln!(
            "tick: job {} {status} (attempt {attempt}); attempting again in {}",
            job.id,
            crate::units::format_duration(delay)
        );
        if let Ok(Msg::Stop) = rx.recv_timeout(std::time::Duration::from_secs(delay)) {
            return Err(JobExit(Status::Interrupted.exit_code(&RunResult::default())).into());
        }
        first.get_or_insert(id);
        attempt += 1;
    }
}

/// One attempt of a job in the foreground.
struct Attempt<'a> {
    job: &'a Job,
    owner: &'a Owner,
    timeout: Option<u64>,
    attempt: u32,
    retry_of: Option<i64>,
}

impl Attempt<'_> {
    /// Run it to its end: its execution id, status and result.
    fn run(
        &self,
        store: &mut dyn Store,
        tx: &Sender<Msg>,
        rx: &Receiver<Msg>,
    ) -> Result<(i64, Status, RunResult)> {
        let job = self.job;
        let now = Utc::now();
        let id = store
            .insert_running(job, now, self.owner, self.attempt, self.retry_of)?
            .context("an execution of this job at this very instant exists already")?;
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
        let done = tx.clone();
        let child = match executor::spawn(&spec, Some(echo), move |f| {
            let _ = done.send(Msg::Done(f));
        }) {
            Ok(child) => child,
            Err(e) => {
                let msg = RunResult::message(format!("tick: could not start the command: {e}\n"));
                store.finish(id, Status::Failed, &msg, Utc::now())?;
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
        let mut watch = Watch::new(now, self.timeout);
        let finished = wait(&mut watch, &child, rx, &job.id);
        let status = watch.status(&finished);
        store.finish(id, status, &finished, Utc::now())?;
        Ok((id, status, finished))
    }
}

/// Wait for the child's end, enforcing its timeout; the first SIGINT or
/// SIGTERM ends it gently, a second at once.
fn wait(watch: &mut Watch, child: &executor::Child, rx: &Receiver<Msg>, job: &str) -> RunResult {
    let mut stops = 0;
    loop {
        let msg = match watch.next_wake() {
            Some(w) => rx.recv_timeout((w - Utc::now()).to_std().unwrap_or_default()),
            None => rx.recv().map_err(|_| RecvTimeoutError::Disconnected),
        };
        match msg {
            Ok(Msg::Done(f)) => return f,
            Ok(Msg::Stop) => {
                stops += 1;
                if stops == 1 {
                    watch.interrupt(child, Utc::now());
                } else {
                    watch.kill(child);
                }
            }
            Err(RecvTimeoutError::Timeout) => {
                if watch.tick(child, Utc::now()) == Some(Sent::Timeout) {
                    eprintln!("tick: job {job} timed out; sending SIGTERM");
                }
            }
            Err(RecvTimeoutError::Disconnected) => return RunResult::default(),
        }
    }
}
