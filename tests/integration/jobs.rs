//! The jobs file and the management commands through the real binary:
//! add, list, show, pause, resume, remove, modify, reschedule.

use std::os::unix::fs::PermissionsExt;

use serde_json::Value;

use crate::util::Env;

fn list_json(env: &Env, all: bool) -> Vec<Value> {
    let args: &[&str] = if all {
        &["list", "--all", "--json"]
    } else {
        &["list", "--json"]
    };
    let out = env.tick(args).ok();
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn job(env: &Env, id: &str) -> Value {
    serde_json::from_str(&env.tick(&["show", id, "--json"]).ok()).unwrap()
}

#[test]
fn add_prints_an_id_and_list_shows_the_job() {
    let env = Env::new();
    let id = env
        .tick(&[
            "add",
            "cron",
            "0 3 * * *",
            "--name",
            "backup",
            "--",
            "backup.sh",
        ])
        .ok();
    let id = id.trim();
    assert_eq!(id.len(), 6, "short generated id: {id:?}");
    let jobs = list_json(&env, false);
    assert_eq!(jobs.len(), 1);
    let j = &jobs[0];
    assert_eq!(j["id"], id);
    assert_eq!(j["name"], "backup");
    assert_eq!(j["command"], "backup.sh");
    assert_eq!(j["trigger"], "cron 0 3 * * * (UTC)");
    assert_eq!(j["timezone"], "UTC");
    assert_eq!(j["state"], "active");
    assert!(j["next_run_at"]
        .as_str()
        .unwrap()
        .ends_with("T03:00:00+00:00"));
    assert_eq!(j["max_instances"], 1);
    assert_eq!(j["coalesce"], true);
    // The default: a fire missed while no runner ran still runs once.
    assert_eq!(j["misfire_grace"], "auto");
    assert_eq!(j["misfire_grace_seconds"], Value::Null);
    let table = env.tick(&["list"]).ok();
    let header: Vec<&str> = table.lines().next().unwrap().split_whitespace().collect();
    assert_eq!(
        header,
        ["ID", "NAME", "TRIGGER", "NEXT", "RUN", "LAST", "STATE", "COMMAND"]
    );
    assert!(table.lines().nth(1).unwrap().starts_with(id), "{table}");
    assert!(table.contains("(in "), "{table}");
}

#[test]
fn several_command_words_are_joined_with_shell_quoting() {
    let env = Env::new();
    env.tick(&[
        "add", "--id", "a", "interval", "--every", "1h", "--", "echo", "a b", "it's",
    ])
    .ok();
    assert_eq!(job(&env, "a")["command"], "echo 'a b' 'it'\\''s'");
    env.tick(&[
        "add",
        "--id",
        "b",
        "interval",
        "--every",
        "1h",
        "--",
        "echo hi | wc -c",
    ])
    .ok();
    assert_eq!(job(&env, "b")["command"], "echo hi | wc -c");
}

#[test]
fn the_zone_is_resolved_and_stored_with_the_job() {
    let env = Env::new();
    env.tick(&["add", "--id", "x", "cron", "0 9 * * *", "--", "true"])
        .env("TZ", "Asia/Tokyo")
        .ok();
    // Listing under another TZ does not shift the job.
    let out = env
        .tick(&["show", "x", "--json"])
        .env("TZ", "America/Denver")
        .ok();
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["timezone"], "Asia/Tokyo");
    assert!(j["next_run_at"]
        .as_str()
        .unwrap()
        .ends_with("T09:00:00+09:00"));
}

