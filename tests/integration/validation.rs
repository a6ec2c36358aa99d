//! One validation path for every command (SPEC §2): a trigger refused by
//! `add` is refused the same way by `reschedule`.

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
