//! Files that are not a jobs file: another program's SQLite database, or
//! no database at all, given as `--db` is refused by every command, reading
//! or writing, and left byte for byte as it was (nothing created beside
//! it); an empty file is not written by a read; a jobs file that cannot be
//! looked at (a folder that cannot be entered, a file where a folder
//! should be) is an error naming why, not "No jobs".

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::util::Env;

/// Every command that opens the jobs file, reading or writing, with `--db
/// DB` (commands that would run on, like `run`, are left out), and `copy`
/// from it to `fresh` and into it from the jobs file `source`.
fn commands(db: &str, source: &str, fresh: &str) -> Vec<Vec<String>> {
    let lines: Vec<Vec<&str>> = vec![
        vec!["list"],
        vec!["add", "cron", "@daily", "--", "true"],
        vec![
            "add",
            "--id",
            "x",
            "--replace",
            "cron",
            "@daily",
            "--",
            "true",
        ],
        vec!["status"],
        vec!["history"],
        vec!["show", "x"],
        vec!["pause", "--all"],
        vec!["modify", "x", "--name", "y"],
        vec!["prune", "--older-than", "1d"],
        vec!["export"],
        vec!["runners"],
        vec!["import", "/dev/null"],
    ];
    let mut out: Vec<Vec<String>> = lines
        .into_iter()
        .map(|l| {
            ["--db", db]
                .iter()
                .chain(l.iter())
                .map(|w| w.to_string())
                .collect()
        })
        .collect();
    out.push(vec!["copy".into(), db.into(), fresh.into()]);
    out.push(vec!["copy".into(), source.into(), db.into()]);
    out
}

/// A database of another program: a `users` table, rollback journal.
fn app_db(path: &Path) {
    let conn = rusqlite::Connection::open(path).unwrap();
    let mode: String = conn
        .query_row("PRAGMA journal_mode = DELETE", [], |r| r.get(0))
        .unwrap();
    assert_eq!(mode, "delete");
    conn.execute_batch(
        "CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT);
         INSERT INTO users (name) VALUES ('ada'), ('grace');
         CREATE TABLE sessions (user INTEGER, token TEXT);",
    )
    .unwrap();
    drop(conn);
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
}

/// The files SQLite or tick could have left beside `db`.
fn beside(db: &Path) -> Vec<PathBuf> {
    ["-wal", "-shm", "-journal", ".lock"]
        .iter()
        .map(|s| PathBuf::from(format!("{}{s}", db.display())))
        .filter(|p| p.exists())
        .collect()
}

/// Each command refused with exit 2 and one line containing `says`;
/// `db` byte for byte as it was and nothing beside it.
fn every_command_refuses(env: &Env, db: &Path, says: &str) {
    let before = std::fs::read(db).unwrap();
    env.tick(&["add", "--id", "x", "cron", "@daily", "--", "true"])
        .ok();
    let fresh = env.path().join("fresh.db");
    let db_s = db.to_str().unwrap();
    let source = env.db();
    for line in commands(db_s, source.to_str().unwrap(), fresh.to_str().unwrap()) {
        let words: Vec<&str> = line.iter().map(String::as_str).collect();
        let out = env.tick(&words).output();
        let err = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{line:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{line:?}: {err}");
        assert!(
            err.starts_with(&format!("error: {db_s} is not a tick jobs file ({says})"))
                && err.contains("give --db a new path or a tick jobs file"),
            "{line:?}: {err}"
        );
        assert_eq!(std::fs::read(db).unwrap(), before, "{line:?} changed it");
        assert_eq!(beside(db), Vec::<PathBuf>::new(), "{line:?} left files");
    }
    assert!(!fresh.exists(), "a copy went through");
}

#[test]
fn another_programs_database_is_refused_by_every_command_and_left_as_it_was() {
    let env = Env::new();
    let db = env.path().join("app.db");
    app_db(&db);
    every_command_refuses(&env, &db, "it has tables sessions, users");
    // Still the other program's, as it was.
    let conn = rusqlite::Connection::open(&db).unwrap();
    let n: i64 = conn
        .query_row("SELECT count(*) FROM users", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 2);
}

#[test]
fn a_file_that_is_not_a_database_is_refused_untouched() {
    let env = Env::new();
    let db = env.path().join("notes.txt");
    std::fs::write(&db, "shopping: eggs, flour\nnot a database at all\n").unwrap();
    std::fs::set_permissions(&db, std::fs::Permissions::from_mode(0o600)).unwrap();
    every_command_refuses(&env, &db, "it is not an SQLite database");
}

#[test]
fn an_empty_file_is_not_written_by_a_read_and_becomes_a_jobs_file_on_add() {
    let env = Env::new();
    std::fs::write(env.db(), "").unwrap();
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o600)).unwrap();
    for read in [&["list"][..], &["status"], &["history"]] {
        // Not a jobs file yet: `list` and `history` say there is none.
        env.tick(read).output();
        assert_eq!(std::fs::read(env.db()).unwrap(), b"", "{read:?} wrote");
        assert_eq!(beside(&env.db()), Vec::<PathBuf>::new(), "{read:?}");
    }
    env.tick(&["add", "--id", "a", "cron", "@daily", "--", "true"])
        .ok();
    assert!(env.tick(&["list"]).ok().contains("a "));
}

/// `tick ARGS...` as user `nobody` (util-linux `setpriv`), in a clean
/// environment; `None` where that cannot be done.
fn as_nobody(args: &[&str]) -> Option<Output> {
    Command::new("setpriv").arg("--version").output().ok()?;
    let mut cmd = Command::new("setpriv");
    cmd.args(["--reuid=nobody", "--regid=nogroup", "--clear-groups"])
        .arg(env!("CARGO_BIN_EXE_tick"))
        .args(args)
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("TZ", "UTC")
        .env("HOME", "/nonexistent");
    Some(cmd.output().unwrap())
}

/// Exit 1 and one line: the path tick could not look at, and why.
fn cannot_read(out: &Output, db: &Path, why: &str) {
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert_eq!(String::from_utf8_lossy(&out.stdout), "", "{err}");
    assert_eq!(
        err.trim_end(),
        format!("error: cannot read jobs file {}: {why}", db.display())
    );
}

#[test]
fn a_jobs_file_that_cannot_be_looked_at_is_an_error_not_no_jobs() {
    let env = Env::new();
    // A file where a folder should be.
    let file = env.path().join("file");
    std::fs::write(&file, "").unwrap();
    let db = file.join("jobs.db");
    for read in ["list", "status", "history"] {
        let out = env.tick(&["--db", db.to_str().unwrap(), read]).output();
        cannot_read(&out, &db, "Not a directory (os error 20)");
    }
    // A folder that cannot be entered: mode 000 stops only another user
    // than root.
    let closed = env.path().join("closed");
    std::fs::create_dir(&closed).unwrap();
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o000)).unwrap();
    std::fs::set_permissions(env.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let db = closed.join("jobs.db");
    let db_s = db.to_str().unwrap();
    for read in ["list", "status", "history"] {
        let out = if rustix::process::geteuid().is_root() {
            let Some(out) = as_nobody(&["--db", db_s, read]) else {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "no setpriv, and CI is set"
                );
                crate::util::skipped("running as root without setpriv to be another user");
                return;
            };
            out
        } else {
            env.tick(&["--db", db_s, read]).output()
        };
        cannot_read(&out, &db, "Permission denied (os error 13)");
    }
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
}
