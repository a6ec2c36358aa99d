//! Retries with backoff, end to end: real processes, one-second delays.

use std::path::Path;

use serde_json::Value;

use crate::util::{file_lines, wait_for, Env};

/// The job's executions, oldest first, as `history --json` gives them.
fn attempts(env: &Env, job: &str) -> Vec<Value> {
    let out = env.tick(&["history", job, "--json"]).ok();
    let mut rows: Vec<Value> = serde_json::from_str(&out).unwrap();
    rows.reverse();
    rows
}

/// A command that fails until its `n`-th run, counting runs in `counter`.
fn fails_until(counter: &Path, n: u32) -> String {
    let c = counter.display();
    format!("n=$(($(cat {c} 2>/dev/null || echo 0) + 1)); echo $n > {c}; [ $n -ge {n} ]")
}

#[test]
fn a_command_that_fails_twice_then_succeeds_is_attempted_three_times() {
    let env = Env::new();
    let counter = env.path().join("count");
    let failures = env.path().join("failures");
    let events = env.path().join("events");
    env.tick(&[
        "add",
        "--id",
        "flaky",
        "date",
        "--in",
        "1s",
        "--retries",
        "3",
        "--retry-delay",
        "1s",
        "--on-failure",
        &format!("echo $TICK_STATUS >> {}", failures.display()),
        "--",
        &fails_until(&counter, 3),
    ])
    .ok();
    let on_event = format!("cat >> {}; echo >> {}", events.display(), events.display());
    let runner = env.runner("r", &["--no-echo", "--on-event", &on_event]);
    wait_for("the third attempt to succeed", 20, || {
        attempts(&env, "flaky")
            .last()
            .is_some_and(|e| e["status"] == "success")
    });
    std::thread::sleep(std::time::Duration::from_millis(300));
    runner.stop();
    let rows = attempts(&env, "flaky");
    let summary: Vec<(String, u64)> = rows
        .iter()
        .map(|e| {
            (
                e["status"].as_str().unwrap().to_string(),
                e["attempt"].as_u64().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("failed".into(), 1),
            ("failed".into(), 2),
            ("success".into(), 3)
        ]
    );
    let first = rows[0]["id"].as_i64().unwrap();
    assert_eq!(rows[0]["retry_of"], Value::Null);
    assert_eq!(rows[1]["retry_of"], first);
    assert_eq!(rows[2]["retry_of"], first);
    // The delay doubles: 1 s, then 2 s.
    let start = |e: &Value| {
        chrono::DateTime::parse_from_rfc3339(e["started_at"].as_str().unwrap()).unwrap()
    };
    let gap = |a: &Value, b: &Value| (start(b) - start(a)).num_milliseconds();
    assert!(
        (1000..1900).contains(&gap(&rows[0], &rows[1])),
        "{}",
        gap(&rows[0], &rows[1])
    );
    assert!(
        (2000..2900).contains(&gap(&rows[1], &rows[2])),
        "{}",
        gap(&rows[1], &rows[2])
    );
    assert!(
        file_lines(&failures).is_empty(),
        "on-failure runs after the last attempt only"
    );
    let events: Vec<Value> = file_lines(&events)
        .iter()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    let names: Vec<&str> = events
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["retry", "retry", "executed"]);
    assert_eq!(events[0]["attempt"], 1);
    assert!(events[0]["next_attempt_at"].is_string());
}

