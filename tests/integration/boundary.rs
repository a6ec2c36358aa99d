//! The claim/spawn boundary: a runner killed (kill -9) or frozen (SIGSTOP
//! past its lease) 0–10 ms after a second boundary, while five jobs fire
//! every second, 20 times over. Counted from the jobs' own stamps (each
//! start appends its job, scheduled time, runner pid and the time it
//! started) against the execution rows: no fire starts twice, every start
//! has its row, and a frozen runner starts nothing after it thaws.
//!
//! Here the jobs file; `postgres/boundary.rs` runs the same on PostgreSQL
//! with the checks below.

use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};

use rustix::process::Signal;

use crate::util::{wait_for, Env, Runner};

/// Kills and freezes per test.
pub const ROUNDS: usize = 20;

/// One start of a job, as the job stamped it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stamp {
    pub job: String,
    /// The scheduled time, in milliseconds since the epoch.
    pub scheduled: i64,
    /// The pid of the runner that spawned it (the shell's parent).
    pub runner: i32,
    /// When it started, in milliseconds since the epoch.
    pub at: i64,
}

/// An execution row: job, scheduled time (ms), status, reason.
pub type Row = (String, i64, String, Option<String>);

/// The command a job runs to stamp each start into `file`.
pub fn stamp_command(file: &Path) -> String {
    format!(
        "echo \"$TICK_JOB_ID $TICK_SCHEDULED_AT $PPID $(date +%s%3N)\" >> {}",
        file.display()
    )
}

pub fn stamps(file: &Path) -> Vec<Stamp> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            assert_eq!(f.len(), 4, "a stamp line is cut: {l:?}");
            Stamp {
                job: f[0].to_string(),
                scheduled: chrono::DateTime::parse_from_rfc3339(f[1])
                    .unwrap()
                    .timestamp_millis(),
                runner: f[2].parse().unwrap(),
                at: f[3].parse().unwrap(),
            }
        })
        .collect()
}

/// No fire started twice; every start has its execution row; nothing is
/// left running. Returns how many fires ended `interrupted` without a
/// recorded start (claimed by a runner that died or froze), for the
/// summary line.
pub fn check(stamps: &[Stamp], rows: &[Row]) -> usize {
    let mut starts: HashMap<(&str, i64), Vec<&Stamp>> = HashMap::new();
    for s in stamps {
        starts.entry((&s.job, s.scheduled)).or_default().push(s);
    }
    let twice: Vec<_> = starts.values().filter(|v| v.len() > 1).collect();
    assert!(twice.is_empty(), "fires started twice: {twice:?}");
    let recorded: HashMap<(&str, i64), &Row> =
        rows.iter().map(|r| ((r.0.as_str(), r.1), r)).collect();
    assert_eq!(recorded.len(), rows.len(), "a fire has two rows");
    let lost: Vec<_> = stamps
        .iter()
        .filter(|s| !recorded.contains_key(&(s.job.as_str(), s.scheduled)))
        .collect();
    assert!(lost.is_empty(), "starts without an execution row: {lost:?}");
    let running: Vec<_> = rows.iter().filter(|r| r.2 == "running").collect();
    assert!(running.is_empty(), "left running: {running:?}");
    let claimed = rows
        .iter()
        .filter(|r| r.2 == "interrupted" && r.3.as_deref().is_some_and(|w| w.contains("claiming")))
        .count();
    assert!(
        stamps.len() > ROUNDS,
        "only {} starts: the jobs hardly ran",
        stamps.len()
    );
    claimed
}

/// Sleep until `at_ms` milliseconds past the next second boundary.
pub fn just_after_a_second(at_ms: u64) {
    let now = chrono::Utc::now().timestamp_millis();
    let next = (now / 1000 + 1) * 1000;
    std::thread::sleep(Duration::from_millis((next - now) as u64 + at_ms));
}

/// What became of a runner frozen past its lease.
pub enum Thawed {
    /// Declared expired while frozen; after the thaw it stood down, its
    /// lease lost. When it thawed (ms since the epoch).
    TakenOver(i64),
    /// Frozen inside a write of the jobs file, it could not be declared
    /// expired (no one can write meanwhile): it runs on after the thaw.
    RanOn,
}

