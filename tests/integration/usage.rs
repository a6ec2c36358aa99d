//! Issue 28, what each run cost: peak memory (KiB) and user and system
//! CPU seconds from the child's rusage when it is reaped, in `history
//! --json` and `--wide`, `show`, on a jobs file and on PostgreSQL, for
//! runs of `tick fire` and of a runner, timed out or killed; NULL (`-`)
//! where it was not recorded, as in a file of an older tick. (Over HTTP:
//! `http::metrics`.)

use serde_json::Value;

use crate::util::{wait_for, Env};

/// Touches every byte of 50 MiB (one `memset`): its peak is certain.
pub const FIFTY_MIB: &str = "python3 -c \"b = b'x' * (50 * 1024 * 1024)\"";
/// Spins until it has used 0.3 s of user CPU, however busy the machine.
pub const BUSY: &str = "python3 -c \"import resource as r
while r.getrusage(r.RUSAGE_SELF).ru_utime < 0.3: pass\"";

fn history(env: &Env, db: &str, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["--db", db, "history", "--json"];
    all.extend_from_slice(args);
    let out = env.tick(&all).ok();
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

/// The memory and CPU jobs, fired once each on the store `db`; their
/// executions as `history --json` gives them.
fn fire_both(env: &Env, db: &str) -> (Value, Value) {
    for (id, command) in [("mem", FIFTY_MIB), ("busy", BUSY)] {
        env.tick(&[
            "--db", db, "add", "--id", id, "cron", "@daily", "--", command,
        ])
        .ok();
        env.tick(&["--db", db, "fire", id]).ok();
    }
    let one = |id: &str| history(env, db, &[id]).remove(0);
    (one("mem"), one("busy"))
}

/// What both stores must show of the two runs.
fn check_costs(mem: &Value, busy: &Value) {
    let kib = |e: &Value| e["peak_memory_kib"].as_i64().unwrap_or(-1);
    let user = |e: &Value| e["user_cpu_seconds"].as_f64().unwrap_or(-1.0);
    let system = |e: &Value| e["system_cpu_seconds"].as_f64().unwrap_or(-1.0);
    assert!(kib(mem) >= 50 * 1024, "{mem}");
    assert!(user(busy) >= 0.2, "{busy}");
    for e in [mem, busy] {
        assert_eq!(e["status"], "success", "{e}");
        assert!(kib(e) > 0 && user(e) >= 0.0 && system(e) >= 0.0, "{e}");
    }
    // The busy loop holds little; the 50 MiB job spends less CPU.
    assert!(kib(busy) < kib(mem), "{busy} {mem}");
}

#[test]
fn each_run_records_its_peak_memory_and_cpu_time() {
    let env = Env::new();
    let file = env.db().display().to_string();
    let (mem, busy) = fire_both(&env, &file);
    check_costs(&mem, &busy);

    // `--wide` shows them; the plain table stays as it was.
    let wide = env.tick(&["history", "--wide"]).ok();
    let header: Vec<&str> = wide.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header[header.len() - 3..], ["USER", "SYS", "MEM"], "{wide}");
    let row = wide.lines().find(|l| l.contains(" mem ")).unwrap();
    assert!(row.contains(" MiB"), "{wide}");
    let plain = env.tick(&["history"]).ok();
    assert!(!plain.contains("USER") && !plain.contains("MiB"), "{plain}");
    // `show` lists them with its executions.
    let show = env.tick(&["-q", "show", "mem"]).ok();
    let table = &show[show.find("last executions:").unwrap()..];
    assert!(table.contains("MEM") && table.contains(" MiB"), "{show}");
    let shown: Value = serde_json::from_str(&env.tick(&["show", "busy", "--json"]).ok()).unwrap();
    assert_eq!(shown["executions"][0], busy);
}