#[test]
fn options_are_stored() {
    let env = Env::new();
    let dir = env.path().to_str().unwrap().to_string();
    env.tick(&[
        "add",
        "--id",
        "o",
        "cron",
        "*/5 * * * *",
        "--max-instances",
        "3",
        "--no-coalesce",
        "--misfire-grace",
        "none",
        "--timeout",
        "1h30m",
        "--cwd",
        &dir,
        "--env",
        "A=1",
        "--env",
        "B=x=y",
        "--jitter",
        "30s",
        "--",
        "true",
    ])
    .ok();
    let j = job(&env, "o");
    assert_eq!(j["max_instances"], 3);
    assert_eq!(j["coalesce"], false);
    assert_eq!(j["misfire_grace"], "none");
    assert_eq!(j["misfire_grace_seconds"], Value::Null);
    assert_eq!(j["timeout_seconds"], 5400);
    // A minute, the old default, is stored when chosen (and `auto` again
    // when asked for).
    env.tick(&["modify", "o", "--misfire-grace", "60s"]).ok();
    let j = job(&env, "o");
    assert_eq!(
        (&j["misfire_grace"], &j["misfire_grace_seconds"]),
        (&"1m".into(), &60.into())
    );
    env.tick(&["modify", "o", "--misfire-grace", "AUTO"]).ok();
    assert_eq!(job(&env, "o")["misfire_grace"], "auto");
    assert_eq!(j["cwd"], dir);
    assert_eq!(j["env"]["A"], "1");
    assert_eq!(j["env"]["B"], "x=y");
    assert_eq!(j["jitter_seconds"], 30);
    assert_eq!(j["next_fires"].as_array().unwrap().len(), 5);
}

#[test]
fn taken_id_needs_replace_which_keeps_the_id() {
    let env = Env::new();
    env.tick(&["add", "--id", "j", "cron", "0 3 * * *", "--", "one"])
        .ok();
    let before = env.snapshot();
    let line = env
        .tick(&["add", "--id", "j", "cron", "0 4 * * *", "--", "two"])
        .usage_error();
    assert_eq!(
        line,
        "error: job id 'j' is taken (use --replace to overwrite it, or another --id)"
    );
    assert_eq!(env.snapshot(), before);
    env.tick(&[
        "add",
        "--id",
        "j",
        "--replace",
        "cron",
        "0 4 * * *",
        "--",
        "two",
    ])
    .ok();
    let jobs = list_json(&env, false);
    assert_eq!(jobs.len(), 1);
    assert_eq!(jobs[0]["command"], "two");
    assert_eq!(jobs[0]["trigger"], "cron 0 4 * * * (UTC)");
}

#[test]
fn pause_resume_remove() {
    let env = Env::new();
    for id in ["a", "b", "c"] {
        env.tick(&["add", "--id", id, "interval", "--every", "1h", "--", "true"])
            .ok();
    }
    assert_eq!(env.tick(&["pause", "a", "b"]).ok(), "paused a\npaused b\n");
    assert_eq!(job(&env, "a")["state"], "paused");
    assert_eq!(job(&env, "a")["next_run_at"], Value::Null);
    assert_eq!(
        env.tick(&["resume", "a", "b", "c"]).ok(),
        "resumed a\nresumed b\nc is active, left as it is\n"
    );
    assert!(job(&env, "a")["next_run_at"].is_string());
    env.tick(&["pause", "--all"]).ok();
    assert!(list_json(&env, false)
        .iter()
        .all(|j| j["state"] == "paused"));
    env.tick(&["resume", "b"]).ok();
    assert_eq!(job(&env, "b")["state"], "active");
    assert_eq!(
        env.tick(&["remove", "a", "c"]).ok(),
        "removed a\nremoved c\n"
    );
    let ids: Vec<Value> = list_json(&env, true)
        .iter()
        .map(|j| j["id"].clone())
        .collect();
    assert_eq!(ids, ["b"]);
    assert_eq!(env.tick(&["-q", "pause", "b"]).ok(), "");
}

#[test]
fn unknown_ids_change_nothing() {
    let env = Env::new();
    env.tick(&[
        "add", "--id", "a", "interval", "--every", "1h", "--", "true",
    ])
    .ok();
    let before = env.snapshot();
    for args in [
        &["pause", "a", "nope"][..],
        &["resume", "nope"],
        &["remove", "a", "nope"],
        &["modify", "nope", "--name", "x"],
        &["reschedule", "nope", "cron", "* * * * *"],
        &["show", "nope"],
    ] {
        let line = env.tick(args).usage_error();
        assert_eq!(
            line, "error: unknown job 'nope': no job has that id or name (see 'tick list --all')",
            "{args:?}"
        );
        assert_eq!(env.snapshot(), before, "{args:?} changed the file");
    }
    assert_eq!(job(&env, "a")["state"], "active");
}

