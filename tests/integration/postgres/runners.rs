//! Several real `tick run` processes on one PostgreSQL database, counted
//! by process starts (each job appends `$TICK_JOB_ID $TICK_SCHEDULED_AT`),
//! through kill -9, SIGSTOP past the lease, killed connections, a server
//! restart and simultaneous starts; `--max-instances` across runners and
//! NOTIFY pickup.

use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use rustix::process::Signal;

use super::Pg;
use crate::util::{wait_for, Env, Runner};

/// `(job, scheduled)` of every start appended to `file`.
fn starts(file: &Path) -> Vec<(String, String)> {
    std::fs::read_to_string(file)
        .unwrap_or_default()
        .lines()
        .filter_map(|l| {
            let (a, b) = l.split_once(' ')?;
            Some((a.to_string(), b.to_string()))
        })
        .collect()
}

/// Jobs `j0..jN` firing every second, each start appending
/// `$TICK_JOB_ID $TICK_SCHEDULED_AT` to `file`.
fn add_every_second(env: &Env, url: &str, n: usize, file: &Path) {
    let cmd = format!(
        "echo \"$TICK_JOB_ID $TICK_SCHEDULED_AT\" >> {}",
        file.display()
    );
    for i in 0..n {
        env.tick(&[
            "--db",
            url,
            "add",
            "--id",
            &format!("j{i}"),
            // A backlog after an outage runs every fire, late: countable.
            "--no-coalesce",
            // A frozen or killed runner's copies count against
            // --max-instances until it is expired (tick cannot know they
            // ended); these take milliseconds, and what the limit does is
            // tested on its own, so a limit of 5 keeps fires from being
            // skipped meanwhile.
            "--max-instances",
            "5",
            "cron",
            "* * * * * *",
            "--",
            &cmd,
        ])
        .ok();
    }
}

/// No (job, scheduled) started twice, and every job started at every
/// second from `from` to `to` (both whole seconds, UTC), or was claimed by
/// a runner that died or froze before its start was recorded (then it is
/// `interrupted`, never run again: the claim is the start).
fn once_each(
    pg: &Pg,
    file: &Path,
    jobs: usize,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) {
    let all = starts(file);
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "a fire started twice: {all:?}");
    let claimed = interrupted_claims(pg);
    let missing: Vec<_> = missing(&unique, jobs, from, to)
        .into_iter()
        .filter(|k| !claimed.contains(k))
        .collect();
    assert!(
        missing.is_empty(),
        "fires never started: {missing:?}\ntheir rows: {:?}",
        rows_of(pg, &missing)
    );
}

/// The status and reason of each fire's row, if it has one.
fn rows_of(pg: &Pg, fires: &[(String, String)]) -> Vec<String> {
    let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    fires
        .iter()
        .map(|(job, at)| {
            let ms = chrono::DateTime::parse_from_rfc3339(at)
                .unwrap()
                .timestamp_millis();
            let row = c
                .query_opt(
                    "SELECT status, reason, runner FROM tick.executions
                     WHERE job_id = $1 AND scheduled_at = $2",
                    &[job, &ms],
                )
                .unwrap();
            match row {
                Some(r) => format!(
                    "{job} {at}: {} ({:?}) by {}",
                    r.get::<_, String>(0),
                    r.get::<_, Option<String>>(1),
                    r.get::<_, String>(2)
                ),
                None => format!("{job} {at}: no row"),
            }
        })
        .collect()
}

/// The (job, scheduled) of fires a runner claimed and left unstarted.
fn interrupted_claims(pg: &Pg) -> Vec<(String, String)> {
    let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    c.query(
        "SELECT job_id, scheduled_at FROM tick.executions
         WHERE status = 'interrupted' AND reason LIKE '%after claiming%'",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| {
        let at = chrono::DateTime::from_timestamp_millis(r.get(1)).unwrap();
        (
            r.get(0),
            at.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
        )
    })
    .collect()
}

/// The (job, scheduled) of `jobs` from `from` to `to` not in `started`
/// (sorted).
fn missing(
    started: &[(String, String)],
    jobs: usize,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) -> Vec<(String, String)> {
    let mut missing = Vec::new();
    let mut t = from;
    while t <= to {
        let at = t.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
        for j in 0..jobs {
            let key = (format!("j{j}"), at.clone());
            if started.binary_search(&key).is_err() {
                missing.push(key);
            }
        }
        t += chrono::Duration::seconds(1);
    }
    missing
}

