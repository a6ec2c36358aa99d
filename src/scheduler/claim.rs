//! What is due, decided and claimed: the earliest next run (re-read only
//! when the store changed), the claim lead, and one claim transaction per
//! wake-up for the jobs due within it, at most what the free workers can
//! start plus a quarter of the workers (at least 2): on a store shared by
//! several runners, a burst spreads over all of them.

use std::collections::HashMap;
use std::time::Instant;

use anyhow::Result;
use chrono::{DateTime, Duration, Timelike, Utc};

use super::events::Done;
use super::{plan, Pending, Scheduler, LATE};
use crate::executor::Spec;
use crate::model::{Fire, Job, JobState, MisfireGrace, Status};
use crate::store::{Claim, Claimed, Due, DueQuery, JobRow};
use crate::trigger::Trigger;
use crate::units::human_ms;

/// A due job or retry, decided, waiting for its claim (which holds the
/// fire decided).
struct Decided {
    job: Job,
    jitter: u64,
    plan: plan::Plan,
}

/// The reason of a fire `tick backfill` ran.
pub(super) const BACKFILL: &str = "backfill";

/// The claim lead never exceeds this...
const MAX_LEAD: std::time::Duration = std::time::Duration::from_millis(500);
/// ...and is at least twice the recent claim cost plus this.
pub(super) const LEAD_MARGIN: std::time::Duration = std::time::Duration::from_millis(10);

impl Scheduler {
    /// How far ahead of its time a fire is claimed.
    pub(super) fn lead(&self) -> Duration {
        let lead = (self.claim_cost * 2 + LEAD_MARGIN).min(MAX_LEAD);
        Duration::from_std(lead).unwrap_or(Duration::zero())
    }

    fn running_count(&self, job_id: &str) -> u32 {
        (self
            .running
            .values()
            .filter(|r| r.fire.job_id == job_id)
            .count()
            + self
                .waiting
                .iter()
                .filter(|p| p.spec.fire.job_id == job_id)
                .count()) as u32
    }

    /// A due row as a job and its trigger, or `None` for a row that
    /// cannot be used: logged once, and left out of the next due time so
    /// that it never holds the other jobs up.
    fn usable(&mut self, row: JobRow) -> Option<(Job, Trigger)> {
        let (id, problem) = match row {
            Ok(job) => match Trigger::from_spec(&job.trigger) {
                Ok(t) => return Some((job, t)),
                Err(e) => {
                    let msg = format!("job {} cannot be scheduled ({e}); skipping it", job.id);
                    (job.id, msg)
                }
            },
            Err(bad) => {
                let msg = format!("{bad}; skipping it");
                (bad.id, msg)
            }
        };
        if self.broken.insert(problem.clone()) {
            self.log.error(&problem);
        }
        self.due.set_aside(id);
        None
    }

    pub(super) fn fire_reboot_jobs(&mut self, now: DateTime<Utc>) -> Result<()> {
        for row in self.store.reboot_jobs()? {
            let Some((job, trigger)) = self.usable(row) else {
                continue;
            };
            let fire = Fire::first(&job, now);
            if let Some(id) = self.store.insert_running(&fire, &self.cfg.owner)? {
                self.queue(id, fire, &job, trigger.jitter, (now, None));
            }
        }
        Ok(())
    }

