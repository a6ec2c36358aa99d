//! The loop driven in-process with a fixed clock: claims, backlogs,
//! instances, claiming ahead.

use std::sync::mpsc;

use super::*;
use crate::clock::FixedClock;
use crate::model::{Job, JobOptions, JobState};
use crate::store::{Claim, Claimed, NewJobId};
use crate::trigger::Trigger;

fn open(path: &std::path::Path) -> Box<dyn Store> {
    crate::store::Location::File(path.to_path_buf())
        .open_or_create(crate::store::Folder::MustExist)
        .unwrap()
}

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn scheduler(store: Box<dyn Store>, now: DateTime<Utc>) -> Scheduler {
    scheduler_with(store, Box::new(FixedClock(now)))
}

fn scheduler_with(store: Box<dyn Store>, clock: Box<dyn crate::clock::Clock>) -> Scheduler {
    let (tx, rx) = mpsc::channel();
    let cfg = Config {
        max_workers: 10,
        echo: false,
        owner: Owner {
            label: "test".into(),
            process: crate::process::me(),
            runner: None,
        },
        host: "test".into(),
        lease: std::time::Duration::from_secs(30),
        on_event: None,
        notify: Vec::new(),
    };
    Scheduler::new(store, clock, cfg, Logger::silent(), tx, rx)
}

fn add(store: &mut dyn Store, id: &str, expr: &str, next: &str, options: JobOptions) {
    add_trigger(
        store,
        id,
        Trigger::crontab(expr, chrono_tz::Tz::UTC).unwrap(),
        next,
        options,
    );
}

fn add_trigger(store: &mut dyn Store, id: &str, trigger: Trigger, next: &str, options: JobOptions) {
    let job = Job {
        id: String::new(),
        name: None,
        command: "true".into(),
        trigger: trigger.spec(),
        state: JobState::Active,
        next_run_at: Some(at(next)),
        options,
        created_at: at(next),
        updated_at: at(next),
    };
    store
        .add_job(
            job,
            NewJobId::Given {
                id: id.into(),
                replace: false,
            },
        )
        .unwrap();
}

/// A jobs file with one job, `j`, every minute, next run `next`.
fn every_minute(next: &str) -> (tempfile::TempDir, std::path::PathBuf, Box<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.db");
    let mut store = open(&path);
    add(
        store.as_mut(),
        "j",
        "* * * * *",
        next,
        JobOptions::default(),
    );
    (dir, path, store)
}

fn rows(store: &dyn Store, id: &str) -> Vec<(String, Status)> {
    store
        .executions_of(id, 1000)
        .unwrap()
        .into_iter()
        .rev()
        .map(|e| (e.scheduled_at.format("%H:%M").to_string(), e.status))
        .collect()
}

#[test]
fn backlog_after_downtime_is_judged_by_the_same_rules() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.db");
    let mut store = open(&path);
    // Down from 10:00 to 10:30:30. Both jobs fired every 10 minutes.
    let coalesce = JobOptions::default();
    let each = JobOptions {
        coalesce: false,
        misfire_grace: crate::model::MisfireGrace::Within(15 * 60),
        max_instances: 10,
        ..JobOptions::default()
    };
    add(
        store.as_mut(),
        "c",
        "*/10 * * * *",
        "2026-01-01T10:00:00Z",
        coalesce,
    );
    add(
        store.as_mut(),
        "e",
        "*/10 * * * *",
        "2026-01-01T10:00:00Z",
        each,
    );
    let now = at("2026-01-01T10:30:30Z");
    let mut s = scheduler(store, now);
    s.claim_due(now).unwrap();
    // Coalesce: the backlog runs once, as its latest fire.
    assert_eq!(
        rows(s.store.as_ref(), "c"),
        [("10:30".to_string(), Status::Running)]
    );
    // No coalesce: fires older than the 15 min grace are missed, the rest run.
    assert_eq!(
        rows(s.store.as_ref(), "e"),
        [
            ("10:00".to_string(), Status::Missed),
            ("10:10".to_string(), Status::Missed),
            ("10:20".to_string(), Status::Running),
            ("10:30".to_string(), Status::Running),
        ]
    );
    assert_eq!(s.waiting.len(), 3);
    assert_eq!(
        s.store.next_due(&[]).unwrap(),
        Some(at("2026-01-01T10:40:00Z"))
    );
    // Claiming again at the same instant finds nothing due: no fire twice.
    s.claim_due(now).unwrap();
    assert_eq!(s.waiting.len(), 3);
}

