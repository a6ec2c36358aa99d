//! `tick fire ID`: run a job once now, in the foreground, through the same
//! executor and [`Watch`] as `tick run` (process group, capture, timeout),
//! recorded as an execution (django-apscheduler's "run now"), its output
//! so far written as it runs (`tick logs --follow`). The job's own
//! listener (`--on-success`/`--on-failure`) hears the end as from `tick
//! run`; a failure is summed up in one line on stderr. Exits with the
//! job's status, as [`crate::model::Status::exit_code`] decides.
//!
//! It runs once, without the job's retries, unless `--retries N` asks for
//! them: then a failed attempt is run again after the job's delays, here
//! in the foreground, each attempt its own execution; the listener hears
//! the last one.

use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};

use anyhow::{Context, Result};
use chrono::Utc;

use super::Ctx;
use crate::args::job_options::{parse_retries, parse_timeout};
use crate::cli::FireArgs;
use crate::error::JobExit;
use crate::executor::{self, Echo, Sent, Spec, Watch};
use crate::listener;
use crate::model::{Fire, Job, RunResult, Status};
use crate::store::{Owner, Started, Store};
use crate::units::human_ms;

/// How often the output so far is written while the command runs.
const SO_FAR_EVERY: std::time::Duration = std::time::Duration::from_secs(1);

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
            owner: &owner,
            timeout: timeout.or(job.options.timeout),
        };
        let fire = Fire {
            attempt,
            retry_of: first,
            ..Fire::first(&job, Utc::now())
        };
        let ended = run.run(&job, fire, store.as_mut(), &tx, &rx)?;
        let again = options.retry_after(attempt, ended.status);
        ended.summarise(&job, again.is_none());
        let Some(delay) = again else {
            return match ended.status.exit_code(&ended.result) {
                0 => Ok(()),
                code => Err(JobExit(code).into()),
            };
        };
        eprintln!(
            "tick: attempting job {} again in {} (attempt {} of {})",
            job.id,
            crate::units::format_duration(delay),
            attempt + 1,
            retries + 1
        );
        if let Ok(Msg::Stop) = rx.recv_timeout(std::time::Duration::from_secs(delay)) {
            return Err(JobExit(Status::Interrupted.exit_code(&RunResult::default())).into());
        }
        first.get_or_insert(ended.id);
        attempt += 1;
    }
}

/// How an attempt runs in the foreground: who runs it, for how long.
struct Attempt<'a> {
    owner: &'a Owner,
    timeout: Option<u64>,
}

/// How an attempt ended.
struct Ended {
    id: i64,
    fire: Fire,
    status: Status,
    result: RunResult,
    took_ms: i64,
}

impl Attempt<'_> {
    /// Run `fire` of `job` (due now) to its end.
    fn run(
        &self,
        job: &Job,
        fire: Fire,
        store: &mut dyn Store,
        tx: &Sender<Msg>,
        rx: &Receiver<Msg>,
    ) -> Result<Ended> {
        let now = fire.scheduled_at;
        let id = store
            .insert_running(&fire, self.owner)?
            .context("an execution of this job at this very instant exists already")?;
        let spec = Spec {
            fire,
            execution_id: id,
            shell: job.options.shell.clone(),
            cwd: job.options.cwd.clone(),
            env: job.options.env.clone(),
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
                store.finish(id, &job.id, Status::Failed, &msg, Utc::now())?;
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
        let result = wait(&mut watch, &child, store, id, rx, &job.id);
        let status = watch.status(&result);
        let end = Utc::now();
        store.finish(id, &job.id, status, &result, end)?;
        Ok(Ended {
            id,
            fire: spec.fire,
            status,
            result,
            took_ms: (end - now).num_milliseconds(),
        })
    }
}

impl Ended {
    /// A failure in one line on stderr; the job's own listener hears the
    /// `last` attempt as from `tick run` (so that an --on-failure hook can
    /// be tried with tick fire), waited for here.
    fn summarise(&self, job: &Job, last: bool) {
        let id = self.id;
        if self.status != Status::Success {
            let detail = match (self.status, self.result.exit_code, self.result.signal) {
                (Status::Failed, Some(c), _) => format!(" with exit code {c}"),
                (Status::Killed, _, Some(s)) => format!(" by signal {s}"),
                _ => String::new(),
            };
            eprintln!(
                "tick: job {} {}{detail} after {} (execution {id}; tick logs {} --execution {id})",
                job.id,
                self.status,
                human_ms(self.took_ms),
                job.id
            );
        }
        if !last {
            return;
        }
        if let Some(listener) = listener::own_listener(&job.options, self.status) {
            let event = listener::Event::new(
                &self.fire,
                Some(id),
                self.status,
                Some(&self.result),
                Some(self.took_ms),
                None,
            );
            if let Err(e) = listener::run(listener, &event, listener::TIMEOUT) {
                eprintln!("warning: listener for job {} failed: {e}", job.id);
            }
        }
    }
}

/// Wait for the child's end, enforcing its timeout and writing its output
/// so far about once a second (for `tick logs --follow`; best effort). The
/// first SIGINT or SIGTERM ends it gently, a second at once.
fn wait(
    watch: &mut Watch,
    child: &executor::Child,
    store: &mut dyn Store,
    id: i64,
    rx: &Receiver<Msg>,
    job: &str,
) -> RunResult {
    let mut stops = 0;
    loop {
        let wait = watch.next_wake().map_or(SO_FAR_EVERY, |w| {
            (w - Utc::now())
                .to_std()
                .unwrap_or_default()
                .min(SO_FAR_EVERY)
        });
        match rx.recv_timeout(wait) {
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
                if let Some(so_far) = child.so_far.changed() {
                    let _ = store.record_output_so_far(&[(id, &so_far)]);
                }
            }
            Err(RecvTimeoutError::Disconnected) => return RunResult::default(),
        }
    }
}