    /// Decide every job due now or within the lead, and claim all
    /// decisions in one transaction. Returns whether any fire was queued.
    pub(super) fn claim_due(&mut self, now: DateTime<Utc>) -> Result<bool> {
        let horizon = now + self.lead();
        match self.due.earliest(self.store.as_ref())? {
            Some(due) if due <= horizon => {}
            _ => return Ok(false),
        }
        let began = Instant::now();
        let mut decided = Vec::new();
        let mut claims = Vec::new();
        self.decide_due(now, horizon, &mut decided, &mut claims)?;
        self.decide_retries(now, &mut decided, &mut claims)?;
        if claims.is_empty() {
            return Ok(false);
        }
        let outcomes = self.store.claim(&claims, &self.cfg.owner, now)?;
        self.wrote();
        let mut queued = false;
        for ((d, claim), claimed) in decided.iter().zip(&claims).zip(&outcomes) {
            // Only fires this runner decided are spoken of.
            if !claimed.won {
                continue;
            }
            self.tell_decided(d, claim, claimed);
            if d.plan.replace > 0 {
                let fire = claimed.rows.iter().find(|r| r.status == Status::Running);
                if let Some(row) = fire {
                    let by = format!(
                        "replaced by the fire of {}",
                        when(row.scheduled_at, &d.job, now)
                    );
                    self.replace_copies(&d.job.id, d.plan.replace, &by, now);
                }
            }
            for row in claimed.rows.iter().filter(|r| r.status == Status::Running) {
                let ahead = (row.scheduled_at > now).then_some(d.plan.next);
                let fire = claim.fire.at(row.scheduled_at);
                self.queue(row.execution_id, fire, &d.job, d.jitter, (now, ahead));
                if let Some(p) = self.waiting.last_mut().filter(|_| is_backfill(claim)) {
                    p.claimed_late = Some(BACKFILL.to_string());
                    p.backfill = true;
                }
                queued = true;
            }
            // The end of the schedule is told once its last fire starts.
            if ends_job(d, claim) {
                match self.waiting.last_mut().filter(|_| runs(claimed)) {
                    Some(last) => last.ends_job = true,
                    None => self.said_finished(&d.job.id),
                }
            }
        }
        let cost = began.elapsed();
        self.claim_cost = cost.max(self.claim_cost * 7 / 8).max(LEAD_MARGIN / 2);
        if self.log.debugging() {
            self.log.debug(&format!(
                "claimed {} of {} decision(s) in {} ms; {} fire(s) to start; lead now {} ms",
                outcomes.iter().filter(|c| c.won).count(),
                outcomes.len(),
                cost.as_millis(),
                self.waiting.len(),
                self.lead().num_milliseconds()
            ));
        }
        Ok(queued)
    }

    /// Decide the jobs due by `horizon` (the misfire and overlap rules of
    /// `plan.rs`), each with its claim.
    fn decide_due(
        &mut self,
        now: DateTime<Utc>,
        horizon: DateTime<Utc>,
        decided: &mut Vec<Decided>,
        claims: &mut Vec<Claim>,
    ) -> Result<()> {
        let workers = self.cfg.max_workers as usize;
        let query = DueQuery {
            horizon,
            limit: workers.saturating_sub(self.running.len() + self.waiting.len())
                + (workers / 4).max(2),
            skip: self.due.aside(),
            me: &self.cfg.owner.process,
        };
        for Due {
            row,
            running_elsewhere,
        } in self.store.due_jobs(&query)?
        {
            let Some((job, trigger)) = self.usable(row) else {
                continue;
            };
            let Some(due) = job.next_run_at else { continue };
            // --max-instances counts the copies running on every host.
            let running = self.running_count(&job.id) + running_elsewhere;
            if due > now && running > 0 {
                // Decided at its time, when the running copy may have ended.
                continue;
            }
            if left_to_others(&job, running, running_elsewhere) {
                continue;
            }
            let plan = plan::plan(&trigger, &job.options, due, now, running);
            claims.push(Claim {
                fire: Fire::first(&job, due),
                new_next: plan.next,
                new_state: if plan.next.is_some() {
                    JobState::Active
                } else {
                    JobState::Finished
                },
                rows: rows(&plan, &job, running, now),
                retry: None,
                max_runs: job.options.max_runs.is_some(),
            });
            let jitter = trigger.jitter;
            decided.push(Decided { job, jitter, plan });
        }
        Ok(())
    }

    /// Decide the retries due now (never ahead), each with its claim.
    fn decide_retries(
        &mut self,
        now: DateTime<Utc>,
        decided: &mut Vec<Decided>,
        claims: &mut Vec<Claim>,
    ) -> Result<()> {
        // Backfill fires decided at this wake-up, per job.
        let mut backfills: HashMap<String, u32> = HashMap::new();
        for r in self.store.due_retries(now, &self.cfg.owner.process)? {
            let Some((job, _)) = self.usable(r.job) else {
                continue;
            };
            let running = self.running_count(&job.id) + r.running_elsewhere;
            if r.retry.is_backfill() {
                let decided_here = backfills.entry(job.id.clone()).or_default();
                // Otherwise it waits (in the store) for the copies to end.
                if running + *decided_here < r.retry.backfill_limit() {
                    *decided_here += 1;
                    let (claim, d) = backfill(job, r.id, &r.retry);
                    claims.push(claim);
                    decided.push(d);
                }
                continue;
            }
            let (due, next) = (r.retry.due_at, job.next_run_at);
            let plan = plan::plan_retry(&job.options, due, next, now, running);
            claims.push(Claim {
                fire: Fire::retry(&job, &r.retry),
                new_next: None,
                new_state: JobState::Active,
                rows: rows(&plan, &job, running, now),
                retry: Some(r.id),
                max_runs: false,
            });
            decided.push(Decided {
                job,
                jitter: 0,
                plan,
            });
        }
        Ok(())
    }

