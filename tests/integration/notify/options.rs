//! The notification options as given (`add`, `modify`, the API), shown
//! (`show` without secrets, `--json` whole), carried by `export` and
//! `import`, and refused in one line with nothing written.

use serde_json::{json, Value};

use crate::util::Env;

fn show_json(env: &Env, id: &str) -> Value {
    serde_json::from_str(&env.tick(&["show", id, "--json"]).ok()).unwrap()
}

#[test]
fn targets_and_events_are_checked_when_given_and_nothing_is_written() {
    let env = Env::new();
    for (args, error) in [
        (
            vec!["--notify", "ftp://files.example.com/secret"],
            "error: invalid --notify 'ftp://files.example.com/…': use http://URL, https://URL or mailto:ADDRESS",
        ),
        (
            vec!["--notify", "https://hooks example.com/x"],
            "error: invalid --notify 'https://hooks example.com/…': a URL has no spaces or control characters (write a space as %20)",
        ),
        (
            vec!["--notify", "mailto:"],
            "error: invalid --notify 'mailto:': give an address after mailto:, e.g. mailto:ops@example.com",
        ),
        (
            vec!["--notify", "mailto:-oQ/tmp/x@example.com"],
            "error: invalid --notify 'mailto:-oQ/tmp/x@example.com': '-oQ/tmp/x@example.com' is not a mail address (like ops@example.com, or a local user like root)",
        ),
        (
            vec!["--notify", "https://x.example.com", "--notify-on", "failure,oops"],
            "error: invalid --notify-on 'failure,oops': 'oops' is not an event (valid: failure, success, recovery, output, missed, long, short, silent, paused)",
        ),
        (
            vec!["--notify-on", "success"],
            "error: --notify-on and --expect-* need a --notify TARGET to tell (e.g. --notify mailto:you@example.com)",
        ),
        (
            vec!["--notify", "mailto:root", "--expect-duration", "1h..1m"],
            "error: invalid --expect-duration '1h..1m': MIN 1h is longer than MAX 1m",
        ),
        (
            vec!["--notify", "mailto:root", "--expect-duration", "5m"],
            "error: invalid --expect-duration '5m': expected MIN..MAX, e.g. 10s..1h, ..30m or 5m.., or none",
        ),
        (
            vec!["--notify", "mailto:root", "--expect-success-within", "0s"],
            "error: invalid --expect-success-within '0s': use at least 1s",
        ),
    ] {
        let mut words = vec!["add"];
        words.extend(args);
        words.extend(["cron", "@daily", "--", "true"]);
        assert_eq!(env.tick(&words).usage_error(), error);
    }
    assert!(!env.db().exists(), "a refused add wrote a jobs file");
    let run = env.tick(&["run", "--notify", "gopher://x"]).usage_error();
    assert_eq!(
        run,
        "error: invalid --notify 'gopher://x': use http://URL, https://URL or mailto:ADDRESS"
    );
}

#[test]
fn options_are_shown_without_secrets_changed_and_carried_by_export() {
    let env = Env::new();
    let slack = "https://hooks.slack.com/services/T0/B0/SECRET";
    env.tick(&[
        "add",
        "--id",
        "backup",
        "--notify",
        slack,
        "--notify",
        "mailto:ops@example.com",
        "--expect-duration",
        "1m..2h",
        "--expect-success-within",
        "1d",
        "cron",
        "0 3 * * *",
        "--",
        "backup.sh",
    ])
    .ok();
    let show = env.tick(&["show", "backup"]).ok();
    assert!(!show.contains("SECRET"), "{show}");
    assert!(
        show.contains("notify:        https://hooks.slack.com/…, mailto:ops@example.com on failure, recovery, long, short, silent\n"),
        "{show}"
    );
    assert!(
        show.contains("expect:        runs 1m..2h, succeeds within 1d\n"),
        "{show}"
    );
    let j = show_json(&env, "backup");
    assert_eq!(j["notify"], json!([slack, "mailto:ops@example.com"]));
    assert_eq!(
        j["notify_on"],
        json!(["failure", "recovery", "long", "short", "silent"])
    );
    assert_eq!(
        j["expect_duration"],
        json!({"min_seconds": 60, "max_seconds": 7200})
    );
    assert_eq!(j["expect_success_within_seconds"], 86400);
    // Export, then import into another jobs file: the same options.
    let crontab = env.tick(&["export"]).ok();
    assert!(crontab.contains(&format!("--notify {slack}")), "{crontab}");
    let other = Env::new();
    let file = other.path().join("c");
    std::fs::write(&file, &crontab).unwrap();
    other
        .tick(&["import", file.to_str().unwrap()])
        .ok_and_stderr();
    let list: Value = serde_json::from_str(&other.tick(&["list", "--json"]).ok()).unwrap();
    for key in [
        "notify",
        "notify_on",
        "expect_duration",
        "expect_success_within_seconds",
    ] {
        assert_eq!(list[0][key], j[key], "{key}");
    }
    // modify: --notify replaces the targets, `none` removes them.
    env.tick(&[
        "modify",
        "backup",
        "--notify",
        "mailto:root",
        "--notify-on",
        "failure",
    ])
    .ok();
    let j = show_json(&env, "backup");
    assert_eq!(j["notify"], json!(["mailto:root"]));
    assert_eq!(j["notify_on"], json!(["failure"]));
    env.tick(&[
        "modify",
        "backup",
        "--notify",
        "none",
        "--expect-duration",
        "none",
        "--expect-success-within",
        "none",
    ])
    .ok();
    let j = show_json(&env, "backup");
    assert_eq!(j["notify"], json!([]));
    assert!(j["expect_duration"].is_null() && j["expect_success_within_seconds"].is_null());
    assert!(env
        .tick(&["show", "backup"])
        .ok()
        .contains("notify:        -\n"));
}

#[test]
fn the_api_takes_and_gives_the_options_with_the_json_names() {
    use crate::http::{serve, token_file, Client, TOKEN};
    let env = Env::new();
    let tok = token_file(&env);
    let server = serve(&env, &["--token-file", &tok]);
    let c = Client::new(&server, Some(TOKEN));
    let added = c.post(
        "/api/v1/jobs",
        &json!({
            "id": "api", "trigger": "cron '0 3 * * *'", "command": "true",
            "notify": "mailto:ops@example.com", "notify_on": ["failure", "silent"],
            "expect_duration": {"max_seconds": 3600}, "expect_success_within_seconds": "1d"
        }),
    );
    assert_eq!(added.status, 201, "{}", added.body);
    let j = show_json(&env, "api");
    assert_eq!(j["notify"], json!(["mailto:ops@example.com"]));
    assert_eq!(j["notify_on"], json!(["failure", "silent"]));
    assert_eq!(
        j["expect_duration"],
        json!({"min_seconds": null, "max_seconds": 3600})
    );
    assert_eq!(j["expect_success_within_seconds"], 86400);
    let changed = c.request(
        "PATCH",
        "/api/v1/jobs/api",
        Some(&json!({"notify": null, "expect_duration": "10s.."})),
    );
    assert_eq!(changed.status, 200, "{}", changed.body);
    let j = show_json(&env, "api");
    assert_eq!(j["notify"], json!([]));
    assert_eq!(j["expect_duration"]["min_seconds"], 10);
    let bad = c.post(
        "/api/v1/jobs",
        &json!({"trigger": "cron '0 3 * * *'", "command": "true", "notify": "ftp://x/secret"}),
    );
    assert_eq!(bad.status, 400, "{}", bad.body);
    assert!(
        bad.body.contains("invalid --notify 'ftp://x/…'"),
        "{}",
        bad.body
    );
}
