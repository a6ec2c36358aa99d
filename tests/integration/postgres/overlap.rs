//! `--overlap` with two runners on one database: each policy holds across
//! them (the checks are `overlap.rs`'s).

use super::{pg_runner, Pg};
use crate::overlap::{allow, queue, replace, Place};
use crate::util::Env;

fn two_runners(check: fn(&Place)) {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let start = || {
        vec![
            pg_runner(&env, &pg, "a", &[]),
            pg_runner(&env, &pg, "b", &[]),
        ]
    };
    check(&Place {
        env: &env,
        db: vec!["--db", &pg.url],
        start: &start,
    });
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn queue_holds_across_two_runners() {
    two_runners(queue);
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn replace_holds_across_two_runners() {
    two_runners(replace);
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn allow_holds_across_two_runners() {
    two_runners(allow);
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn two_backfills_with_two_runners_run_each_fire_once() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let runners = vec![
        pg_runner(&env, &pg, "a", &[]),
        pg_runner(&env, &pg, "b", &[]),
    ];
    let place = Place {
        env: &env,
        db: vec!["--db", &pg.url],
        start: &Vec::new,
    };
    crate::backfill::backfill_runs_each_fire_once(&place, runners);
}