/// Before the runners stop: wait until every fire up to `to` has started
/// (at most 20 s). On a loaded machine a fire due a second ago may still
/// be on its way, and stopping the runners then would lose it.
fn wait_started(
    file: &Path,
    jobs: usize,
    from: chrono::DateTime<chrono::Utc>,
    to: chrono::DateTime<chrono::Utc>,
) {
    let deadline = std::time::Instant::now() + Duration::from_secs(20);
    while std::time::Instant::now() < deadline {
        let mut started = starts(file);
        started.sort();
        if missing(&started, jobs, from, to).is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

fn whole_second(t: chrono::DateTime<chrono::Utc>) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp(t.timestamp(), 0).unwrap()
}

pub(crate) fn pg_runner(env: &Env, pg: &Pg, name: &str, extra: &[&str]) -> Runner {
    let mut args = vec!["--db", &pg.url, "--no-echo", "--name", name];
    args.extend_from_slice(extra);
    let r = env.runner(name, &args);
    r.wait_log("scheduler started", 20);
    r
}

/// Replace what differs between the two stores by design: their names,
#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn three_runners_start_every_fire_once_and_share_a_burst() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let file = env.path().join("starts");
    add_every_second(&env, &pg.url, 4, &file);
    // A burst: 30 jobs at one instant, each busy for 2 s; 5 workers each.
    let burst = env.path().join("burst");
    let cmd = format!("echo \"$TICK_JOB_ID\" >> {}; sleep 2", burst.display());
    let burst_at = whole_second(chrono::Utc::now()) + chrono::Duration::seconds(14);
    let at = burst_at.to_rfc3339();
    // 30 adds at once (also: concurrent writers on one database).
    std::thread::scope(|s| {
        for i in 0..30 {
            let (env, pg, at, cmd) = (&env, &pg, &at, &cmd);
            s.spawn(move || {
                env.tick(&[
                    "--db",
                    &pg.url,
                    "add",
                    "--id",
                    &format!("b{i:02}"),
                    "--first-run",
                    at,
                    "interval",
                    "--every",
                    "1h",
                    "--",
                    cmd,
                ])
                .ok();
            });
        }
    });
    let runners: Vec<Runner> = ["a", "b", "c"]
        .iter()
        .map(|n| pg_runner(&env, &pg, n, &["--max-workers", "5"]))
        .collect();
    let from = whole_second(chrono::Utc::now()) + chrono::Duration::seconds(2);
    let wait = burst_at - chrono::Utc::now();
    std::thread::sleep(wait.to_std().unwrap_or_default());
    // 15 workers for 30 two-second jobs (and 4 every second): ~4 s.
    wait_for("the whole burst to start", 20, || {
        std::fs::read_to_string(&burst)
            .unwrap_or_default()
            .lines()
            .count()
            >= 30
    });
    let logs: Vec<String> = runners.into_iter().map(Runner::stop_killing).collect();
    // Before the burst: every fire once. During it all 15 workers are busy
    // for 4 s, and the every-second jobs' backlog is coalesced (docs/running.md).
    let to = burst_at - chrono::Duration::seconds(1);
    assert!(
        to - from >= chrono::Duration::seconds(3),
        "the runners started too slowly"
    );
    once_each(&pg, &file, 4, from, to);
    let all = starts(&file);
    let mut unique = all.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), all.len(), "a fire started twice");
    let bursts = std::fs::read_to_string(&burst).unwrap_or_default();
    let mut burst_ids: Vec<&str> = bursts.lines().collect();
    burst_ids.sort();
    let n = burst_ids.len();
    burst_ids.dedup();
    assert_eq!(burst_ids.len(), n, "a burst job started twice");
    assert_eq!(n, 30, "only {n} of the burst started");
    // No runner took the whole burst: each started some of it.
    for log in &logs {
        assert!(
            log.lines()
                .any(|l| l.contains("job b") && l.contains("started")),
            "a runner ran none of the burst:\n{log}"
        );
    }
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn kill_9_of_a_runner_fails_over_and_its_run_is_interrupted() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let file = env.path().join("starts");
    let a = pg_runner(&env, &pg, "a", &["--lease", "3s"]);
    env.tick(&[
        "--db",
        &pg.url,
        "add",
        "--id",
        "long",
        "--first-run",
        "now",
        "interval",
        "--every",
        "1h",
        "--",
        "sleep 60",
    ])
    .ok();
    a.wait_log("job long started", 10);
    let b = pg_runner(&env, &pg, "b", &["--lease", "3s"]);
    add_every_second(&env, &pg.url, 2, &file);
    std::thread::sleep(Duration::from_secs(1));
    let killed = Instant::now();
    let from = whole_second(chrono::Utc::now()) + chrono::Duration::seconds(1);
    a.kill9();
    b.wait_log(
        "marked 1 execution(s) of a previous runner as interrupted",
        10,
    );
    let failover = killed.elapsed();
    assert!(
        failover < Duration::from_secs(5),
        "failover took {failover:?}"
    );
    std::thread::sleep(Duration::from_secs(3));
    let to = whole_second(chrono::Utc::now()) - chrono::Duration::seconds(1);
    wait_started(&file, 2, from, to);
    b.stop();
    once_each(&pg, &file, 2, from, to);
    let h = env.tick(&["--db", &pg.url, "history", "long"]).ok();
    assert!(h.contains("interrupted"), "{h}");
    let runners = env.tick(&["--db", &pg.url, "runners"]).ok();
    assert!(
        runners
            .lines()
            .any(|l| l.starts_with("a ") && l.ends_with("expired")),
        "{runners}"
    );
    assert!(
        runners
            .lines()
            .any(|l| l.starts_with("b ") && l.ends_with("gone")),
        "{runners}"
    );
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn a_runner_stopped_past_its_lease_is_taken_over_and_runs_nothing_the_others_took() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let file = env.path().join("starts");
    add_every_second(&env, &pg.url, 4, &file);
    let mut a = pg_runner(&env, &pg, "a", &["--lease", "2s"]);
    let b = pg_runner(&env, &pg, "b", &["--lease", "2s"]);
    let from = whole_second(chrono::Utc::now()) + chrono::Duration::seconds(1);
    std::thread::sleep(Duration::from_secs(2));
    a.signal(Signal::STOP);
    let stopped = Instant::now();
    b.wait_log("runner a (pid", 10);
    let failover = stopped.elapsed();
    assert!(
        failover < Duration::from_secs(4),
        "failover took {failover:?}"
    );
    std::thread::sleep(Duration::from_secs(2));
    a.signal(Signal::CONT);
    let status = a
        .wait_exit(15)
        .expect("the stopped runner never stood down");
    assert!(!status.success());
    assert!(a.log().contains("another runner took over"), "{}", a.log());
    std::thread::sleep(Duration::from_secs(2));
    let to = whole_second(chrono::Utc::now()) - chrono::Duration::seconds(1);
    wait_started(&file, 4, from, to);
    b.stop();
    once_each(&pg, &file, 4, from, to);
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn killed_connections_and_simultaneous_starts_lose_and_double_nothing() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let file = env.path().join("starts");
    // Two runners at the same instant on a database without tick's schema.
    let mut starting: Vec<Runner> = ["a", "b"]
        .iter()
        .map(|n| env.runner(n, &["--db", &pg.url, "--no-echo", "--name", n]))
        .collect();
    for r in &starting {
        r.wait_log("scheduler started", 20);
    }
    add_every_second(&env, &pg.url, 3, &file);
    let from = whole_second(chrono::Utc::now()) + chrono::Duration::seconds(2);
    std::thread::sleep(Duration::from_secs(2));
    for _ in 0..2 {
        assert!(pg.terminate_connections() >= 2);
        std::thread::sleep(Duration::from_secs(2));
    }
    let to = whole_second(chrono::Utc::now()) - chrono::Duration::seconds(1);
    wait_started(&file, 3, from, to);
    let logs: Vec<String> = starting.drain(..).map(Runner::stop).collect();
    once_each(&pg, &file, 3, from, to);
    for log in logs {
        // One line per outage, not per retry.
        let outages: Vec<&str> = log
            .lines()
            .filter(|l| l.contains("claiming nothing"))
            .collect();
        assert!(outages.len() <= 2, "{log}");
        // Each names the store once.
        assert!(
            outages.iter().all(|l| l.matches("cannot use").count() == 1),
            "{log}"
        );
    }
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
#[cfg_attr(
    all(tick_not_root, not(tick_no_postgres)),
    ignore = "needs root, to restart the local PostgreSQL cluster"
)]
fn a_server_restart_under_load_loses_and_doubles_nothing() {
    // The local cluster of the test server's port (Debian's tools), if
    // this process may restart it.
    let port = super::server()
        .rsplit(':')
        .next()
        .and_then(|p| p.parse::<u16>().ok())
        .unwrap_or(5432)
        .to_string();
    let cluster = Command::new("pg_lsclusters")
        .arg("-h")
        .output()
        .ok()
        .and_then(|o| {
            String::from_utf8_lossy(&o.stdout).lines().find_map(|l| {
                let f: Vec<&str> = l.split_whitespace().collect();
                (f.len() > 3 && f[2] == port).then(|| (f[0].to_string(), f[1].to_string()))
            })
        });
    let (Some((version, name)), true) = (cluster, rustix::process::geteuid().is_root()) else {
        crate::util::skipped(&format!(
            "needs root and a local Debian cluster on port {port} to restart"
        ));
        return;
    };
    let ctl = |what: &str| {
        Command::new("pg_ctlcluster")
            .args(["--skip-systemctl-redirect", &version, &name, what])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    let Some(pg) = Pg::alone() else { return };
    // Whatever happens, the server is left running.
    struct Started<'a>(&'a dyn Fn(&str) -> bool);
    impl Drop for Started<'_> {
        fn drop(&mut self) {
            (self.0)("start");
        }
    }
    let _started = Started(&ctl);
    let env = Env::new();
    let file = env.path().join("starts");
    add_every_second(&env, &pg.url, 3, &file);
    let runners: Vec<Runner> = ["a", "b"]
        .iter()
        .map(|n| pg_runner(&env, &pg, n, &[]))
        .collect();
    let from = whole_second(chrono::Utc::now()) + chrono::Duration::seconds(2);
    std::thread::sleep(Duration::from_secs(2));
    assert!(ctl("restart"), "pg_ctlcluster restart failed");
    for r in &runners {
        r.wait_log("works again", 30);
    }
    std::thread::sleep(Duration::from_secs(2));
    let to = whole_second(chrono::Utc::now()) - chrono::Duration::seconds(1);
    wait_started(&file, 3, from, to);
    for r in runners {
        r.stop();
    }
    once_each(&pg, &file, 3, from, to);
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn max_instances_counts_copies_on_every_runner_and_changes_arrive_at_once() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let marks = env.path().join("marks");
    // A copy that finds another one running leaves a mark.
    let lock = env.path().join("lock");
    let cmd = format!(
        "mkdir {l} 2>/dev/null || echo overlap >> {m}; sleep 2.5; rmdir {l}",
        l = lock.display(),
        m = marks.display()
    );
    env.tick(&[
        "--db",
        &pg.url,
        "add",
        "--id",
        "one",
        "cron",
        "* * * * * *",
        "--",
        &cmd,
    ])
    .ok();
    let runners: Vec<Runner> = ["a", "b"]
        .iter()
        .map(|n| pg_runner(&env, &pg, n, &[]))
        .collect();
    std::thread::sleep(Duration::from_secs(6));
    // A job added now starts within well under the 1 s poll: NOTIFY. From
    // the end of `tick add` (its commit) to the job's own clock reading.
    let picked = env.path().join("picked");
    let mut delays = Vec::new();
    for i in 0..5 {
        std::thread::sleep(Duration::from_millis(300));
        env.tick(&[
            "--db",
            &pg.url,
            "add",
            "--id",
            &format!("n{i}"),
            "--first-run",
            "now",
            "interval",
            "--every",
            "1h",
            "--",
            &format!("date +%s%N >> {}", picked.display()),
        ])
        .ok();
        let added = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos() as i128;
        let mut started = 0i128;
        wait_for("the new job to start", 5, || {
            let text = std::fs::read_to_string(&picked).unwrap_or_default();
            match text.lines().nth(i) {
                Some(l) => {
                    started = l.trim().parse().unwrap_or(0);
                    true
                }
                None => false,
            }
        });
        delays.push(Duration::from_nanos((started - added).max(0) as u64));
    }
    for r in runners {
        r.stop_killing();
    }
    assert_eq!(
        std::fs::read_to_string(&marks).unwrap_or_default(),
        "",
        "two copies ran at once"
    );
    let skipped = env
        .tick(&["--db", &pg.url, "history", "one", "--status", "skipped"])
        .ok();
    assert!(skipped.contains("skipped"), "{skipped}");
    delays.sort();
    assert!(
        delays[2] < Duration::from_millis(300),
        "pickup took {delays:?}"
    );
}
