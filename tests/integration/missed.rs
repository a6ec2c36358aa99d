//! Fires missed while no runner ran, or while every worker was busy
//! (`--misfire-grace auto`, the default): the latest runs once however late
//! as long as the job's next fire has not come (a date job's however late),
//! its execution's reason and the runner's log saying how late and why. A
//! duration keeps its meaning. The same on PostgreSQL.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, DurationRound, SecondsFormat, Utc};
use serde_json::Value;

use crate::history::history;
use crate::postgres::Pg;
use crate::util::{wait_for, Env, Starts};

/// Whether every execution so far has ended, and there are `n`.
fn ended(env: &Env, args: &[&str], n: usize) -> bool {
    let rows = history(env, args);
    rows.len() == n && rows.iter().all(|r| r["status"] != "running")
}

/// Make job `id` due at `at` (a date job's date too), as if no runner had
/// run since.
fn due_at(db: &Path, id: &str, at: DateTime<Utc>) {
    let conn = rusqlite::Connection::open(db).unwrap();
    let n = conn
        .execute(
            "UPDATE jobs SET next_run_at = ?2,
                 trigger = CASE json_extract(trigger, '$.kind')
                     WHEN 'date' THEN json_set(trigger, '$.at', ?3) ELSE trigger END
             WHERE id = ?1",
            rusqlite::params![id, at.timestamp_millis(), secs(at)],
        )
        .unwrap();
    assert_eq!(n, 1);
}