#[test]
fn a_second_runner_cannot_claim_the_same_fire() {
    let (_dir, path, store) = every_minute("2026-01-01T10:00:00Z");
    let now = at("2026-01-01T10:00:00Z");
    let mut a = scheduler(store, now);
    let mut b = open(&path);
    // B decides from a read made before A claims...
    let query = crate::store::DueQuery {
        horizon: now,
        limit: 10,
        skip: &[],
        me: "",
    };
    let job = b.due_jobs(&query).unwrap().pop().unwrap().row.unwrap();
    let claim = Claim {
        fire: crate::model::Fire::first(&job, now),
        new_next: Some(at("2026-01-01T10:01:00Z")),
        new_state: JobState::Active,
        rows: vec![(now, Status::Running, None)],
        retry: None,
        max_runs: false,
    };
    assert!(a.claim_due(now).unwrap());
    // ...and its claim transaction loses: nothing to start.
    let outcomes = b.claim(&[claim], &Owner::default(), now).unwrap();
    assert_eq!(outcomes, vec![Claimed::default()]);
    assert_eq!(
        rows(a.store.as_ref(), "j"),
        [("10:00".to_string(), Status::Running)]
    );
}

#[test]
fn max_instances_counts_running_and_waiting_fires() {
    let (_dir, _, store) = every_minute("2026-01-01T10:00:00Z");
    let mut s = scheduler(store, at("2026-01-01T10:00:00Z"));
    s.claim_due(at("2026-01-01T10:00:00Z")).unwrap();
    // The 10:00 fire is still waiting (never started): 10:01 is skipped.
    s.claim_due(at("2026-01-01T10:01:00Z")).unwrap();
    assert_eq!(
        rows(s.store.as_ref(), "j"),
        [
            ("10:00".to_string(), Status::Running),
            ("10:01".to_string(), Status::Skipped)
        ]
    );
}

#[test]
fn fires_are_claimed_ahead_and_start_at_their_time() {
    let dir = tempfile::tempdir().unwrap();
    let mut store = open(&dir.path().join("jobs.db"));
    let options = JobOptions::default;
    add(
        store.as_mut(),
        "j",
        "* * * * *",
        "2026-01-01T10:00:00Z",
        options(),
    );
    add(
        store.as_mut(),
        "k",
        "* * * * *",
        "2026-01-01T10:00:01Z",
        options(),
    );
    // 5 ms before the fire: within the lead (at least 20 ms).
    let early = at("2026-01-01T09:59:59.995Z");
    let mut s = scheduler(store, early);
    assert!(s.claim_due(early).unwrap());
    assert_eq!(
        rows(s.store.as_ref(), "j"),
        [("10:00".to_string(), Status::Running)]
    );
    // A second ahead is beyond any lead: not claimed yet.
    assert!(rows(s.store.as_ref(), "k").is_empty());
    s.start_ready(early);
    assert!(s.running.is_empty(), "started before its time");
    assert_eq!(s.waiting.len(), 1);
    assert_eq!(s.waiting[0].not_before, at("2026-01-01T10:00:00Z"));
    // The loop wakes at the fire to start it.
    assert_eq!(s.next_wake(early).0, at("2026-01-01T10:00:00Z"));
}

#[test]
fn a_fire_claimed_ahead_is_given_back_when_the_runner_stops_first() {
    let (_dir, path, store) = every_minute("2026-01-01T10:00:00Z");
    let early = at("2026-01-01T09:59:59.995Z");
    let mut s = scheduler(store, early);
    s.claim_due(early).unwrap();
    s.stop();
    // No row, and the job's next run is the fire again...
    assert!(rows(s.store.as_ref(), "j").is_empty());
    assert_eq!(
        s.store.next_due(&[]).unwrap(),
        Some(at("2026-01-01T10:00:00Z"))
    );
    // ...so the next runner runs it (within its misfire grace).
    let late = at("2026-01-01T10:00:02Z");
    let mut next = scheduler(open(&path), late);
    next.claim_due(late).unwrap();
    assert_eq!(
        rows(next.store.as_ref(), "j"),
        [("10:00".to_string(), Status::Running)]
    );
}

#[test]
fn a_job_with_a_copy_running_is_decided_at_its_time_not_ahead() {
    let (_dir, _, store) = every_minute("2026-01-01T10:00:00Z");
    let mut s = scheduler(store, at("2026-01-01T10:00:00Z"));
    s.claim_due(at("2026-01-01T10:00:00Z")).unwrap();
    s.start_ready(at("2026-01-01T10:00:00Z"));
    assert_eq!(s.running.len(), 1);
    // The 10:00 copy is still there 5 ms before 10:01: no decision yet
    // (it may end in time), and the loop wakes at 10:01 itself.
    let early = at("2026-01-01T10:00:59.995Z");
    assert!(!s.claim_due(early).unwrap());
    assert_eq!(rows(s.store.as_ref(), "j").len(), 1);
    assert_eq!(s.next_wake(early).0, at("2026-01-01T10:01:00Z"));
}

