//! Telling the listeners (`--on-event`, and each job's `--on-success` /
//! `--on-failure`) how a fire ended. Never blocks the loop.

use chrono::{DateTime, Utc};

use super::{Ended, Pending, Scheduler};
use crate::listener;
use crate::model::{Job, JobOptions, RunResult, Status};

/// How an execution ended, for listeners.
pub(super) struct Done<'a> {
    job_id: &'a str,
    job_name: Option<&'a str>,
    command: &'a str,
    options: &'a JobOptions,
    execution_id: Option<i64>,
    status: Status,
    pub result: Option<&'a RunResult>,
    scheduled_at: DateTime<Utc>,
    duration_ms: Option<i64>,
}

impl<'a> Done<'a> {
    pub(super) fn new(job: &'a Job, scheduled_at: DateTime<Utc>, status: Status) -> Done<'a> {
        Done {
            job_id: &job.id,
            job_name: job.name.as_deref(),
            command: &job.command,
            options: &job.options,
            execution_id: None,
            status,
            result: None,
            scheduled_at,
            duration_ms: None,
        }
    }

    pub(super) fn pending(p: &'a Pending, status: Status) -> Done<'a> {
        Done {
            job_id: &p.spec.job_id,
            job_name: p.job_name.as_deref(),
            command: &p.spec.command,
            options: &p.options,
            execution_id: Some(p.execution_id),
            status,
            result: None,
            scheduled_at: p.spec.scheduled_at,
            duration_ms: None,
        }
    }

    pub(super) fn ended(e: &'a Ended) -> Done<'a> {
        let r = &e.run;
        Done {
            job_id: &r.job_id,
            job_name: r.job_name.as_deref(),
            command: &r.command,
            options: &r.options,
            execution_id: Some(e.id),
            status: e.status,
            result: Some(&e.result),
            scheduled_at: r.scheduled_at,
            duration_ms: Some((e.at - r.watch.started).num_milliseconds()),
        }
    }
}

impl Scheduler {
    /// Tell the listeners: `--on-event` for everything, the job's
    /// `--on-success` / `--on-failure` for its own. Never blocks.
    pub(super) fn emit(&self, d: &Done) {
        let (exit_code, signal) = d.result.map_or((None, None), |r| (r.exit_code, r.signal));
        let event = listener::Event::new(
            d.job_id,
            d.job_name,
            d.command,
            d.execution_id,
            d.status,
            exit_code,
            signal,
            d.scheduled_at,
            d.duration_ms,
        );
        if let Some(cmd) = &self.cfg.on_event {
            listener::notify(cmd, &event, &self.log, listener::TIMEOUT);
        }
        let own = if d.status == Status::Success {
            d.options.on_success.as_deref()
        } else if listener::Event::is_failure(d.status) {
            d.options.on_failure.as_deref()
        } else {
            None
        };
        if let Some(cmd) = own {
            listener::notify(cmd, &event, &self.log, listener::TIMEOUT);
        }
    }
}