    /// Log and tell the listeners what a won claim recorded besides the
    /// fires to start: missed and skipped fires, a coalesced backlog.
    fn tell_decided(&mut self, d: &Decided, claim: &Claim, claimed: &Claimed) {
        let (job, p) = (&d.job, &d.plan);
        let what = if claim.fire.is_retry() {
            format!("retry (attempt {})", claim.fire.attempt)
        } else {
            "fire".to_string()
        };
        for (t, status, reason) in &claim.rows {
            let (Status::Missed | Status::Skipped, Some(reason)) = (status, reason) else {
                continue;
            };
            let verb = if *status == Status::Missed {
                "missed"
            } else {
                "skipped"
            };
            self.log.warn(&format!(
                "job {} {verb} its {} {what}: {reason}",
                job.id,
                crate::log::time(*t)
            ));
            let fire = claim.fire.at(*t);
            let mut done = Done::new(&fire, &job.options, *status);
            done.execution_id = claimed
                .rows
                .iter()
                .find(|r| r.scheduled_at == *t)
                .map(|r| r.execution_id);
            done.reason = Some(reason.clone());
            self.emit(&done);
        }
        if p.dropped > 0 {
            self.log.info(&format!(
                "job {}: {} earlier fire(s) of the backlog coalesced",
                job.id, p.dropped
            ));
        }
    }

    /// End the `n` oldest running copies of a job (`--overlap replace`):
    /// SIGTERM to each group now, SIGKILL [`crate::executor::KILL_AFTER`]
    /// later; each is recorded `killed` with `reason` once it exits.
    fn replace_copies(&mut self, job_id: &str, n: u32, reason: &str, now: DateTime<Utc>) {
        let mut copies: Vec<_> = self
            .running
            .iter_mut()
            .filter(|(_, r)| r.fire.job_id == job_id && r.replaced.is_none())
            .collect();
        copies.sort_by_key(|(_, r)| r.watch.started);
        for (id, r) in copies.into_iter().take(n as usize) {
            self.log.warn(&format!(
                "job {job_id} (execution {id}) {reason}: sent SIGTERM to its process group"
            ));
            r.watch.terminate(&r.child, now);
            r.replaced = Some(reason.to_string());
        }
    }

    /// Say that a job's schedule ended (after its last fire started, if it
    /// had one to start).
    pub(super) fn said_finished(&self, job_id: &str) {
        self.log
            .info(&format!("job {job_id} finished: no more fires"));
    }

    /// Keep a `fire` (execution `execution_id`) of `job` claimed `now`
    /// (`ahead` of its time, see [`Pending::ahead`]) until its time,
    /// `jitter` included, and a free worker.
    pub(super) fn queue(
        &mut self,
        execution_id: i64,
        fire: Fire,
        job: &Job,
        jitter: u64,
        (now, ahead): (DateTime<Utc>, Option<Option<DateTime<Utc>>>),
    ) {
        let not_before = plan::jittered(fire.scheduled_at, jitter, &mut self.rng);
        let claimed_late = (now - not_before >= LATE).then(|| {
            let at = when(fire.scheduled_at, job, now);
            if fire.scheduled_at < self.awake_since {
                format!("no runner was running at {at}")
            } else {
                format!("the runner was busy or could not reach its store at {at}")
            }
        });
        self.waiting.push(Pending {
            claimed_late,
            ends_job: false,
            spec: Spec {
                fire,
                execution_id,
                shell: job.options.shell.clone(),
                cwd: job.options.cwd.clone(),
                env: job.options.env.clone(),
            },
            options: job.options.clone(),
            not_before,
            ahead,
            backfill: false,
        });
    }
}

