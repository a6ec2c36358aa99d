//! Pauses with a note and an end (`tick pause --note --until`),
//! `--pause-after-failures` and `--max-runs`, with a real runner.

use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use serde_json::Value;

use crate::util::Env;

/// Poll `job` until its state is `state` (at most `secs`), then wait two
/// seconds more, for a run that should not come.
fn wait_state(job: impl Fn() -> Value, state: &str, secs: u64) {
    let t0 = Instant::now();
    while t0.elapsed() < Duration::from_secs(secs) && job()["state"] != state {
        std::thread::sleep(Duration::from_millis(100));
    }
    std::thread::sleep(Duration::from_millis(2000));
}

fn job_json(env: &Env, id: &str) -> Value {
    let out = env.tick(&["show", id, "--json"]).ok();
    serde_json::from_str::<Value>(&out).unwrap()
}

#[test]
fn a_pause_note_shows_in_list_show_and_json_and_goes_with_resume() {
    let env = Env::new();
    env.add_every_second(1, "true");
    let said = env
        .tick(&[
            "pause",
            "j0",
            "--note",
            "disk replaced",
            "--until",
            "2099-01-01 08:00",
        ])
        .ok();
    assert_eq!(said.trim(), "paused j0");
    let list = env.tick(&["list"]).ok();
    assert!(list.contains("paused*"), "{list}");
    assert!(list.contains("resumes in"), "{list}");
    let show = env.tick(&["show", "j0"]).ok();
    assert!(
        show.contains("disk replaced (until 2099-01-01T08:00:00+00:00)"),
        "{show}"
    );
    let job = job_json(&env, "j0");
    assert_eq!(job["pause_note"], "disk replaced");
    assert_eq!(job["paused_until"], "2099-01-01T08:00:00+00:00");
    env.tick(&["resume", "j0"]).ok();
    let job = job_json(&env, "j0");
    assert_eq!(job["pause_note"], Value::Null);
    assert_eq!(job["paused_until"], Value::Null);
    assert!(!env.tick(&["list"]).ok().contains("paused*"));
}

