//! Telling the listeners (`--on-event`, and each job's `--on-success` /
//! `--on-failure`) how a fire ended. Never blocks the loop.

use chrono::{DateTime, Utc};

use super::notices::Heard;
use super::{Pending, Scheduler};
use crate::listener;
use crate::model::{Fire, JobOptions, RetryPlan, RunResult, Status};

/// How an execution of a fire ended, for listeners.
pub(super) struct Done<'a> {
    pub fire: &'a Fire,
    pub options: &'a JobOptions,
    pub execution_id: Option<i64>,
    pub status: Status,
    pub result: Option<&'a RunResult>,
    pub duration_ms: Option<i64>,
    /// Why a `missed` or `skipped` fire did not run.
    pub reason: Option<String>,
}

/// What listeners will be told: the event, and the job's own listener for
/// it (`--on-success` or `--on-failure`), if any.
pub(super) struct Notice {
    event: listener::Event,
    own: Option<String>,
    /// For a job with `--notify` targets: what notifications hear.
    notify: Option<Box<Heard>>,
}

impl Notice {
    /// What the run printed, and when it ended (for notifications).
    pub(super) fn ran(&mut self, result: &RunResult, at: DateTime<Utc>) {
        if let Some(h) = &mut self.notify {
            h.ran(result, at);
        }
    }
}

impl<'a> Done<'a> {
    /// `fire` (of a job with `options`) ended with `status`, without running.
    pub(super) fn new(fire: &'a Fire, options: &'a JobOptions, status: Status) -> Done<'a> {
        Done {
            fire,
            options,
            execution_id: None,
            status,
            result: None,
            duration_ms: None,
            reason: None,
        }
    }

    pub(super) fn pending(p: &'a Pending, status: Status) -> Done<'a> {
        Done {
            execution_id: Some(p.spec.execution_id),
            ..Done::new(&p.spec.fire, &p.options, status)
        }
    }
}

impl Scheduler {
    /// The notice for `d`, to be told now ([`Scheduler::emit`]) or once its
    /// row is written ([`Scheduler::flush`]).
    pub(super) fn notice(&self, d: &Done) -> Notice {
        let event = listener::Event::new(
            d.fire,
            d.execution_id,
            d.status,
            d.result,
            d.duration_ms,
            d.reason.as_deref(),
        );
        let own = listener::own_listener(d.options, d.status).map(str::to_string);
        Notice {
            event,
            own,
            notify: Heard::of(d),
        }
    }

    /// The notice for a failed attempt that will be attempted again: a
    /// `retry` event for `--on-event` only (the job's `--on-failure` waits
    /// for the last attempt).
    pub(super) fn retry_notice(&self, d: &Done, plan: &RetryPlan) -> Notice {
        let mut n = self.notice(d);
        n.event.event = "retry";
        n.event.next_attempt_at = Some(
            plan.due_at
                .to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        );
        n.own = None;
        if let Some(h) = &mut n.notify {
            h.retrying();
        }
        n
    }

    /// After `n`'s execution paused its job (`--pause-after-failures`): a
    /// `paused` event, with `note` as its reason, for `--on-event` and the
    /// job's `--notify` targets (not its `--on-failure`, told already).
    pub(super) fn paused_notice(&self, n: &Notice, note: String) -> Notice {
        let mut event = n.event.clone();
        event.event = "paused";
        event.reason = Some(note.clone());
        let notify = n.notify.clone().map(|mut h| {
            h.paused(note);
            h
        });
        Notice {
            event,
            own: None,
            notify,
        }
    }

    /// Tell the listeners: `--on-event` for everything, the job's
    /// `--on-success` / `--on-failure` for its own, its `--notify`
    /// targets (`notices.rs`). Never blocks.
    pub(super) fn tell(&mut self, n: &Notice) {
        if let Some(cmd) = &self.cfg.on_event {
            listener::notify(cmd, &n.event, &self.log, listener::TIMEOUT);
        }
        if let Some(cmd) = &n.own {
            listener::notify(cmd, &n.event, &self.log, listener::TIMEOUT);
        }
        self.notify(&n.notify);
    }

    /// Tell the listeners about an event whose row is already written.
    pub(super) fn emit(&mut self, d: &Done) {
        let n = self.notice(d);
        self.tell(&n);
    }
}
