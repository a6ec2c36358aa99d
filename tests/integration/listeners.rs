//! Listeners, `--first-run` and `pause --all` with a real runner.

use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{count_executions, file_lines, proc_status, processes_running, Env};

fn run_for(env: &Env, extra: &[&str], done: impl Fn() -> bool, secs: u64) -> String {
    let mut args = vec!["--no-echo"];
    args.extend_from_slice(extra);
    let runner = env.runner("run", &args);
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end && !done() {
        std::thread::sleep(Duration::from_millis(100));
    }
    let ok = done();
    let log = runner.stop();
    assert!(ok, "condition not met in {secs}s; log:\n{log}");
    log
}

#[test]
fn on_failure_gets_the_event_as_json_and_env() {
    let env = Env::new();
    let out = env.path().join("events");
    let listener = format!(
        "{{ cat; echo \"env $TICK_EVENT $TICK_JOB_ID $TICK_STATUS $TICK_EXIT_CODE $TICK_SCHEDULED_AT\"; }} >> {}",
        out.display()
    );
    env.tick(&[
        "add",
        "--id",
        "bad",
        "cron",
        "* * * * * *",
        "--on-failure",
        &listener,
        "--",
        "exit 3",
    ])
    .ok();
    env.tick(&[
        "add",
        "--id",
        "good",
        "cron",
        "* * * * * *",
        "--on-failure",
        &listener,
        "--",
        "true",
    ])
    .ok();
    run_for(&env, &[], || file_lines(&out).len() >= 2, 10);
    let got = file_lines(&out);
    let event: Value = serde_json::from_str(&got[0]).unwrap();
    assert_eq!(event["event"], "error");
    assert_eq!(event["job_id"], "bad");
    assert_eq!(event["status"], "failed");
    assert_eq!(event["exit_code"], 3);
    let at = event["scheduled_at"].as_str().unwrap();
    assert!(at.ends_with('Z') && at.len() == 20, "{at}");
    assert_eq!(got[1], format!("env error bad failed 3 {at}"));
    // The successful job never triggered its on-failure listener.
    assert!(got.iter().all(|l| !l.contains("\"good\"")));
}

#[test]
fn on_event_hears_everything_and_a_slow_listener_delays_nothing() {
    let env = Env::new();
    let out = env.path().join("events");
    let listener = format!("sleep 30; echo late >> {}", out.display());
    let fast = format!("{{ cat; echo; }} >> {}", out.display());
    env.tick(&[
        "add",
        "--id",
        "s",
        "cron",
        "* * * * * *",
        "--on-success",
        &listener,
        "--",
        "true",
    ])
    .ok();
    let db = env.db();
    let count = || count_executions(&db, Some("success"));
    let t0 = Instant::now();
    let reached = std::cell::Cell::new(None);
    let four = || {
        let done = count() >= 4;
        if done && reached.get().is_none() {
            reached.set(Some(t0.elapsed()));
        }
        done
    };
    let log = run_for(&env, &["--on-event", &fast], four, 12);
    // Four fires a second apart although each success starts a 30 s listener.
    assert!(
        reached.get().is_some_and(|t| t < Duration::from_secs(8)),
        "fires were delayed"
    );
    // At the stop, the slow listeners got their grace and were ended.
    assert!(
        log.contains("listener(s) still running 5s after the stop"),
        "{log}"
    );
    let events: Vec<Value> = file_lines(&out)
        .iter()
        .filter(|l| l.starts_with('{'))
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert!(events.len() >= 3, "{events:?}");
    assert!(events
        .iter()
        .all(|e| e["event"] == "executed" && e["status"] == "success"));
}

