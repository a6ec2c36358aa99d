//! `tick run` under faults of its store: a write lock held by another
//! process, a full disk, the jobs file deleted or replaced. Real processes,
//! one-second schedules.

use std::time::Duration;

use crate::util::{count_executions, processes_running, wait_for, Env, Reaped, Starts};

/// Rows of one job: (status, stdout).
fn rows(env: &Env, job: &str) -> Vec<(String, String)> {
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let mut stmt = conn
        .prepare(
            "SELECT status, coalesce(stdout, x'') FROM executions WHERE job_id = ?1 ORDER BY id",
        )
        .unwrap();
    stmt.query_map([job], |r| {
        Ok((
            r.get::<_, String>(0)?,
            String::from_utf8_lossy(&r.get::<_, Vec<u8>>(1)?).into_owned(),
        ))
    })
    .unwrap()
    .collect::<Result<_, _>>()
    .unwrap()
}

#[test]
fn a_write_lock_held_for_seconds_does_not_kill_the_runner() {
    let env = Env::new();
    env.tick(&["add", "--id", "sec", "cron", "* * * * * *", "--", "true"])
        .ok();
    env.tick(&[
        "add",
        "--id",
        "slow",
        "date",
        "--in",
        "1s",
        "--",
        "sleep 2; echo done",
    ])
    .ok();
    env.tick(&[
        "add",
        "--id",
        "hang",
        "date",
        "--in",
        "1s",
        "--timeout",
        "1s",
        "--",
        "sleep 30",
    ])
    .ok();
    let runner = env.runner("r", &["--no-echo"]);
    wait_for("the slow jobs to start", 10, || {
        rows(&env, "slow").iter().any(|r| r.0 == "running")
            && rows(&env, "hang").iter().any(|r| r.0 == "running")
    });
    // Another process takes the write lock and holds it for 6 s: longer
    // than the slow job has left, longer than any busy timeout of the runner.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
    std::thread::sleep(Duration::from_secs(6));
    conn.execute_batch("COMMIT").unwrap();
    drop(conn);
    runner.wait_log("works again", 15);
    // The slow job's end, seen during the outage, is written afterwards.
    wait_for("the slow job's result", 10, || {
        rows(&env, "slow") == [("success".to_string(), "done\n".to_string())]
    });
    // And firing goes on.
    let before = rows(&env, "sec").len();
    wait_for("fires after the outage", 10, || {
        rows(&env, "sec").len() >= before + 2
    });
    // The loop stayed awake during the lock: the timeout was enforced on
    // time, not when the lock went away.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    let (status, took): (String, i64) = conn
        .query_row(
            "SELECT status, finished_at - started_at FROM executions WHERE job_id = 'hang'",
            [],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )
        .unwrap();
    assert_eq!(status, "timeout");
    assert!(took < 4000, "the timeout came {took} ms after the start");
    let log = runner.stop();
    assert_eq!(
        log.matches("cannot use").count(),
        1,
        "one line per outage, not per retry:\n{log}"
    );
    assert!(log.contains("database is locked"), "{log}");
}

#[test]
fn a_deleted_jobs_file_stops_the_runner_with_a_clear_error() {
    let env = Env::new();
    env.tick(&["add", "--id", "sec", "cron", "* * * * * *", "--", "true"])
        .ok();
    let mut runner = env.runner("r", &["--no-echo"]);
    wait_for("a fire", 10, || !rows(&env, "sec").is_empty());
    std::fs::remove_file(env.db()).unwrap();
    let status = runner.wait_exit(10).expect("the runner went on");
    assert_eq!(status.code(), Some(1), "{}", runner.log());
    let log = runner.log();
    assert!(
        log.contains(&format!(
            "jobs file {} was deleted while tick run was using it",
            env.db().display()
        )),
        "{log}"
    );
    assert!(log.contains("error: jobs file"), "{log}");
}

#[test]
fn a_replaced_jobs_file_stops_the_runner_with_a_clear_error() {
    let env = Env::new();
    env.tick(&["add", "--id", "sec", "cron", "* * * * * *", "--", "true"])
        .ok();
    let other = env.path().join("other.db");
    env.tick(&[
        "--db",
        other.to_str().unwrap(),
        "add",
        "cron",
        "@daily",
        "--",
        "true",
    ])
    .ok();
    let mut runner = env.runner("r", &["--no-echo"]);
    wait_for("a fire", 10, || !rows(&env, "sec").is_empty());
    std::fs::rename(&other, env.db()).unwrap();
    let status = runner.wait_exit(10).expect("the runner went on");
    assert_eq!(status.code(), Some(1), "{}", runner.log());
    let log = runner.log();
    assert!(log.contains("was replaced by another file"), "{log}");
}

