//! `list --state/--name/--limit` and `history --name` (with `--status`,
//! `--limit`, an id) through the real binary (docs/guide.md): each filter alone
//! and combined, ids and names, glob metacharacters and the characters
//! SQL patterns treat specially, the limit after list order, and the bad
//! input. The same setup and cases run on PostgreSQL in
//! `postgres/mod.rs`, compared with a file.

use serde_json::Value;

use crate::util::Env;

/// The listing's jobs, in list order (next run: 2030-01-02, -03, ...),
/// `web-2` paused (no next run, so last) and `batch` finished.
const JOBS: &[(&str, Option<&str>, &str)] = &[
    ("web-10", Some("api"), "2030-01-02 10:00"),
    ("web-1", Some("frontend"), "2030-01-03 10:00"),
    ("db", Some("web*star"), "2030-01-04 10:00"),
    ("batch", Some("nightly web"), "2030-01-05 10:00"),
    ("pct", Some("100%_done"), "2030-01-06 10:00"),
    ("bs", Some("back\\slash"), "2030-01-07 10:00"),
    ("job_1", None, "2030-01-08 10:00"),
    ("jobx1", Some("Web-3"), "2030-01-09 10:00"),
    ("web-2", None, "2030-01-01 10:00"),
];

/// Add [`JOBS`] to `db` (a file or a PostgreSQL URL); `finish` makes a
/// job finished (as a runner would), straight in the store.
pub(crate) fn add_jobs(env: &Env, db: &str, finish: &dyn Fn(&str)) {
    for (id, name, at) in JOBS {
        let mut args = vec!["--db", db, "add", "--id", id];
        if let Some(name) = name {
            args.extend(["--name", name]);
        }
        args.extend(["date", "--at", at, "--", "true"]);
        env.tick(&args).ok();
    }
    env.tick(&["--db", db, "pause", "web-2"]).ok();
    finish("batch");
}

/// Executions for `history --name`: `h-ok` ("hello", renamed "greeting"
/// since) ran twice and `h-bad` ("hello-fail", removed since) failed once.
pub(crate) fn add_history(env: &Env, db: &str) {
    for (id, name, command) in [("h-ok", "hello", "true"), ("h-bad", "hello-fail", "false")] {
        env.tick(&[
            "--db",
            db,
            "add",
            "--id",
            id,
            "--name",
            name,
            "date",
            "--at",
            "2031-01-01 10:00",
            "--",
            command,
        ])
        .ok();
    }
    for id in ["h-ok", "h-bad", "h-ok", "web-1"] {
        let _ = env.tick(&["--db", db, "fire", id]).output();
    }
    env.tick(&["--db", db, "modify", "h-ok", "--name", "greeting"])
        .ok();
    env.tick(&["--db", db, "remove", "h-bad"]).ok();
}

/// The commands both backends must answer alike (after [`add_jobs`] and
/// [`add_history`]).
pub(crate) const CASES: &[&[&str]] = &[
    &["list", "--state", "paused"],
    &["list", "--state", "finished"],
    &["list", "--state", "active,finished", "--json"],
    &["list", "--name", "web-*"],
    &["list", "--name", "web*", "--all", "--json"],
    &["list", "--name", "web\\*star"],
    &["list", "--name", "web-[!1]*"],
    &["list", "--name", "web-?"],
    &["list", "--name", "*web", "--all"],
    &["list", "--name", "100%_done"],
    &["list", "--name", "100%%done"],
    &["list", "--name", "job_1"],
    &["list", "--name", "back\\\\slash"],
    &["list", "--name", "[Ww]eb-3"],
    &["list", "--name", "WEB-*"],
    &["list", "--limit", "2"],
    &["list", "--limit", "0", "--json"],
    &["list", "--all", "--limit", "3", "--wide"],
    &[
        "list", "--state", "active", "--name", "web-*", "--limit", "1",
    ],
    &["list", "--name", "web-["],
    &["list", "--state", "bogus"],
    &["history", "--name", "hello*", "--json"],
    &["history", "--name", "greeting"],
    &["history", "--name", "h-*", "--status", "failed"],
    &["history", "--name", "h-*", "--limit", "1", "--json"],
    &["history", "h-ok", "--name", "web-*"],
    &["history", "--name", "[!h]*"],
    &["history", "--name", "nope*"],
    &["history", "--name", "["],
];

fn ids(env: &Env, args: &[&str]) -> Vec<String> {
    let mut args = args.to_vec();
    args.push("--json");
    let out: Value = serde_json::from_str(&env.tick(&args).ok()).unwrap();
    let key = if args[0] == "history" { "job_id" } else { "id" };
    out.as_array()
        .unwrap()
        .iter()
        .map(|j| j[key].as_str().unwrap().to_string())
        .collect()
}

/// A file's job made finished, as a runner makes a date job that fired.
fn finish_in_file(env: &Env) -> impl Fn(&str) + '_ {
    move |id| {
        rusqlite::Connection::open(env.db())
            .unwrap()
            .execute(
                "UPDATE jobs SET state = 'finished', next_run_at = NULL WHERE id = ?1",
                [id],
            )
            .unwrap();
    }
}