#[test]
fn modify_and_reschedule_keep_the_id() {
    let env = Env::new();
    env.tick(&["add", "--id", "m", "cron", "0 3 * * *", "--", "old"])
        .ok();
    env.tick(&[
        "modify",
        "m",
        "--name",
        "Nightly",
        "--command",
        "new --flag",
        "--timeout",
        "10m",
        "--env",
        "K=V",
    ])
    .ok();
    let j = job(&env, "m");
    assert_eq!(j["name"], "Nightly");
    assert_eq!(j["command"], "new --flag");
    assert_eq!(j["timeout_seconds"], 600);
    assert_eq!(j["env"]["K"], "V");
    assert_eq!(j["trigger"], "cron 0 3 * * * (UTC)");
    env.tick(&["modify", "m", "--timeout", "none"]).ok();
    assert_eq!(job(&env, "m")["timeout_seconds"], Value::Null);
    env.tick(&["reschedule", "m", "interval", "--every", "15m"])
        .ok();
    let j = job(&env, "m");
    assert_eq!(j["trigger"], "every 15m");
    assert_eq!(j["name"], "Nightly");
    // A paused job stays paused when rescheduled.
    env.tick(&["pause", "m"]).ok();
    env.tick(&["reschedule", "m", "cron", "@daily"]).ok();
    assert_eq!(job(&env, "m")["state"], "paused");
}

#[test]
fn bad_input_exits_2_and_writes_nothing() {
    let env = Env::new();
    // No jobs file yet: a failed add must not create one.
    let line = env
        .tick(&["add", "cron", "0 25 * * *", "--", "x"])
        .usage_error();
    assert!(line.contains("hour value 25 is out of range"), "{line}");
    assert!(!env.db().exists(), "a failed add created the jobs file");
    env.tick(&["add", "--id", "keep", "cron", "0 3 * * *", "--", "true"])
        .ok();
    let before = env.snapshot();
    let cases: &[(&[&str], &str)] = &[
        (&["add", "cron", "0 3 * * *"], "the command goes after '--'"),
        (&["add", "cron", "0 3 * * *", "--"], "required"),
        (
            &["add", "cron", "0 3 * * *", "--", " "],
            "the command after -- is empty",
        ),
        (
            &["add", "--id", "bad id", "cron", "@daily", "--", "x"],
            "invalid job id 'bad id'",
        ),
        (
            &["add", "--id=-x", "cron", "@daily", "--", "x"],
            "invalid job id '-x'",
        ),
        (&["add", "--replace", "cron", "@daily", "--", "x"], "--id"),
        (
            &["add", "cron", "@daily", "--max-instances", "0", "--", "x"],
            "--max-instances 0",
        ),
        (
            &[
                "add",
                "cron",
                "@daily",
                "--misfire-grace",
                "soon",
                "--",
                "x",
            ],
            "--misfire-grace: invalid duration 'soon'",
        ),
        (
            &["add", "cron", "@daily", "--timeout", "0s", "--", "x"],
            "--timeout '0s'",
        ),
        (
            &["add", "cron", "@daily", "--cwd", "/no/such/dir", "--", "x"],
            "invalid --cwd '/no/such/dir'",
        ),
        (
            &["add", "cron", "@daily", "--env", "NOEQUALS", "--", "x"],
            "invalid --env 'NOEQUALS'",
        ),
        (
            &["add", "cron", "@daily", "--env", "1A=b", "--", "x"],
            "invalid --env '1A=b'",
        ),
        (
            &["add", "cron", "@daily", "--name", "", "--", "x"],
            "invalid --name",
        ),
        (
            &["add", "cron", "@daily", "--tz", "Nowhere", "--", "x"],
            "unknown time zone 'Nowhere'",
        ),
        (
            &["add", "date", "--at", "2001-01-01 00:00", "--", "x"],
            "is not in the future",
        ),
        (
            &["add", "interval", "--every", "0s", "--", "x"],
            "at least 1s",
        ),
        (&["modify", "keep"], "nothing to change"),
        (
            &["modify", "keep", "--timeout", "x"],
            "--timeout: invalid duration 'x'",
        ),
        (
            &["reschedule", "keep", "cron", "61 * * * *"],
            "minute value 61",
        ),
        (&["pause"], "required"),
        (&["pause", "keep", "--all"], "cannot be used with"),
        (&["remove"], "required"),
    ];
    for (args, expected) in cases {
        let line = env.tick(args).usage_error();
        assert!(line.contains(expected), "{args:?}: {line}");
        assert_eq!(env.snapshot(), before, "{args:?} changed the file");
    }
}

