//! `tick backfill`: past fires without an execution, run once each by a
//! runner, one after another, with the reason `backfill`.

use chrono::{DateTime, Duration, DurationRound, Utc};
use serde_json::Value;

use crate::overlap::Place;
use crate::util::{wait_for, Env, Reaped, Runner};

/// A job `h` that fires hourly and writes its scheduled time; the range of
/// its last 5 fires (`--from`, `--to`).
fn hourly(place: &Place) -> (String, String) {
    let out = place.env.path().join("fires");
    let cmd = format!(
        "echo \"$TICK_SCHEDULED_AT\" >> {}; sleep 0.2",
        out.display()
    );
    place.tick(&["add", "--id", "h", "cron", "0 * * * *", "--", &cmd]);
    let now = Utc::now();
    let hour = now.duration_trunc(Duration::hours(1)).unwrap();
    let from = (hour - Duration::hours(5)).to_rfc3339();
    (from, now.to_rfc3339())
}

fn at(row: &Value, field: &str) -> DateTime<Utc> {
    let s = row[field].as_str().unwrap();
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

/// `tick backfill h --dry-run` of the range: what it prints.
fn dry_run(place: &Place, range: &(String, String)) -> String {
    place.tick(&[
        "backfill",
        "h",
        "--from",
        &range.0,
        "--to",
        &range.1,
        "--dry-run",
    ])
}

/// `tick backfill h ARGS...` started now (not waited for).
fn start(place: &Place, range: &(String, String)) -> Reaped {
    let mut args = place.db.clone();
    args.extend_from_slice(&["backfill", "h", "--from", &range.0, "--to", &range.1]);
    let child = place
        .env
        .command(&args)
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    Reaped(child)
}

/// Two concurrent backfills of the last 5 hours, then a third: 5 rows,
/// each fire run once, one after another; the third finds nothing.
pub(crate) fn backfill_runs_each_fire_once(place: &Place, runners: Vec<Runner>) {
    let range = hourly(place);
    let dry = dry_run(place, &range);
    assert!(
        dry.starts_with("a runner would run 5 fire(s) of job h:"),
        "{dry}"
    );
    let (mut a, mut b) = (start(place, &range), start(place, &range));
    for p in [&mut a, &mut b] {
        let status = p.wait_exit(20).expect("backfill did not end");
        assert!(status.success(), "{status:?}");
    }
    wait_for("5 backfilled runs", 20, || {
        place
            .history("h")
            .iter()
            .filter(|r| r["status"] == "success")
            .count()
            >= 5
    });
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let mut rows = place.history("h");
    rows.sort_by_key(|r| at(r, "scheduled_at"));
    assert_eq!(rows.len(), 5, "{rows:?}");
    let hour = Utc::now().duration_trunc(Duration::hours(1)).unwrap();
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["status"], "success", "{r}");
        assert_eq!(r["reason"], "backfill", "{r}");
        assert_eq!(r["attempt"], 1, "{r}");
        assert!(r["retry_of"].is_null(), "{r}");
        let want = hour - Duration::hours(4 - i as i64);
        assert_eq!(at(r, "scheduled_at"), want, "{r}");
    }
    // One after another, in order.
    let mut ran = rows.clone();
    ran.sort_by_key(|r| at(r, "started_at"));
    for w in ran.windows(2) {
        assert!(at(&w[1], "started_at") >= at(&w[0], "finished_at"), "{w:?}");
    }
    let fires = std::fs::read_to_string(place.env.path().join("fires")).unwrap();
    assert_eq!(fires.lines().count(), 5, "{fires}");
    let again = place.tick(&["backfill", "h", "--from", &range.0, "--to", &range.1]);
    assert_eq!(
        again,
        "nothing to backfill: every fire of job h in the range has an execution or waits for one\n"
    );
    for r in runners {
        r.stop();
    }
    assert_eq!(place.history("h").len(), 5);
}

#[test]
fn backfill_runs_five_past_hours_once_one_after_another() {
    let env = Env::new();
    let place = crate::overlap::here(&env);
    let runner = env.runner("run", &["--no-echo"]);
    runner.wait_log("scheduler started", 20);
    backfill_runs_each_fire_once(&place, vec![runner]);
}

#[test]
fn backfill_without_a_runner_says_so_and_stores_nothing() {
    let env = Env::new();
    let place = crate::overlap::here(&env);
    let range = hourly(&place);
    let out = env
        .tick(&["backfill", "h", "--from", &range.0, "--to", &range.1])
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: no runner is running: start `tick run`\n"
    );
    // Nothing was stored: the dry run still lists all five.
    let dry = dry_run(&place, &range);
    assert_eq!(dry.lines().count(), 6, "{dry}");
    let now = place.tick(&[
        "backfill",
        "h",
        "--from",
        &range.0,
        "--to",
        "now",
        "--dry-run",
    ]);
    assert_eq!(now, dry);
    let err = env
        .tick(&["backfill", "h", "--from", &range.1, "--to", &range.0])
        .usage_error();
    assert!(err.contains("is not before --to"), "{err}");
    let err = env
        .tick(&[
            "backfill",
            "h",
            "--from",
            &range.0,
            "--to",
            &range.1,
            "--overlap",
            "skip",
        ])
        .usage_error();
    assert!(
        err.starts_with("error: invalid --overlap \"skip\" for backfill"),
        "{err}"
    );
}