#[test]
fn a_pause_until_in_the_past_is_refused_and_nothing_is_written() {
    let env = Env::new();
    env.add_every_second(1, "true");
    let err = env
        .tick(&["pause", "j0", "--note", "x", "--until", "2020-01-01 00:00"])
        .usage_error();
    assert!(err.contains("invalid --until '2020-01-01 00:00'"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(job_json(&env, "j0")["state"], "active");
}

#[test]
fn the_runner_resumes_a_job_at_its_pause_until() {
    let env = Env::new();
    resumes_at_until(&env, &[]);
}

#[test]
fn the_runner_resumes_a_job_at_its_pause_until_on_postgres_too() {
    let Some(pg) = crate::postgres::Pg::new() else {
        return;
    };
    let env = Env::new();
    resumes_at_until(&env, &["--db", &pg.url]);
}

/// A job paused `--until` 2 s from now is active again within about a
/// second of it, its end cleared. `db`: the store's words (`--db URL`).
fn resumes_at_until(env: &Env, db: &[&str]) {
    let tick = |words: &[&str]| {
        let words = with(db, words);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        env.tick(&words).ok()
    };
    let job = || serde_json::from_str::<Value>(&tick(&["show", "j0", "--json"])).unwrap();
    tick(&["add", "--id", "j0", "cron", "* * * * * *", "--", "true"]);
    let until = Utc::now() + chrono::Duration::seconds(2);
    let until = chrono::DateTime::from_timestamp(until.timestamp(), 0).unwrap();
    let until_text = until.to_rfc3339_opts(SecondsFormat::Secs, true);
    tick(&["pause", "j0", "--until", &until_text]);
    let runner_words = with(db, &["--no-echo"]);
    let runner_words: Vec<&str> = runner_words.iter().map(String::as_str).collect();
    let runner = env.runner("run", &runner_words);
    let t0 = Instant::now();
    let mut resumed_at = None;
    while t0.elapsed() < Duration::from_secs(6) {
        if job()["state"] == "active" {
            resumed_at = Some(Utc::now());
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = runner.stop();
    let at = resumed_at.unwrap_or_else(|| panic!("not resumed; log:\n{log}"));
    let late = (at - until).num_milliseconds();
    assert!(
        (-100..1000).contains(&late),
        "resumed {late} ms after its --until; log:\n{log}"
    );
    assert_eq!(job()["paused_until"], Value::Null);
    assert!(log.contains("resumed: its pause --until came"), "{log}");
}

#[test]
fn three_failed_runs_in_a_row_pause_the_job_and_say_paused_once() {
    let env = Env::new();
    failures_pause(&env, &[]);
}

#[test]
fn three_failed_runs_in_a_row_pause_the_job_on_postgres_too() {
    let Some(pg) = crate::postgres::Pg::new() else {
        return;
    };
    let env = Env::new();
    failures_pause(&env, &["--db", &pg.url]);
}

#[test]
fn a_failed_attempt_that_is_retried_does_not_count_as_a_failed_run() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "flaky",
        "interval",
        "--every",
        "3s",
        "--retries",
        "1",
        "--retry-delay",
        "1s",
        "--pause-after-failures",
        "2",
        "--",
        "exit 1",
    ])
    .ok();
    let runner = env.runner("run", &["--no-echo"]);
    wait_state(|| job_json(&env, "flaky"), "paused", 15);
    let log = runner.stop();
    let job = job_json(&env, "flaky");
    assert_eq!(
        job["pause_note"], "paused after 2 failed runs in a row",
        "{log}"
    );
    // Two runs of two attempts each: four failed executions, not two.
    let runs = job["executions"].as_array().unwrap();
    let attempts: Vec<i64> = runs
        .iter()
        .map(|r| r["attempt"].as_i64().unwrap())
        .collect();
    assert_eq!(attempts, [2, 1, 2, 1], "{runs:?}\n{log}");
}

/// `tick DB...`'s words as a list.
fn with(db: &[&str], words: &[&str]) -> Vec<String> {
    db.iter().chain(words).map(|w| w.to_string()).collect()
}

/// A job failing every second with `--pause-after-failures 3` ends paused
/// after exactly 3 runs, with its note; `--on-event` and a `--notify`
/// webhook each hear one `paused`. `db`: the store's words (`--db URL`).
fn failures_pause(env: &Env, db: &[&str]) {
    let hook = crate::notify::Receiver::start();
    let url = hook.url();
    let tick = |words: &[&str]| {
        let words = with(db, words);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        env.tick(&words).ok()
    };
    let job = || serde_json::from_str::<Value>(&tick(&["show", "bad", "--json"])).unwrap();
    tick(&[
        "add",
        "--id",
        "bad",
        "cron",
        "* * * * * *",
        "--pause-after-failures",
        "3",
        "--notify",
        &url,
        "--notify-on",
        "failure,paused",
        "--",
        "exit 1",
    ]);
    assert!(tick(&["show", "bad"]).contains("3 failed runs in a row"));
    let events = env.path().join("events");
    let listener = format!("{{ cat; echo; }} >> {}", events.display());
    let runner = env.runner(
        "run",
        &with(db, &["--no-echo", "--on-event", &listener])
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>(),
    );
    wait_state(job, "paused", 10);
    hook.wait("paused", 5);
    let log = runner.stop();
    let job = job();
    assert_eq!(job["state"], "paused", "{log}");
    assert_eq!(job["pause_note"], "paused after 3 failed runs in a row");
    let runs = job["executions"].as_array().unwrap();
    assert_eq!(runs.len(), 3, "{runs:?}\n{log}");
    assert!(runs.iter().all(|r| r["status"] == "failed"), "{runs:?}");
    let told = std::fs::read_to_string(&events).unwrap_or_default();
    let told: Vec<Value> = told
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let paused: Vec<&Value> = told.iter().filter(|e| e["event"] == "paused").collect();
    assert_eq!(paused.len(), 1, "{told:?}");
    assert_eq!(paused[0]["reason"], "paused after 3 failed runs in a row");
    let said = hook.events();
    assert_eq!(
        said.iter().filter(|e| *e == "paused").count(),
        1,
        "{said:?}"
    );
    assert!(tick(&["list"]).contains("paused*"));
}

#[test]
fn max_runs_3_runs_an_every_second_job_exactly_3_times_then_finishes() {
    let env = Env::new();
    max_runs(&env, &[]);
}

#[test]
fn max_runs_holds_on_postgres_too() {
    let Some(pg) = crate::postgres::Pg::new() else {
        return;
    };
    let env = Env::new();
    max_runs(&env, &["--db", &pg.url]);
}

/// `--max-runs 3` on an every-second job: 3 executions, state finished,
/// `show` counting down. `db`: the store's words (`--db URL`).
fn max_runs(env: &Env, db: &[&str]) {
    let tick = |words: &[&str]| {
        let words = with(db, words);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        env.tick(&words).ok()
    };
    let job = || serde_json::from_str::<Value>(&tick(&["show", "three", "--json"])).unwrap();
    tick(&[
        "add",
        "--id",
        "three",
        "--max-runs",
        "3",
        "cron",
        "* * * * * *",
        "--",
        "true",
    ]);
    assert!(tick(&["show", "three"]).contains("3 (3 left)"));
    let runner_words = with(db, &["--no-echo"]);
    let runner_words: Vec<&str> = runner_words.iter().map(String::as_str).collect();
    let runner = env.runner("run", &runner_words);
    wait_state(job, "finished", 10);
    let log = runner.stop();
    let job = job();
    assert_eq!(job["state"], "finished", "{log}");
    assert_eq!(job["runs_left"], 0);
    assert_eq!(job["next_run_at"], Value::Null);
    let runs = job["executions"].as_array().unwrap();
    assert_eq!(runs.len(), 3, "{runs:?}\n{log}");
    assert!(runs.iter().all(|r| r["status"] == "success"), "{runs:?}");
    assert!(tick(&["show", "three"]).contains("3 (0 left)"));
}
