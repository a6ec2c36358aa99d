//! Several runners on one PostgreSQL store: a runner lost is reported
//! once, and a silent job is reported once, whichever runner sees it.

use std::time::Duration;

use super::{add_quiet, Receiver};
use crate::postgres::{pg_runner, Pg};
use crate::util::{Env, Runner};

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn a_lost_runner_is_reported_once_by_the_runners_alive() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let hook = Receiver::start();
    let url = hook.url();
    let notify = ["--lease", "2s", "--notify", url.as_str()];
    let a = pg_runner(&env, &pg, "a", &notify);
    let b = pg_runner(&env, &pg, "b", &notify);
    let c = pg_runner(&env, &pg, "c", &notify);
    a.kill9();
    let (_, lost) = hook.wait("runner-lost", 15);
    std::thread::sleep(Duration::from_secs(4));
    b.stop();
    c.stop();
    assert_eq!(hook.events(), ["runner-lost"]);
    assert_eq!(lost["runner"]["name"], "a");
    assert!(lost["job_id"].is_null());
    let text = lost["text"].as_str().unwrap();
    assert!(
        text.starts_with("runner a (pid ") && text.contains("stopped renewing its lease"),
        "{text}"
    );
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn a_silent_job_is_reported_once_by_one_of_the_runners() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let hook = Receiver::start();
    let runners: Vec<Runner> = ["a", "b", "c"]
        .iter()
        .map(|n| pg_runner(&env, &pg, n, &[]))
        .collect();
    add_quiet(&env, &["--db", &pg.url], &hook);
    hook.wait("silent", 15);
    std::thread::sleep(Duration::from_secs(4));
    for r in runners {
        r.stop();
    }
    assert_eq!(hook.events(), ["silent"]);
}