#[test]
fn a_command_that_always_fails_runs_retries_plus_one_times_and_on_failure_once() {
    let env = Env::new();
    let failures = env.path().join("failures");
    env.tick(&[
        "add",
        "--id",
        "bad",
        "date",
        "--in",
        "1s",
        "--retries",
        "2",
        "--retry-delay",
        "1s",
        "--on-failure",
        &format!("echo $TICK_ATTEMPT >> {}", failures.display()),
        "--",
        "exit 3",
    ])
    .ok();
    let runner = env.runner("r", &["--no-echo"]);
    wait_for("three failed attempts and the listener", 20, || {
        attempts(&env, "bad").len() == 3 && !file_lines(&failures).is_empty()
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    runner.stop();
    let rows = attempts(&env, "bad");
    assert_eq!(rows.len(), 3, "no fourth attempt: {rows:?}");
    assert!(rows
        .iter()
        .all(|e| e["status"] == "failed" && e["exit_code"] == 3));
    assert_eq!(
        file_lines(&failures),
        ["3"],
        "on-failure once, after attempt 3"
    );
}

#[test]
fn a_pending_retry_survives_a_kill_9_and_runs_once() {
    let env = Env::new();
    let counter = env.path().join("count");
    env.tick(&[
        "add",
        "--id",
        "flaky",
        "date",
        "--in",
        "1s",
        "--retries",
        "1",
        "--retry-delay",
        "4s",
        "--",
        &fails_until(&counter, 2),
    ])
    .ok();
    let first = env.runner("first", &["--no-echo"]);
    wait_for("the first attempt to fail", 10, || {
        attempts(&env, "flaky")
            .first()
            .is_some_and(|e| e["status"] == "failed")
    });
    let listed = env.tick(&["list", "--all"]).ok();
    assert!(
        listed.contains("failed") && listed.contains("retry 1/1 in"),
        "{listed}"
    );
    first.kill9();
    let second = env.runner("second", &["--no-echo"]);
    wait_for("the retry to succeed", 15, || {
        attempts(&env, "flaky")
            .last()
            .is_some_and(|e| e["status"] == "success")
    });
    std::thread::sleep(std::time::Duration::from_millis(500));
    second.stop();
    assert_eq!(
        file_lines(&counter),
        ["2"],
        "two runs of the command in all"
    );
    assert_eq!(attempts(&env, "flaky").len(), 2);
}

#[test]
fn the_next_fire_supersedes_a_later_retry_and_pause_drops_one() {
    let env = Env::new();
    // Fails every second; a retry 5 s later always comes after the next fire.
    env.tick(&[
        "add",
        "--id",
        "sec",
        "cron",
        "* * * * * *",
        "--retries",
        "1",
        "--retry-delay",
        "5s",
        "--",
        "exit 1",
    ])
    .ok();
    // Fails once, retried 3 s later, paused meanwhile.
    env.tick(&[
        "add",
        "--id",
        "paused",
        "date",
        "--in",
        "1s",
        "--retries",
        "1",
        "--retry-delay",
        "3s",
        "--",
        "exit 1",
    ])
    .ok();
    let runner = env.runner("r", &["--no-echo"]);
    wait_for("a failed attempt of each", 10, || {
        attempts(&env, "paused").len() == 1 && attempts(&env, "sec").len() >= 3
    });
    env.tick(&["pause", "paused"]).ok();
    std::thread::sleep(std::time::Duration::from_secs(4));
    runner.stop();
    assert_eq!(
        attempts(&env, "paused").len(),
        1,
        "pausing dropped the retry"
    );
    let sec = attempts(&env, "sec");
    let skipped: Vec<&Value> = sec.iter().filter(|e| e["status"] == "skipped").collect();
    assert!(!skipped.is_empty(), "{sec:?}");
    assert!(skipped.iter().all(|e| e["attempt"] == 2
        && e["retry_of"].is_i64()
        && e["reason"] == "superseded by the next fire"));
    assert!(sec.iter().all(|e| e["status"] != "running"));
    assert!(
        sec.iter()
            .filter(|e| e["attempt"] == 2)
            .all(|e| e["status"] == "skipped"),
        "no retry ran: each was superseded"
    );
}

#[test]
fn tick_fire_runs_once_unless_asked_for_retries() {
    let env = Env::new();
    let counter = env.path().join("count");
    env.tick(&[
        "add",
        "--id",
        "flaky",
        "cron",
        "@yearly",
        "--retries",
        "5",
        "--retry-delay",
        "1s",
        "--",
        &fails_until(&counter, 3),
    ])
    .ok();
    let out = env.tick(&["fire", "flaky"]).output();
    assert_eq!(
        out.status.code(),
        Some(1),
        "once, whatever the job's --retries"
    );
    assert_eq!(attempts(&env, "flaky").len(), 1);
    let out = env.tick(&["fire", "flaky", "--retries", "1"]).output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows = attempts(&env, "flaky");
    let last: Vec<u64> = rows
        .iter()
        .map(|e| e["attempt"].as_u64().unwrap())
        .collect();
    assert_eq!(last, [1, 1, 2]);
    let err = env
        .tick(&["fire", "flaky", "--retries", "101"])
        .usage_error();
    assert_eq!(err, "error: invalid --retries 101: at most 100");
}

#[test]
fn retry_options_are_shown_and_validated() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "r",
        "cron",
        "@daily",
        "--retries",
        "3",
        "--retry-delay",
        "1m",
        "--retry-max-delay",
        "10m",
        "--",
        "true",
    ])
    .ok();
    let shown = env.tick(&["show", "r"]).ok();
    assert!(
        shown.contains("3 (after 1m, doubling up to 10m)"),
        "{shown}"
    );
    let json: Value = serde_json::from_str(&env.tick(&["show", "r", "--json"]).ok()).unwrap();
    assert_eq!(json["retries"], 3);
    assert_eq!(json["retry_delay_seconds"], 60);
    assert_eq!(json["retry_max_delay_seconds"], 600);
    let before = env.snapshot();
    assert_eq!(
        env.tick(&["modify", "r", "--retry-max-delay", "30s"])
            .usage_error(),
        "error: invalid --retry-max-delay '30s': it is shorter than --retry-delay '1m'"
    );
    assert_eq!(
        env.tick(&["add", "cron", "@daily", "--retries", "101", "--", "true"])
            .usage_error(),
        "error: invalid --retries 101: at most 100"
    );
    assert_eq!(env.snapshot(), before, "nothing written");
    env.tick(&["modify", "r", "--retries", "0"]).ok();
    let json: Value = serde_json::from_str(&env.tick(&["show", "r", "--json"]).ok()).unwrap();
    assert_eq!(json["retries"], 0);
}

#[test]
fn export_warns_that_retries_are_left_out() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "r",
        "cron",
        "@daily",
        "--retries",
        "2",
        "--",
        "true",
    ])
    .ok();
    let (out, err) = env.tick(&["export"]).ok_and_stderr();
    assert!(out.contains("@daily true"), "{out}");
    // (Without --cwd too: `tick add` records the folder it ran in.)
    assert!(
        err.lines()
            .any(|l| l.contains("job r: exported without") && l.contains("--retries")),
        "{err}"
    );
}
