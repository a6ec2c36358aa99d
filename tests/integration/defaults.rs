//! Defaults that lose nothing (docs/guide.md, README's "Moving from
//! cron"): where a job runs, unique names, `pause --all` undone exactly
//! by `resume --all`, run-now only with a runner, `--db` typos, and
//! `modify -- COMMAND`. Each test failed before its change.

use serde_json::Value;

use crate::http::{serve, token_file, Client, Server, TOKEN};
use crate::util::Env;

fn show(env: &Env, id: &str) -> Value {
    serde_json::from_str(&env.tick(&["show", id, "--json"]).ok()).unwrap()
}

/// A `tick serve` that takes writes (with the test token), and a client
/// that has the token.
fn server_and_client(env: &Env) -> (Server, Client) {
    let tok = token_file(env);
    let server = serve(env, &["--token-file", &tok]);
    let client = Client::new(&server, Some(TOKEN));
    (server, client)
}

fn add(env: &Env, args: &[&str]) {
    let mut full = vec!["add"];
    full.extend_from_slice(args);
    env.tick(&full).ok();
}

// `tick modify ID -- COMMAND...`

#[test]
fn modify_takes_the_command_after_double_dash_as_add_does() {
    let env = Env::new();
    add(&env, &["--id", "j", "cron", "@daily", "--", "true"]);
    assert_eq!(
        env.tick(&["modify", "j", "--", "echo", "a b"]).ok(),
        "modified j\n"
    );
    assert_eq!(show(&env, "j")["command"], "echo 'a b'");
    // One word is one shell string, as with add.
    env.tick(&["modify", "j", "--timeout", "1m", "--", "echo x | tr x y"])
        .ok();
    let j = show(&env, "j");
    assert_eq!(j["command"], "echo x | tr x y");
    assert_eq!(j["timeout_seconds"], 60);
    // Both ways at once, or a command sh cannot read: refused, nothing written.
    let before = env.snapshot();
    let err = env
        .tick(&["modify", "j", "--command", "a", "--", "b"])
        .usage_error();
    assert!(err.contains("cannot be used with"), "{err}");
    let err = env.tick(&["modify", "j", "--", "echo ("]).usage_error();
    assert!(err.contains("/bin/sh cannot read it"), "{err}");
    assert_eq!(env.snapshot(), before);
}

// Unique names.

