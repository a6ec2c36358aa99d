//! One validation path for every command (docs/triggers.md): a trigger or option
//! refused by `add` is refused the same way by `reschedule`, `modify` and
//! `fire`, and a rescheduled job keeps what it was not told to change.

use serde_json::Value;

use crate::util::Env;

fn show(env: &Env, id: &str) -> Value {
    serde_json::from_str(&env.tick(&["show", id, "--json"]).ok()).unwrap()
}

#[test]
fn reschedule_refuses_what_add_refuses_and_writes_nothing() {
    let env = Env::new();
    env.tick(&["add", "--id", "job", "cron", "@daily", "--", "true"])
        .ok();
    let before = env.snapshot();
    for (args, expected) in [
        (
            &["date", "--at", "2000-01-01"][..],
            "error: date 2000-01-01T00:00:00+00:00 is not in the future: a date trigger fires once, later than now",
        ),
        (
            &["cron", "@daily", "--end", "2000-01-01"][..],
            "error: invalid --end '2000-01-01T00:00:00+00:00': it is before now",
        ),
        (
            &["cron", "--minute", "*/60"][..],
            "error: invalid --minute '*/60': step 60 is larger than the range 0-59",
        ),
    ] {
        let mut add = vec!["add"];
        add.extend(args);
        add.extend(["--", "x"]);
        let mut reschedule = vec!["reschedule", "job"];
        reschedule.extend(args);
        let from_add = env.tick(&add).usage_error();
        let from_reschedule = env.tick(&reschedule).usage_error();
        assert!(from_add.starts_with(expected), "{from_add}");
        assert_eq!(from_reschedule, from_add);
        assert_eq!(env.snapshot(), before, "{args:?} changed the file");
    }
    assert_eq!(show(&env, "job")["state"], "active");
}

#[test]
fn a_zero_timeout_is_refused_by_add_modify_and_fire() {
    let env = Env::new();
    env.tick(&["add", "--id", "job", "cron", "@daily", "--", "true"])
        .ok();
    let before = env.snapshot();
    let add = env
        .tick(&["add", "cron", "@daily", "--timeout", "0s", "--", "true"])
        .usage_error();
    assert_eq!(
        add,
        "error: invalid --timeout '0s': use at least 1s, or none"
    );
    let modify = env
        .tick(&["modify", "job", "--timeout", "0m"])
        .usage_error();
    assert_eq!(
        modify,
        "error: invalid --timeout '0m': use at least 1s, or none"
    );
    let fire = env.tick(&["fire", "job", "--timeout", "0s"]).usage_error();
    assert_eq!(fire, "error: invalid --timeout '0s': use at least 1s");
    let fire = env
        .tick(&["fire", "job", "--timeout", "soon"])
        .usage_error();
    assert!(
        fire.starts_with("error: --timeout: invalid duration 'soon'"),
        "{fire}"
    );
    assert_eq!(env.snapshot(), before, "a refused command wrote");
}

#[test]
fn reschedule_keeps_the_jobs_zone_unless_tz_is_given() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "backup",
        "--tz",
        "Europe/Berlin",
        "cron",
        "0 3 * * *",
        "--",
        "backup.sh",
    ])
    .ok();
    env.tick(&["reschedule", "backup", "cron", "0 4 * * *"])
        .ok();
    let j = show(&env, "backup");
    assert_eq!(j["trigger"], "cron 0 4 * * * (Europe/Berlin)");
    assert_eq!(j["timezone"], "Europe/Berlin");
    assert!(
        j["next_run_at"]
            .as_str()
            .unwrap()
            .ends_with("T04:00:00+01:00"),
        "{}",
        j["next_run_at"]
    );
    // Every kind takes the job's zone, a combined trigger's parts included.
    env.tick(&[
        "reschedule",
        "backup",
        "any",
        "cron 0 5 * * *",
        "cron 0 6 * * *",
    ])
    .ok();
    assert_eq!(
        show(&env, "backup")["trigger"],
        "any(cron 0 5 * * * | cron 0 6 * * *) (Europe/Berlin)"
    );
    env.tick(&[
        "reschedule",
        "backup",
        "cron",
        "0 4 * * *",
        "--tz",
        "Asia/Tokyo",
    ])
    .ok();
    assert_eq!(show(&env, "backup")["timezone"], "Asia/Tokyo");
}
