//! `tick history`, `tick logs`, `tick fire`, retention and `tick prune`.

use serde_json::Value;

use crate::util::Env;

fn history(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["history", "--json"];
    all.extend_from_slice(args);
    serde_json::from_str::<Value>(&env.tick(&all).ok())
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn fire(env: &Env, args: &[&str]) -> std::process::Output {
    let mut all = vec!["fire"];
    all.extend_from_slice(args);
    env.tick(&all).output()
}

#[test]
fn fire_runs_now_records_and_passes_the_exit_status_on() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "ok",
        "interval",
        "--every",
        "1h",
        "--env",
        "WHO=tick",
        "--",
        "echo \"hi $WHO $TICK_JOB_ID\"; echo warn >&2",
    ])
    .ok();
    env.tick(&[
        "add", "--id", "bad", "interval", "--every", "1h", "--", "exit 7",
    ])
    .ok();
    env.tick(&[
        "add",
        "--id",
        "sig",
        "interval",
        "--every",
        "1h",
        "--",
        "kill -KILL $$",
    ])
    .ok();
    let out = fire(&env, &["ok"]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "hi tick ok\n");
    assert_eq!(String::from_utf8_lossy(&out.stderr), "warn\n");
    assert_eq!(fire(&env, &["bad"]).status.code(), Some(7));
    assert_eq!(fire(&env, &["sig"]).status.code(), Some(128 + 9));
    let h = history(&env, &[]);
    let statuses: Vec<&str> = h.iter().map(|e| e["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["killed", "failed", "success"], "newest first");
    assert_eq!(h[0]["signal"], 9);
    assert_eq!(h[1]["exit_code"], 7);
    assert!(h[2]["duration_ms"].as_i64().unwrap() >= 0);
    for field in [
        "id",
        "job_id",
        "job_name",
        "command",
        "scheduled_at",
        "started_at",
        "finished_at",
    ] {
        assert!(h[2].get(field).is_some(), "{field}");
    }
}

#[test]
fn fire_timeout_kills_the_group_and_exits_124() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "slow",
        "interval",
        "--every",
        "1h",
        "--",
        "sleep 30 & wait",
    ])
    .ok();
    let t0 = std::time::Instant::now();
    let out = fire(&env, &["slow", "--timeout", "1s"]);
    assert_eq!(out.status.code(), Some(124));
    assert!(t0.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(history(&env, &["slow"])[0]["status"], "timeout");
}

#[test]
fn logs_show_the_latest_or_a_given_execution() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "j",
        "interval",
        "--every",
        "1h",
        "--",
        "echo run; echo oops >&2",
    ])
    .ok();
    fire(&env, &["j"]);
    env.tick(&["modify", "j", "--command", "echo second"]).ok();
    fire(&env, &["j"]);
    let latest = env.tick(&["logs", "j"]).ok();
    assert!(latest.starts_with("execution 2 of j: success"), "{latest}");
    assert!(
        latest.ends_with("==> stdout <==\nsecond\n==> stderr <==\n"),
        "{latest}"
    );
    let first = env.tick(&["logs", "j", "--execution", "1"]).ok();
    assert!(
        first.ends_with("==> stdout <==\nrun\n==> stderr <==\noops\n"),
        "{first}"
    );
    // History keeps the command as it was.
    let h = history(&env, &["j"]);
    assert_eq!(h[1]["command"], "echo run; echo oops >&2");
}

#[test]
fn logs_mark_where_the_start_was_cut_off() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "big",
        "interval",
        "--every",
        "1h",
        "--",
        "head -c 50000000 /dev/zero | tr '\\0' y; printf END",
    ])
    .ok();
    let out = env.tick(&["fire", "big"]).output();
    assert!(out.status.success());
    assert_eq!(out.stdout.len(), 50_000_003, "fire echoes everything");
    let logs = env.tick(&["logs", "big"]).ok();
    assert!(logs.contains(
        "==> stdout <==\n[... earlier output cut: only the last 64 KiB were kept ...]\n"
    ));
    assert!(logs.contains("yyyEND\n==> stderr <=="));
}