#[test]
#[cfg_attr(tick_not_root, ignore = "needs root, to mount a small tmpfs")]
fn a_full_disk_for_seconds_does_not_kill_the_runner() {
    let env = Env::new();
    let mnt = env.path().join("small");
    std::fs::create_dir(&mnt).unwrap();
    let mounted = std::process::Command::new("mount")
        .args(["-t", "tmpfs", "-o", "size=1m,mode=0700", "tmpfs"])
        .arg(&mnt)
        .status()
        .is_ok_and(|s| s.success());
    if !mounted {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI runs as root: mount must work"
        );
        crate::util::skipped("cannot mount a tmpfs here (not root)");
        return;
    }
    struct Unmount<'a>(&'a std::path::Path);
    impl Drop for Unmount<'_> {
        fn drop(&mut self) {
            let _ = std::process::Command::new("umount").arg(self.0).status();
        }
    }
    let _unmount = Unmount(&mnt);
    let db = mnt.join("jobs.db");
    let db_s = db.to_str().unwrap();
    // Chatty: 60 KiB of output a second, kept in the history.
    env.tick(&[
        "--db",
        db_s,
        "add",
        "--id",
        "chatty",
        "cron",
        "* * * * * *",
        "--",
        "head -c 60000 /dev/zero | tr '\\0' x",
    ])
    .ok();
    let runner = env.runner("r", &["--no-echo", "--db", db_s]);
    let count = |status: &str| count_executions(&db, Some(status));
    wait_for("a first fire", 10, || count("success") >= 1);
    // Fill the disk to the last byte for 4 s.
    let filler = mnt.join("filler");
    let mut f = std::fs::File::create(&filler).unwrap();
    let block = vec![0u8; 4096];
    while std::io::Write::write_all(&mut f, &block).is_ok() {}
    drop(f);
    runner.wait_log("cannot use", 10);
    std::thread::sleep(Duration::from_secs(4));
    std::fs::remove_file(&filler).unwrap();
    runner.wait_log("works again", 15);
    let before = count("success");
    let end = std::time::Instant::now() + Duration::from_secs(10);
    while count("success") < before + 2 {
        assert!(
            std::time::Instant::now() < end,
            "no fires after the disk has room again:\n{}",
            runner.log()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    let log = runner.stop();
    assert_eq!(log.matches("cannot use").count(), 1, "{log}");
    assert_eq!(count("running"), 0, "nothing left running:\n{log}");
}

#[test]
fn after_kill_9_the_next_runner_ends_what_the_dead_one_left_running() {
    let env = Env::new();
    // A unique command line to count copies by; max-instances 1.
    let needle = format!("sleep 3{}", std::process::id() % 1000 + 1000);
    env.tick(&["add", "--id", "long", "cron", "* * * * * *", "--", &needle])
        .ok();
    let first = env.runner("first", &["--no-echo"]);
    wait_for("the long job to run", 10, || {
        processes_running(&needle) == 1
    });
    first.kill9();
    // The orphan goes on after its runner's death...
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(processes_running(&needle), 1, "the orphan is running");
    let second = env.runner("second", &["--no-echo"]);
    second.wait_log(
        "marked 1 execution(s) of a previous runner as interrupted",
        15,
    );
    // ...until the next runner ends it before it starts a new copy: never
    // two copies of a max-instances-1 job at once.
    let log = second.log();
    // The sleep alone: a command of plain words runs without a shell.
    assert!(
        log.contains("ended 1 process(es) a previous runner left running"),
        "{log}"
    );
    let mut most = 0;
    for _ in 0..20 {
        most = most.max(processes_running(&needle));
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(most, 1, "copies seen at once after the restart");
    second.stop_killing();
}

#[test]
fn starting_a_runner_leaves_a_live_tick_fire_alone() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "manual",
        "cron",
        "@yearly",
        "--",
        "sleep 3; echo fired",
    ])
    .ok();
    let fire = std::process::Command::new(env!("CARGO_BIN_EXE_tick"))
        .args(["fire", "manual"])
        .env("TICK_DB", env.db())
        .stdout(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut fire = Reaped(fire);
    wait_for("the manual run to start", 10, || {
        rows(&env, "manual").iter().any(|r| r.0 == "running")
    });
    let runner = env.runner("r", &["--no-echo"]);
    runner.wait_log("scheduler started", 10);
    assert!(fire.0.wait().unwrap().success());
    assert_eq!(
        rows(&env, "manual"),
        [("success".to_string(), "fired\n".to_string())]
    );
    let log = runner.stop();
    assert!(!log.contains("interrupted"), "{log}");
}