#[test]
fn listing_without_a_jobs_file_creates_nothing() {
    let env = Env::new();
    assert!(env
        .tick(&["list"])
        .usage_error()
        .starts_with("error: no jobs file at "));
    assert!(env
        .tick(&["list", "--json"])
        .usage_error()
        .starts_with("error: no jobs file at "));
    assert!(!env.db().exists());
}

#[test]
fn finished_jobs_only_with_all() {
    let env = Env::new();
    env.tick(&["add", "--id", "a", "cron", "@daily", "--", "true"])
        .ok();
    // Mark a job finished the way the scheduler will: directly in the file.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute(
        "UPDATE jobs SET state = 'finished', next_run_at = NULL WHERE id = 'a'",
        [],
    )
    .unwrap();
    drop(conn);
    assert!(list_json(&env, false).is_empty());
    assert_eq!(list_json(&env, true)[0]["state"], "finished");
}

#[test]
fn jobs_file_is_private_and_unsafe_files_are_refused() {
    let env = Env::new();
    let db = env.path().join("dir/jobs.db");
    let db_s = db.to_str().unwrap();
    std::fs::create_dir(db.parent().unwrap()).unwrap();
    env.tick(&["--db", db_s, "add", "cron", "@daily", "--", "true"])
        .ok();
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode(&db), 0o600);
    // Default location: $XDG_DATA_HOME/tick/jobs.db, its folders made
    // private (a --db's folder must exist: see defaults.rs).
    let out = env
        .tick(&["add", "cron", "@daily", "--", "true"])
        .env("TICK_DB", "")
        .output();
    assert!(out.status.success());
    let default = env.path().join("xdg/tick/jobs.db");
    assert_eq!(mode(&default), 0o600);
    assert_eq!(mode(default.parent().unwrap()), 0o700);

    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o664)).unwrap();
    let out = env.tick(&["--db", db_s, "list"]).output();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("writable by group or others (mode 0664)") && err.contains("chmod 600"),
        "{err}"
    );
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    if rustix::process::geteuid().is_root() {
        std::os::unix::fs::chown(&db, Some(65534), None).unwrap();
        let out = env.tick(&["--db", db_s, "list"]).output();
        assert_eq!(out.status.code(), Some(1));
        assert!(String::from_utf8_lossy(&out.stderr).contains("owned by uid 65534"));
    }
}

#[test]
fn a_file_from_a_newer_tick_is_refused_and_left_alone() {
    let env = Env::new();
    env.tick(&["add", "cron", "@daily", "--", "true"]).ok();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.pragma_update(None, "user_version", 99).unwrap();
    drop(conn);
    let before = env.snapshot();
    let out = env.tick(&["add", "cron", "@daily", "--", "true"]).output();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "written by a newer tick (schema version 99; this tick knows up to {})",
            tick::store::sqlite::schema::LATEST
        )),
        "{err}"
    );
    assert_eq!(err.lines().count(), 1);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn a_corrupt_file_is_an_error_not_a_panic() {
    let env = Env::new();
    std::fs::write(
        env.db(),
        b"this is not a database at all, just some text padding it out.....",
    )
    .unwrap();
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let before = env.snapshot();
    let out = env.tick(&["list"]).output();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("error: ")
            && err.contains("is not a tick jobs file (it is not an SQLite database)"),
        "{err}"
    );
    assert_eq!(env.snapshot(), before);
}

