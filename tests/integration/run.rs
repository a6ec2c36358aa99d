//! `tick run` end to end: real processes, real signals, one-second schedules.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rustix::process::{kill_process, Pid, Signal};

use crate::util::{proc_status, wait_for, Env, Reaped, Runner, Starts};

/// (job id, scheduled ms, status, exit code, stdout) of one execution.
type Row = (String, i64, String, Option<i32>, Vec<u8>);

/// Every execution, oldest first.
fn executions(db: &Path) -> Vec<Row> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT job_id, scheduled_at, status, exit_code, coalesce(stdout, x'') FROM executions ORDER BY id")
        .unwrap();
    stmt.query_map([], |r| {
        Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?, r.get(4)?))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

fn count(db: &Path, job: &str, status: &str) -> usize {
    executions(db)
        .iter()
        .filter(|e| e.0 == job && e.2 == status)
        .count()
}

/// Executions in `status`, of any job.
fn count_all(db: &Path, status: &str) -> usize {
    executions(db).iter().filter(|e| e.2 == status).count()
}

#[test]
fn fires_every_second_and_records_each_fire_once() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "sec",
        "cron",
        "* * * * * *",
        "--",
        "echo \"at $TICK_SCHEDULED_AT for $TICK_JOB_ID\"",
    ])
    .ok();
    let runner = env.runner("r", &[]);
    wait_for("3 successful fires", 10, || {
        count(&env.db(), "sec", "success") >= 3
    });
    let out = runner.out();
    let log = runner.stop();
    let execs = executions(&env.db());
    let times: Vec<i64> = execs.iter().map(|e| e.1).collect();
    assert!(
        times.windows(2).all(|w| w[1] - w[0] == 1000),
        "one fire a second: {times:?}"
    );
    assert!(execs.iter().all(|e| e.2 == "success"), "{execs:?}");
    let first = String::from_utf8(execs[0].4.clone()).unwrap();
    assert!(
        first.starts_with("at 20") && first.ends_with("Z for sec\n"),
        "{first:?}"
    );
    assert!(out.contains("[sec] at "), "echo: {out}");
    assert!(
        log.contains("job sec started") && log.contains("job sec finished: success"),
        "{log}"
    );
}

#[test]
fn changes_by_other_commands_take_effect_while_running() {
    let env = Env::new();
    let runner = env.runner("r", &["--no-echo"]);
    runner.wait_log("no jobs yet", 10);
    env.tick(&["add", "--id", "late", "cron", "* * * * * *", "--", "true"])
        .ok();
    wait_for("the added job to fire", 5, || {
        count(&env.db(), "late", "success") >= 1
    });
    env.tick(&["pause", "late"]).ok();
    std::thread::sleep(Duration::from_millis(1500));
    let paused = executions(&env.db()).len();
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(executions(&env.db()).len(), paused, "a paused job fired");
    env.tick(&["resume", "late"]).ok();
    wait_for("the resumed job to fire", 5, || {
        executions(&env.db()).len() > paused
    });
    env.tick(&["remove", "late"]).ok();
    std::thread::sleep(Duration::from_millis(1500));
    let removed = executions(&env.db()).len();
    std::thread::sleep(Duration::from_millis(2000));
    assert_eq!(executions(&env.db()).len(), removed, "a removed job fired");
    runner.stop();
    // History survives removal.
    assert!(removed >= 2);
}

#[test]
fn first_signal_drains_second_kills() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "slow",
        "cron",
        "* * * * * *",
        "--",
        "sleep 2; echo done",
    ])
    .ok();
    let runner = env.runner("a", &["--no-echo"]);
    runner.wait_log("job slow started", 10);
    let t0 = Instant::now();
    let log = runner.stop();
    assert!(
        t0.elapsed() >= Duration::from_millis(900),
        "did not wait for the job"
    );
    assert!(log.contains("waiting for 1 running job(s): slow"), "{log}");
    let execs = executions(&env.db());
    assert_eq!(execs.last().unwrap().2, "success", "{execs:?}");
    assert!(execs.iter().all(|e| e.2 != "running"));

    // Second run: two signals kill the job's group and exit at once.
    env.tick(&["modify", "slow", "--command", "sleep 30"]).ok();
    let mut runner = env.runner("b", &["--no-echo"]);
    runner.wait_log("job slow started", 10);
    runner.signal(Signal::INT);
    runner.wait_log("waiting for 1 running job", 5);
    let t0 = Instant::now();
    runner.signal(Signal::TERM);
    let status = runner
        .wait_exit(10)
        .expect("runner did not exit after the second signal");
    assert!(status.success());
    assert!(t0.elapsed() < Duration::from_secs(5));
    let execs = executions(&env.db());
    assert_eq!(execs.last().unwrap().2, "interrupted", "{execs:?}");
    assert!(execs.iter().all(|e| e.2 != "running"));
}