#[test]
fn hand_edited_rows_are_logged_and_skipped_never_a_crash() {
    let env = Env::new();
    env.tick(&["add", "--id", "good", "cron", "* * * * * *", "--", "true"])
        .ok();
    let edits = [
        (
            "t_max",
            "json_set(options, '$.timeout', 9223372036854775807)",
            "options",
        ),
        (
            "t_e15",
            "json_set(options, '$.timeout', 1000000000000000)",
            "options",
        ),
        (
            "t_u64",
            "json_set(options, '$.timeout', 18446744073709551615)",
            "options",
        ),
        (
            "grace",
            "json_set(options, '$.misfire_grace', 18446744073709551615)",
            "options",
        ),
        (
            "inst0",
            "json_set(options, '$.max_instances', 0)",
            "options",
        ),
        (
            "jitter",
            "json_set(trigger, '$.jitter', 9223372036854775807)",
            "trigger",
        ),
    ];
    for (id, _, _) in &edits {
        env.tick(&["add", "--id", id, "cron", "* * * * * *", "--", "true"])
            .ok();
    }
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    for (id, expr, column) in &edits {
        conn.execute(
            &format!("UPDATE jobs SET {column} = {expr} WHERE id = ?1"),
            [id],
        )
        .unwrap();
    }
    drop(conn);
    let mut runner = env.runner("r", &["--no-echo"]);
    wait_for("the good job to fire 3 times", 10, || {
        rows(&env, "good")
            .iter()
            .filter(|r| r.0 == "success")
            .count()
            >= 3
    });
    assert!(
        runner.wait_exit(0).is_none(),
        "the runner died:\n{}",
        runner.log()
    );
    let log = runner.stop();
    assert!(!log.contains("panicked"), "{log}");
    for (id, _, _) in &edits {
        assert_eq!(
            log.matches(&format!("job '{id}' cannot be read")).count()
                + log
                    .matches(&format!("job {id} cannot be scheduled"))
                    .count(),
            1,
            "{id} logged once:\n{log}"
        );
        assert!(rows(&env, id).is_empty(), "{id} never ran");
    }
    // `list --json` shows the good job and says what is wrong with the others.
    let out = env.tick(&["list", "--json"]).output();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("job 't_max' cannot be read: timeout is 9223372036854775807s"),
        "{err}"
    );
}

#[test]
fn max_workers_is_capped_to_the_open_files_limit_not_failed() {
    let env = Env::new();
    env.add_every_second(150, "sleep 2");
    // A soft limit of 100 under a hard limit of 300 (like systemd's 1024
    // under 524288): raised to 300, which takes (300 - 64) / 4 = 59 children.
    let runner = env.runner_after(
        "r",
        "ulimit -Sn 100 && ulimit -Hn 300",
        &["--no-echo", "--max-workers", "500"],
    );
    let count = |status: &str| count_executions(&env.db(), Some(status));
    wait_for("fires to succeed", 15, || count("success") >= 100);
    let limits = std::fs::read_to_string(format!("/proc/{}/limits", runner.pid())).unwrap();
    let log = runner.stop_killing();
    assert_eq!(count("failed"), 0, "{log}");
    assert!(!log.contains("Too many open files"), "{log}");
    assert!(log.contains("running at most 59 jobs at once"), "{log}");
    let files = limits
        .lines()
        .find(|l| l.starts_with("Max open files"))
        .unwrap();
    assert_eq!(
        files.split_whitespace().collect::<Vec<_>>()[3..5],
        ["300", "300"],
        "soft limit raised to the hard one"
    );
}

