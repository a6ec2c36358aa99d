//! The claim/spawn boundary on PostgreSQL (see `boundary.rs` for the
//! jobs file and the checks): two runners share five jobs firing every
//! second; one of them is killed (kill -9) or frozen past its lease 0–10 ms
//! after a second boundary, 20 times, and started again. Counted from the
//! jobs' own stamps against the execution rows.

use std::path::Path;
use std::time::Duration;

use super::Pg;
use crate::boundary::{
    check, freeze, just_after_a_second, nothing_after_thaw, stamp_command, stamps, Row, Thawed,
    ROUNDS,
};
use crate::util::{Env, Runner};

fn rows(pg: &Pg) -> Vec<Row> {
    let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    c.query(
        "SELECT job_id, scheduled_at, status, reason FROM tick.executions",
        &[],
    )
    .unwrap()
    .iter()
    .map(|r| (r.get(0), r.get(1), r.get(2), r.get(3)))
    .collect()
}

fn setup(env: &Env, pg: &Pg, file: &Path) {
    let cmd = stamp_command(file);
    for i in 0..5 {
        let id = format!("j{i}");
        env.tick(&[
            "--db",
            &pg.url,
            "add",
            "--id",
            &id,
            "cron",
            "* * * * * *",
            "--",
            &cmd,
        ])
        .ok();
    }
}

fn runner(env: &Env, pg: &Pg, name: &str) -> Runner {
    super::runners::pg_runner(env, pg, name, &["--lease", "2s"])
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn kill_9_right_after_a_fire_never_runs_it_twice_nor_loses_its_row_on_postgres() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let file = env.path().join("stamps");
    setup(&env, &pg, &file);
    let b = runner(&env, &pg, "b");
    for n in 0..ROUNDS {
        let a = runner(&env, &pg, &format!("a{n}"));
        just_after_a_second(fastrand::u64(0..=10));
        a.kill9();
    }
    std::thread::sleep(Duration::from_secs(3));
    b.stop();
    let stamps = stamps(&file);
    let claimed = check(&stamps, &rows(&pg));
    eprintln!(
        "PostgreSQL, kill -9 at +0-10 ms, {ROUNDS} times: {} starts, none twice, each with its row; {claimed} claimed fires interrupted",
        stamps.len()
    );
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn a_runner_frozen_past_its_lease_right_after_a_fire_starts_nothing_twice_on_postgres() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let file = env.path().join("stamps");
    setup(&env, &pg, &file);
    let b = runner(&env, &pg, "b");
    let mut thaws = Vec::new();
    for n in 0..ROUNDS {
        let mut a = runner(&env, &pg, &format!("a{n}"));
        // A runner frozen inside a transaction loses its session after a
        // few seconds, and with it what it held: always taken over.
        match freeze(&mut a, &b, Duration::from_secs(15)) {
            Thawed::TakenOver(at) => thaws.push((a.pid(), at)),
            Thawed::RanOn => panic!("a frozen runner was never taken over:\n{}", b.log()),
        }
    }
    std::thread::sleep(Duration::from_secs(2));
    b.stop();
    let stamps = stamps(&file);
    nothing_after_thaw(&stamps, &thaws);
    let claimed = check(&stamps, &rows(&pg));
    eprintln!(
        "PostgreSQL, SIGSTOP at +0-10 ms past the lease, {ROUNDS} times: {} starts, none twice, none after a thaw; {claimed} claimed fires interrupted",
        stamps.len()
    );
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn brief_repeated_connection_drops_never_cost_a_runner_its_lease() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let file = env.path().join("stamps");
    setup(&env, &pg, &file);
    let a = runner(&env, &pg, "a");
    let b = runner(&env, &pg, "b");
    // Every connection of the database cut every 0.7 s for 10 s: each
    // outage is short, but together they outlast the 2 s lease many times.
    for _ in 0..14 {
        pg.terminate_connections();
        std::thread::sleep(Duration::from_millis(700));
    }
    std::thread::sleep(Duration::from_secs(2));
    for (name, r) in [("a", &a), ("b", &b)] {
        let log = r.log();
        assert!(
            !log.contains("took over") && !log.contains("expired"),
            "runner {name} lost its lease:\n{log}"
        );
    }
    let before = stamps(&file).len();
    crate::util::wait_for("fires after the drops", 10, || {
        stamps(&file).len() >= before + 10
    });
    a.stop();
    b.stop();
    check(&stamps(&file), &rows(&pg));
}
