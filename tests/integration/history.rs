//! `tick history`, `tick logs`, `tick fire`, retention and `tick prune`.

use std::time::Duration;

use serde_json::Value;

use crate::util::{wait_for, Env, Reaped};

pub(crate) fn history(env: &Env, args: &[&str]) -> Vec<Value> {
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

#[test]
fn history_times_keep_their_milliseconds() {
    let env = Env::new();
    env.tick(&["add", "--id", "s", "cron", "* * * * * *", "--", "sleep 0.2"])
        .ok();
    let runner = env.runner("r", &["--no-echo"]);
    crate::util::wait_for("two runs", 10, || {
        history(&env, &["s"])
            .iter()
            .filter(|e| e["status"] == "success")
            .count()
            >= 2
    });
    runner.stop();
    let parse =
        |v: &serde_json::Value| chrono::DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap();
    for e in history(&env, &["s"]) {
        let (scheduled, started, finished) = (
            parse(&e["scheduled_at"]),
            parse(&e["started_at"]),
            parse(&e["finished_at"]),
        );
        assert!(e["started_at"].as_str().unwrap().contains('.'), "{e}");
        // The printed times give the duration to the millisecond...
        assert_eq!(
            (finished - started).num_milliseconds(),
            e["duration_ms"].as_i64().unwrap()
        );
        // ...and a lateness that is not whole seconds.
        let late = (started - scheduled).num_milliseconds();
        assert!((0..1000).contains(&late), "late by {late} ms");
    }
}

// Issue 18.9: missed and skipped rows keep their reason.

fn events(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
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
        "add",
        "--id",
        "long",
        "cron",
        "* * * * * *",
        "--paused",
        "--",
        "sleep 3",
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
    let event = got
        .iter()
        .find(|e| e["event"] == "missed" && e["execution_id"] == missed["id"])
        .unwrap_or_else(|| panic!("no missed event with the row's id: {got:?}"));
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
        logs.lines()
            .next()
            .unwrap()
            .ends_with("(1 instance(s) already running (--max-instances 1))"),
        "{logs}"
    );
}

#[test]
fn logs_of_a_job_that_only_missed_says_why() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "once",
        "date",
        "--in",
        "1s",
        "--misfire-grace",
        "1s",
        "--",
        "true",
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

// Issue 18.9: watching a job.

/// `tick logs ARGS...` in the background: its stdout lines as they come,
/// each with when it came.
fn follow(
    env: &Env,
    args: &[&str],
) -> (
    Reaped,
    std::sync::mpsc::Receiver<(std::time::Instant, String)>,
) {
    use std::io::BufRead;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tick"));
    cmd.args(args)
        .env("TICK_DB", env.db())
        .env("TZ", "UTC")
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = tx.send((std::time::Instant::now(), line.unwrap()));
        }
    });
    (Reaped(child), rx)
}

#[test]
fn logs_follow_shows_a_running_execution_as_it_comes() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "slow",
        "date",
        "--in",
        "1s",
        "--",
        "echo start; echo oops >&2; sleep 3; echo end",
    ])
    .ok();
    let runner = env.runner("run", &["--no-echo"]);
    runner.wait_log("job slow started", 10);
    let (mut child, lines) = follow(&env, &["logs", "slow", "--follow"]);
    let began = std::time::Instant::now();
    let mut got = Vec::new();
    while let Ok((at, line)) = lines.recv_timeout(Duration::from_secs(10)) {
        got.push((at.duration_since(began), line));
    }
    let status = child
        .wait_exit(10)
        .expect("logs --follow did not end with the execution");
    assert!(status.success());
    let text: Vec<&str> = got.iter().map(|(_, l)| l.as_str()).collect();
    assert!(
        text[0].starts_with("execution 1 of slow: running, "),
        "{text:?}"
    );
    assert!(
        text.last()
            .unwrap()
            .starts_with("execution 1 of slow: success in 3."),
        "{text:?}"
    );
    for want in ["==> stdout <==", "start", "==> stderr <==", "oops", "end"] {
        assert!(text.contains(&want), "{want} not in {text:?}");
    }
    // "start" came while the job still ran, well before "end".
    let when = |l: &str| got.iter().find(|(_, t)| t == l).unwrap().0;
    assert!(
        when("start") + Duration::from_millis(1000) < when("end"),
        "{got:?}"
    );
    runner.stop();
    // Once it ended, --follow prints it like logs and returns.
    let out = env.tick(&["logs", "slow", "-f"]).ok();
    assert!(
        out.starts_with("execution 1 of slow: success in 3."),
        "{out}"
    );
    assert!(
        out.contains("==> stdout <==\nstart\nend\n==> stderr <==\noops\n"),
        "{out}"
    );
}