#[test]
fn a_name_another_job_has_is_refused_naming_that_job() {
    let env = Env::new();
    add(
        &env,
        &[
            "--id", "a", "--name", "nightly", "cron", "@daily", "--", "true",
        ],
    );
    add(&env, &["--id", "b", "cron", "@daily", "--", "true"]);
    let before = env.snapshot();
    let taken = "error: invalid --name 'nightly': job a has it already (names are unique: give another, or rename a first)";
    for args in [
        &["add", "--name", "nightly", "cron", "@daily", "--", "true"][..],
        &[
            "add",
            "--id",
            "b",
            "--replace",
            "--name",
            "nightly",
            "cron",
            "@daily",
            "--",
            "true",
        ],
        &["modify", "b", "--name", "nightly"],
    ] {
        assert_eq!(env.tick(args).usage_error(), taken, "{args:?}");
    }
    assert_eq!(env.snapshot(), before, "nothing written");
    // A job keeps its own name, replaced or modified.
    env.tick(&["modify", "a", "--name", "nightly", "--timeout", "1m"])
        .ok();
    add(
        &env,
        &[
            "--id",
            "a",
            "--replace",
            "--name",
            "nightly",
            "cron",
            "@hourly",
            "--",
            "true",
        ],
    );
    // Over HTTP too: a 400 with the same words.
    let (_server, c) = server_and_client(&env);
    let before = env.snapshot();
    let r = c.post(
        "/api/v1/jobs",
        &serde_json::json!({"trigger": "cron @daily", "command": "true", "name": "nightly"}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.error().contains("job a has it already"), "{}", r.body);
    let r = c.request(
        "PATCH",
        "/api/v1/jobs/b",
        Some(&serde_json::json!({"name": "nightly"})),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(env.snapshot(), before, "nothing written");
}

#[test]
fn duplicate_names_from_before_keep_working() {
    let env = Env::new();
    add(
        &env,
        &[
            "--id", "t1", "--name", "twin", "cron", "@daily", "--", "true",
        ],
    );
    add(&env, &["--id", "t2", "cron", "@daily", "--", "true"]);
    // A file from before names were unique.
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute("UPDATE jobs SET name = 'twin' WHERE id = 't2'", [])
        .unwrap();
    assert_eq!(
        env.tick(&["show", "twin"]).usage_error(),
        "error: the name 'twin' is ambiguous: jobs t1, t2 have it; give one of their ids"
    );
    // Each job still changes by its id, its name kept.
    env.tick(&["modify", "t1", "--timeout", "1m"]).ok();
    env.tick(&["modify", "t2", "--name", "twin", "--retries", "1"])
        .ok();
    env.tick(&["pause", "--all"]).ok();
    env.tick(&["resume", "t1", "t2"]).ok();
    // Copied as they are into a new file; refused into one where another
    // job has the name.
    let copy = env.path().join("copy.db");
    let copy = copy.to_str().unwrap();
    env.tick(&["copy", env.db().to_str().unwrap(), copy]).ok();
    let other = env.path().join("other.db");
    let other = other.to_str().unwrap();
    env.tick(&[
        "--db", other, "add", "--id", "x", "--name", "twin", "cron", "@daily", "--", "true",
    ])
    .ok();
    let err = env
        .tick(&["copy", env.db().to_str().unwrap(), other])
        .usage_error();
    assert!(
        err.contains("job t1 is named 'twin', which job x of")
            && err.contains("nothing was copied"),
        "{err}"
    );
    let listed = env.tick(&["--db", other, "list"]).ok();
    assert!(!listed.contains("t1"), "{listed}");
}

/// Simultaneous adds of one name (separate processes): exactly one wins.
pub fn one_add_of_a_name_wins(env: &Env, db: &str) {
    let children: Vec<_> = (0..6)
        .map(|i| {
            let id = format!("r{i}");
            env.command(&[
                "--db", db, "add", "--id", &id, "--name", "race", "cron", "@daily", "--", "true",
            ])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .unwrap()
        })
        .collect();
    let codes: Vec<Option<i32>> = children
        .into_iter()
        .map(|c| c.wait_with_output().unwrap().status.code())
        .collect();
    assert_eq!(
        codes.iter().filter(|c| **c == Some(0)).count(),
        1,
        "{codes:?}"
    );
    assert_eq!(
        codes.iter().filter(|c| **c == Some(2)).count(),
        5,
        "{codes:?}"
    );
    let out = env.tick(&["--db", db, "show", "race", "--json"]).ok();
    let j: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(j["name"], "race");
}

#[test]
fn simultaneous_adds_of_one_name_give_it_once() {
    let env = Env::new();
    env.tick(&["add", "--id", "first", "cron", "@daily", "--", "true"])
        .ok();
    one_add_of_a_name_wins(&env, env.db().to_str().unwrap());
}

// `pause --all` and `resume --all`.

#[test]
fn resume_all_resumes_exactly_what_pause_all_paused() {
    let env = Env::new();
    for id in ["a", "b", "c", "d"] {
        add(&env, &["--id", id, "cron", "@daily", "--", "true"]);
    }
    env.tick(&["pause", "b"]).ok();
    assert_eq!(
        env.tick(&["pause", "--all"]).ok(),
        "paused a\nb is paused, left as it is\npaused c\npaused d\n"
    );
    let state = |id: &str| show(&env, id)["state"].as_str().unwrap().to_string();
    let shown = env.tick(&["show", "a"]).ok();
    assert!(
        shown.contains("state:         paused (by pause --all)"),
        "{shown}"
    );
    // Paused or resumed by its id: by hand from then on.
    env.tick(&["resume", "c"]).ok();
    env.tick(&["pause", "c"]).ok();
    env.tick(&["pause", "d"]).ok();
    assert_eq!(
        env.tick(&["resume", "--all"]).ok(),
        "resumed a\n\
         b was paused by hand, not by pause --all: left paused (tick resume b resumes it)\n\
         c was paused by hand, not by pause --all: left paused (tick resume c resumes it)\n\
         d was paused by hand, not by pause --all: left paused (tick resume d resumes it)\n"
    );
    assert_eq!(
        ["a", "b", "c", "d"].map(state),
        ["active", "paused", "paused", "paused"]
    );
    // The mark is gone once resumed: a second resume --all leaves them.
    env.tick(&["pause", "--all"]).ok();
    env.tick(&["resume", "--all"]).ok();
    assert_eq!(
        ["a", "b", "c", "d"].map(state),
        ["active", "paused", "paused", "paused"]
    );
    // By id, as always.
    assert_eq!(env.tick(&["resume", "b"]).ok(), "resumed b\n");
}

// Run-now needs a runner.

#[test]
fn run_now_over_http_without_a_runner_is_a_409_and_writes_nothing() {
    let env = Env::new();
    add(&env, &["--id", "yearly", "cron", "0 3 1 1 *", "--", "true"]);
    let (_server, c) = server_and_client(&env);
    let before = env.snapshot();
    let r = c.request("POST", "/api/v1/jobs/yearly/run", None);
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.error(), "no runner is running: start `tick run`");
    assert_eq!(env.snapshot(), before, "nothing written");
    assert_eq!(c.request("POST", "/api/v1/jobs/nope/run", None).status, 404);
    // With a runner it is accepted (and fired: see http::api).
    let runner = env.runner("run", &[]);
    runner.wait_log("scheduler started", 10);
    let r = c.request("POST", "/api/v1/jobs/yearly/run", None);
    assert_eq!(r.status, 202, "{}", r.body);
    drop(runner);
}

// `--db` typos.

#[test]
fn a_db_whose_folder_is_missing_is_an_error_naming_it() {
    let env = Env::new();
    let db = env.path().join("typo/dir/jobs.db");
    let out = env
        .tick(&[
            "--db",
            db.to_str().unwrap(),
            "add",
            "cron",
            "@daily",
            "--",
            "true",
        ])
        .output();
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(
        err.trim(),
        format!(
            "error: cannot create jobs file {}: the folder {} does not exist (check --db and $TICK_DB, or create the folder first)",
            db.display(),
            db.parent().unwrap().display()
        )
    );
    assert!(!env.path().join("typo").exists(), "nothing created");
    // The same through $TICK_DB; the default location's folders are made.
    let out = env
        .tick(&["add", "cron", "@daily", "--", "true"])
        .env("TICK_DB", db.to_str().unwrap())
        .output();
    assert_eq!(out.status.code(), Some(1));
    env.tick(&["add", "cron", "@daily", "--", "true"])
        .env("TICK_DB", "")
        .ok();
    assert!(env.path().join("xdg/tick/jobs.db").exists());
}

#[test]
fn reading_commands_on_a_missing_jobs_file_say_there_is_none() {
    let env = Env::new();
    let missing = format!(
        "error: no jobs file at {} (tick add creates it; check --db and $TICK_DB)",
        env.db().display()
    );
    for args in [
        &["list"][..],
        &["list", "--json"],
        &["history"],
        &["runners"],
        &["show", "backup"],
        &["fire", "backup"],
        &["logs", "backup"],
        &["export"],
    ] {
        assert_eq!(env.tick(args).usage_error(), missing, "{args:?}");
    }
    assert!(!env.db().exists(), "reading creates nothing");
    // An empty jobs file is not a missing one.
    env.tick(&["add", "--id", "x", "cron", "@daily", "--", "true"])
        .ok();
    env.tick(&["remove", "x"]).ok();
    assert!(env.tick(&["list"]).ok().starts_with("No jobs."));
}

// Where a job runs.

/// `tick ARGS...` run from folder `dir`.
fn tick_in(env: &Env, dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    env.command(args).current_dir(dir).output().unwrap()
}

#[test]
fn a_job_runs_where_it_was_added_under_any_runner_and_fire() {
    let env = Env::new();
    let base = env.path().canonicalize().unwrap();
    let [a, b, c, home] = ["a", "b", "c", "home"].map(|d| {
        let p = base.join(d);
        std::fs::create_dir(&p).unwrap();
        p
    });
    let (here_out, old_out) = (base.join("here.out"), base.join("old.out"));
    let cmd = |out: &std::path::Path| format!("pwd >> {}", out.display());
    // Added in A: its cwd is A.
    let added = tick_in(
        &env,
        &a,
        &[
            "add",
            "--id",
            "here",
            "cron",
            "* * * * * *",
            "--",
            &cmd(&here_out),
        ],
    );
    assert!(added.status.success(), "{added:?}");
    assert_eq!(show(&env, "here")["cwd"], a.to_str().unwrap());
    let shown = env.tick(&["show", "here"]).ok();
    assert!(
        shown.contains(&format!("cwd:           {}\n", a.display())),
        "{shown}"
    );
    // --cwd wins over the folder it is added from.
    tick_in(
        &env,
        &a,
        &[
            "add",
            "--id",
            "there",
            "--cwd",
            c.to_str().unwrap(),
            "cron",
            "@daily",
            "--",
            "true",
        ],
    );
    assert_eq!(show(&env, "there")["cwd"], c.to_str().unwrap());
    // A job stored without a cwd (from before, or added over HTTP).
    tick_in(
        &env,
        &a,
        &[
            "add",
            "--id",
            "old",
            "cron",
            "* * * * * *",
            "--",
            &cmd(&old_out),
        ],
    );
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute(
            "UPDATE jobs SET options = json_remove(options, '$.cwd') WHERE id = 'old'",
            [],
        )
        .unwrap();
    assert_eq!(show(&env, "old")["cwd"], Value::Null);
    assert!(env
        .tick(&["show", "old"])
        .ok()
        .contains("cwd:           - (runs in the runner user's $HOME)\n"));
    // A runner started in B, its user's $HOME another folder.
    let mut run = env.command(&["run", "--no-echo"]);
    run.current_dir(&b)
        .env("HOME", &home)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null());
    let runner = crate::util::Reaped(run.spawn().unwrap());
    crate::util::wait_for("both jobs to run", 15, || {
        !crate::util::file_lines(&here_out).is_empty()
            && !crate::util::file_lines(&old_out).is_empty()
    });
    drop(runner);
    let dir = |p: &std::path::Path| p.to_str().unwrap().to_string();
    let here_ran = crate::util::file_lines(&here_out);
    let old_ran = crate::util::file_lines(&old_out);
    assert!(here_ran.iter().all(|l| *l == dir(&a)), "{here_ran:?}");
    assert!(old_ran.iter().all(|l| *l == dir(&home)), "{old_ran:?}");
    // tick fire from C runs them where the runner does.
    let fired = env
        .command(&["fire", "here"])
        .current_dir(&c)
        .output()
        .unwrap();
    assert!(fired.status.success(), "{fired:?}");
    assert_eq!(crate::util::file_lines(&here_out).last(), Some(&dir(&a)));
    let fired = env
        .command(&["fire", "old"])
        .current_dir(&c)
        .env("HOME", &home)
        .output()
        .unwrap();
    assert!(fired.status.success(), "{fired:?}");
    assert_eq!(crate::util::file_lines(&old_out).last(), Some(&dir(&home)));
}

#[test]
fn a_job_added_over_http_without_cwd_has_none() {
    let env = Env::new();
    let (_server, c) = server_and_client(&env);
    let r = c.post(
        "/api/v1/jobs",
        &serde_json::json!({"trigger": "cron @daily", "command": "true", "id": "api"}),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.json()["cwd"], Value::Null);
    let page = c.get("/jobs/api");
    assert!(
        page.body
            .contains("- (runs in the runner user&#39;s $HOME)")
            || page.body.contains("- (runs in the runner user's $HOME)"),
        "{}",
        page.body
    );
}