/// Whether a due fire is left to the runners that run its job's copies:
/// with `--overlap queue` or `replace`, while `--max-instances` copies run
/// and some of them on other runners (this one could neither wait for them
/// to end nor end them). The runner that runs a copy decides the fire
/// (queues it, or ends its copy); with none here, the fire stays due, and
/// is decided once a copy ends (its coalesced backlog is the one waiting
/// fire).
fn left_to_others(job: &Job, running: u32, elsewhere: u32) -> bool {
    use crate::model::Overlap;
    let o = &job.options;
    matches!(o.overlap, Overlap::Queue | Overlap::Replace)
        && elsewhere > 0
        && running >= o.max_instances
}

/// The claim and decision of a `tick backfill` fire (`retry`, row `id`) of `job`: it
/// runs, recorded with its scheduled time and the reason `backfill`.
fn backfill(job: Job, id: i64, retry: &crate::model::RetryPlan) -> (Claim, Decided) {
    let due = retry.due_at;
    let claim = Claim {
        fire: Fire::retry(&job, retry),
        new_next: None,
        new_state: JobState::Active,
        rows: vec![(due, Status::Running, Some(BACKFILL.to_string()))],
        retry: Some(id),
        // Past fires filled in are not counted against --max-runs.
        max_runs: false,
    };
    let plan = plan::Plan {
        run: vec![due],
        next: Some(due),
        ..plan::Plan::default()
    };
    (
        claim,
        Decided {
            job,
            jitter: 0,
            plan,
        },
    )
}

/// Whether a claim is of a `tick backfill` fire.
fn is_backfill(claim: &Claim) -> bool {
    claim.retry.is_some() && claim.fire.attempt == 1
}

/// Whether a decision ends its job's schedule.
fn ends_job(d: &Decided, claim: &Claim) -> bool {
    d.plan.next.is_none() && !claim.fire.is_retry()
}

/// Whether a won claim recorded fires to start.
fn runs(claimed: &Claimed) -> bool {
    claimed.rows.iter().any(|r| r.status == Status::Running)
}

/// The execution rows a decision records, with the reasons of those that
/// do not run: missed, skipped, running.
fn rows(
    p: &plan::Plan,
    job: &Job,
    running: u32,
    now: DateTime<Utc>,
) -> Vec<(DateTime<Utc>, Status, Option<String>)> {
    let mut rows = Vec::with_capacity(p.missed.len() + p.skipped.len() + p.run.len());
    for t in &p.missed {
        rows.push((*t, Status::Missed, Some(missed_reason(job, *t, now))));
    }
    for t in &p.skipped {
        let busy = running + p.run.len() as u32;
        rows.push((*t, Status::Skipped, Some(skipped_reason(job, busy))));
    }
    rows.extend(p.run.iter().map(|t| (*t, Status::Running, None)));
    rows
}

/// Why a fire is `missed`: how late, and the grace it exceeded (with
/// `auto`: its next fire came first).
fn missed_reason(job: &Job, t: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let late = human_ms((now - t).num_milliseconds());
    match job.options.misfire_grace {
        MisfireGrace::Within(g) => format!(
            "{late} late, more than its misfire grace of {}",
            crate::units::format_duration(g)
        ),
        _ => format!("{late} late: its next fire came before it could run (misfire grace auto)"),
    }
}

/// Why a fire is `skipped`: the copies running (or starting at this
/// wake-up) and the limit.
fn skipped_reason(job: &Job, busy: u32) -> String {
    let max = job.options.max_instances;
    if job.options.overlap == crate::model::Overlap::Queue {
        return format!(
            "{max} instance(s) already running and a fire waiting (--max-instances {max}, --overlap queue)"
        );
    }
    format!(
        "{busy} instance(s) already running (--max-instances {})",
        job.options.max_instances
    )
}

/// When a fire of `job` was due, as a reason says it: the time of day in
/// the job's zone (`03:00`, `03:00:05`), with the date unless it is the
/// day of `now`.
fn when(t: DateTime<Utc>, job: &Job, now: DateTime<Utc>) -> String {
    let tz: chrono_tz::Tz = job.trigger.timezone.parse().unwrap_or(chrono_tz::UTC);
    let (t, today) = (t.with_timezone(&tz), now.with_timezone(&tz).date_naive());
    let time = if t.second() == 0 { "%H:%M" } else { "%H:%M:%S" };
    if t.date_naive() == today {
        t.format(time).to_string()
    } else {
        t.format(&format!("%Y-%m-%d {time}")).to_string()
    }
}