fn secs(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// The reason of the only execution of `job`, which succeeded.
fn success_reason(env: &Env, job: &str) -> String {
    let rows = history(env, &[job]);
    assert_eq!(rows.len(), 1, "{rows:?}");
    assert_eq!(rows[0]["status"], "success", "{rows:?}");
    rows[0]["reason"].as_str().unwrap_or_default().to_string()
}

#[test]
fn a_date_job_missed_while_no_runner_ran_runs_once_however_late() {
    let env = Env::new();
    let starts = Starts::new(&env);
    let cmd = starts.command();
    env.tick(&["add", "--id", "once", "date", "--in", "1h", "--", &cmd])
        .ok();
    // A grace given as a duration keeps its meaning.
    let strict = ["--id", "strict", "--misfire-grace", "60s"];
    env.tick(&[&["add"][..], &strict, &["date", "--in", "1h", "--", "true"]].concat())
        .ok();
    // Due two hours ago, while no runner ran.
    let at = Utc::now() - chrono::Duration::hours(2);
    due_at(&env.db(), "once", at);
    due_at(&env.db(), "strict", at);
    let runner = env.runner("run", &["--no-echo"]);
    wait_for("both decided", 15, || ended(&env, &[], 2));
    let log = runner.stop();
    assert_eq!(starts.lines(), [secs(at)]);
    let reason = success_reason(&env, "once");
    let when = at.format("%H:%M:%S").to_string();
    assert!(
        reason.starts_with("ran 2h00m late: no runner was running at ") && reason.contains(&when),
        "{reason}"
    );
    let strict = history(&env, &["strict"]);
    assert_eq!(strict[0]["status"], "missed");
    assert!(strict[0]["reason"]
        .as_str()
        .unwrap()
        .ends_with("late, more than its misfire grace of 1m"));
    // The runner's log says the same.
    assert!(
        log.lines()
            .any(|l| l.contains("job once started (") && l.ends_with(&format!(": {reason}"))),
        "{log}"
    );
}

#[test]
fn a_job_whose_next_fire_came_runs_at_that_fire_only() {
    let env = Env::new();
    let starts = Starts::new(&env);
    let cmd = starts.command();
    for (id, extra) in [("hourly", None), ("each", Some("--no-coalesce"))] {
        let mut args = vec!["add", "--id", id, "cron", "0 * * * *"];
        args.extend(extra);
        args.extend(["--", &cmd]);
        env.tick(&args).ok();
    }
    // Three hourly fires missed: two of them had their next fire come.
    let mut now = Utc::now();
    if now.timestamp() % 3600 < 3 {
        std::thread::sleep(Duration::from_secs(3));
        now = Utc::now();
    }
    let hour = now.duration_trunc(chrono::Duration::hours(1)).unwrap();
    for id in ["hourly", "each"] {
        due_at(&env.db(), id, hour - chrono::Duration::hours(2));
    }
    let runner = env.runner("run", &["--no-echo"]);
    wait_for("both decided", 15, || {
        ended(&env, &["hourly"], 1) && ended(&env, &["each"], 3)
    });
    let log = runner.stop();
    // Each ran once, for its latest fire, however late.
    assert_eq!(starts.lines(), [secs(hour), secs(hour)]);
    for id in ["hourly", "each"] {
        let rows: Vec<Value> = history(&env, &[id])
            .into_iter()
            .filter(|r| r["status"] != "missed")
            .collect();
        assert_eq!(rows.len(), 1, "{rows:?}");
        assert_eq!(rows[0]["scheduled_at"], hour.to_rfc3339(), "{rows:?}");
        let reason = rows[0]["reason"].as_str().unwrap();
        let at = format!("late: no runner was running at {}", hour.format("%H:%M"));
        assert!(
            reason.starts_with("ran ") && reason.ends_with(&at),
            "{reason}"
        );
    }
    // The earlier fires: coalesced, or (without coalesce) recorded missed.
    assert!(
        log.contains("job hourly: 2 earlier fire(s) of the backlog coalesced"),
        "{log}"
    );
    let missed: Vec<Value> = history(&env, &["each", "--status", "missed"]);
    assert_eq!(missed.len(), 2, "{missed:?}");
    for m in &missed {
        assert!(
            m["reason"]
                .as_str()
                .unwrap()
                .ends_with("late: its next fire came before it could run (misfire grace auto)"),
            "{m}"
        );
    }
}

#[test]
fn an_every_second_job_missed_for_many_periods_runs_once() {
    let env = Env::new();
    let starts = Starts::new(&env);
    env.add_every_second(1, &starts.command());
    let start = Utc::now()
        .duration_trunc(chrono::Duration::seconds(1))
        .unwrap();
    due_at(&env.db(), "j0", start - chrono::Duration::minutes(5));
    let runner = env.runner("run", &["--no-echo"]);
    wait_for("a few fires", 10, || starts.lines().len() >= 3);
    let log = runner.stop();
    // Five minutes of fires: one start at most from before the runner
    // (the latest), then one a second.
    let old: Vec<String> = starts
        .assert_each_once()
        .into_iter()
        .filter(|t| *t < secs(start))
        .collect();
    assert!(old.len() <= 1, "{old:?}");
    assert!(
        log.contains("earlier fire(s) of the backlog coalesced"),
        "{log}"
    );
    assert_eq!(history(&env, &["j0", "--status", "missed"]).len(), 0);
}

#[test]
fn a_fire_that_waited_for_a_busy_worker_runs_and_says_so() {
    let env = Env::new();
    let runner = env.runner("run", &["--no-echo", "--max-workers", "1"]);
    runner.wait_log("scheduler started", 10);
    for id in ["a", "b"] {
        env.tick(&["add", "--id", id, "date", "--in", "2s", "--", "sleep 3"])
            .ok();
    }
    wait_for("both ran", 20, || ended(&env, &[], 2));
    let log = runner.stop();
    let rows = history(&env, &[]);
    let busy = "late: all workers were busy (--max-workers 1)";
    let late: Vec<&Value> = rows
        .iter()
        .filter(|r| r["reason"].as_str().is_some_and(|s| s.ends_with(busy)))
        .collect();
    assert_eq!(late.len(), 1, "{rows:?}");
    assert_eq!(late[0]["status"], "success");
    assert!(late[0]["reason"].as_str().unwrap().starts_with("ran "));
    assert!(
        log.lines()
            .any(|l| l.contains(" started (") && l.ends_with(busy)),
        "{log}"
    );
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn on_postgresql_a_late_fire_runs_and_an_old_default_grace_becomes_auto() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let db = pg.url.as_str();
    env.tick(&[
        "--db", db, "add", "--id", "once", "date", "--in", "1h", "--", "true",
    ])
    .ok();
    env.tick(&[
        "--db", db, "add", "--id", "old", "cron", "@daily", "--", "true",
    ])
    .ok();
    let mut c = postgres::Client::connect(db, postgres::NoTls).unwrap();
    let at = Utc::now() - chrono::Duration::hours(2);
    c.execute(
        "UPDATE tick.jobs SET next_run_at = $2,
             trigger = jsonb_set(trigger::jsonb, '{at}', to_jsonb($3::text))::text
         WHERE id = $1",
        &[&"once", &at.timestamp_millis(), &secs(at)],
    )
    .unwrap();
    // A store from before only what differs was stored: every option, 60 s
    // among them, written into the job.
    c.batch_execute(
        r#"UPDATE tick.jobs SET options = '{"max_instances":1,"coalesce":true,"misfire_grace":60,"timeout":null,"cwd":null,"env":{},"keep_history":100,"on_success":null,"on_failure":null,"first_run":null,"retries":0,"retry_delay":30,"retry_max_delay":3600}' WHERE id = 'old';
           DROP TABLE tick.notices;
           UPDATE tick.schema_version SET version = 3"#,
    )
    .unwrap();
    let show = env.tick(&["--db", db, "show", "old"]).ok();
    assert!(
        show.lines()
            .any(|l| l.starts_with("misfire grace:") && l.ends_with(" auto")),
        "{show}"
    );
    let runner = env.runner("r", &["--db", db, "--no-echo"]);
    wait_for("the late run", 20, || ended(&env, &["--db", db, "once"], 1));
    runner.stop();
    let rows = history(&env, &["--db", db, "once"]);
    let reason = rows[0]["reason"].as_str().unwrap();
    assert_eq!(rows[0]["status"], "success");
    assert!(
        reason.starts_with("ran 2h00m late: no runner was running at "),
        "{reason}"
    );
}