/// `logs --follow` on a job that has not run yet waits for its first
/// execution, then follows it to its end (issue 26, point 10).
#[test]
fn logs_follow_waits_for_a_job_that_has_not_run_yet() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "soon",
        "date",
        "--in",
        "2s",
        "--",
        "echo start; sleep 1; echo end",
    ])
    .ok();
    let (mut child, lines) = follow(&env, &["logs", "soon", "--follow"]);
    // Still waiting a while later: it did not give up.
    std::thread::sleep(Duration::from_millis(700));
    assert!(
        child.0.try_wait().unwrap().is_none(),
        "logs --follow exited"
    );
    let runner = env.runner("run", &["--no-echo"]);
    let mut got = Vec::new();
    while let Ok((_, line)) = lines.recv_timeout(Duration::from_secs(10)) {
        got.push(line);
    }
    let status = child.wait_exit(10).expect("logs --follow did not end");
    runner.stop();
    assert!(status.success(), "{got:?}");
    assert!(got[0].starts_with("execution 1 of soon: "), "{got:?}");
    assert!(
        got.last()
            .unwrap()
            .starts_with("execution 1 of soon: success"),
        "{got:?}"
    );
    for want in ["==> stdout <==", "start", "end"] {
        assert!(got.iter().any(|l| l == want), "{want} not in {got:?}");
    }
}

/// `--raw` writes the stdout bytes only, exactly as captured (`--stderr`:
/// stderr's); the execution of another job is an error naming its job
/// (issue 26, point 10).
#[test]
fn logs_raw_writes_one_streams_bytes_and_another_jobs_execution_is_named() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "bin",
        "cron",
        "@daily",
        "--",
        "printf 'a\\033[31m\\001b'; printf 'oops' >&2",
    ])
    .ok();
    env.tick(&["add", "--id", "other", "cron", "@daily", "--", "true"])
        .ok();
    fire(&env, &["other"]);
    fire(&env, &["bin"]);
    let raw = env.tick(&["logs", "bin", "--raw"]).output();
    assert!(raw.status.success());
    assert_eq!(raw.stdout, b"a\x1b[31m\x01b");
    assert_eq!(raw.stderr, b"");
    let raw = env.tick(&["logs", "bin", "--raw", "--stderr"]).output();
    assert_eq!(raw.stdout, b"oops");
    // On a terminal too: no header, nothing escaped.
    if let Some(run) = env.tick(&["logs", "bin", "--raw"]).on_terminal(10) {
        let out = run.output().stdout;
        assert_eq!(
            out,
            b"a\x1b[31m\x01b",
            "{:?}",
            String::from_utf8_lossy(&out)
        );
    }
    let line = env.tick(&["logs", "bin", "--stderr"]).usage_error();
    assert!(line.contains("--raw"), "{line}");
    // Execution 1 is other's: said so, with where to find bin's.
    let line = env.tick(&["logs", "bin", "--execution", "1"]).usage_error();
    assert_eq!(
        line,
        "error: execution 1 is of job 'other', not 'bin' (execution numbers are shared by all jobs: see 'tick history bin' for its own, or 'tick logs other --execution 1')"
    );
    let ok = env.tick(&["logs", "bin", "--execution", "2"]).ok();
    assert!(ok.starts_with("execution 2 of bin: success"), "{ok}");
}

// Issue 18.10: tick fire and listeners.

#[test]
fn fire_tells_the_jobs_listeners_and_sums_up_a_failure() {
    let env = Env::new();
    let heard = env.path().join("heard");
    let listener = format!("cat >> {}", heard.display());
    env.tick(&[
        "add",
        "--id",
        "bad",
        "cron",
        "@daily",
        "--on-failure",
        &listener,
        "--on-success",
        &listener,
        "--",
        "echo out; exit 3",
    ])
    .ok();
    let out = env.tick(&["fire", "bad"]).output();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("tick: job bad failed with exit code 3 after ")
            && err.ends_with(" (execution 1; tick logs bad --execution 1)\n"),
        "{err}"
    );
    let got = events(&heard);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["event"], "error");
    assert_eq!(got[0]["execution_id"], 1);
    assert_eq!(got[0]["exit_code"], 3);
    // A success: its --on-success, and nothing on stderr.
    env.tick(&["modify", "bad", "--command", "true"]).ok();
    assert_eq!(env.tick(&["fire", "bad"]).ok(), "");
    let got = events(&heard);
    assert_eq!(got.len(), 2);
    assert_eq!(got[1]["event"], "executed");
    assert_eq!(got[1]["execution_id"], 2);
}