#[test]
fn sigint_works_when_started_with_sigint_ignored() {
    // A background job of a non-interactive shell starts with SIGINT ignored.
    let env = Env::new();
    let script = format!(
        "trap '' INT; exec {} run --no-echo",
        env!("CARGO_BIN_EXE_tick")
    );
    let mut child = Reaped(
        Command::new("/bin/sh")
            .args(["-c", &script])
            .env("TICK_DB", env.db())
            .stderr(std::fs::File::create(env.path().join("bg.err")).unwrap())
            .spawn()
            .unwrap(),
    );
    wait_for("runner start", 10, || {
        std::fs::read_to_string(env.path().join("bg.err"))
            .unwrap_or_default()
            .contains("scheduler started")
    });
    kill_process(Pid::from_raw(child.0.id() as i32).unwrap(), Signal::INT).unwrap();
    assert!(child.wait_exit(10).is_some(), "the runner did not exit");
}

#[test]
fn kill_9_leaves_running_rows_that_the_next_runner_interrupts() {
    let env = Env::new();
    let pgfile = env.path().join("pgid");
    let cmd = format!("echo $$ > {}; sleep 60", pgfile.display());
    env.tick(&["add", "--id", "long", "cron", "* * * * * *", "--", &cmd])
        .ok();
    let mut runner = env.runner("a", &["--no-echo"]);
    runner.wait_log("job long started", 10);
    wait_for("the job's pgid file", 5, || {
        std::fs::read_to_string(&pgfile).is_ok_and(|s| s.ends_with('\n'))
    });
    runner.signal(Signal::KILL);
    runner.wait_exit(5).unwrap();
    assert_eq!(count(&env.db(), "long", "running"), 1);
    // The orphaned command is not tick's to clean up after a kill -9; stop
    // its group here (the shell is the group leader).
    let pgid: i32 = std::fs::read_to_string(&pgfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let _ = rustix::process::kill_process_group(Pid::from_raw(pgid).unwrap(), Signal::KILL);
    env.tick(&["pause", "long"]).ok();
    let runner = env.runner("b", &["--no-echo"]);
    runner.wait_log(
        "marked 1 execution(s) of a previous runner as interrupted",
        10,
    );
    runner.stop();
    assert_eq!(count(&env.db(), "long", "running"), 0);
    assert_eq!(count(&env.db(), "long", "interrupted"), 1);
}

#[test]
fn timeout_kills_the_whole_process_group() {
    let env = Env::new();
    let pidfile = env.path().join("grandchild.pid");
    let cmd = format!("sleep 300 & echo $! > {}; wait", pidfile.display());
    env.tick(&[
        "add",
        "--id",
        "t",
        "cron",
        "* * * * * *",
        "--timeout",
        "1s",
        "--",
        &cmd,
    ])
    .ok();
    let runner = env.runner("r", &["--no-echo"]);
    wait_for("a timeout", 10, || count(&env.db(), "t", "timeout") >= 1);
    let log = runner.stop();
    assert!(log.contains("timed out after"), "{log}");
    let pid: i32 = std::fs::read_to_string(&pidfile)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    // The grandchild is gone (or a zombie waiting for a reaper).
    let state = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    let alive = state
        .split(") ")
        .nth(1)
        .is_some_and(|s| !s.starts_with('Z'));
    assert!(!alive, "grandchild {pid} survived: {state}");
}

#[test]
fn huge_output_keeps_the_tail_in_bounded_memory() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "big",
        "date",
        "--in",
        "1s",
        "--",
        "head -c 100000000 /dev/zero | tr '\\0' x; printf TAIL",
    ])
    .ok();
    let runner = env.runner("r", &[]);
    let pid = runner.child.id();
    let mut peak_kb = 0u64;
    wait_for("the big job to finish", 60, || {
        peak_kb = peak_kb.max(proc_status(pid, "VmHWM"));
        count(&env.db(), "big", "success") == 1
    });
    runner.stop();
    let e = executions(&env.db()).pop().unwrap();
    assert_eq!(e.4.len(), 64 * 1024);
    assert!(e.4.ends_with(b"xxxTAIL"));
    assert!(
        peak_kb < 64 * 1024,
        "runner peak RSS {peak_kb} kB for 100 MB of output"
    );
}

