//! Pauses with a note and an end (`tick pause --note --until`),
//! `--pause-after-failures` and `--max-runs`, with a real runner.

use std::time::{Duration, Instant};

use chrono::{SecondsFormat, Utc};
use serde_json::Value;

use crate::util::Env;

fn job_json(env: &Env, id: &str) -> Value {
    let out = env.tick(&["show", id, "--json"]).ok();
    serde_json::from_str::<Value>(&out).unwrap()
}

#[test]
fn a_pause_note_shows_in_list_show_and_json_and_goes_with_resume() {
    let env = Env::new();
    env.add_every_second(1, "true");
    let said = env
        .tick(&[
            "pause",
            "j0",
            "--note",
            "disk replaced",
            "--until",
            "2099-01-01 08:00",
        ])
        .ok();
    assert_eq!(said.trim(), "paused j0");
    let list = env.tick(&["list"]).ok();
    assert!(list.contains("paused*"), "{list}");
    assert!(list.contains("resumes in"), "{list}");
    let show = env.tick(&["show", "j0"]).ok();
    assert!(
        show.contains("disk replaced (until 2099-01-01T08:00:00+00:00)"),
        "{show}"
    );
    let job = job_json(&env, "j0");
    assert_eq!(job["pause_note"], "disk replaced");
    assert_eq!(job["paused_until"], "2099-01-01T08:00:00+00:00");
    env.tick(&["resume", "j0"]).ok();
    let job = job_json(&env, "j0");
    assert_eq!(job["pause_note"], Value::Null);
    assert_eq!(job["paused_until"], Value::Null);
    assert!(!env.tick(&["list"]).ok().contains("paused*"));
}

#[test]
fn a_pause_until_in_the_past_is_refused_and_nothing_is_written() {
    let env = Env::new();
    env.add_every_second(1, "true");
    let err = env
        .tick(&["pause", "j0", "--note", "x", "--until", "2020-01-01 00:00"])
        .usage_error();
    assert!(err.contains("invalid --until '2020-01-01 00:00'"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");
    assert_eq!(job_json(&env, "j0")["state"], "active");
}

#[test]
fn the_runner_resumes_a_job_at_its_pause_until() {
    let env = Env::new();
    env.add_every_second(1, "true");
    let until = Utc::now() + chrono::Duration::seconds(2);
    let until = chrono::DateTime::from_timestamp(until.timestamp(), 0).unwrap();
    env.tick(&[
        "pause",
        "j0",
        "--until",
        &until.to_rfc3339_opts(SecondsFormat::Secs, true),
    ])
    .ok();
    let runner = env.runner("run", &["--no-echo"]);
    let t0 = Instant::now();
    let mut resumed_at = None;
    while t0.elapsed() < Duration::from_secs(6) {
        if job_json(&env, "j0")["state"] == "active" {
            resumed_at = Some(Utc::now());
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let log = runner.stop();
    let at = resumed_at.unwrap_or_else(|| panic!("not resumed; log:\n{log}"));
    let late = (at - until).num_milliseconds();
    assert!(
        (-100..1000).contains(&late),
        "resumed {late} ms after its --until; log:\n{log}"
    );
    assert_eq!(job_json(&env, "j0")["paused_until"], Value::Null);
    assert!(log.contains("resumed: its pause --until came"), "{log}");
}
