//! Claimed fires waiting for their time and a worker, the children
//! running, and how each ended. Spawning is the executor's; each child's
//! deadline is its [`Watch`].

use std::sync::mpsc::Sender;

use chrono::{DateTime, Duration, Utc};

use super::events::Done;
use super::lease::Fence;
use super::{Ended, Event, Pending, Running, Scheduler, LATE};
use crate::executor::{self, Child, Echo, Sent, Watch, KILL_AFTER};
use crate::model::{MisfireGrace, Overlap, RunResult, Status};
use crate::store::Started;
use crate::units::human_ms;

impl Scheduler {
    /// Start waiting fires whose time has come, while workers are free.
    pub(super) fn start_ready(&mut self, now: DateTime<Utc>) {
        // Only while the lease is provably this runner's (see `lease.rs`):
        // otherwise they wait for a renewal, or for the taker to end them.
        if self.waiting.is_empty() || !self.lease_holds() {
            return;
        }
        self.waiting.sort_by_key(|p| p.not_before);
        let mut batch = Vec::new();
        while self.running.len() + batch.len() < self.cfg.max_workers as usize {
            let ready = |p: &Pending| p.not_before <= now && !self.held(p, &batch);
            let Some(i) = self.waiting.iter().position(ready) else {
                break;
            };
            let p = self.waiting.remove(i);
            if let Some(reason) = self.waited_too_long(&p, now) {
                self.log.warn(&format!(
                    "job {} missed its {} fire: {reason}",
                    p.spec.fire.job_id,
                    crate::log::time(p.spec.fire.scheduled_at)
                ));
                let mut done = Done::pending(&p, Status::Missed);
                done.reason = Some(reason);
                self.end(&done, RunResult::default(), now);
                if p.ends_job {
                    self.said_finished(&p.spec.fire.job_id);
                }
                continue;
            }
            batch.push(p);
        }
        let fence = self.fence();
        for (p, spawned) in launch(batch, &self.tx, self.cfg.echo, fence) {
            let Some(spawned) = spawned else {
                // The lease ran out in the middle of the batch.
                self.waiting.push(p);
                continue;
            };
            // The end of its job's schedule is told after its start.
            let ends_job = p.ends_job.then(|| p.spec.fire.job_id.clone());
            if let Some(started) = self.record_start(p, spawned, now) {
                self.started.push(started);
            }
            if let Some(job_id) = ends_job {
                self.said_finished(&job_id);
            }
        }
    }

    /// Whether a claimed fire waits for a copy of its job to end (`--overlap
    /// queue`): `max_instances` copies run here, or start in `batch`.
    pub(super) fn held(&self, p: &Pending, batch: &[Pending]) -> bool {
        let job = &p.spec.fire.job_id;
        if p.options.overlap != Overlap::Queue {
            return false;
        }
        let running = self.running.values().filter(|r| &r.fire.job_id == job);
        let starting = batch.iter().filter(|b| &b.spec.fire.job_id == job);
        running.count() + starting.count() >= p.options.max_instances as usize
    }

    /// Why a fire that waited for a free worker is `missed` now, if it is:
    /// it waited longer than its misfire grace (with `auto`: a minute, and
    /// a later fire of its job is due and waiting too).
    fn waited_too_long(&self, p: &Pending, now: DateTime<Utc>) -> Option<String> {
        let late = (now - p.not_before).num_seconds();
        let workers = self.cfg.max_workers;
        let fire = &p.spec.fire;
        let later_waits = || {
            self.waiting.iter().any(|q| {
                q.spec.fire.job_id == fire.job_id
                    && q.spec.fire.scheduled_at > fire.scheduled_at
                    && q.not_before <= now
            })
        };
        let grace = p.options.misfire_grace;
        if p.backfill || !grace.exceeded(p.not_before, now) {
            return None;
        }
        match grace {
            MisfireGrace::Within(g) => Some(format!(
                "waited {late}s for a free worker (--max-workers {workers}), more than its misfire grace of {}",
                crate::units::format_duration(g)
            )),
            MisfireGrace::Auto if later_waits() => Some(format!(
                "waited {late}s for a free worker (--max-workers {workers}); its next fire came first"
            )),
            _ => None,
        }
    }