#[test]
fn list_filters_alone_and_combined() {
    let env = Env::new();
    let db = env.db().display().to_string();
    add_jobs(&env, &db, &finish_in_file(&env));
    let unfinished = [
        "web-10", "web-1", "db", "pct", "bs", "job_1", "jobx1", "web-2",
    ];
    assert_eq!(ids(&env, &["list"]), unfinished);
    // --state: one, several (comma or repeated), and finished without --all.
    assert_eq!(ids(&env, &["list", "--state", "paused"]), ["web-2"]);
    assert_eq!(ids(&env, &["list", "--state", "finished"]), ["batch"]);
    assert_eq!(ids(&env, &["list", "--state", "active,paused"]), unfinished);
    assert_eq!(
        ids(&env, &["list", "--state", "paused", "--state", "finished"]),
        ["batch", "web-2"]
    );
    assert_eq!(
        ids(&env, &["list", "--all", "--state", "paused"]),
        ["web-2"]
    );
    assert_eq!(ids(&env, &["list", "--all"]).len(), JOBS.len());
    // --name: ids or names, in list order.
    assert_eq!(
        ids(&env, &["list", "--name", "web-*"]),
        ["web-10", "web-1", "web-2"]
    );
    assert_eq!(ids(&env, &["list", "--name", "api"]), ["web-10"]);
    assert_eq!(ids(&env, &["list", "--name", "*web"]), Vec::<String>::new());
    assert_eq!(ids(&env, &["list", "--name", "*web", "--all"]), ["batch"]);
    assert_eq!(
        ids(&env, &["list", "--name", "web*"]),
        ["web-10", "web-1", "db", "web-2"]
    );
    // Case-sensitive; ? is one character; [...] and [!...] sets.
    assert_eq!(
        ids(&env, &["list", "--name", "WEB-*"]),
        Vec::<String>::new()
    );
    assert_eq!(ids(&env, &["list", "--name", "[Ww]eb-3"]), ["jobx1"]);
    assert_eq!(ids(&env, &["list", "--name", "web-?"]), ["web-1", "web-2"]);
    assert_eq!(ids(&env, &["list", "--name", "web-[!1]*"]), ["web-2"]);
    // Metacharacters as themselves: quoted, or in a set.
    assert_eq!(ids(&env, &["list", "--name", "web\\*star"]), ["db"]);
    assert_eq!(ids(&env, &["list", "--name", "web[*]star"]), ["db"]);
    assert_eq!(ids(&env, &["list", "--name", "back\\\\slash"]), ["bs"]);
    // SQL's LIKE characters are plain characters here.
    assert_eq!(ids(&env, &["list", "--name", "100%_done"]), ["pct"]);
    assert_eq!(
        ids(&env, &["list", "--name", "100%%done"]),
        Vec::<String>::new()
    );
    assert_eq!(ids(&env, &["list", "--name", "job_1"]), ["job_1"]);
    assert_eq!(ids(&env, &["list", "--name", "job?1"]), ["job_1", "jobx1"]);
    // --limit: the first N in list order; 0 lists nothing.
    assert_eq!(ids(&env, &["list", "--limit", "2"]), ["web-10", "web-1"]);
    assert_eq!(
        ids(&env, &["list", "--all", "--limit", "4"]),
        ["web-10", "web-1", "db", "pct"]
    );
    assert_eq!(ids(&env, &["list", "--limit", "0"]), Vec::<String>::new());
    assert_eq!(ids(&env, &["list", "--limit", "99"]), unfinished);
    // All together.
    assert_eq!(
        ids(
            &env,
            &["list", "--state", "active", "--name", "web-*", "--limit", "1"]
        ),
        ["web-10"]
    );
    assert_eq!(
        ids(
            &env,
            &[
                "list",
                "--state",
                "paused,finished",
                "--name",
                "*web*",
                "--limit",
                "5"
            ]
        ),
        ["batch", "web-2"]
    );
}

#[test]
fn list_filters_show_only_the_rows_asked_for() {
    let env = Env::new();
    let db = env.db().display().to_string();
    add_jobs(&env, &db, &finish_in_file(&env));
    let rows = |args: &[&str]| -> Vec<String> {
        let out = env.tick(args).ok();
        let mut lines = out.lines();
        assert!(lines.next().unwrap().starts_with("ID "), "{out}");
        lines
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        rows(&["list", "--name", "web-*"]),
        ["web-10", "web-1", "web-2"]
    );
    assert_eq!(rows(&["list", "--state", "finished", "--wide"]), ["batch"]);
    assert_eq!(rows(&["list", "--limit", "1"]), ["web-10"]);
    // Nothing matched: a line saying so, not the first-use hint.
    for args in [
        &["list", "--name", "nope"][..],
        &["list", "--limit", "0"],
        &["list", "--state", "paused", "--name", "web-1"],
    ] {
        assert_eq!(env.tick(args).ok(), "No jobs match.\n", "{args:?}");
        assert_eq!(env.tick(&[&["-q"], args].concat()).ok(), "");
    }
}