#[test]
fn history_of_removed_jobs_and_filters() {
    let env = Env::new();
    env.tick(&[
        "add", "--id", "gone", "--name", "Old job", "interval", "--every", "1h", "--", "exit 1",
    ])
    .ok();
    env.tick(&[
        "add", "--id", "kept", "interval", "--every", "1h", "--", "true",
    ])
    .ok();
    fire(&env, &["gone"]);
    fire(&env, &["kept"]);
    fire(&env, &["kept"]);
    env.tick(&["remove", "gone"]).ok();
    let h = history(&env, &["gone"]);
    assert_eq!(h.len(), 1);
    assert_eq!(h[0]["job_name"], "Old job");
    assert_eq!(history(&env, &["--status", "success"]).len(), 2);
    assert_eq!(history(&env, &["--limit", "1"]).len(), 1);
    let table = env.tick(&["history"]).ok();
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        [
            "EXEC",
            "JOB",
            "SCHEDULED",
            "STARTED",
            "DURATION",
            "STATUS",
            "EXIT"
        ]
    );
    assert!(table.contains("gone (Old job)"), "{table}");
}

#[test]
fn retention_keeps_the_newest_executions() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "r",
        "--keep-history",
        "3",
        "interval",
        "--every",
        "1h",
        "--",
        "true",
    ])
    .ok();
    for _ in 0..5 {
        fire(&env, &["r"]);
    }
    let ids: Vec<i64> = history(&env, &["r"])
        .iter()
        .map(|e| e["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [5, 4, 3]);
    assert_eq!(
        serde_json::from_str::<Value>(&env.tick(&["show", "r", "--json"]).ok()).unwrap()
            ["keep_history"],
        3
    );
}

#[test]
fn prune_deletes_old_history() {
    let env = Env::new();
    env.tick(&[
        "add", "--id", "p", "interval", "--every", "1h", "--", "true",
    ])
    .ok();
    fire(&env, &["p"]);
    assert_eq!(
        env.tick(&["prune", "--older-than", "1d"]).ok(),
        "deleted 0 execution(s) older than 1d\n"
    );
    std::thread::sleep(std::time::Duration::from_millis(1100));
    assert_eq!(
        env.tick(&["prune", "--older-than", "1s"]).ok(),
        "deleted 1 execution(s) older than 1s\n"
    );
    assert!(history(&env, &[]).is_empty());
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let env = Env::new();
    env.tick(&[
        "add", "--id", "a", "interval", "--every", "1h", "--", "true",
    ])
    .ok();
    fire(&env, &["a"]);
    let before = env.snapshot();
    let cases: &[(&[&str], &str)] = &[
        (
            &["history", "nope"],
            "unknown job 'nope': no job or history has that id",
        ),
        (
            &["history", "--status", "weird"],
            "possible values: running, success",
        ),
        (&["history", "--limit", "-1"], "unexpected argument"),
        (
            &["logs", "nope"],
            "unknown job 'nope': no job or history has that id",
        ),
        (
            &["logs", "a", "--execution", "99"],
            "job 'a' has no execution 99",
        ),
        (
            &["fire", "nope"],
            "unknown job 'nope': no job has that id or name",
        ),
        (
            &["fire", "a", "--timeout", "soon"],
            "--timeout: invalid duration 'soon'",
        ),
        (
            &["prune", "--older-than", "forever"],
            "--older-than: invalid duration 'forever'",
        ),
        (&["prune"], "required"),
        (
            &["add", "--keep-history", "0", "cron", "@daily", "--", "x"],
            "--keep-history 0",
        ),
    ];
    for (args, expected) in cases {
        let line = env.tick(args).usage_error();
        assert!(line.contains(expected), "{args:?}: {line}");
        assert_eq!(env.snapshot(), before, "{args:?} changed the file");
    }
}
