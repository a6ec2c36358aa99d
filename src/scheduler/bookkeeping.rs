//! A wake-up's bookkeeping: children started and executions ended, written
//! in one transaction after the children started; maintenance (the jobs
//! file's checkpoints) only in quiet gaps, never inside a claim.

use std::time::Instant;

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use super::Scheduler;
use crate::store::Finish;

/// The log is checkpointed only in a quiet gap at least this long...
const CHECKPOINT_GAP: Duration = Duration::milliseconds(250);
/// ...once this many writes or this long has passed since the last one;
/// after `CHECKPOINT_FORCE` writes, whatever the gap.
const CHECKPOINT_WRITES: u32 = 200;
const CHECKPOINT_EVERY: std::time::Duration = std::time::Duration::from_secs(10);
const CHECKPOINT_FORCE: u32 = 5000;
/// While fires wait for a free worker, the wake-ups' bookkeeping (started,
/// finished) is held back, so that each exit goes straight to the next
/// spawn; it is written once none waits, or after this long.
const HOLD_BOOKKEEPING: std::time::Duration = std::time::Duration::from_millis(200);

impl Scheduler {
    /// [`Scheduler::flush`], unless fires are waiting for a worker (then the
    /// next exit should go straight to the next spawn), for at most
    /// [`HOLD_BOOKKEEPING`].
    pub(super) fn flush_unless_busy(&mut self, now: DateTime<Utc>) -> Result<()> {
        let busy = self.running.len() >= self.cfg.max_workers as usize
            && self.waiting.iter().any(|p| p.not_before <= now);
        if busy && !(self.started.is_empty() && self.ended.is_empty()) {
            let since = *self.held_since.get_or_insert_with(Instant::now);
            if since.elapsed() < HOLD_BOOKKEEPING {
                return Ok(());
            }
        }
        self.held_since = None;
        self.flush()
    }

    /// Write the wake-up's bookkeeping in one transaction, then tell the
    /// listeners (which may read the rows, say with `tick logs`).
    pub(super) fn flush(&mut self) -> Result<()> {
        if self.started.is_empty() && self.ended.is_empty() {
            return Ok(());
        }
        let finishes: Vec<Finish> = self
            .ended
            .iter()
            .map(|e| Finish {
                execution_id: e.id,
                job_id: &e.fire.job_id,
                status: e.status,
                result: &e.result,
                at: e.at,
                retry: e.retry.as_ref().map(|(plan, _)| *plan),
                reason: e.reason.as_deref(),
                started: e.started,
                pause_after: e.pause_after.filter(|_| e.retry.is_none()),
            })
            .collect();
        // On failure everything stays, to be written by a later flush.
        let retried = self.store.record(&self.started, &finishes)?;
        drop(finishes);
        self.started.clear();
        self.wrote();
        for (e, recorded) in std::mem::take(&mut self.ended).iter().zip(retried) {
            match (&e.retry, recorded.retried) {
                (Some((plan, notice)), true) => {
                    self.log.info(&format!(
                        "job {} will be attempted again at {} (attempt {})",
                        e.fire.job_id,
                        crate::log::time(plan.due_at),
                        plan.attempt
                    ));
                    self.tell(notice);
                }
                (Some(_), false) => {
                    self.log.info(&format!(
                        "job {}: no retry (its next fire comes first, or it is paused or removed)",
                        e.fire.job_id
                    ));
                    self.tell(&e.notice);
                }
                (None, _) => self.tell(&e.notice),
            }
            if let Some(note) = recorded.paused {
                self.log.info(&format!("job {} {note}", e.fire.job_id));
                let paused = self.paused_notice(&e.notice, note);
                self.tell(&paused);
            }
        }
        Ok(())
    }

    /// Checkpoint the write-ahead log in a quiet gap before `wake`, never
    /// inside a claim (see [`Store::sync_only_claims`]).
    pub(super) fn maybe_checkpoint(
        &mut self,
        now: DateTime<Utc>,
        wake: DateTime<Utc>,
    ) -> Result<()> {
        let due = self.writes >= CHECKPOINT_WRITES
            || (self.writes > 0 && self.checkpointed.elapsed() >= CHECKPOINT_EVERY);
        if (due && wake - now >= CHECKPOINT_GAP) || self.writes >= CHECKPOINT_FORCE {
            self.store.maintain()?;
            self.log
                .debug(&format!("store maintenance after {} write(s)", self.writes));
            self.writes = 0;
            self.checkpointed = Instant::now();
        }
        Ok(())
    }
}