#[test]
fn a_failing_listener_is_logged_and_the_runner_goes_on() {
    let env = Env::new();
    let marker = env.path().join("ran");
    env.tick(&[
        "add",
        "--id",
        "j",
        "cron",
        "* * * * * *",
        "--on-success",
        "exit 9",
        "--",
        &format!("echo x >> {}", marker.display()),
    ])
    .ok();
    let log = run_for(&env, &[], || file_lines(&marker).len() >= 3, 10);
    assert!(
        log.contains("listener for job j (executed event) failed: 'exit 9' exited with 9"),
        "{log}"
    );
}

#[test]
fn first_run_now_fires_at_once_then_follows_the_trigger() {
    let env = Env::new();
    let out = env.path().join("ran");
    env.tick(&[
        "add",
        "--id",
        "h",
        "--first-run",
        "now",
        "interval",
        "--every",
        "1h",
        "--",
        &format!("echo x >> {}", out.display()),
    ])
    .ok();
    let listed = env.tick(&["list"]).ok();
    assert!(listed.contains("first run)"), "{listed}");
    let j: Value = serde_json::from_str(&env.tick(&["show", "h", "--json"]).ok()).unwrap();
    assert_eq!(j["first_run_at"], j["next_run_at"]);
    let t0 = Instant::now();
    run_for(&env, &[], || file_lines(&out).len() == 1, 5);
    assert!(t0.elapsed() < Duration::from_secs(3));
    let j: Value = serde_json::from_str(&env.tick(&["show", "h", "--json"]).ok()).unwrap();
    let next = chrono::DateTime::parse_from_rfc3339(j["next_run_at"].as_str().unwrap()).unwrap();
    let wait = next.with_timezone(&chrono::Utc) - chrono::Utc::now();
    assert!(
        wait > chrono::Duration::minutes(50),
        "next run {next} should follow the 1h interval"
    );
    let line = env
        .tick(&[
            "add",
            "--first-run",
            "2001-01-01 00:00",
            "cron",
            "@daily",
            "--",
            "x",
        ])
        .usage_error();
    assert!(
        line.contains("--first-run '2001-01-01 00:00' is in the past"),
        "{line}"
    );
}

#[test]
fn pause_all_stops_every_fire_until_resume_all() {
    let env = Env::new();
    for id in ["a", "b"] {
        env.tick(&["add", "--id", id, "cron", "* * * * * *", "--", "true"])
            .ok();
    }
    env.tick(&["pause", "--all"]).ok();
    let db = env.db();
    let count = || count_executions(&db, None);
    let env2 = &env;
    let resumed = std::cell::Cell::new(false);
    let t0 = Instant::now();
    run_for(
        &env,
        &[],
        || {
            if !resumed.get() && t0.elapsed() > Duration::from_secs(3) {
                assert_eq!(count(), 0, "a paused job fired");
                env2.tick(&["resume", "--all"]).ok();
                resumed.set(true);
            }
            resumed.get() && count() >= 4
        },
        12,
    );
}

#[test]
fn slow_listeners_are_bounded_and_ended_at_exit() {
    let env = Env::new();
    env.add_every_second(40, "true");
    // 40 events a second, each starting a listener that sleeps 45 s.
    let sleeper = format!("sleep 4{}", std::process::id() % 1000 + 1000);
    let runner = env.runner("r", &["--no-echo", "--on-event", &sleeper]);
    let (mut most_procs, mut most_threads) = (0, 0);
    for _ in 0..40 {
        std::thread::sleep(Duration::from_millis(100));
        most_procs = most_procs.max(processes_running(&sleeper));
        most_threads = most_threads.max(proc_status(runner.pid() as u32, "Threads"));
    }
    assert_eq!(most_procs, 8, "listeners running at once");
    assert!(most_threads <= 16, "{most_threads} threads in the runner");
    let log = runner.stop();
    assert_eq!(
        log.matches("dropping events until there is room").count(),
        1,
        "{log}"
    );
    assert!(
        log.contains("killed 8 listener(s) still running 5s after the stop"),
        "{log}"
    );
    // Nothing is left behind.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(processes_running(&sleeper), 0);
}
