//! Issue 18, everyday use: what a newcomer trips over. Each test names the
//! trap it closes: no runner said, names, the table's width, typos,
//! mistakes caught at add, completion. (System crontabs and the crontab
//! round trip are in `crontab`; reasons, `logs --follow` and `tick fire`'s
//! listeners in `history`.)

use std::time::Duration;

use serde_json::{json, Value};

use crate::util::{wait_for, Env};

fn json(text: &str) -> Value {
    serde_json::from_str(text).unwrap_or_else(|e| panic!("{e}: {text}"))
}

fn history(env: &Env, args: &[&str]) -> Vec<Value> {
    let mut all = vec!["history", "--json"];
    all.extend_from_slice(args);
    json(&env.tick(&all).ok()).as_array().unwrap().clone()
}

/// Lines of a file written by a listener (`cat >> FILE`), as JSON.
// 1. Nothing said that no scheduler is running.

#[test]
fn without_a_runner_add_list_and_show_say_so_on_a_terminal() {
    let env = Env::new();
    let Some(add) = env
        .tick(&["add", "--id", "sec", "cron", "* * * * * *", "--", "true"])
        .on_terminal(10)
    else {
        return;
    };
    let note = "note: no tick run is running on ";
    let out = String::from_utf8(add.output().stdout).unwrap();
    assert!(out.starts_with("sec\r\n"), "{out}");
    assert!(out.contains(note), "{out}");
    assert!(out.contains("start one with 'tick run'"), "{out}");
    assert!(
        out.contains("\"Running it in production\" in the README"),
        "{out}"
    );
    // Times are whole seconds: after 2.1 s the next run is surely past.
    std::thread::sleep(Duration::from_millis(2100));
    for args in [&["list"][..], &["show", "sec"]] {
        let out = env.tick(args).on_terminal(10).unwrap().output();
        let out = String::from_utf8(out.stdout).unwrap();
        assert!(out.contains(note), "{out}");
        // The next run passed and nothing ran it.
        assert!(out.contains(" ago, overdue"), "{out}");
    }
    // Piped (a script), nothing is said on stderr, and -q says nothing.
    assert!(env.tick(&["list"]).ok().contains(", overdue)"));
    let out = env.tick(&["-q", "list"]).on_terminal(10).unwrap().output();
    assert!(!String::from_utf8(out.stdout).unwrap().contains(note));

    let runner = env.runner("run", &["--no-echo"]);
    runner.wait_log("scheduler started", 10);
    wait_for("the runner to fire", 10, || {
        !env.tick(&["list"]).ok().contains("overdue")
    });
    for args in [&["list"][..], &["show", "sec"]] {
        let out = env.tick(args).on_terminal(10).unwrap().output();
        let out = String::from_utf8(out.stdout).unwrap();
        assert!(!out.contains(note) && !out.contains("overdue"), "{out}");
    }
    // A runner killed with SIGKILL is known gone at once, not after its lease.
    runner.kill9();
    let out = env.tick(&["list"]).on_terminal(10).unwrap().output();
    assert!(String::from_utf8(out.stdout).unwrap().contains(note));
}

