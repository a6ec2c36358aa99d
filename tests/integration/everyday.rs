//! Issue 18, everyday use: what a newcomer trips over. Each test names the
//! trap it closes: no runner said, system crontabs, the crontab round trip,
//! names, the table's width, typos, mistakes caught at add, watching a job,
//! `tick fire` and listeners.

use std::time::Duration;

use serde_json::Value;

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
fn events(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(json)
        .collect()
}

#[test]
fn missed_and_skipped_rows_keep_their_reason() {
    let env = Env::new();
    let events_file = env.path().join("events");
    // Due every second, allowed 1 s late, each fire on its own: after 3 s
    // without a runner, the oldest fires of the backlog are missed.
    env.tick(&[
        "add",
        "--id",
        "late",
        "cron",
        "* * * * * *",
        "--misfire-grace",
        "1s",
        "--no-coalesce",
        "--",
        "true",
    ])
    .ok();
    // Runs 3 s, fires every second, one copy at a time: the next is skipped.
    env.tick(&[
        "add",
        "--id",
        "long",
        "cron",
        "* * * * * *",
        "--paused",
        "--",
        "sleep 3",
    ])
    .ok();
    std::thread::sleep(Duration::from_millis(3200));
    env.tick(&["resume", "long"]).ok();
    let on_event = format!("cat >> {}", events_file.display());
    let runner = env.runner("run", &["--no-echo", "--on-event", &on_event]);
    wait_for("a missed and a skipped event", 15, || {
        let got = events(&events_file);
        got.iter().any(|e| e["event"] == "missed")
            && got
                .iter()
                .any(|e| e["event"] == "skipped" && e["job_id"] == "long")
    });
    let log = runner.stop_killing();
    let rows = history(&env, &["--limit", "100"]);
    let missed = rows
        .iter()
        .find(|r| r["status"] == "missed")
        .unwrap_or_else(|| panic!("no missed row: {rows:?}\n{log}"));
    let reason = missed["reason"].as_str().unwrap();
    assert!(
        reason.ends_with("late, more than its misfire grace of 1s"),
        "{reason}"
    );
    let skipped = rows
        .iter()
        .find(|r| r["status"] == "skipped" && r["job_id"] == "long")
        .unwrap();
    assert_eq!(
        skipped["reason"],
        "1 instance(s) already running (--max-instances 1)"
    );
    assert!(rows
        .iter()
        .filter(|r| r["status"] == "success")
        .all(|r| r["reason"].is_null()));
    // The table says why too, and so do the listeners, with the row's id.
    let table = env.tick(&["history", "late"]).ok();
    assert!(table.lines().next().unwrap().ends_with("REASON"), "{table}");
    assert!(table.contains(reason), "{table}");
    let got = events(&events_file);
    let event = got
        .iter()
        .find(|e| e["event"] == "missed" && e["execution_id"] == missed["id"])
        .unwrap_or_else(|| panic!("no missed event with the row's id: {got:?}"));
    assert_eq!(event["reason"], missed["reason"]);
    let event = got
        .iter()
        .find(|e| e["event"] == "skipped" && e["job_id"] == "long")
        .unwrap();
    assert_eq!(event["execution_id"], skipped["id"]);
    // `tick logs` shows the latest execution that ran, not the skipped row
    // after it; given the skipped row's id, it says why.
    let logs = env.tick(&["logs", "long"]).ok();
    assert!(logs.starts_with("execution "), "{logs}");
    assert!(!logs.contains("skipped"), "{logs}");
    let id = skipped["id"].to_string();
    let logs = env.tick(&["logs", "long", "--execution", &id]).ok();
    assert!(
        logs.lines()
            .next()
            .unwrap()
            .ends_with("(1 instance(s) already running (--max-instances 1))"),
        "{logs}"
    );
}

#[test]
fn logs_of_a_job_that_only_missed_says_why() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "once",
        "date",
        "--in",
        "1s",
        "--misfire-grace",
        "1s",
        "--",
        "true",
    ])
    .ok();
    std::thread::sleep(Duration::from_millis(3500));
    let runner = env.runner("run", &["--no-echo"]);
    runner.wait_log("missed its", 10);
    drop(runner);
    let line = env.tick(&["logs", "once"]).usage_error();
    assert!(
        line.starts_with("error: job 'once' has not run yet: its latest fire was missed, ")
            && line.ends_with("late, more than its misfire grace of 1s (see 'tick history once')"),
        "{line}"
    );
}

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
    assert_eq!(s["runner"]["lease_seconds"], 30);
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