#[test]
fn an_unusable_row_does_not_hold_the_other_jobs_up() {
    let (_dir, path, mut store) = every_minute("2026-01-01T10:00:10Z");
    // A row whose zone left the tz database, due long ago.
    add(
        store.as_mut(),
        "bad",
        "* * * * *",
        "2026-01-01T09:00:00Z",
        JobOptions::default(),
    );
    drop(store);
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute(
            "UPDATE jobs SET trigger = json_set(trigger, '$.timezone', 'Atlantis/Capital') WHERE id = 'bad'",
            [],
        )
        .unwrap();
    let now = at("2026-01-01T10:00:09.5Z");
    let mut s = scheduler(open(&path), now);
    assert!(!s.claim_due(now).unwrap(), "nothing usable is due");
    // The loop sleeps until j's claim, not a poll's worth at a time.
    let (wake, why) = s.next_wake(now);
    assert_eq!(why, "a claim ahead of the next fire");
    assert!(wake > at("2026-01-01T10:00:09Z") && wake < at("2026-01-01T10:00:10Z"));
    // And it still is skipped, untouched, after j has fired.
    let t = at("2026-01-01T10:00:10Z");
    assert!(s.claim_due(t).unwrap());
    assert!(rows(s.store.as_ref(), "bad").is_empty());
}

#[test]
fn a_clock_step_is_followed_as_cron_does() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.db");
    let mut store = open(&path);
    let utc = chrono_tz::Tz::UTC;
    let o = JobOptions::default;
    add(
        store.as_mut(),
        "wild",
        "* * * * *",
        "2026-01-01T10:01:00Z",
        o(),
    );
    add(
        store.as_mut(),
        "fixed",
        "30 10 * * *",
        "2026-01-01T10:30:00Z",
        o(),
    );
    let every_10m = Trigger::interval(600, at("2026-01-01T09:55:00Z"), utc).unwrap();
    add_trigger(
        store.as_mut(),
        "ival",
        every_10m,
        "2026-01-01T10:05:00Z",
        o(),
    );
    let clock = crate::clock::TestClock::new(at("2026-01-01T10:00:30Z"));
    let mut s = scheduler_with(store, Box::new(clock.clone()));
    let next = |s: &mut Scheduler, id: &str| {
        let job = s.store.job(id).unwrap();
        job.next_run_at.unwrap().format("%H:%M").to_string()
    };
    s.watch_clock();
    clock.advance(std::time::Duration::from_millis(1500));
    s.watch_clock();
    assert_eq!(next(&mut s, "wild"), "10:01", "time passing is not a step");
    // Back by an hour.
    clock.step_to(at("2026-01-01T09:00:32Z"));
    s.watch_clock();
    assert_eq!(next(&mut s, "wild"), "09:01", "wildcard: keeps firing");
    assert_eq!(next(&mut s, "fixed"), "10:30", "fixed time: not repeated");
    assert_eq!(next(&mut s, "ival"), "09:05", "interval: elapsed time");
    let ival = s.store.job("ival").unwrap();
    assert_eq!(ival.trigger.start, Some(at("2026-01-01T08:55:00Z")));
    // Forward by two hours: misfire rules for cron, elapsed time for intervals.
    clock.step_to(at("2026-01-01T11:00:32Z"));
    s.watch_clock();
    assert_eq!(next(&mut s, "wild"), "09:01");
    assert_eq!(next(&mut s, "fixed"), "10:30");
    assert_eq!(next(&mut s, "ival"), "11:05");
}

#[test]
fn a_failed_attempt_is_retried_after_the_doubling_delay() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("jobs.db");
    let mut store = open(&path);
    let options = JobOptions {
        retries: 2,
        retry_delay: 30,
        ..JobOptions::default()
    };
    add(
        store.as_mut(),
        "j",
        "0 * * * *",
        "2026-01-01T10:00:00Z",
        options,
    );
    let now = at("2026-01-01T10:00:00Z");
    let mut s = scheduler(store, now);
    s.claim_due(now).unwrap();
    // The fire fails at 10:00:05 (its child, here, never started).
    let p = s.waiting.pop().unwrap();
    let failed = RunResult {
        exit_code: Some(1),
        ..RunResult::default()
    };
    let ended = at("2026-01-01T10:00:05Z");
    s.end(&Done::pending(&p, Status::Failed), failed.clone(), ended);
    s.flush().unwrap();
    assert_eq!(
        s.store.pending_retries().unwrap(),
        [("j".to_string(), at("2026-01-01T10:00:35Z"), 2)]
    );
    assert_eq!(
        s.store.next_due(&[]).unwrap(),
        Some(at("2026-01-01T10:00:35Z"))
    );
    // Not before its time; at its time, attempt 2 of the first execution.
    assert!(!s.claim_due(at("2026-01-01T10:00:34Z")).unwrap());
    assert!(s.claim_due(at("2026-01-01T10:00:35Z")).unwrap());
    let p = s.waiting.pop().unwrap();
    let (fire, id) = (&p.spec.fire, p.spec.execution_id);
    assert_eq!((fire.attempt, fire.retry_of), (2, Some(id - 1)));
    // It fails too: the next delay is doubled (60 s).
    s.end(
        &Done::pending(&p, Status::Failed),
        failed,
        at("2026-01-01T10:00:40Z"),
    );
    s.flush().unwrap();
    assert_eq!(
        s.store.pending_retries().unwrap(),
        [("j".to_string(), at("2026-01-01T10:01:40Z"), 3)]
    );
}