#[test]
fn status_says_whether_a_runner_is_alive_and_how_the_jobs_stand() {
    let env = Env::new();
    let status = env.tick(&["status"]).ok();
    assert!(status.contains("(not created yet)"), "{status}");
    assert!(
        status.contains("runner:       none, so no job will fire: start one with 'tick run'"),
        "{status}"
    );
    env.tick(&[
        "add", "--id", "bad", "--name", "nightly", "cron", "@daily", "--", "exit 7",
    ])
    .ok();
    env.tick(&[
        "add", "--id", "p", "--paused", "cron", "@daily", "--", "true",
    ])
    .ok();
    let out = env.tick(&["fire", "bad"]).output();
    assert_eq!(out.status.code(), Some(7));
    let s = json(&env.tick(&["status", "--json"]).ok());
    assert!(s["runner"].is_null());
    assert_eq!(
        s["jobs"],
        json(r#"{"active": 1, "paused": 1, "finished": 0}"#)
    );
    assert_eq!(s["next_fire"]["job_id"], "bad");
    assert_eq!(s["next_fire"]["overdue"], false);
    assert_eq!(s["last_failure"]["job_id"], "bad");
    assert_eq!(s["last_failure"]["exit_code"], 7);
    assert!(s["jobs_file"].as_str().unwrap().ends_with("jobs.db"));
    assert_eq!(s["store"], s["jobs_file"]);
    assert_eq!(s["store_kind"], "file");
    let text = env.tick(&["status"]).ok();
    assert!(
        text.contains("jobs:         1 active, 1 paused, 0 finished"),
        "{text}"
    );
    assert!(text.contains("): bad (nightly)\n"), "{text}");
    assert!(
        text.contains(
            "bad (nightly) failed with exit code 7 (execution 1; tick logs bad --execution 1)"
        ),
        "{text}"
    );

    let runner = env.runner("run", &["--no-echo", "--name", "desk"]);
    runner.wait_log("scheduler started", 10);
    let s = json(&env.tick(&["status", "--json"]).ok());
    assert_eq!(s["runner"]["name"], "desk");
    assert_eq!(s["runner"]["pid"], runner.pid());
    // One unit and name with `runners --json`; the old key kept a release.
    assert_eq!(s["runner"]["lease_ms"], 30_000);
    assert_eq!(s["runner"]["lease_seconds"], 30);
    let runners = json(&env.tick(&["runners", "--json"]).ok());
    assert_eq!(runners[0]["lease_ms"], s["runner"]["lease_ms"]);
    let text = env.tick(&["status"]).ok();
    assert!(
        text.contains(&format!(
            "runner:       alive: desk (pid {} on ",
            runner.pid()
        )),
        "{text}"
    );
    runner.stop();
    assert!(json(&env.tick(&["status", "--json"]).ok())["runner"].is_null());
}

/// `tick status` and `tick runners` agree on whether a runner lives: one
/// killed with kill -9 (its row still says alive, its lease not out) is
/// expired for both at once, not for one of them 30 s later.
#[test]
fn status_and_runners_agree_on_a_runner_killed_moments_ago() {
    let env = Env::new();
    let runner = env.runner("run", &["--no-echo", "--name", "desk"]);
    runner.wait_log("scheduler started", 10);
    let pid = runner.pid();
    runner.kill9();
    assert!(json(&env.tick(&["status", "--json"]).ok())["runner"].is_null());
    let runners = json(&env.tick(&["runners", "--json"]).ok());
    let desk = &runners.as_array().unwrap()[0];
    assert_eq!((&desk["name"], &desk["pid"]), (&json!("desk"), &json!(pid)));
    assert_eq!(desk["state"], "expired", "{runners}");
}

fn list_json(env: &Env) -> Vec<Value> {
    json(&env.tick(&["list", "--all", "--json"]).ok())
        .as_array()
        .unwrap()
        .clone()
}

// 5. Names usable wherever an id is.

#[test]
fn a_unique_name_works_wherever_an_id_does() {
    let env = Env::new();
    let id = env
        .tick(&[
            "add",
            "--name",
            "nightly",
            "cron",
            "@daily",
            "--",
            "echo backed up",
        ])
        .ok();
    let id = id.trim();
    assert!(env
        .tick(&["show", "nightly"])
        .ok()
        .starts_with(&format!("id:            {id}\n")));
    assert_eq!(
        env.tick(&["pause", "nightly"]).ok(),
        format!("paused {id}\n")
    );
    assert_eq!(
        env.tick(&["resume", "nightly"]).ok(),
        format!("resumed {id}\n")
    );
    assert_eq!(
        env.tick(&["modify", "nightly", "--timeout", "1m"]).ok(),
        format!("modified {id}\n")
    );
    assert_eq!(
        env.tick(&["reschedule", "nightly", "cron", "@hourly"]).ok(),
        format!("rescheduled {id}\n")
    );
    assert_eq!(env.tick(&["fire", "nightly"]).ok(), "backed up\n");
    assert_eq!(history(&env, &["nightly"]).len(), 1);
    assert!(env.tick(&["logs", "nightly"]).ok().contains("backed up"));
    // An id wins over a name.
    env.tick(&["add", "--id", "nightly", "cron", "@daily", "--", "true"])
        .ok();
    assert!(env
        .tick(&["show", "nightly"])
        .ok()
        .starts_with("id:            nightly\n"));
    // A name two jobs have is an error naming them; nothing changes.
    env.tick(&[
        "add", "--id", "t1", "--name", "twin", "cron", "@daily", "--", "true",
    ])
    .ok();
    env.tick(&["add", "--id", "t2", "cron", "@daily", "--", "true"])
        .ok();
    // Names are unique now; a file from before may have one twice.
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute("UPDATE jobs SET name = 'twin' WHERE id = 't2'", [])
        .unwrap();
    let before = env.snapshot();
    for args in [
        &["show", "twin"][..],
        &["pause", "twin"],
        &["remove", "t1", "twin"],
        &["logs", "twin"],
    ] {
        assert_eq!(
            env.tick(args).usage_error(),
            "error: the name 'twin' is ambiguous: jobs t1, t2 have it; give one of their ids",
            "{args:?}"
        );
    }
    assert_eq!(env.snapshot(), before);
    assert_eq!(
        env.tick(&["show", "nope"]).usage_error(),
        "error: unknown job 'nope': no job has that id or name (see 'tick list --all')"
    );
    assert_eq!(
        env.tick(&["remove", "nightly", id]).ok(),
        format!("removed nightly\nremoved {id}\n")
    );
    // A row that cannot be read is still found by its id, and removed.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute("UPDATE jobs SET trigger = '{' WHERE id = 't1'", [])
        .unwrap();
    drop(conn);
    assert_eq!(env.tick(&["remove", "t1"]).ok(), "removed t1\n");
}

// 6. The table fits the terminal.

pub(crate) fn widest(text: &str) -> usize {
    text.lines()
        .map(|l| l.trim_end_matches('\r').chars().count())
        .max()
        .unwrap_or(0)
}

#[test]
fn list_fits_the_terminal_and_shows_the_command_when_there_is_room() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "sync",
        "cron",
        "*/15 * * * *",
        "--tz",
        "Europe/Berlin",
        "--",
        "rsync",
        "-a",
        "src/",
        "dst/",
    ])
    .ok();
    env.tick(&[
        "add",
        "--id",
        "backup",
        "--name",
        "nightly",
        "cron",
        "0 3 * * *",
        "--",
        "backup.sh --full",
    ])
    .ok();
    let long = "the health check of the web server that the load balancer asks";
    env.tick(&[
        "add",
        "--id",
        "health",
        "--name",
        long,
        "interval",
        "--every",
        "90s",
        "--",
        "curl -fsS http://localhost:8080/health",
    ])
    .ok();
    let on_terminal = |columns: &str, args: &[&str]| {
        let mut all = vec!["-q", "list"];
        all.extend_from_slice(args);
        let out = env
            .tick(&all)
            .env("COLUMNS", columns)
            .on_terminal(10)?
            .output();
        Some(String::from_utf8(out.stdout).unwrap())
    };
    let Some(narrow) = on_terminal("80", &[]) else {
        return;
    };
    assert!(widest(&narrow) <= 80, "{narrow}");
    assert!(narrow.contains('…'), "{narrow}");
    assert!(narrow.contains("in 1m"), "{narrow}");
    let wide = on_terminal("150", &[]).unwrap();
    assert!(widest(&wide) <= 150, "{wide}");
    assert!(
        wide.contains("COMMAND") && wide.contains("rsync -a src/ dst/"),
        "{wide}"
    );
    // --wide, and a pipe, show everything whole.
    let all = on_terminal("80", &["--wide"]).unwrap();
    assert!(
        all.contains(long) && all.contains("curl -fsS http://localhost:8080/health"),
        "{all}"
    );
    assert!(!all.contains('…'), "{all}");
    let piped = env.tick(&["list"]).env("COLUMNS", "80").ok();
    assert_eq!(piped.replace('\r', ""), all.replace('\r', ""));
    assert!(
        piped.lines().next().unwrap().ends_with("STATE   COMMAND"),
        "{piped}"
    );
}