// 2. System crontabs have a user field.

fn me() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

fn list_json(env: &Env) -> Vec<Value> {
    json(&env.tick(&["list", "--all", "--json"]).ok())
        .as_array()
        .unwrap()
        .clone()
}

#[test]
fn a_system_crontab_loses_its_user_field_or_is_refused() {
    let env = Env::new();
    let me = me();
    let file = env.path().join("e2scrub_all");
    let lines = format!(
        "30 3 * * 0 {me} test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all_cron\n\
         @reboot {me}  echo booted\n"
    );
    std::fs::write(&file, &lines).unwrap();
    let file = file.to_str().unwrap();
    let (out, err) = env.tick(&["import", "--system", file]).ok_and_stderr();
    assert!(out.starts_with("imported 2 job(s): "), "{out}");
    assert!(
        err.contains(&format!(
            "warning: {file}: the user field was taken out of line(s) 1, 2: tick runs every job as the user who runs 'tick run' ({me})"
        )),
        "{err}"
    );
    let mut commands: Vec<String> = list_json(&env)
        .iter()
        .map(|j| j["command"].as_str().unwrap().to_string())
        .collect();
    commands.sort();
    assert_eq!(
        commands,
        [
            "echo booted",
            "test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all_cron"
        ]
    );
    // A line for another user is refused, and so nothing is added.
    let other = env.path().join("other");
    std::fs::write(
        &other,
        format!("{lines}0 1 * * * someone-else rm -rf /srv/x\n"),
    )
    .unwrap();
    let before = env.snapshot();
    let out = env
        .tick(&["import", "--system", other.to_str().unwrap()])
        .output();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "line 3: a job for user 'someone-else', but tick runs every job as the user who runs 'tick run' ({me}): import this crontab as someone-else"
        )),
        "{err}"
    );
    assert!(
        err.ends_with("1 line(s) could not be imported; nothing was added\n"),
        "{err}"
    );
    assert_eq!(env.snapshot(), before);
    // Read as a user's crontab, the user field would be the command: said.
    let fresh = Env::new();
    std::fs::write(
        fresh.path().join("c"),
        "10 3 * * * root /sbin/e2scrub_all -A -r\n",
    )
    .unwrap();
    let (_, err) = fresh
        .tick(&["import", fresh.path().join("c").to_str().unwrap()])
        .ok_and_stderr();
    assert!(
        err.contains("line 1: the command starts with 'root', a user name: if this is a system crontab (with a user field), import it with --system"),
        "{err}"
    );
}

// 3. The crontab round trip.

const DEBIAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/debian.crontab");

#[test]
fn importing_twice_adds_nothing_and_dry_run_writes_nothing() {
    let env = Env::new();
    let (out, _) = env.tick(&["import", "--dry-run", DEBIAN]).ok_and_stderr();
    assert!(out.starts_with("would import 9 job(s)\n"), "{out}");
    assert!(
        out.contains("  line 14: cron 30 2 * * * (Europe/Berlin) -- /usr/local/bin/backup.sh --full > /dev/null 2>&1\n"),
        "{out}"
    );
    assert!(!env.db().exists(), "a dry run created the jobs file");
    let (out, _) = env.tick(&["import", DEBIAN]).ok_and_stderr();
    assert!(out.starts_with("imported 9 job(s): "), "{out}");
    let before = env.snapshot();
    let (out, _) = env.tick(&["import", DEBIAN]).ok_and_stderr();
    assert_eq!(
        out,
        format!("{DEBIAN}: no jobs to import; 9 already there, not added again\n")
    );
    assert_eq!(list_json(&env).len(), 9);
    // A job added by hand with the same trigger, zone, command and
    // environment counts as there; one line more is added.
    let file = env.path().join("two");
    std::fs::write(&file, "@daily true\n@daily true\n0 5 * * * true\n").unwrap();
    let file = file.to_str().unwrap();
    env.tick(&["add", "cron", "@daily", "--", "true"]).ok();
    let (out, _) = env.tick(&["import", "--dry-run", file]).ok_and_stderr();
    assert!(
        out.starts_with("would import 2 job(s); 1 already there, not added again\n"),
        "{out}"
    );
    let out = env.tick(&["import", file]).ok();
    assert!(
        out.ends_with("; 1 already there, not added again\n"),
        "{out}"
    );
    assert_eq!(list_json(&env).len(), 12);
    let _ = before;
}