    /// How late a fire starting `now` is, and why, when that is worth
    /// saying: with `--misfire-grace auto`, at least [`LATE`] late.
    fn late(&self, p: &Pending, now: DateTime<Utc>) -> Option<String> {
        let late = now - p.not_before;
        if p.options.misfire_grace != MisfireGrace::Auto || late < LATE {
            return None;
        }
        let why = p.claimed_late.clone().unwrap_or_else(|| {
            if p.options.overlap == Overlap::Queue {
                return "it waited for a running copy to end (--overlap queue)".into();
            }
            format!(
                "all workers were busy (--max-workers {})",
                self.cfg.max_workers
            )
        });
        Some(format!(
            "ran {} late: {why}",
            human_ms(late.num_milliseconds())
        ))
    }

    /// Keep track of a spawned child (or record why it did not start); its
    /// execution id if it started.
    fn record_start(
        &mut self,
        p: Pending,
        spawned: std::io::Result<Child>,
        now: DateTime<Utc>,
    ) -> Option<Started> {
        let id = p.spec.execution_id;
        match spawned {
            Ok(child) => {
                let started = Started {
                    execution_id: id,
                    at: now,
                    pid: child.pid,
                };
                let late = match p.backfill {
                    true => p.claimed_late.clone(),
                    false => self.late(&p, now),
                };
                self.log.info(&format!(
                    "job {} started (execution {id}, scheduled {}){}",
                    p.spec.fire.job_id,
                    crate::log::time(p.spec.fire.scheduled_at),
                    late.as_ref().map(|l| format!(": {l}")).unwrap_or_default()
                ));
                self.running.insert(
                    id,
                    Running {
                        fire: p.spec.fire,
                        child,
                        watch: Watch::new(now, p.options.timeout),
                        options: p.options,
                        late,
                        replaced: None,
                    },
                );
                self.notify_start(id);
                Some(started)
            }
            Err(e) => {
                self.log
                    .error(&format!("job {} could not start: {e}", p.spec.fire.job_id));
                let msg = RunResult::message(format!("tick: could not start the command: {e}\n"));
                let done = Done::pending(&p, Status::Failed);
                self.end(&done, msg, now);
                None
            }
        }
    }

    /// An execution ended (`done` says how): recorded by the next flush,
    /// its listeners told then. A failure the job's `--retries` cover gets
    /// its next attempt planned, `retry_delay` doubling per attempt.
    pub(super) fn end(&mut self, done: &Done, result: RunResult, now: DateTime<Utc>) {
        let ended = self.conclude(done, result, now);
        self.ended.push(ended);
    }

    /// What [`Scheduler::end`] keeps for the flush.
    fn conclude(&self, done: &Done, result: RunResult, now: DateTime<Utc>) -> Ended {
        let id = done.execution_id.unwrap_or_default();
        let mut notice = self.notice(done);
        notice.ran(&result, now);
        let retry = done
            .options
            .retry_after(done.fire.attempt, done.status)
            .map(|secs| {
                let secs = i64::try_from(secs).unwrap_or(i64::MAX);
                let due = now
                    .checked_add_signed(Duration::seconds(secs.min(i64::MAX / 1000)))
                    .unwrap_or(now);
                let plan = done.fire.next_attempt(id, due);
                let mut n = self.retry_notice(done, &plan);
                n.ran(&result, now);
                (plan, n)
            });
        Ended {
            id,
            fire: done.fire.clone(),
            status: done.status,
            result,
            at: now,
            notice,
            retry,
            reason: done.reason.clone(),
            started: None,
            pause_after: done.options.pause_after_failures.filter(|_| {
                matches!(
                    done.status,
                    Status::Failed | Status::Killed | Status::Timeout
                )
            }),
        }
    }

