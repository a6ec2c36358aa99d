//! Issue 26, the terminal: failures stand out in colour (red failures,
//! yellow fires that did not run) where colour is on, and `history`,
//! `show` and `runners` fit an 80-column terminal. (`list`'s fitting is in
//! `everyday`; the page's classes in `http`'s page tests.)

use crate::everyday::widest;
use crate::util::Env;

/// `history` and `runners` fit an 80-column terminal (they were 95 and
/// 96 wide), giving up room as docs/guide.md says; a pipe and `--wide`
/// get every cell whole (issue 26, point 11).
#[test]
fn history_and_runners_fit_the_terminal() {
    let env = Env::new();
    let long = "the nightly backup of the database";
    env.tick(&[
        "add", "--id", "backup", "--name", long, "cron", "@daily", "--", "exit 3",
    ])
    .ok();
    assert_eq!(
        env.tick(&["fire", "backup"]).output().status.code(),
        Some(3)
    );
    env.tick(&["add", "--id", "w", "cron", "@daily", "--", "true"])
        .ok();
    env.tick(&["fire", "w"]).ok();
    // A missed fire and its reason, as a runner records it.
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute(
            "INSERT INTO executions (job_id, job_name, command, scheduled_at, status, reason)
             VALUES ('backup', ?1, 'exit 3', 1700000000000, 'missed',
                     'ran 7h12m late, past the misfire grace of 1m: no runner was running')",
            [long],
        )
        .unwrap();
    let on_terminal = |args: &[&str]| {
        let out = env
            .tick(args)
            .env("COLUMNS", "80")
            .on_terminal(10)?
            .output();
        Some(String::from_utf8(out.stdout).unwrap().replace('\r', ""))
    };
    let Some(history) = on_terminal(&["history"]) else {
        return;
    };
    assert!(widest(&history) <= 80, "{history}");
    let header = history.lines().next().unwrap();
    for column in ["EXEC", "JOB", "SCHEDULED", "DURATION", "STATUS", "EXIT"] {
        assert!(header.contains(column), "{history}");
    }
    assert!(
        history.contains("backup (t") && history.contains('…'),
        "{history}"
    );
    for args in [&["history"][..], &["history", "--wide"]] {
        let whole = if args.len() == 1 {
            env.tick(args).env("COLUMNS", "80").ok()
        } else {
            on_terminal(args).unwrap()
        };
        assert!(widest(&whole) > 95, "{whole}");
        assert!(
            whole.contains(long) && whole.contains("no runner was running"),
            "{whole}"
        );
    }
    // `show`'s executions, indented under its fields, fit too.
    let show = on_terminal(&["-q", "show", "backup"]).unwrap();
    let table = &show[show.find("last executions:").unwrap()..];
    assert!(widest(table) <= 80 && table.contains("REASON"), "{show}");

    let runner = env.runner(
        "run",
        &[
            "--no-echo",
            "--name",
            "a-runner-named-at-length-on-its-host",
        ],
    );
    runner.wait_log("scheduler started", 10);
    let runners = on_terminal(&["runners"]).unwrap();
    let whole = env.tick(&["runners"]).ok();
    runner.stop();
    assert!(widest(&runners) <= 80, "{runners}");
    assert!(runners.contains("alive"), "{runners}");
    assert!(widest(&whole) > 80 && whole.contains("VERSION"), "{whole}");
}

/// Failures stand out: failed, timeout, killed and interrupted in red,
/// missed and skipped in yellow, in LAST of `list`, STATUS of `history`
/// and `show`; never with NO_COLOR or into a pipe (issue 26, point 11).
#[test]
fn failures_stand_out_in_red_and_what_did_not_run_in_yellow() {
    let env = Env::new();
    env.tick(&["add", "--id", "bad", "cron", "@daily", "--", "exit 3"])
        .ok();
    env.tick(&["fire", "bad"]).output();
    env.tick(&["add", "--id", "late", "cron", "@daily", "--", "true"])
        .ok();
    rusqlite::Connection::open(env.db())
        .unwrap()
        .execute(
            "INSERT INTO executions (job_id, command, scheduled_at, status, reason)
             VALUES ('late', 'true', 1700000000000, 'missed', 'ran 2m late')",
            [],
        )
        .unwrap();
    let red = "\x1b[31m";
    let yellow = "\x1b[33m";
    let colored = |args: &[&str]| {
        let mut all = vec!["--color", "always"];
        all.extend_from_slice(args);
        env.tick(&all).ok()
    };
    let list = colored(&["list"]);
    let row = |text: &str, id: &str| -> String {
        text.lines()
            .find(|l| l.starts_with(id))
            .unwrap_or_else(|| panic!("{text}"))
            .to_string()
    };
    assert!(
        row(&list, "bad").contains(&format!("{red}failed ")),
        "{list:?}"
    );
    assert!(
        row(&list, "late").contains(&format!("{yellow}missed ")),
        "{list:?}"
    );
    let history = colored(&["history"]);
    assert!(history.contains(&format!("{red}failed")), "{history:?}");
    assert!(history.contains(&format!("{yellow}missed")), "{history:?}");
    assert!(colored(&["show", "bad"]).contains(&format!("{red}failed")));
    assert!(colored(&["show", "late"]).contains(&format!("{yellow}missed")));
    // On a terminal by itself (NO_COLOR empty is no NO_COLOR), but not
    // with NO_COLOR, nor into a pipe.
    let Some(out) = env.tick(&["list"]).env("NO_COLOR", "").on_terminal(10) else {
        return;
    };
    let out = String::from_utf8(out.output().stdout).unwrap();
    assert!(out.contains(&format!("{red}failed ")), "{out:?}");
    let out = env
        .tick(&["list"])
        .env("NO_COLOR", "1")
        .on_terminal(10)
        .unwrap()
        .output();
    assert!(!String::from_utf8(out.stdout).unwrap().contains('\x1b'));
    assert!(!env.tick(&["history"]).ok().contains('\x1b'));
}