// 7. Typos get help.

/// A mistyped zone gets the nearest names (issue 26, point 14), from
/// `--tz` and from `$TZ`; nothing is written.
#[test]
fn a_mistyped_zone_gets_the_nearest_names() {
    let env = Env::new();
    let line = env
        .tick(&["add", "cron", "@daily", "--tz", "Europe/Berln", "--", "x"])
        .usage_error();
    assert!(
        line.starts_with("error: unknown time zone 'Europe/Berln': did you mean Europe/Berlin? "),
        "{line}"
    );
    assert!(!env.db().exists());
    let line = env
        .tick(&["next", "cron", "@daily", "--tz", "america/new_york"])
        .usage_error();
    assert!(line.contains("did you mean America/New_York?"), "{line}");
    let line = env
        .tick(&["next", "cron", "@daily"])
        .env("TZ", "Asia/Tokio")
        .usage_error();
    assert!(
        line.contains("did you mean Asia/Tokyo?")
            && line.ends_with("(from $TZ; set --tz to override)"),
        "{line}"
    );
}

#[test]
fn typos_get_clap_tips_in_one_line_and_the_subcommands_help() {
    let env = Env::new();
    for (args, want) in [
        (
            &["histroy"][..],
            "error: unrecognized subcommand 'histroy'; some similar subcommands exist: 'list', 'history' (see 'tick --help')",
        ),
        (
            &["add", "--timout", "5m", "cron", "@daily", "--", "x"],
            "error: unexpected argument '--timout' found; a similar argument exists: '--timeout' (see 'tick add --help')",
        ),
        (
            &["history", "--status", "fail"],
            "error: invalid value 'fail' for '--status <STATUS>' [possible values: running, success, failed, killed, timeout, missed, skipped, interrupted]; a similar value exists: 'failed' (see 'tick history --help')",
        ),
        (
            &["show"],
            "error: the following required arguments were not provided: <ID> (see 'tick show --help')",
        ),
    ] {
        assert_eq!(env.tick(args).usage_error(), want, "{args:?}");
    }
}