#[test]
fn two_runners_never_fire_twice_and_the_standby_takes_over() {
    let env = Env::new();
    let starts = Starts::new(&env);
    env.tick(&[
        "add",
        "--id",
        "s",
        "cron",
        "* * * * * *",
        "--",
        &starts.command(),
    ])
    .ok();
    let lines = || starts.lines();
    let a = env.runner("a", &["--no-echo"]);
    a.wait_log("scheduler started", 10);
    let b = env.runner("b", &["--no-echo"]);
    b.wait_log("is held by tick run (pid", 10);
    std::thread::sleep(Duration::from_secs(2));
    let by_a = lines().len();
    a.stop();
    b.wait_log("taking over", 10);
    wait_for("fires by the standby", 10, || lines().len() >= by_a + 2);
    b.stop();
    let started = starts.assert_each_once();
    assert!(by_a >= 1, "the first runner never fired");
    // Every start has its execution row, and every row its start.
    assert_eq!(count(&env.db(), "s", "success"), started.len());
}

#[test]
fn a_job_row_that_cannot_be_used_is_skipped_not_fatal() {
    let env = Env::new();
    env.tick(&["add", "--id", "good", "cron", "* * * * * *", "--", "true"])
        .ok();
    env.tick(&["add", "--id", "bad", "cron", "* * * * * *", "--", "true"])
        .ok();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute(
        "UPDATE jobs SET trigger = json_set(trigger, '$.timezone', 'Atlantis/Capital') WHERE id = 'bad'",
        [],
    )
    .unwrap();
    drop(conn);
    let runner = env.runner("r", &["--no-echo"]);
    wait_for("the good job to fire twice", 10, || {
        count(&env.db(), "good", "success") >= 2
    });
    let log = runner.stop();
    assert!(
        log.contains("job bad cannot be scheduled (unknown time zone 'Atlantis/Capital'"),
        "{log}"
    );
    assert_eq!(
        log.matches("job bad cannot be scheduled").count(),
        1,
        "logged once: {log}"
    );
    assert_eq!(count(&env.db(), "bad", "success"), 0);
    // Still there, never deleted.
    assert!(env.tick(&["list", "--json"]).ok().contains("\"bad\""));
}

#[test]
fn a_date_job_fires_once_and_finishes() {
    let env = Env::new();
    env.tick(&["add", "--id", "once", "date", "--in", "1s", "--", "true"])
        .ok();
    let runner = env.runner("r", &["--no-echo"]);
    wait_for("the date job", 10, || {
        count(&env.db(), "once", "success") == 1
    });
    let log = runner.stop();
    assert!(log.contains("job once finished: no more fires"), "{log}");
    let listed = env.tick(&["list", "--all", "--json"]).ok();
    assert!(listed.contains("\"state\": \"finished\""), "{listed}");
}

/// The log of a runner that ran a date job due 1.5 s before it started
/// (late), and one due after it started that fails and is attempted again.
fn log_of_a_late_and_a_retried_date_job() -> String {
    let env = Env::new();
    env.tick(&["add", "--id", "late", "date", "--in", "1s", "--", "true"])
        .ok();
    std::thread::sleep(Duration::from_millis(1500));
    let runner = env.runner("r", &["--no-echo"]);
    let retried = ["--retries", "1", "--retry-delay", "1s", "--", "false"];
    env.tick(&[&["add", "--id", "soon", "date", "--in", "1s"][..], &retried].concat())
        .ok();
    wait_for("both ended, the retry too", 15, || {
        count(&env.db(), "late", "success") == 1 && count(&env.db(), "soon", "failed") == 2
    });
    runner.stop()
}

#[test]
fn a_date_job_logs_its_start_before_the_end_of_its_schedule() {
    let log = log_of_a_late_and_a_retried_date_job();
    let line = |text: &str| {
        log.lines()
            .position(|l| l.contains(text))
            .unwrap_or_else(|| panic!("no {text:?}:\n{log}"))
    };
    for job in ["late", "soon"] {
        let start = line(&format!("job {job} started"));
        assert!(
            start < line(&format!("job {job} finished: no more fires")),
            "{log}"
        );
    }
}

#[test]
fn the_runner_log_writes_every_time_to_the_millisecond() {
    let log = log_of_a_late_and_a_retried_date_job();
    assert!(
        log.contains("job soon will be attempted again at "),
        "{log}"
    );
    // Every instant in it, the lines' own and those in messages: UTC, to
    // the millisecond.
    let times = instants(&log);
    assert!(times.len() >= 10, "{log}");
    for t in times {
        assert!(
            t.len() == 24 && t.ends_with('Z') && &t[19..20] == ".",
            "{t}:\n{log}"
        );
    }
}

