//! Scale (docs/performance.md): what must not grow with the number of jobs. Timings
//! live in `scripts/bench-cli.py`; here, sizes and counts.

use std::path::Path;

use crate::util::Env;

fn wal_bytes(env: &Env) -> u64 {
    std::fs::metadata(env.path().join("jobs.db-wal")).map_or(0, |m| m.len())
}

fn add(env: &Env, n: usize) {
    for i in 0..n {
        env.tick(&["-q", "add", "cron", "0 3 * * *", "--", &format!("echo {i}")])
            .ok();
    }
}

/// One `tick add` at a time (a script looping over hosts) used to grow
/// the write-ahead log forever without a runner: each new process rebuilt
/// SQLite's index of the log and appended to its end (about 18 KiB per
/// add, so 150 adds made 2.7 MB, each command reading all of it). Now the
/// last process to close a log past 1 MiB checkpoints and removes it.
#[test]
fn the_write_ahead_log_stays_bounded_one_add_at_a_time() {
    let env = Env::new();
    let mut largest = 0;
    for _ in 0..15 {
        add(&env, 10);
        largest = largest.max(wal_bytes(&env));
    }
    assert!(
        largest <= 1024 * 1024 + 64 * 1024,
        "the log reached {largest} bytes over 150 adds"
    );
    let list = env.tick(&["list"]).ok();
    assert_eq!(list.lines().count(), 151, "every job is there");
}

/// With a runner holding the file open, SQLite's own index survives, so
/// its automatic checkpoint (every 1000 pages, 4 MiB) is followed by a
/// reset of the log, cut back to 4 MiB; the runner's quiet-gap
/// checkpoints come on top. 400 adds write about 7 MB of log.
#[test]
fn the_write_ahead_log_stays_bounded_under_a_runner() {
    let env = Env::new();
    env.tick(&["add", "--id", "sec", "cron", "* * * * * *", "--", "true"])
        .ok();
    let runner = env.runner("run", &["--no-echo"]);
    runner.wait_log("job sec started", 10);
    let mut largest = 0;
    for _ in 0..40 {
        add(&env, 10);
        largest = largest.max(wal_bytes(&env));
    }
    runner.stop();
    assert!(
        largest <= 4 * 1024 * 1024 + 256 * 1024,
        "the log reached {largest} bytes over 400 adds under a runner"
    );
    assert!(count_jobs(&env.db()) == 401);
}

fn count_jobs(db: &Path) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row("SELECT count(*) FROM jobs", [], |r| r.get(0))
        .unwrap()
}