#[test]
fn a_missing_separator_and_an_unquoted_expression_are_said_as_such() {
    let env = Env::new();
    for (args, want) in [
        (
            &["add", "cron", "0 9 * * *", "echo", "hi"][..],
            "error: the command goes after '--': without it, \"echo hi\" was read as part of the trigger; write tick add cron '0 9 * * *' -- echo hi (see 'tick add --help')",
        ),
        (
            &["add", "--name", "x", "cron", "0", "9", "*", "*", "*", "echo", "a b"],
            "error: the command goes after '--': without it, \"echo 'a b'\" was read as part of the trigger; write tick add --name x cron 0 9 '*' '*' '*' -- echo 'a b' (see 'tick add --help')",
        ),
        (
            &["add", "cron", "0 9 * * *", "backup.sh", "--full"],
            "error: the command goes after '--': without it, \"backup.sh --full\" was read as part of the trigger; write tick add cron '0 9 * * *' -- backup.sh --full (see 'tick add --help')",
        ),
        (
            &["add", "interval", "--every", "5m", "backup.sh"],
            "error: the command goes after '--': without it, \"backup.sh\" was read as part of the trigger; write tick add interval --every 5m -- backup.sh (see 'tick add --help')",
        ),
        (
            &["add", "date", "--in", "5m"],
            "error: the command goes after '--', like tick add cron '0 9 * * *' -- echo hi (see 'tick add --help')",
        ),
        (
            &["modify", "x", "--every", "5m"],
            "error: '--every' belongs to a trigger, which modify does not change: give the job a new trigger with tick reschedule ID TRIGGER, like tick reschedule ID interval --every 30m (see 'tick modify --help')",
        ),
    ] {
        assert_eq!(env.tick(args).usage_error(), want, "{args:?}");
    }
    // `cron 0 9 * * *` unquoted in a folder with files: the shell gave tick
    // the files' names (tick runs in the test's folder; these are its files).
    std::fs::write(env.path().join("Cargo.toml"), "").unwrap();
    std::fs::write(env.path().join("README.md"), "").unwrap();
    std::fs::create_dir(env.path().join("src")).unwrap();
    for args in [
        &[
            "add",
            "cron",
            "0",
            "9",
            "Cargo.toml",
            "README.md",
            "src",
            "--",
            "true",
        ][..],
        &["next", "cron", "0", "9", "Cargo.toml", "README.md", "src"],
    ] {
        assert_eq!(
            env.tick(args).usage_error(),
            "error: invalid cron expression: the shell replaced its unquoted * with the names of the files here (Cargo.toml, README.md, src); quote the expression, like cron '0 9 * * *'"
        );
    }
    assert!(!env.db().exists());
}