/// A run stopped by its timeout, one killed by a signal and one of a
/// runner record what they cost too.
#[test]
fn timed_out_killed_and_runner_runs_record_it_too() {
    let env = Env::new();
    let spin = "python3 -c \"while True: pass\"";
    env.tick(&[
        "add",
        "--id",
        "slow",
        "--timeout",
        "1s",
        "cron",
        "@daily",
        "--",
        spin,
    ])
    .ok();
    env.tick(&[
        "add",
        "--id",
        "shot",
        "cron",
        "@daily",
        "--",
        "kill -KILL $$",
    ])
    .ok();
    assert_eq!(
        env.tick(&["fire", "slow"]).output().status.code(),
        Some(124)
    );
    assert_eq!(
        env.tick(&["fire", "shot"]).output().status.code(),
        Some(137)
    );
    let db = env.db().display().to_string();
    let slow = history(&env, &db, &["slow"]).remove(0);
    assert_eq!(slow["status"], "timeout");
    assert!(slow["user_cpu_seconds"].as_f64().unwrap() > 0.0, "{slow}");
    let shot = history(&env, &db, &["shot"]).remove(0);
    assert_eq!(shot["status"], "killed");
    assert!(shot["peak_memory_kib"].as_i64().unwrap() > 0, "{shot}");

    env.tick(&[
        "add", "--id", "often", "interval", "--every", "1s", "--", BUSY,
    ])
    .ok();
    let runner = env.runner("run", &["--no-echo"]);
    wait_for("a run of the runner", 20, || {
        !history(&env, &db, &["often", "--status", "success"]).is_empty()
    });
    runner.stop();
    let run = history(&env, &db, &["often", "--status", "success"]).remove(0);
    assert!(run["user_cpu_seconds"].as_f64().unwrap() >= 0.2, "{run}");
}

/// A jobs file of the version before these columns keeps working: its
/// executions have no cost (null, `-`), new ones do.
#[test]
fn an_older_jobs_file_shows_no_cost_for_its_runs() {
    let env = Env::new();
    env.tick(&["add", "--id", "old", "cron", "@daily", "--", "true"])
        .ok();
    env.tick(&["fire", "old"]).ok();
    // As tick wrote the file before: version 8, without the columns.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute_batch(
        "ALTER TABLE executions DROP COLUMN peak_memory_kib;
         ALTER TABLE executions DROP COLUMN user_cpu_us;
         ALTER TABLE executions DROP COLUMN system_cpu_us;
         DROP TABLE notices;
         PRAGMA user_version = 8;",
    )
    .unwrap();
    drop(conn);
    let db = env.db().display().to_string();
    let old = history(&env, &db, &["old"]).remove(0);
    for field in ["peak_memory_kib", "user_cpu_seconds", "system_cpu_seconds"] {
        assert!(old[field].is_null(), "{old}");
    }
    let wide = env.tick(&["history", "--wide"]).ok();
    let row: Vec<&str> = wide.lines().nth(1).unwrap().split_whitespace().collect();
    assert_eq!(row[row.len() - 3..], ["-", "-", "-"], "{wide}");
    env.tick(&["fire", "old"]).ok();
    let new = history(&env, &db, &["old", "--limit", "1"]).remove(0);
    assert!(new["peak_memory_kib"].as_i64().unwrap() > 0, "{new}");
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn postgres_records_it_and_copy_carries_it() {
    let Some(pg) = crate::postgres::Pg::new() else {
        return;
    };
    let env = Env::new();
    let (mem, busy) = fire_both(&env, &pg.url);
    check_costs(&mem, &busy);
    let wide = env.tick(&["--db", &pg.url, "history", "--wide"]).ok();
    let header: Vec<&str> = wide.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(header[header.len() - 3..], ["USER", "SYS", "MEM"], "{wide}");

    // A file's history copied to PostgreSQL keeps what each run cost.
    let other = Env::new();
    let file = other.db().display().to_string();
    let (mem, _) = fire_both(&other, &file);
    let target = crate::postgres::Pg::new().unwrap();
    other.tick(&["copy", &file, &target.url, "--history"]).ok();
    let there = history(&other, &target.url, &["mem"]).remove(0);
    for field in ["peak_memory_kib", "user_cpu_seconds", "system_cpu_seconds"] {
        assert_eq!(there[field], mem[field], "{there}");
    }
}
