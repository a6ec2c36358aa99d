//! The crash loop: 20 jobs firing every second, the runner killed with
//! SIGKILL at random moments five times and restarted, while three writers
//! keep adding, pausing and resuming jobs. Nothing may be lost or doubled.
//! Each job runs 0.8 s of every second, so a kill almost always catches
//! some in flight (fires claimed but not recorded as started end
//! interrupted too: the claim is the start).

use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use crate::util::{Env, Runner};

fn start_runner(env: &Env, n: usize) -> Runner {
    env.runner(&format!("runner{n}"), &["--no-echo"])
}

fn tick(db: &std::path::Path, args: &[&str]) -> Result<String, String> {
    let out = Command::new(env!("CARGO_BIN_EXE_tick"))
        .args(args)
        .env("TICK_DB", db)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).to_string())
    } else {
        Err(format!(
            "{args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}

#[test]
fn kill_9_five_times_while_writers_write() {
    let env = Env::new();
    let db = env.db();
    for i in 0..20 {
        tick(
            &db,
            &[
                "add",
                "--id",
                &format!("j{i}"),
                "cron",
                "* * * * * *",
                "--",
                "sleep 0.8",
            ],
        )
        .unwrap();
    }
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..3)
        .map(|w| {
            let (db, stop) = (db.clone(), stop.clone());
            std::thread::spawn(move || {
                let (mut added, mut errors, mut writes) = (Vec::new(), Vec::new(), 0usize);
                let mut i = 0;
                while !stop.load(Ordering::Relaxed) {
                    let id = format!("w{w}-{i}");
                    let result = match i % 3 {
                        0 => tick(
                            &db,
                            &["add", "--id", &id, "cron", "*/2 * * * * *", "--", "true"],
                        )
                        .map(|_| added.push(id)),
                        1 => tick(&db, &["pause", &format!("j{}", (i + w) % 20)]).map(drop),
                        _ => tick(&db, &["resume", "--all"]).map(drop),
                    };
                    writes += 1;
                    if let Err(e) = result {
                        errors.push(e);
                    }
                    i += 1;
                    std::thread::sleep(Duration::from_millis(30));
                }
                (added, errors, writes)
            })
        })
        .collect();

    let mut runner = start_runner(&env, 0);
    for n in 1..=5 {
        std::thread::sleep(Duration::from_millis(fastrand::u64(700..2000)));
        runner.kill9();
        runner = start_runner(&env, n);
    }
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::Relaxed);
    let mut all_added = Vec::new();
    let mut total_writes = 0;
    for w in writers {
        let (added, errors, writes) = w.join().unwrap();
        assert!(errors.is_empty(), "a writer saw errors: {errors:?}");
        all_added.extend(added);
        total_writes += writes;
    }
    let last_pid = runner.pid();
    runner.stop();

    let conn = rusqlite::Connection::open(&db).unwrap();
    let q = |sql: &str| -> i64 { conn.query_row(sql, [], |r| r.get(0)).unwrap() };
    assert_eq!(
        q("SELECT count(*) FROM (SELECT 1 FROM executions GROUP BY job_id, scheduled_at HAVING count(*) > 1)"),
        0,
        "a fire was recorded twice"
    );
    assert_eq!(
        q("SELECT count(*) FROM executions WHERE status = 'running'"),
        0
    );
    // Each restart marked what the killed runner left running.
    let marked: i64 = (1..=5)
        .map(|n| {
            let log = std::fs::read_to_string(env.path().join(format!("runner{n}.err"))).unwrap();
            log.lines()
                .filter_map(|l| {
                    l.split("marked ")
                        .nth(1)?
                        .split(' ')
                        .next()?
                        .parse::<i64>()
                        .ok()
                })
                .sum::<i64>()
        })
        .sum();
    let last = format!("pid {last_pid} on %");
    let crashed: i64 = conn
        .query_row(
            "SELECT count(*) FROM executions WHERE status = 'interrupted' AND runner NOT LIKE ?1",
            [&last],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(crashed, marked);
    // The clean stop interrupts only fires still waiting for a worker.
    let never_started: i64 = conn
        .query_row(
            "SELECT count(*) FROM executions WHERE status = 'interrupted' AND runner LIKE ?1 AND started_at IS NOT NULL",
            [&last],
            |r| r.get(0),
        )
        .unwrap();
    assert_eq!(never_started, 0);
    assert!(marked > 0, "no crash caught a job in flight");
    assert!(q("SELECT count(*) FROM executions WHERE status = 'success'") > 20);
    let listed = tick(&db, &["list", "--all", "--json"]).unwrap();
    for id in &all_added {
        assert!(
            listed.contains(&format!("\"id\": \"{id}\"")),
            "{id} was lost"
        );
    }
    assert!(total_writes > 30, "only {total_writes} writes");
    eprintln!(
        "crash loop: 5 kills, {total_writes} writes, {} jobs added, {marked} runs interrupted",
        all_added.len()
    );
}