/// Every RFC 3339 instant in `text`: `2026-12-07T15:00:36` and what
/// follows it (a fraction, an offset).
fn instants(text: &str) -> Vec<&str> {
    let (b, shape) = (text.as_bytes(), b"dddd-dd-ddTdd:dd:dd");
    let mut out = Vec::new();
    let mut i = 0;
    while i + shape.len() <= b.len() {
        let fits = shape.iter().zip(&b[i..]).all(|(s, c)| match s {
            b'd' => c.is_ascii_digit(),
            _ => s == c,
        });
        if !fits {
            i += 1;
            continue;
        }
        let mut end = i + shape.len();
        while end < b.len() && (b[end].is_ascii_digit() || b"Z.:+-".contains(&b[end])) {
            end += 1;
        }
        out.push(&text[i..end]);
        i = end;
    }
    out
}

#[test]
fn reboot_jobs_fire_when_the_runner_starts() {
    let env = Env::new();
    env.tick(&["add", "--id", "boot", "cron", "@reboot", "--", "true"])
        .ok();
    let runner = env.runner("r", &["--no-echo"]);
    wait_for("the reboot job", 10, || {
        count(&env.db(), "boot", "success") == 1
    });
    runner.stop();
    let runner = env.runner("r2", &["--no-echo"]);
    wait_for("the reboot job again", 10, || {
        count(&env.db(), "boot", "success") == 2
    });
    runner.stop();
}

#[test]
fn running_children_cost_no_thread_each() {
    let env = Env::new();
    for i in 0..30 {
        env.tick(&[
            "add",
            "--id",
            &format!("s{i}"),
            "date",
            "--in",
            "2s",
            "--",
            "sleep 3",
        ])
        .ok();
    }
    let runner = env.runner("r", &["--max-workers", "40"]);
    let pid = runner.child.id();
    wait_for("30 running children", 20, || {
        count_all(&env.db(), "running") == 30
    });
    // Claimed: spawned within moments, and each sleeps for 3 s.
    std::thread::sleep(Duration::from_millis(500));
    let threads = proc_status(pid, "Threads");
    // The scheduler, the supervisor of every child, the signal handler,
    // the notifications' thread and at most one spawning helper.
    assert!(
        (1..=5).contains(&threads),
        "{threads} threads for 30 running children"
    );
    wait_for("all 30 to succeed", 20, || {
        count_all(&env.db(), "success") == 30
    });
    runner.stop();
}

/// `tick run | less` with less paused: a runner whose stdout nobody reads,
/// with a job echoing 3.6 MB (against a 64 KiB pipe) and one every second.
/// Returns once the loud job has finished and 3 more fires ran: a stuck
/// stdout stalls neither the supervisor nor the scheduler.
fn runner_with_stuck_stdout(env: &Env) -> Runner {
    env.tick(&[
        "add",
        "--id",
        "loud",
        "date",
        "--in",
        "1s",
        "--",
        "yes 'a line of output that nobody reads' | head -n 100000",
    ])
    .ok();
    env.tick(&["add", "--id", "sec", "cron", "* * * * * *", "--", "true"])
        .ok();
    let runner = env.runner_piped("stuck", &[]);
    wait_for("the loud job and 3 more fires", 20, || {
        count(&env.db(), "loud", "success") == 1 && count(&env.db(), "sec", "success") >= 3
    });
    let e = executions(&env.db());
    let loud = e.iter().find(|e| e.0 == "loud").unwrap();
    assert!(
        loud.4.ends_with(b"nobody reads\n"),
        "the history keeps the output"
    );
    runner
}

#[test]
fn a_stuck_stdout_never_stalls_the_runner_nor_its_stop() {
    let env = Env::new();
    let runner = runner_with_stuck_stdout(&env);
    // Still stuck: SIGINT stops it all the same.
    runner.stop();
}

#[test]
fn when_stdout_moves_again_it_says_how_many_lines_were_dropped() {
    let env = Env::new();
    let mut runner = runner_with_stuck_stdout(&env);
    let mut stdout = runner.child.stdout.take().unwrap();
    let got = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let sink = got.clone();
    std::thread::spawn(move || {
        let mut buf = [0u8; 65536];
        while let Ok(n @ 1..) = std::io::Read::read(&mut stdout, &mut buf) {
            sink.lock().unwrap().extend_from_slice(&buf[..n]);
        }
    });
    let text = || String::from_utf8_lossy(&got.lock().unwrap()).into_owned();
    wait_for("the dropped-lines notice", 10, || {
        text().contains("line(s) of job output not echoed")
    });
    assert!(text().starts_with("[loud] a line of output that nobody reads\n"));
    runner.stop();
}