#[test]
fn a_stopped_runner_is_taken_over_after_its_lease_and_stands_down_when_continued() {
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
    let mut a = env.runner("a", &["--no-echo", "--lease", "2s"]);
    wait_for("a to fire", 10, || lines().len() >= 2);
    let b = env.runner("b", &["--no-echo", "--lease", "2s"]);
    b.wait_log("standing by", 10);
    a.signal(rustix::process::Signal::STOP);
    let stopped = std::time::Instant::now();
    b.wait_log("stopped renewing its lease", 10);
    // Failover within the lease plus two seconds (and the standby's poll).
    assert!(
        stopped.elapsed() < Duration::from_secs(5),
        "{:?}",
        stopped.elapsed()
    );
    let before = lines().len();
    wait_for("b to fire", 10, || lines().len() >= before + 2);
    a.signal(rustix::process::Signal::CONT);
    let status = a.wait_exit(10).expect("a stands down");
    assert_eq!(status.code(), Some(1), "{}", a.log());
    assert!(
        a.log()
            .contains("lease ran out and another runner took over"),
        "{}",
        a.log()
    );
    let before = lines().len();
    wait_for("b to go on", 10, || lines().len() >= before + 2);
    b.stop();
    starts.assert_each_once();
}

#[test]
fn tick_fire_does_not_spin_while_an_escaped_grandchild_holds_the_pipes() {
    let env = Env::new();
    // Ignores SIGTERM (so SIGKILL follows 5 s later) and leaves a
    // grandchild in its own session holding the output pipes.
    let needle = format!("sleep 2{}", std::process::id() % 1000 + 1000);
    let cmd = format!("trap '' TERM; setsid {needle} & sleep 60");
    env.tick(&[
        "add",
        "--id",
        "stubborn",
        "cron",
        "@yearly",
        "--timeout",
        "1s",
        "--",
        &cmd,
    ])
    .ok();
    // The shell's own stat after waiting: its children's CPU time (fields
    // 14 and 15 after the command name), in clock ticks.
    let script = "\"$0\" fire stubborn >/dev/null 2>&1; cut -d')' -f2 /proc/$$/stat";
    let out = std::process::Command::new("/bin/sh")
        .args(["-c", script, env!("CARGO_BIN_EXE_tick")])
        .env("TICK_DB", env.db())
        .output()
        .unwrap();
    let _ = std::process::Command::new("pkill")
        .args(["-f", &needle])
        .status();
    let fields: Vec<i64> = String::from_utf8_lossy(&out.stdout)
        .split_whitespace()
        .skip(1)
        .take(14)
        .map(|f| f.parse().unwrap())
        .collect();
    // state ppid pgrp session tty tpgid flags minflt cminflt majflt cmajflt
    // utime stime cutime cstime: after the state, cutime and cstime are 13 and 14.
    let cpu = fields[12] + fields[13];
    assert!(cpu <= 10, "tick fire used {cpu} ticks of CPU in 6 s");
    assert_eq!(rows(&env, "stubborn")[0].0, "timeout");
}

#[test]
fn a_stderr_nobody_reads_stalls_neither_firing_nor_the_stop() {
    use std::io::Read;
    use std::os::unix::fs::OpenOptionsExt;
    let env = Env::new();
    env.add_every_second(300, "true");
    let fifo = env.path().join("stderr.fifo");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    // Opened for reading, never read (yet): like `tick run 2>fifo` with a
    // stalled reader, or a frozen ssh session.
    let mut reader = std::fs::OpenOptions::new()
        .read(true)
        .custom_flags(rustix::fs::OFlags::NONBLOCK.bits() as i32)
        .open(&fifo)
        .unwrap();
    let runner = env.runner_after("r", &format!("exec 2>{}", fifo.display()), &["--no-echo"]);
    let successes = || count_executions(&env.db(), Some("success"));
    // 300 fires a second log ~65 KB a second: the 64 KiB pipe is full
    // within a second, the runner's 256 KiB buffer within five. Fires go
    // on all the same.
    std::thread::sleep(Duration::from_secs(3));
    let then = successes();
    wait_for("fires while stderr is stuck", 15, || {
        successes() >= then + 900
    });
    // Once stderr is read again, it says what was dropped.
    let mut text = Vec::new();
    let mut buf = [0u8; 65536];
    wait_for("the dropped-lines notice", 10, || {
        while let Ok(n @ 1..) = reader.read(&mut buf) {
            text.extend_from_slice(&buf[..n]);
        }
        String::from_utf8_lossy(&text)
            .contains("log line(s) not written: stderr was not keeping up")
    });
    // Stuck again (we stop reading): SIGINT still stops it.
    runner.stop();
}