#[test]
fn export_writes_the_environment_and_percent_lines_as_they_were() {
    let env = Env::new();
    let file = env.path().join("env.crontab");
    let mail = "30 6 1 * * mail -s report me%Dear me,%all good\\% done";
    std::fs::write(
        &file,
        format!(
            "BACKUP_DIR=/srv/backup\n0 3 * * * tar czf $BACKUP_DIR/home.tgz /home\n\
             GREETING=\" hello \"\n0 4 * * * echo \"$GREETING\"\n{mail}\n"
        ),
    )
    .unwrap();
    // An intended % (the mail's text) is taken without a word.
    env.tick(&["import", file.to_str().unwrap()]).ok();
    let (exported, warnings) = env.tick(&["export"]).ok_and_stderr();
    let at = |needle: &str| {
        exported
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{exported}"))
    };
    assert!(at("BACKUP_DIR=/srv/backup\n") < at("0 3 * * * tar czf $BACKUP_DIR/home.tgz /home\n"));
    assert!(at("GREETING=\" hello \"\n") < at("0 4 * * * echo \"$GREETING\"\n"));
    // The % line is the same line again.
    assert!(exported.contains(&format!("\n{mail}\n")), "{exported}");
    assert_eq!(warnings, "");
    // Imported back, every job has its environment.
    let back = Env::new();
    let again = back.path().join("again");
    std::fs::write(&again, &exported).unwrap();
    back.tick(&["import", again.to_str().unwrap()])
        .ok_and_stderr();
    let envs = |jobs: Vec<Value>| {
        let mut v: Vec<(String, Value)> = jobs
            .iter()
            .map(|j| (j["command"].as_str().unwrap().to_string(), j["env"].clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let (want, got) = (envs(list_json(&env)), envs(list_json(&back)));
    assert_eq!(want, got);
    // Jobs whose environments disagree: a later job would get the
    // variables of the lines before it (crontab cannot unset one): said.
    let env = Env::new();
    env.tick(&[
        "add", "--id", "x", "cron", "@daily", "--env", "X=1", "--", "true",
    ])
    .ok();
    env.tick(&[
        "add", "--id", "y", "cron", "@daily", "--env", "Y=2", "--", "true",
    ])
    .ok();
    let (_, warnings) = env.tick(&["export"]).ok_and_stderr();
    assert_eq!(
        warnings,
        "warning: job y: exported after lines that set X for the jobs before it: cron gives it those too (crontab cannot unset a variable)\n"
    );
}

#[test]
fn a_percent_inside_a_command_substitution_is_read_as_cron_does_with_a_warning() {
    let env = Env::new();
    let file = env.path().join("c");
    std::fs::write(
        &file,
        "# nightly\n0 1 * * * tar czf /b/$(date +%F).tgz /x\n0 2 * * * date +%F >> /tmp/log\n",
    )
    .unwrap();
    let (out, err) = env
        .tick(&["import", file.to_str().unwrap()])
        .ok_and_stderr();
    assert!(out.starts_with("imported 2 job(s)"), "{out}");
    assert!(
        err.contains(&format!(
            "warning: {}: line 2: the unescaped % starts the command's standard input, as cron reads it: the command is 'tar czf /b/$(date +' and its input 'F).tgz /x', which is not valid shell (",
            file.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "warning: {}: line 3: the unescaped % starts the command's standard input, as cron reads it: the command is 'date +' and its input 'F >> /tmp/log', which looks like a cut date format; write \\% for a literal %",
            file.display()
        )),
        "{err}"
    );
    let job = list_json(&env)
        .into_iter()
        .find(|j| j["command"].as_str().unwrap().contains("tar"))
        .unwrap();
    assert_eq!(
        job["command"],
        "printf '%s\\n' 'F).tgz /x' | { tar czf /b/$(date +\n}"
    );
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
    env.tick(&[
        "add", "--id", "t2", "--name", "twin", "cron", "@daily", "--", "true",
    ])
    .ok();
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

fn widest(text: &str) -> usize {
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
    // the files' names (the tests run in the crate's folder).
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

// 9. Watching a job.

/// `tick logs ARGS...` in the background: its stdout lines as they come,
/// each with when it came.
fn follow(
    env: &Env,
    args: &[&str],
) -> (
    std::process::Child,
    std::sync::mpsc::Receiver<(std::time::Instant, String)>,
) {
    use std::io::BufRead;
    let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_tick"));
    cmd.args(args)
        .env("TICK_DB", env.db())
        .env("TZ", "UTC")
        .stdout(std::process::Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stdout = child.stdout.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in std::io::BufReader::new(stdout).lines() {
            let _ = tx.send((std::time::Instant::now(), line.unwrap()));
        }
    });
    (child, rx)
}

#[test]
fn logs_follow_shows_a_running_execution_as_it_comes() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "slow",
        "date",
        "--in",
        "1s",
        "--",
        "echo start; echo oops >&2; sleep 3; echo end",
    ])
    .ok();
    let runner = env.runner("run", &["--no-echo"]);
    runner.wait_log("job slow started", 10);
    let (mut child, lines) = follow(&env, &["logs", "slow", "--follow"]);
    let began = std::time::Instant::now();
    let mut got = Vec::new();
    while let Ok((at, line)) = lines.recv_timeout(Duration::from_secs(10)) {
        got.push((at.duration_since(began), line));
    }
    let status = child.wait().unwrap();
    assert!(status.success());
    let text: Vec<&str> = got.iter().map(|(_, l)| l.as_str()).collect();
    assert!(
        text[0].starts_with("execution 1 of slow: running, "),
        "{text:?}"
    );
    assert!(
        text.last()
            .unwrap()
            .starts_with("execution 1 of slow: success in 3."),
        "{text:?}"
    );
    for want in ["==> stdout <==", "start", "==> stderr <==", "oops", "end"] {
        assert!(text.contains(&want), "{want} not in {text:?}");
    }
    // "start" came while the job still ran, well before "end".
    let when = |l: &str| got.iter().find(|(_, t)| t == l).unwrap().0;
    assert!(
        when("start") + Duration::from_millis(1000) < when("end"),
        "{got:?}"
    );
    runner.stop();
    // Once it ended, --follow prints it like logs and returns.
    let out = env.tick(&["logs", "slow", "-f"]).ok();
    assert!(
        out.starts_with("execution 1 of slow: success in 3."),
        "{out}"
    );
    assert!(
        out.contains("==> stdout <==\nstart\nend\n==> stderr <==\noops\n"),
        "{out}"
    );
}

// 10. tick fire and listeners.

#[test]
fn fire_tells_the_jobs_listeners_and_sums_up_a_failure() {
    let env = Env::new();
    let heard = env.path().join("heard");
    let listener = format!("cat >> {}", heard.display());
    env.tick(&[
        "add",
        "--id",
        "bad",
        "cron",
        "@daily",
        "--on-failure",
        &listener,
        "--on-success",
        &listener,
        "--",
        "echo out; exit 3",
    ])
    .ok();
    let out = env.tick(&["fire", "bad"]).output();
    assert_eq!(out.status.code(), Some(3));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "out\n");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.starts_with("tick: job bad failed with exit code 3 after ")
            && err.ends_with(" (execution 1; tick logs bad --execution 1)\n"),
        "{err}"
    );
    let got = events(&heard);
    assert_eq!(got.len(), 1, "{got:?}");
    assert_eq!(got[0]["event"], "error");
    assert_eq!(got[0]["execution_id"], 1);
    assert_eq!(got[0]["exit_code"], 3);
    // A success: its --on-success, and nothing on stderr.
    env.tick(&["modify", "bad", "--command", "true"]).ok();
    assert_eq!(env.tick(&["fire", "bad"]).ok(), "");
    let got = events(&heard);
    assert_eq!(got.len(), 2);
    assert_eq!(got[1]["event"], "executed");
    assert_eq!(got[1]["execution_id"], 2);
}

// 11. Completion of job ids and zones.

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
        eprintln!("skipped: no bash");
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
}