#[test]
fn the_first_schema_version_still_opens() {
    let env = Env::new();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jobs-v1.db");
    std::fs::copy(fixture, env.db()).unwrap();
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o600)).unwrap();
    let jobs = list_json(&env, true);
    let ids: Vec<&str> = jobs.iter().map(|j| j["id"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    for id in ["nightly", "every15", "fields"] {
        assert!(ids.contains(&id), "{id} missing from {ids:?}");
    }
    let nightly = job(&env, "nightly");
    assert_eq!(nightly["trigger"], "cron 30 2 * * * (America/New_York)");
    assert_eq!(nightly["command"], "backup.sh --full 'two words'");
    // And it can still be written.
    env.tick(&["add", "--id", "new", "cron", "@hourly", "--", "true"])
        .ok();
    assert_eq!(list_json(&env, true).len(), 4);
}

#[test]
fn sixteen_writers_add_fifty_jobs_each() {
    let env = Env::new();
    let bin = env!("CARGO_BIN_EXE_tick");
    let db = env.db();
    let writers: Vec<_> = (0..16)
        .map(|w| {
            let db = db.clone();
            std::thread::spawn(move || {
                let mut errors = Vec::new();
                for i in 0..50 {
                    let out = std::process::Command::new(bin)
                        .args([
                            "add",
                            "--id",
                            &format!("w{w}-{i}"),
                            "cron",
                            "*/5 * * * *",
                            "--",
                            "true",
                        ])
                        .env("TICK_DB", &db)
                        .env("TZ", "UTC")
                        .output()
                        .unwrap();
                    if !out.status.success() {
                        errors.push(String::from_utf8_lossy(&out.stderr).to_string());
                    }
                }
                errors
            })
        })
        .collect();
    let errors: Vec<String> = writers
        .into_iter()
        .flat_map(|h| h.join().unwrap())
        .collect();
    assert!(
        errors.is_empty(),
        "{} errors, first: {:?}",
        errors.len(),
        errors.first()
    );
    assert_eq!(list_json(&env, true).len(), 800);
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let env = Env::new();
    env.tick(&["add", "--id", "a", "cron", "@daily", "--", "true"])
        .ok();
    // Not a terminal (a pipe): no escape codes, NO_COLOR or not.
    assert!(!env.tick(&["list"]).ok().contains('\x1b'));
    let forced = env.tick(&["--color", "always", "list"]).ok();
    assert!(forced.contains("\x1b[32mactive\x1b[0m"), "{forced:?}");
    assert!(!env
        .tick(&["--color", "never", "list"])
        .ok()
        .contains('\x1b'));
}

#[test]
fn paused_on_add_and_show_as_text() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "p",
        "--paused",
        "--name",
        "Weekly report",
        "cron",
        "0 9 * * mon",
        "--tz",
        "Europe/Berlin",
        "--",
        "report.sh",
    ])
    .ok();
    let j = job(&env, "p");
    assert_eq!(j["state"], "paused");
    assert_eq!(j["next_run_at"], Value::Null);
    let text = env.tick(&["show", "p"]).ok();
    let field = |name: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{name}:")))
            .map(|l| l[name.len() + 1..].trim().to_string())
            .unwrap_or_default()
    };
    assert_eq!(field("id"), "p");
    assert_eq!(field("name"), "Weekly report");
    assert_eq!(field("trigger"), "cron 0 9 * * mon (Europe/Berlin)");
    assert_eq!(field("state"), "paused");
    assert_eq!(field("misfire grace"), "auto");
    // A paused job previews from now: five Mondays at 09:00 Berlin time.
    let fires: Vec<&str> = text
        .lines()
        .skip_while(|l| *l != "next fires:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .collect();
    assert_eq!(fires.len(), 5, "{text}");
    assert!(fires.iter().all(|f| f.contains("T09:00:00+0")), "{fires:?}");
    assert!(text.contains("last executions:\n  none"), "{text}");
}