#[test]
fn history_name_matches_ids_names_then_and_names_now() {
    let env = Env::new();
    let db = env.db().display().to_string();
    add_jobs(&env, &db, &finish_in_file(&env));
    add_history(&env, &db);
    let all = ids(&env, &["history"]);
    assert_eq!(all, ["web-1", "h-ok", "h-bad", "h-ok"]);
    // The name each ran under ("hello", "hello-fail"), also of a removed job.
    assert_eq!(
        ids(&env, &["history", "--name", "hello*"]),
        ["h-ok", "h-bad", "h-ok"]
    );
    // A job's name now (renamed since its executions).
    assert_eq!(
        ids(&env, &["history", "--name", "greeting"]),
        ["h-ok", "h-ok"]
    );
    // Ids, and a job's name ("frontend").
    assert_eq!(
        ids(&env, &["history", "--name", "h-*"]),
        ["h-ok", "h-bad", "h-ok"]
    );
    assert_eq!(ids(&env, &["history", "--name", "front*"]), ["web-1"]);
    // "greeting" is h-ok's name now.
    assert_eq!(
        ids(&env, &["history", "--name", "[!h]*"]),
        ["web-1", "h-ok", "h-ok"]
    );
    assert_eq!(
        ids(&env, &["history", "--name", "H-*"]),
        Vec::<String>::new()
    );
    // With --status, --limit and an id.
    assert_eq!(
        ids(&env, &["history", "--name", "h-*", "--status", "failed"]),
        ["h-bad"]
    );
    assert_eq!(
        ids(&env, &["history", "--name", "h-*", "--status", "success"]),
        ["h-ok", "h-ok"]
    );
    assert_eq!(
        ids(&env, &["history", "--name", "h-*", "--limit", "1"]),
        ["h-ok"]
    );
    assert_eq!(
        ids(&env, &["history", "h-ok", "--name", "hello"]),
        ["h-ok", "h-ok"]
    );
    assert_eq!(
        ids(&env, &["history", "h-ok", "--name", "web-*"]),
        Vec::<String>::new()
    );
    // The table: one row per execution.
    let table = env.tick(&["history", "--name", "h-*"]).ok();
    assert_eq!(table.lines().count(), 1 + 3, "{table}");
    assert_eq!(
        env.tick(&["history", "--name", "nope*"]).ok(),
        "No executions.\n"
    );
}

#[test]
fn bad_filters_are_one_line_usage_errors_and_write_nothing() {
    let env = Env::new();
    // No jobs file yet: refused before one would be looked for.
    for args in [
        &["list", "--name", "web-["][..],
        &["history", "--name", "["],
    ] {
        env.tick(args).usage_error();
    }
    assert!(!env.db().exists());
    env.tick(&[
        "add",
        "--id",
        "a",
        "date",
        "--at",
        "2030-01-01 10:00",
        "--",
        "true",
    ])
    .ok();
    let before = env.snapshot();
    let cases: &[(&[&str], &str)] = &[
        (
            &["list", "--state", "bogus"],
            "error: invalid value 'bogus' for '--state <STATE>' [possible values: active, paused, finished] (see 'tick list --help')",
        ),
        (
            &["list", "--state", "active,"],
            "error: a value is required for '--state <STATE>' but none was supplied [possible values: active, paused, finished] (see 'tick list --help')",
        ),
        (
            &["list", "--name", "web-["],
            "error: invalid --name 'web-[': a '[' is not closed by a ']' (a shell pattern: *, ?, [...], with \\ quoting the next character)",
        ),
        (
            &["list", "--name", "[z-a]"],
            "error: invalid --name '[z-a]': the range 'z-a' is backwards: write 'a-z' (a shell pattern: *, ?, [...], with \\ quoting the next character)",
        ),
        (
            &["list", "--name", "a\\"],
            "error: invalid --name 'a\\': it ends with a lone '\\' (a shell pattern: *, ?, [...], with \\ quoting the next character)",
        ),
        (
            &["history", "--name", "x[", "--json"],
            "error: invalid --name 'x[': a '[' is not closed by a ']' (a shell pattern: *, ?, [...], with \\ quoting the next character)",
        ),
        (
            &["list", "--limit", "-1"],
            "error: unexpected argument '-1' found (see 'tick list --help')",
        ),
        (
            &["list", "--limit", "many"],
            "error: invalid value 'many' for '--limit <N>': invalid digit found in string (see 'tick list --help')",
        ),
    ];
    for (args, want) in cases {
        assert_eq!(env.tick(args).usage_error(), *want, "{args:?}");
    }
    assert!(env
        .tick(&["list", "--name", "[[:alpha:]]*"])
        .usage_error()
        .contains("character classes like [:alpha:] are not supported"));
    assert!(env.snapshot() == before, "nothing written");
}