// 8. Mistakes caught at add time.

#[test]
fn a_command_sh_cannot_read_is_refused_at_add_and_modify() {
    let env = Env::new();
    assert_eq!(
        env.tick(&["add", "cron", "@daily", "--", "echo 'unterminated"]).usage_error(),
        "error: invalid command \"echo 'unterminated\": /bin/sh cannot read it (Syntax error: Unterminated quoted string)"
    );
    assert!(!env.db().exists());
    env.tick(&["add", "--id", "j", "cron", "@daily", "--", "true"])
        .ok();
    let before = env.snapshot();
    for (args, want) in [
        (
            &["modify", "j", "--command", "echo $("][..],
            "error: invalid --command \"echo $(\": /bin/sh cannot read it (Syntax error: end of file unexpected (expecting \")\"))",
        ),
        (
            &["modify", "j", "--on-failure", "if true"],
            "error: invalid --on-failure \"if true\": /bin/sh cannot read it (Syntax error: end of file unexpected (expecting \"then\"))",
        ),
    ] {
        assert_eq!(env.tick(args).usage_error(), want);
    }
    assert_eq!(env.snapshot(), before);
    // What sh reads but may fail at run time is the job's business.
    env.tick(&["modify", "j", "--command", "no-such-program | grep x"])
        .ok();
}

#[test]
fn a_never_firing_trigger_and_a_fixed_zone_are_accepted_with_a_warning() {
    let env = Env::new();
    let (out, err) = env
        .tick(&["add", "--id", "feb30", "cron", "0 0 30 2 *", "--", "true"])
        .ok_and_stderr();
    assert_eq!(out, "feb30\n");
    assert_eq!(
        err,
        "warning: cron 0 0 30 2 * (UTC) never fires after now: the job has no next run (see 'tick next')\n"
    );
    let (_, err) = env
        .tick(&[
            "add",
            "--id",
            "est",
            "cron",
            "0 9 * * *",
            "--tz",
            "EST",
            "--",
            "true",
        ])
        .ok_and_stderr();
    assert_eq!(
        err,
        "warning: zone EST is UTC-05:00 all year and never changes for daylight saving; for a place's local time name the place, like America/New_York\n"
    );
    let (_, err) = env
        .tick(&[
            "reschedule",
            "est",
            "all",
            "cron 0 9 * * *",
            "cron 0 10 * * *",
        ])
        .ok_and_stderr();
    assert!(err.contains("never fires after now"), "{err}");
    assert!(err.contains("zone EST is UTC-05:00 all year"), "{err}");
    // A zone with daylight saving time, or UTC, says nothing.
    for tz in ["America/New_York", "UTC", "Asia/Tokyo"] {
        env.tick(&["add", "cron", "0 9 * * *", "--tz", tz, "--", "true"])
            .ok();
    }
}

