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

// 1. Nothing said that no scheduler is running.

#[test]
fn without_a_runner_add_list_and_show_say_so_on_a_terminal() {
    let env = Env::new();
    let Some(add) = env
        .tick(&["add", "--id", "sec", "cron", "* * * * * *", "--", "true"])
        .on_terminal(10)
    else {
        return;
    };
    let note = "note: no tick run is running on ";
    let out = String::from_utf8(add.output().stdout).unwrap();
    assert!(out.starts_with("sec\r\n"), "{out}");
    assert!(out.contains(note), "{out}");
    assert!(out.contains("start one with 'tick run'"), "{out}");
    assert!(out.contains("\"Running it in production\" in the README"), "{out}");
    std::thread::sleep(Duration::from_millis(1500));
    for args in [&["list"][..], &["show", "sec"]] {
        let out = env.tick(args).on_terminal(10).unwrap().output();
        let out = String::from_utf8(out.stdout).unwrap();
        assert!(out.contains(note), "{out}");
        // The next run passed and nothing ran it.
        assert!(out.contains(" ago, overdue)"), "{out}");
    }
    // Piped (a script), nothing is said on stderr, and -q says nothing.
    assert!(env.tick(&["list"]).ok().contains(", overdue)"));
    let out = env.tick(&["-q", "list"]).on_terminal(10).unwrap().output();
    assert!(!String::from_utf8(out.stdout).unwrap().contains(note));

    let runner = env.runner("run", &["--no-echo"]);
    runner.wait_log("scheduler started", 10);
    wait_for("the runner to fire", 10, || {
        !env.tick(&["list"]).ok().contains("overdue")
    });
    for args in [&["list"][..], &["show", "sec"]] {
        let out = env.tick(args).on_terminal(10).unwrap().output();
        let out = String::from_utf8(out.stdout).unwrap();
        assert!(!out.contains(note) && !out.contains("overdue"), "{out}");
    }
    // A runner killed with SIGKILL is known gone at once, not after its lease.
    runner.kill9();
    let out = env.tick(&["list"]).on_terminal(10).unwrap().output();
    assert!(String::from_utf8(out.stdout).unwrap().contains(note));
}

#[test]
fn status_says_whether_a_runner_is_alive_and_how_the_jobs_stand() {
    let env = Env::new();
    let status = env.tick(&["status"]).ok();
    assert!(status.contains("(not created yet)"), "{status}");
    assert!(
        status.contains("runner:       none, so no job will fire: start one with 'tick run'"),
        "{status}"
    );
    env.tick(&["add", "--id", "bad", "--name", "nightly", "cron", "@daily", "--", "exit 7"])
        .ok();
    env.tick(&["add", "--id", "p", "--paused", "cron", "@daily", "--", "true"])
        .ok();
    let out = env.tick(&["fire", "bad"]).output();
    assert_eq!(out.status.code(), Some(7));
    let s = json(&env.tick(&["status", "--json"]).ok());
    assert!(s["runner"].is_null());
    assert_eq!(s["jobs"], json(r#"{"active": 1, "paused": 1, "finished": 0}"#));
    assert_eq!(s["next_fire"]["job_id"], "bad");
    assert_eq!(s["next_fire"]["overdue"], false);
    assert_eq!(s["last_failure"]["job_id"], "bad");
    assert_eq!(s["last_failure"]["exit_code"], 7);
    assert!(s["jobs_file"].as_str().unwrap().ends_with("jobs.db"));
    let text = env.tick(&["status"]).ok();
    assert!(text.contains("jobs:         1 active, 1 paused, 0 finished"), "{text}");
    assert!(text.contains("): bad (nightly)\n"), "{text}");
    assert!(
        text.contains("bad (nightly) failed with exit code 7 (execution 1; tick logs bad --execution 1)"),
        "{text}"
    );

    let runner = env.runner("run", &["--no-echo", "--name", "desk"]);
    runner.wait_log("scheduler started", 10);
    let s = json(&env.tick(&["status", "--json"]).ok());
    assert_eq!(s["runner"]["name"], "desk");
    assert_eq!(s["runner"]["pid"], runner.pid());
    assert_eq!(s["runner"]["lease_seconds"], 30);
    let text = env.tick(&["status"]).ok();
    assert!(
        text.contains(&format!("runner:       alive: desk (pid {} on ", runner.pid())),
        "{text}"
    );
    runner.stop();
    assert!(json(&env.tick(&["status", "--json"]).ok())["runner"].is_null());
}
