//! Issue 18, everyday use: what a newcomer trips over. Each test names the
//! trap it closes: no runner said, system crontabs, the crontab round trip,
//! names, the table's width, typos, mistakes caught at add, watching a job,
//! `tick fire` and listeners.

use std::time::Duration;

use serde_json::Value;

use crate::util::{wait_for, Env};

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn history(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["history", "--json"];
    all.extend_from_slice(args);
    json(&env.tick(&all).ok()).as_array().unwrap().clone()
}

/// Lines of a file written by a listener (`cat >> FILE`), as JSON.
fn events(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(json)
        .collect()
}

#[test]
fn missed_and_skipped_rows_keep_their_reason() {
    let env = Env::new();
    let events_file = env.path().join("events");
    // Due every second, allowed 1 s late, each fire on its own: after 3 s
    // without a runner, the oldest fires of the backlog are missed.
    env.tick(&[
        "add",
        "--id",
        "late",
        "cron",
        "* * * * * *",
        "--misfire-grace",
        "1s",
        "--no-coalesce",
        "--",
        "true",
    ])
    .ok();
    // Runs 3 s, fires every second, one copy at a time: the next is skipped.
    env.tick(&[
        "add", "--id", "long", "cron", "* * * * * *", "--paused", "--", "sleep 3",
    ])
    .ok();
    std::thread::sleep(Duration::from_millis(3200));
    env.tick(&["resume", "long"]).ok();
    let on_event = format!("cat >> {}", events_file.display());
    let runner = env.runner("run", &["--no-echo", "--on-event", &on_event]);
    wait_for("a missed and a skipped event", 15, || {
        let got = events(&events_file);
        got.iter().any(|e| e["event"] == "missed")
            && got
                .iter()
                .any(|e| e["event"] == "skipped" && e["job_id"] == "long")
    });
    let log = runner.stop_killing();
    let rows = history(&env, &["--limit", "100"]);
    let missed = rows
        .iter()
        .find(|r| r["status"] == "missed")
        .unwrap_or_else(|| panic!("no missed row: {rows:?}\n{log}"));
    let reason = missed["reason"].as_str().unwrap();
    assert!(
        reason.ends_with("late, more than its misfire grace of 1s"),
        "{reason}"
    );
    let skipped = rows
        .iter()
        .find(|r| r["status"] == "skipped" && r["job_id"] == "long")
        .unwrap();
    assert_eq!(
        skipped["reason"],
        "1 instance(s) already running (--max-instances 1)"
    );
    assert!(rows
        .iter()
        .filter(|r| r["status"] == "success")
        .all(|r| r["reason"].is_null()));
    // The table says why too, and so do the listeners, with the row's id.
    let table = env.tick(&["history", "late"]).ok();
    assert!(table.lines().next().unwrap().ends_with("REASON"), "{table}");
    assert!(table.contains(reason), "{table}");
    let got = events(&events_file);
    let event = got.iter().find(|e| e["event"] == "missed").unwrap();
    assert_eq!(event["execution_id"], missed["id"]);
    assert_eq!(event["reason"], missed["reason"]);
    let event = got
        .iter()
        .find(|e| e["event"] == "skipped" && e["job_id"] == "long")
        .unwrap();
    assert_eq!(event["execution_id"], skipped["id"]);
    // `tick logs` shows the latest execution that ran, not the skipped row
    // after it; given the skipped row's id, it says why.
    let logs = env.tick(&["logs", "long"]).ok();
    assert!(logs.starts_with("execution "), "{logs}");
    assert!(!logs.contains("skipped"), "{logs}");
    let id = skipped["id"].to_string();
    let logs = env.tick(&["logs", "long", "--execution", &id]).ok();
    assert!(
        logs.lines().next().unwrap().ends_with(
            "(1 instance(s) already running (--max-instances 1))"
        ),
        "{logs}"
    );
}

#[test]
fn logs_of_a_job_that_only_missed_says_why() {
    let env = Env::new();
    env.tick(&[
        "add", "--id", "once", "date", "--in", "1s", "--misfire-grace", "1s", "--", "true",
    ])
    .ok();
    std::thread::sleep(Duration::from_millis(3500));
    let runner = env.runner("run", &["--no-echo"]);
    runner.wait_log("missed its", 10);
    drop(runner);
    let line = env.tick(&["logs", "once"]).usage_error();
    assert!(
        line.starts_with("error: job 'once' has not run yet: its latest fire was missed, ")
            && line.ends_with("late, more than its misfire grace of 1s (see 'tick history once')"),
        "{line}"
    );
}