/// Freeze `frozen` 0–10 ms after a second boundary until `taker` (already
/// started) declares it expired, or for `patience`; then thaw it.
pub fn freeze(frozen: &mut Runner, taker: &Runner, patience: Duration) -> Thawed {
    just_after_a_second(fastrand::u64(0..=10));
    frozen.signal(Signal::STOP);
    let name = format!("(pid {} on", frozen.pid());
    let declared = || {
        taker
            .log()
            .lines()
            .any(|l| l.contains(&name) && (l.contains("expired") || l.contains("taking over")))
    };
    let end = Instant::now() + patience;
    while !declared() && Instant::now() < end {
        std::thread::sleep(Duration::from_millis(50));
    }
    let taken = declared();
    let thawed = chrono::Utc::now().timestamp_millis();
    frozen.signal(Signal::CONT);
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        if let Some(status) = frozen.child.try_wait().unwrap() {
            assert!(!status.success());
            let log = frozen.log();
            assert!(log.contains("another runner took over"), "{log}");
            return Thawed::TakenOver(thawed);
        }
        if !taken && Instant::now() + Duration::from_secs(16) > end {
            return Thawed::RanOn;
        }
        assert!(
            Instant::now() < end,
            "the thawed runner never stood down:\n{}\ntaker:\n{}",
            frozen.log(),
            taker.log()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// Starts by a runner after it thawed from a freeze past its lease: none,
/// but for the one window docs/several-machines.md names (frozen between
/// its last fence check and the kernel creating the process: the check
/// right after the spawn kills that child at once, but its first instant,
/// here the stamp, ran). Seen once in a CI run under load; more than one
/// in a run, or any such fire started twice (`check`), is a failure.
pub fn nothing_after_thaw(stamps: &[Stamp], thaws: &[(i32, i64)]) {
    let late: Vec<_> = thaws
        .iter()
        .flat_map(|(pid, thawed)| {
            stamps
                .iter()
                .filter(move |s| s.runner == *pid && s.at >= *thawed)
        })
        .collect();
    assert!(
        late.len() <= 1,
        "runners started fires after they thawed: {late:?}"
    );
    if !late.is_empty() {
        eprintln!("a start in the freeze-between-check-and-fork window: {late:?}");
    }
}

fn file_rows(db: &Path) -> Vec<Row> {
    let conn = rusqlite::Connection::open(db).unwrap();
    let mut stmt = conn
        .prepare("SELECT job_id, scheduled_at, status, reason FROM executions")
        .unwrap();
    let rows = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))
        .unwrap();
    rows.collect::<Result<_, _>>().unwrap()
}

fn add_stampers(env: &Env, file: &Path) {
    env.add_every_second(5, &stamp_command(file));
}

#[test]
fn kill_9_right_after_a_fire_never_runs_it_twice_nor_loses_its_row() {
    let env = Env::new();
    let file = env.path().join("stamps");
    add_stampers(&env, &file);
    let mut runner = env.runner("r0", &["--no-echo"]);
    runner.wait_log("scheduler started", 20);
    for n in 1..=ROUNDS {
        just_after_a_second(fastrand::u64(0..=10));
        runner.kill9();
        runner = env.runner(&format!("r{n}"), &["--no-echo"]);
        runner.wait_log("scheduler started", 20);
    }
    std::thread::sleep(Duration::from_millis(1500));
    runner.stop();
    let stamps = stamps(&file);
    let claimed = check(&stamps, &file_rows(&env.db()));
    eprintln!(
        "kill -9 at +0-10 ms, {ROUNDS} times: {} starts, none twice, each with its row; {claimed} claimed fires interrupted",
        stamps.len()
    );
}

#[test]
fn a_runner_frozen_past_its_lease_right_after_a_fire_starts_nothing_twice() {
    let env = Env::new();
    let file = env.path().join("stamps");
    add_stampers(&env, &file);
    let args = ["--no-echo", "--lease", "2s"];
    let mut runner = env.runner("r0", &args);
    runner.wait_log("scheduler started", 20);
    let mut thaws = Vec::new();
    for n in 1..=ROUNDS {
        // The taker stands by on the file's lock (or, when the lock is
        // free, runs beside it), and takes over once the frozen runner's
        // lease has lapsed.
        let taker = env.runner(&format!("r{n}"), &args);
        wait_for("the taker to start", 20, || {
            let log = taker.log();
            log.contains("standing by") || log.contains("scheduler started")
        });
        match freeze(&mut runner, &taker, Duration::from_secs(6)) {
            Thawed::TakenOver(at) => {
                thaws.push((runner.pid(), at));
                runner = taker;
                runner.wait_log("scheduler started", 20);
            }
            Thawed::RanOn => drop(taker),
        }
    }
    std::thread::sleep(Duration::from_millis(1500));
    runner.stop();
    let stamps = stamps(&file);
    nothing_after_thaw(&stamps, &thaws);
    let claimed = check(&stamps, &file_rows(&env.db()));
    assert!(
        thaws.len() >= ROUNDS / 2,
        "only {} of {ROUNDS} freezes were taken over",
        thaws.len()
    );
    eprintln!(
        "SIGSTOP at +0-10 ms past the lease, {ROUNDS} times ({} taken over): {} starts, none twice, none after a thaw; {claimed} claimed fires interrupted",
        thaws.len(),
        stamps.len()
    );
}