#[test]
fn modify_unsets_env_and_name_none_removes_the_name() {
    let env = Env::new();
    env.tick(&[
        "add", "--id", "j", "--name", "first", "--env", "A=1", "--env", "B=2", "cron", "@daily",
        "--", "true",
    ])
    .ok();
    env.tick(&["modify", "j", "--unset-env", "A", "--name", "none"])
        .ok();
    let job = &list_json(&env)[0];
    assert_eq!(job["env"], json(r#"{"B": "2"}"#));
    assert!(job["name"].is_null());
    let before = env.snapshot();
    assert_eq!(
        env.tick(&["modify", "j", "--unset-env", "C"]).usage_error(),
        "error: invalid --unset-env 'C': job j has no C in its environment (it has B)"
    );
    assert_eq!(env.snapshot(), before);
    // `none` on add is no name, as for the listeners.
    env.tick(&[
        "add",
        "--id",
        "k",
        "--name",
        "none",
        "--on-failure",
        "none",
        "cron",
        "@daily",
        "--",
        "true",
    ])
    .ok();
    assert!(list_json(&env).iter().find(|j| j["id"] == "k").unwrap()["name"].is_null());
}

// 11. Completion of job ids and zones (the rest of 11 is the README's
// walk-through, `readme`, and the generated files, `generated`).

/// What bash completes for `words` (the last one being completed), with
/// the committed completions/tick.bash and this tick on PATH.
fn bash_completes(env: &Env, words: &[&str]) -> Vec<String> {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/completions/tick.bash");
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_tick"))
        .parent()
        .unwrap();
    let quoted: Vec<String> = words
        .iter()
        .map(|w| shell_words::quote(w).into_owned())
        .collect();
    let line = format!(
        "source {script}; COMP_WORDS=({}); COMP_CWORD={}; _clap_complete_tick tick {} {}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        quoted.join(" "),
        words.len() - 1,
        quoted.last().unwrap(),
        quoted[quoted.len() - 2],
    );
    let out = std::process::Command::new("bash")
        .args(["-c", &line])
        .env(
            "PATH",
            format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()),
        )
        .env("TICK_DB", env.db())
        .output()
        .unwrap();
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(str::to_string)
        .collect()
}

#[test]
fn completion_offers_job_ids_and_zones_and_hides_generate() {
    if std::process::Command::new("bash")
        .arg("--version")
        .output()
        .is_err()
    {
        crate::util::skipped("no bash");
        return;
    }
    let env = Env::new();
    env.tick(&[
        "add", "--id", "backup", "--name", "nightly", "cron", "@daily", "--", "true",
    ])
    .ok();
    env.tick(&["add", "--id", "beta", "cron", "@daily", "--", "true"])
        .ok();
    env.tick(&["add", "--id", "sync", "cron", "@daily", "--", "true"])
        .ok();
    assert_eq!(
        bash_completes(&env, &["tick", "show", "b"]),
        ["backup", "beta"]
    );
    assert_eq!(
        bash_completes(&env, &["tick", "pause", "sync", "s"]),
        ["sync"]
    );
    assert_eq!(
        bash_completes(
            &env,
            &["tick", "add", "cron", "@daily", "--tz", "Europe/Be"]
        ),
        ["Europe/Belfast", "Europe/Belgrade", "Europe/Berlin"]
    );
    let subcommands = bash_completes(&env, &["tick", ""]);
    assert!(
        subcommands.contains(&"status".to_string()),
        "{subcommands:?}"
    );
    assert!(
        !subcommands.contains(&"generate".to_string()),
        "{subcommands:?}"
    );
    // zsh and fish get each id with its name.
    let ask = |shell: &str, words: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_tick"))
            .arg("--")
            .args(words)
            .env("TICK_COMPLETE", shell)
            .env("_CLAP_COMPLETE_INDEX", (words.len() - 1).to_string())
            .env("TICK_DB", env.db())
            .output()
            .unwrap();
        String::from_utf8(out.stdout).unwrap()
    };
    assert_eq!(ask("zsh", &["tick", "logs", "ba"]), "backup:nightly");
    assert_eq!(ask("fish", &["tick", "fire", "ba"]), "backup\tnightly\n");
    // Names too (issue 26, point 14), each with its id; bash gets a blank
    // escaped, as it would insert the name as it is.
    env.tick(&[
        "add",
        "--id",
        "w",
        "--name",
        "web check",
        "cron",
        "@daily",
        "--",
        "true",
    ])
    .ok();
    assert_eq!(bash_completes(&env, &["tick", "show", "n"]), ["nightly"]);
    assert_eq!(
        bash_completes(&env, &["tick", "pause", "backup", "we"]),
        ["web\\ check"]
    );
    let all = bash_completes(&env, &["tick", "logs", ""]);
    assert_eq!(
        all[..6],
        ["backup", "beta", "nightly", "sync", "w", "web\\ check"],
        "{all:?}"
    );
    assert_eq!(ask("zsh", &["tick", "fire", "ni"]), "nightly:backup");
    assert_eq!(ask("fish", &["tick", "show", "web"]), "web check\tw\n");
}