    /// Send each child's due SIGTERM (timeout) or SIGKILL (after the grace).
    pub(super) fn enforce_timeouts(&mut self, now: DateTime<Utc>) {
        for (id, r) in &mut self.running {
            match r.watch.tick(&r.child, now) {
                Some(Sent::Timeout) => self.log.warn(&format!(
                    "job {} (execution {id}) timed out after {}; sent SIGTERM to its process group",
                    r.fire.job_id,
                    human_ms((now - r.watch.started).num_milliseconds())
                )),
                Some(Sent::Kill) => self.log.warn(&format!(
                    "job {} (execution {id}) still running {}s after SIGTERM; sent SIGKILL",
                    r.fire.job_id,
                    KILL_AFTER.num_seconds()
                )),
                None => {}
            }
        }
    }

    /// A child's shell exited: log it, and keep it for the bookkeeping.
    pub(super) fn finished(&mut self, id: i64, f: RunResult) {
        let now = self.clock.now();
        let Some(r) = self.running.remove(&id) else {
            return;
        };
        let status = match r.replaced {
            Some(_) => Status::Killed,
            None => r.watch.status(&f),
        };
        let took = human_ms((now - r.watch.started).num_milliseconds());
        let detail = match (status, f.exit_code, f.signal) {
            (Status::Failed, Some(c), _) => format!(" with exit code {c}"),
            (Status::Killed, _, Some(s)) => format!(" by signal {s}"),
            _ => String::new(),
        };
        let msg = format!(
            "job {} finished: {status}{detail} in {took} (execution {id})",
            r.fire.job_id
        );
        if status == Status::Success {
            self.log.info(&msg);
        } else {
            self.log.warn(&msg);
        }
        // The listeners' event carries the exit, not the output.
        let exit = RunResult {
            exit_code: f.exit_code,
            signal: f.signal,
            ..RunResult::default()
        };
        // A replaced copy is not retried: the fire that replaced it runs.
        let mut options = r.options.clone();
        if r.replaced.is_some() {
            options.retries = 0;
        }
        let done = Done {
            execution_id: Some(id),
            result: Some(&exit),
            duration_ms: Some((now - r.watch.started).num_milliseconds()),
            reason: r.replaced.clone().or_else(|| r.late.clone()),
            ..Done::new(&r.fire, &options, status)
        };
        let mut ended = self.conclude(&done, f, now);
        ended.started = Some(r.watch.started);
        self.ended.push(ended);
    }
}

/// What became of a fire given to [`launch`]: its child, why it could not
/// start, or `None` when the fence no longer held (not spawned).
type Launched = (Pending, Option<std::io::Result<Child>>);

/// Spawn a wake-up's fires, half of them from a second thread: each spawn
/// blocks its thread until the child has exec'd, so two threads start a
/// burst in about half the time. Each spawn first checks the `fence`.
fn launch(batch: Vec<Pending>, tx: &Sender<Event>, echo: bool, fence: Fence) -> Vec<Launched> {
    if batch.len() < 2 {
        return spawn_all(batch, tx, echo, fence);
    }
    let mut second = batch;
    let first: Vec<Pending> = second.drain(..second.len().div_ceil(2)).collect();
    std::thread::scope(|scope| {
        let helper = scope.spawn(|| spawn_all(first, tx, echo, fence));
        let mut rest = spawn_all(second, tx, echo, fence);
        let mut out = helper
            .join()
            .unwrap_or_else(|panic| std::panic::resume_unwind(panic));
        out.append(&mut rest);
        out
    })
}

fn spawn_all(batch: Vec<Pending>, tx: &Sender<Event>, echo: bool, fence: Fence) -> Vec<Launched> {
    batch
        .into_iter()
        .map(|p| {
            let tx = tx.clone();
            let id = p.spec.execution_id;
            let echo = echo.then(|| Echo {
                prefix: format!("[{}] ", p.spec.fire.job_id),
                split: false,
            });
            let on_exit = move |finished| {
                let _ = tx.send(Event::Exited {
                    execution_id: id,
                    finished,
                });
            };
            let spawned = executor::spawn_gated(&p.spec, echo, on_exit, &|| fence.holds());
            (p, spawned.transpose())
        })
        .collect()
}
