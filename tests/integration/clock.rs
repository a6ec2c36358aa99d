//! Steps of the system clock under a real runner, made with libfaketime
//! (Debian's `faketime`) in the runner's process only: the host's clock
//! and every other process are left alone. A runner never expires itself,
//! a step either way expires no one, and durations are elapsed time.

use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::util::{count_executions, wait_for, Env, Runner};

const LIB: &str = "/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1";

/// A runner whose wall clock a test can step, by writing an offset
/// (`+300s`, `-40s`) into its `FAKETIME_TIMESTAMP_FILE`.
struct Faked {
    runner: Runner,
    offset: PathBuf,
}

impl Faked {
    /// `None` (said) where libfaketime is missing; under CI that fails.
    fn start(env: &Env, name: &str, extra: &[&str]) -> Option<Faked> {
        if !Path::new(LIB).exists() {
            assert!(
                std::env::var_os("CI").is_none(),
                "{LIB} is missing (Debian's faketime package), and CI is set"
            );
            crate::util::skipped(&format!("{LIB} is missing (install Debian's faketime)"));
            return None;
        }
        let offset = env.path().join(format!("{name}.offset"));
        std::fs::write(&offset, "+0s").unwrap();
        let vars = [
            ("LD_PRELOAD", LIB),
            ("FAKETIME_TIMESTAMP_FILE", offset.to_str().unwrap()),
            ("FAKETIME_NO_CACHE", "1"),
            ("FAKETIME_DONT_FAKE_MONOTONIC", "1"),
        ];
        let runner = env.runner_with(name, extra, &vars);
        runner.wait_log("scheduler started", 20);
        Some(Faked { runner, offset })
    }

    fn step(&self, offset: &str) {
        std::fs::write(&self.offset, offset).unwrap();
    }
}

fn successes(env: &Env) -> i64 {
    count_executions(&env.db(), Some("success"))
}

#[test]
#[cfg_attr(
    tick_no_faketime,
    ignore = "no libfaketime to step a runner's clock (apt-get install faketime)"
)]
fn a_forward_step_longer_than_the_lease_keeps_the_only_runner_running() {
    let env = Env::new();
    env.add_every_second(1, "true");
    // The default lease: renewed every 5 s, expired runners looked for
    // every 2 s, so a look comes between renewals.
    let Some(mut faked) = Faked::start(&env, "r", &["--no-echo", "--lease", "30s"]) else {
        return;
    };
    wait_for("a first fire", 10, || successes(&env) >= 1);
    faked.step("+300s");
    faked.runner.wait_log("stepped forward", 10);
    // Past the lease on the wall clock, and long enough for two looks.
    std::thread::sleep(Duration::from_secs(5));
    assert!(
        faked.runner.wait_exit(0).is_none(),
        "the runner exited after a forward step:\n{}",
        faked.runner.log()
    );
    let before = successes(&env);
    wait_for("fires after the step", 10, || successes(&env) >= before + 2);
    let log = faked.runner.stop();
    assert!(!log.contains("expired"), "{log}");
}

#[test]
#[cfg_attr(
    tick_no_faketime,
    ignore = "no libfaketime to step a runner's clock (apt-get install faketime)"
)]
fn a_backward_step_neither_expires_the_runner_nor_lets_a_standby_take_over() {
    let env = Env::new();
    env.add_every_second(1, "true");
    let args = ["--no-echo", "--lease", "3s"];
    let Some(mut faked) = Faked::start(&env, "r", &args) else {
        return;
    };
    let standby = env.runner("standby", &args);
    standby.wait_log("standing by", 10);
    faked.step("-300s");
    faked.runner.wait_log("stepped back", 10);
    // Twice the lease: renewals written 300 s in the past keep coming.
    std::thread::sleep(Duration::from_secs(6));
    assert!(
        !standby.log().contains("taking over"),
        "a standby took over from a live runner:\n{}",
        standby.log()
    );
    assert!(
        faked.runner.wait_exit(0).is_none(),
        "the runner exited after a backward step:\n{}",
        faked.runner.log()
    );
    let before = successes(&env);
    wait_for("fires after the step", 10, || successes(&env) >= before + 2);
    faked.runner.stop();
    standby.stop();
}

#[test]
#[cfg_attr(
    tick_no_faketime,
    ignore = "no libfaketime to step a runner's clock (apt-get install faketime)"
)]
fn a_run_across_a_backward_step_records_the_time_it_took() {
    let env = Env::new();
    // Every second; while one runs, the next fires are skipped.
    env.tick(&[
        "add",
        "--id",
        "slow",
        "--timeout",
        "2s",
        "cron",
        "* * * * * *",
        "--",
        "sleep 30",
    ])
    .ok();
    let Some(faked) = Faked::start(&env, "r", &["--no-echo"]) else {
        return;
    };
    faked.runner.wait_log("job slow started", 10);
    std::thread::sleep(Duration::from_millis(500));
    faked.step("-40s");
    faked.runner.wait_log("timed out", 10);
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    wait_for("the timeout to be recorded", 15, || {
        count_executions(&env.db(), Some("timeout")) == 1
    });
    let took: i64 = conn
        .query_row(
            "SELECT finished_at - started_at FROM executions WHERE status = 'timeout'",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(
        (1_500..10_000).contains(&took),
        "a run of about 2 s recorded as {took} ms:\n{}",
        faked.runner.log()
    );
    faked.runner.stop();
}
