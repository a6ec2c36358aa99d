//! tick on a real PostgreSQL server (docs/several-machines.md): every command prints what
//! it prints on a file; several real `tick run` processes on one database
//! start every fire once (counted by process starts, not rows) through
//! kill -9, SIGSTOP past the lease, killed connections, a server restart
//! and simultaneous starts; no password is ever printed.
//!
//! Each test gets a database of its own (`tick_test_<random>`, dropped at
//! the end by [`Pg`]'s Drop) on the server of `TICK_TEST_PG` (default
//! `postgres://postgres@127.0.0.1:5432`). Without a server a test says it
//! was skipped; with `CI` set it fails instead.
//!
//! Here: the database guard and the single-command tests; `runners.rs`:
//! several `tick run` processes and their faults.

mod boundary;
mod overlap;
mod runners;

pub(crate) use runners::pg_runner;

use std::sync::{RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::{Duration, Instant};

use crate::util::Env;

/// Tests that restart the server take this for writing; every other test
/// holds it for reading while it uses the server.
static SERVER: RwLock<()> = RwLock::new(());

pub(super) fn server() -> String {
    std::env::var("TICK_TEST_PG")
        .ok()
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "postgres://postgres@127.0.0.1:5432".into())
}

fn admin() -> Result<postgres::Client, postgres::Error> {
    postgres::Client::connect(&format!("{}/postgres", server()), postgres::NoTls)
}

enum Hold {
    Read(#[allow(dead_code)] RwLockReadGuard<'static, ()>),
    Write(#[allow(dead_code)] RwLockWriteGuard<'static, ()>),
}

/// A database of the test's own, dropped at the end.
pub struct Pg {
    name: String,
    pub url: String,
    _hold: Hold,
}

impl Pg {
    /// A fresh database, or `None` (after saying the test was skipped)
    /// when no server answers; under `CI` that fails the test.
    pub fn new() -> Option<Pg> {
        let hold = Hold::Read(SERVER.read().unwrap_or_else(|e| e.into_inner()));
        Pg::with(hold)
    }

    /// Like [`Pg::new`], alone on the server (to restart it).
    pub(super) fn alone() -> Option<Pg> {
        let hold = Hold::Write(SERVER.write().unwrap_or_else(|e| e.into_inner()));
        Pg::with(hold)
    }

    fn with(hold: Hold) -> Option<Pg> {
        let mut admin = match admin() {
            Ok(c) => c,
            Err(e) => {
                assert!(
                    std::env::var_os("CI").is_none(),
                    "no PostgreSQL server at {} ({e}), and CI is set",
                    server()
                );
                crate::util::skipped(&format!("no PostgreSQL server at {} ({e})", server()));
                return None;
            }
        };
        let name = format!("tick_test_{:016x}", fastrand::u64(..));
        admin
            .batch_execute(&format!("CREATE DATABASE {name}"))
            .expect("create the test database");
        Some(Pg {
            url: format!("{}/{name}", server()),
            name,
            _hold: hold,
        })
    }

    /// The number of this database's connections ended.
    pub(super) fn terminate_connections(&self) -> i64 {
        let mut admin = admin().unwrap();
        admin
            .query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity
                 WHERE datname = $1 AND pid <> pg_backend_pid()",
                &[&self.name],
            )
            .unwrap()
            .len() as i64
    }
}

impl Drop for Pg {
    fn drop(&mut self) {
        // The server may be restarting (a failed restart test): try a while.
        let end = Instant::now() + Duration::from_secs(20);
        while Instant::now() < end {
            if let Ok(mut admin) = admin() {
                if admin
                    .batch_execute(&format!(
                        "DROP DATABASE IF EXISTS {} WITH (FORCE)",
                        self.name
                    ))
                    .is_ok()
                {
                    return;
                }
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

/// and (where `mask`) every digit (times, durations).
fn normalise(text: &str, location: &str, mask: bool) -> String {
    let text = text.replace(location, "STORE");
    let text = text
        .lines()
        .map(|l| {
            let times = ["created", "updated"].iter().any(|k| l.contains(k));
            if mask || times {
                // Each number as 0, each run of blanks as one (columns
                // widen with a duration's digits).
                let mut out = String::new();
                for c in l.chars() {
                    let c = if c.is_ascii_digit() { '0' } else { c };
                    let last = out.chars().last();
                    if (c == '0' && last == Some('0')) || (c == ' ' && last == Some(' ')) {
                        continue;
                    }
                    out.push(c);
                }
                out
            } else {
                l.to_string()
            }
        })
        .collect::<Vec<_>>()
        .join("\n");
    text
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn every_command_prints_the_same_on_postgres_as_on_a_file() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let file = env.db().display().to_string();
    // (arguments, mask digits): ids fixed with --id, times in the future.
    // Before anything is added, each says there is nothing there, in its
    // own words.
    for args in [&["list"][..], &["history"], &["runners"], &["show", "nope"]] {
        for (db, says) in [
            (file.as_str(), "no jobs file at"),
            (pg.url.as_str(), "its tick schema is not created"),
        ] {
            let mut full = vec!["--db", db];
            full.extend_from_slice(args);
            let line = env.tick(&full).usage_error();
            assert!(line.contains(says), "{args:?}: {line}");
        }
    }
    let table: &[(&[&str], bool)] = &[
        (
            &[
                "add",
                "--id",
                "backup",
                "cron",
                "0 3 * * *",
                "--tz",
                "Europe/Berlin",
                "--",
                "backup.sh",
            ],
            false,
        ),
        (
            &[
                "add",
                "--id",
                "once",
                "--name",
                "new year",
                "date",
                "--at",
                "2030-01-01 10:00",
                "--",
                "echo hi; echo err >&2",
            ],
            false,
        ),
        (
            &[
                "add",
                "--id",
                "every",
                "--paused",
                "--max-instances",
                "3",
                "interval",
                "--every",
                "90s",
                "--start",
                "2030-01-01 00:00",
                "--",
                "true",
            ],
            false,
        ),
        (
            &["add", "--id", "backup", "cron", "0 4 * * *", "--", "x"],
            false,
        ),
        (&["add", "cron", "61 * * * *", "--", "x"], false),
        (
            &[
                "add",
                "--id",
                "bad",
                "--tz",
                "Mars/Olympus",
                "cron",
                "0 4 * * *",
                "--",
                "x",
            ],
            false,
        ),
        (&["list"], false),
        (&["list", "--all", "--json"], false),
        (&["show", "backup"], false),
        (&["show", "once", "--json"], false),
        (&["pause", "backup", "nope"], false),
        (&["list"], false),
        (&["pause", "backup"], false),
        (&["resume", "--all"], false),
        (&["pause", "--all"], false),
        (&["show", "once"], false),
        (&["resume", "--all"], false),
        (&["resume", "backup"], false),
        (&["modify", "every", "--", "echo", "a b"], false),
        (&["show", "every", "--json"], false),
        (
            &[
                "modify",
                "backup",
                "--name",
                "nightly",
                "--timeout",
                "1h",
                "--env",
                "A=b",
            ],
            false,
        ),
        (&["modify", "nope", "--name", "x"], false),
        (
            &["add", "--name", "nightly", "cron", "@daily", "--", "x"],
            false,
        ),
        (&["modify", "once", "--name", "nightly"], false),
        (
            &["reschedule", "once", "date", "--at", "2031-01-01 10:00"],
            false,
        ),
        (&["remove", "every", "nope"], false),
        (&["list", "--all"], false),
        (&["remove", "every"], false),
        (&["fire", "once"], false),
        (&["fire", "nope"], false),
        (&["history"], true),
        (&["history", "once", "--json"], true),
        (&["history", "--status", "failed"], false),
        (&["logs", "once"], true),
        (&["logs", "once", "--execution", "99"], false),
        (&["logs", "once", "--raw", "--stderr"], false),
        (&["history", "every"], false),
        // Retention: the newest 2 of 3 runs are kept.
        (
            &[
                "add",
                "--id",
                "kept",
                "--keep-history",
                "2",
                "date",
                "--at",
                "2030-01-01 10:00",
                "--",
                "true",
            ],
            false,
        ),
        (&["fire", "kept"], false),
        (&["fire", "kept"], false),
        (&["fire", "kept"], false),
        (&["history", "kept", "--json"], true),
        // Execution 1 is once's: said so on both.
        (&["logs", "kept", "--execution", "1"], false),
        (&["export"], false),
        (&["prune", "--older-than", "30d"], false),
        (&["list", "--all", "--json"], true),
    ];
    let mut differences = Vec::new();
    for (args, mask) in table {
        let mut outs = Vec::new();
        for db in [file.as_str(), pg.url.as_str()] {
            let mut full = vec!["--db", db];
            full.extend_from_slice(args);
            let out = env.tick(&full).output();
            outs.push((
                out.status.code(),
                normalise(&String::from_utf8_lossy(&out.stdout), db, *mask),
                normalise(&String::from_utf8_lossy(&out.stderr), db, *mask),
            ));
        }
        if outs[0] != outs[1] {
            differences.push(format!(
                "tick {}\n  file:     {:?}\n  postgres: {:?}",
                args.join(" "),
                outs[0],
                outs[1]
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    // The table did something: the failed pause and remove changed nothing.
    let list = env.tick(&["--db", &pg.url, "list", "--all"]).ok();
    assert!(
        list.contains("nightly") && !list.contains("every"),
        "{list}"
    );
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn simultaneous_adds_of_one_name_give_it_once_on_postgres() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    env.tick(&["--db", &pg.url, "add", "cron", "@daily", "--", "true"])
        .ok();
    crate::defaults::one_add_of_a_name_wins(&env, &pg.url);
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn filters_answer_the_same_on_postgres_as_on_a_file() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let file = env.db().display().to_string();
    let finish = |db: &str| {
        let sql = "UPDATE tick.jobs SET state = 'finished', next_run_at = NULL WHERE id = 'batch'";
        if db == file {
            rusqlite::Connection::open(env.db())
                .unwrap()
                .execute(&sql.replace("tick.", ""), [])
                .unwrap();
        } else {
            let mut c = postgres::Client::connect(db, postgres::NoTls).unwrap();
            assert_eq!(c.execute(sql, &[]).unwrap(), 1);
        }
    };
    for db in [file.as_str(), pg.url.as_str()] {
        crate::filters::add_jobs(&env, db, &|_| finish(db));
        crate::filters::add_history(&env, db);
    }
    let mut differences = Vec::new();
    let mut rows = 0;
    for args in crate::filters::CASES {
        let mut outs = Vec::new();
        for db in [file.as_str(), pg.url.as_str()] {
            let mut full = vec!["--db", db];
            full.extend_from_slice(args);
            let out = env.tick(&full).output();
            // The executions ran seconds apart on the two stores: times
            // masked, "now" as "0s ago".
            let stdout =
                String::from_utf8_lossy(&out.stdout).replace("success now", "success 0s ago");
            outs.push((
                out.status.code(),
                normalise(&stdout, db, true),
                normalise(&String::from_utf8_lossy(&out.stderr), db, true),
                // The ids shown, in order, unmasked.
                stdout
                    .lines()
                    .filter_map(|l| {
                        let t = l.trim_start();
                        if t.starts_with("\"id\":") || t.starts_with("\"job_id\":") {
                            Some(t.to_string())
                        } else if l.starts_with(|c: char| c.is_alphanumeric()) {
                            l.split(' ').next().map(str::to_string)
                        } else {
                            None
                        }
                    })
                    .collect::<Vec<_>>(),
            ));
        }
        rows += outs[0].3.len();
        if outs[0] != outs[1] {
            differences.push(format!(
                "tick {}\n  file:     {:?}\n  postgres: {:?}",
                args.join(" "),
                outs[0],
                outs[1]
            ));
        }
    }
    assert!(differences.is_empty(), "{}", differences.join("\n"));
    // The cases listed something.
    assert!(rows > 40, "{rows} ids in all");
}

/// `tick status` on PostgreSQL calls the store a store, not a jobs file
/// (issue 26, point 14).
#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn status_calls_a_postgresql_url_a_store() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    env.tick(&["--db", &pg.url, "add", "cron", "@daily", "--", "true"])
        .ok();
    let text = env.tick(&["--db", &pg.url, "status"]).ok();
    assert!(!text.contains("jobs file"), "{text}");
    let first = text.lines().next().unwrap();
    assert!(
        first.starts_with("store:") && first.ends_with(" (PostgreSQL)"),
        "{text}"
    );
    let s: serde_json::Value =
        serde_json::from_str(&env.tick(&["--db", &pg.url, "status", "--json"]).ok()).unwrap();
    assert_eq!(s["store_kind"], "postgresql");
    assert!(s["store"].as_str().unwrap().starts_with("postgres"), "{s}");
}

#[test]
fn bad_urls_are_one_line_errors_and_no_password_is_ever_printed() {
    let env = Env::new();
    let bad = [
        (
            "postgres://u:hunter2pw@h/db?sslmode=allow",
            "unknown sslmode 'allow' (valid: disable, prefer, require, verify-full)",
        ),
        (
            "postgresql://u:hunter2pw@h:70000/db",
            "port '70000' is not a number from 1 to 65535",
        ),
        (
            "postgres://u:hunter2pw@h/db?sslcert=x",
            "unknown parameter 'sslcert'",
        ),
        (
            "postgres://h/db?schema=No-Way&password=hunter2pw",
            "schema 'No-Way' is not a plain name",
        ),
    ];
    for (url, says) in bad {
        let line = env.tick(&["--db", url, "list"]).usage_error();
        assert!(line.contains(says), "{line}");
        assert!(!line.contains("hunter2pw"), "{line}");
    }
    // Nothing answers on port 1: exit 1, one line, the URL without its password.
    let out = env
        .tick(&[
            "--db",
            "postgres://ann:hunter2pw@127.0.0.1:1/x?connect_timeout=2",
            "list",
        ])
        .output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    assert!(
        stderr.starts_with(
            "error: cannot connect to postgres://ann@127.0.0.1:1/x?connect_timeout=2: "
        ),
        "{stderr}"
    );
    assert!(!stderr.contains("hunter2pw"));

    let Some(pg) = Pg::new() else { return };
    // The server trusts everyone: the password is sent and never shown.
    let url = pg.url.replacen("://postgres@", "://postgres:hunter2pw@", 1);
    let copy = env.path().join("x.db").display().to_string();
    let mut seen = String::new();
    for args in [
        &[
            "add",
            "--id",
            "a",
            "interval",
            "--every",
            "1s",
            "--",
            "echo $TICK_JOB_ID",
        ][..],
        &["list"],
        &["show", "a"],
        &["show", "nope"],
        &["runners"],
        &["copy", &url, &copy],
    ] {
        let mut full = vec!["--db", url.as_str()];
        full.extend_from_slice(args);
        let out = env.tick(&full).output();
        seen += &String::from_utf8_lossy(&out.stdout);
        seen += &String::from_utf8_lossy(&out.stderr);
    }
    let r = env.runner("r", &["--db", &url, "--no-echo"]);
    r.wait_log("job a started", 20);
    seen += &r.stop();
    assert!(seen.contains("postgres://postgres@"), "{seen}");
    assert!(!seen.contains("hunter2pw"), "{seen}");
    // PGPASSWORD is used the same way.
    let out = env
        .tick(&["--db", &pg.url, "list"])
        .env("PGPASSWORD", "hunter2pw")
        .ok();
    assert!(out.contains("every 1s"), "{out}");
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn copy_moves_jobs_and_history_between_a_file_and_postgres_all_or_nothing() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let file = env.db().display().to_string();
    env.tick(&["add", "--id", "a", "cron", "0 3 * * *", "--", "echo a"])
        .ok();
    env.tick(&[
        "add", "--id", "b", "--paused", "interval", "--every", "1h", "--", "echo b",
    ])
    .ok();
    env.tick(&["fire", "a"]).ok();
    // A failed run and its retry: the copy's retry names the copy's first
    // attempt (execution ids differ between stores).
    env.tick(&[
        "add",
        "--id",
        "f",
        "--retries",
        "1",
        "--retry-delay",
        "1s",
        "cron",
        "0 3 * * *",
        "--",
        "false",
    ])
    .ok();
    let fired = env.tick(&["fire", "f", "--retries", "1"]).output();
    assert_eq!(fired.status.code(), Some(1));
    let out = env.tick(&["copy", &file, &pg.url, "--history"]).ok();
    assert_eq!(
        out,
        format!(
            "copied 3 job(s) and 3 execution(s) from {file} to {}\n",
            pg.url
        )
    );
    for args in [
        &["list", "--all", "--json"][..],
        &["history", "--json"],
        &["logs", "a"],
    ] {
        let mut on_pg = vec!["--db", pg.url.as_str()];
        on_pg.extend_from_slice(args);
        assert_eq!(env.tick(args).ok(), env.tick(&on_pg).ok(), "{args:?}");
    }
    // Into a store that has one of the ids: refused, nothing written.
    let other = env.path().join("other.db").display().to_string();
    env.tick(&[
        "--db", &other, "add", "--id", "b", "date", "--in", "1h", "--", "x",
    ])
    .ok();
    env.tick(&[
        "--db", &other, "add", "--id", "c", "date", "--in", "1h", "--", "x",
    ])
    .ok();
    let before = env.tick(&["--db", &pg.url, "list", "--all", "--json"]).ok();
    let line = env.tick(&["copy", &other, &pg.url]).usage_error();
    assert_eq!(
        line,
        format!(
            "error: job id 'b' exists in {} (use --replace to overwrite it); nothing was copied",
            pg.url
        )
    );
    assert_eq!(
        env.tick(&["--db", &pg.url, "list", "--all", "--json"]).ok(),
        before
    );
    env.tick(&["copy", &other, &pg.url, "--replace"]).ok();
    let list = env.tick(&["--db", &pg.url, "list", "--all"]).ok();
    assert_eq!(list.lines().count(), 5, "{list}");
    // And back from PostgreSQL into a new file.
    let back = env.path().join("back.db").display().to_string();
    env.tick(&["copy", &pg.url, &back, "--history"]).ok();
    assert_eq!(
        env.tick(&["--db", &back, "history", "--json"]).ok(),
        env.tick(&["history", "--json"]).ok()
    );
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn schemas_keep_stores_apart_and_a_newer_schema_is_refused() {
    let Some(pg) = Pg::new() else { return };
    let env = Env::new();
    let team = format!("{}?schema=team_b", pg.url);
    env.tick(&[
        "--db", &pg.url, "add", "--id", "a", "date", "--in", "1h", "--", "x",
    ])
    .ok();
    env.tick(&[
        "--db", &team, "add", "--id", "b", "date", "--in", "1h", "--", "y",
    ])
    .ok();
    let ids = |url: &str| -> Vec<String> {
        env.tick(&["--db", url, "list", "--all"])
            .ok()
            .lines()
            .skip(1)
            .map(|l| l.split(' ').next().unwrap().to_string())
            .collect()
    };
    assert_eq!(ids(&pg.url), ["a"]);
    assert_eq!(ids(&team), ["b"]);
    // A store written by a newer tick: refused, one line, nothing changed.
    let mut c = postgres::Client::connect(&pg.url, postgres::NoTls).unwrap();
    c.batch_execute("UPDATE team_b.schema_version SET version = 99")
        .unwrap();
    let out = env.tick(&["--db", &team, "pause", "b"]).output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr.trim_end(),
        format!("error: cannot prepare {team}: schema team_b was written by a newer tick (schema version 99; this tick knows up to 5): upgrade tick")
    );
    let state: String = c
        .query_one("SELECT state FROM team_b.jobs WHERE id = 'b'", &[])
        .unwrap()
        .get(0);
    assert_eq!(state, "active");
}

#[test]
#[cfg_attr(
    tick_no_postgres,
    ignore = "no PostgreSQL server answered at TICK_TEST_PG (default 127.0.0.1:5432) when built"
)]
fn sslmode_require_encrypts_and_verify_full_checks_the_certificate() {
    let Some(pg) = Pg::new() else { return };
    let ssl: String = admin().unwrap().query_one("SHOW ssl", &[]).unwrap().get(0);
    if ssl != "on" {
        crate::util::skipped("the test server has no TLS");
        return;
    }
    let env = Env::new();
    let with = |mode: &str| format!("{}?sslmode={mode}", pg.url);
    env.tick(&[
        "--db",
        &with("require"),
        "add",
        "--id",
        "a",
        "date",
        "--in",
        "1h",
        "--",
        "x",
    ])
    .ok();
    // The sessions are encrypted: the server says so of a runner's.
    let app = format!("{}&application_name=tls_{}", with("require"), pg.name);
    let r = env.runner("r", &["--db", &app, "--no-echo"]);
    r.wait_log("scheduler started", 20);
    let encrypted: Vec<bool> = admin()
        .unwrap()
        .query(
            "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a USING (pid)
             WHERE a.application_name = $1",
            &[&format!("tls_{}", pg.name)],
        )
        .unwrap()
        .iter()
        .map(|row| row.get(0))
        .collect();
    r.stop();
    assert!(
        !encrypted.is_empty() && encrypted.iter().all(|e| *e),
        "{encrypted:?}"
    );
    // A server certificate that does not name 127.0.0.1 (Debian's snakeoil
    // one) is refused by verify-full, as by libpq.
    let out = env.tick(&["--db", &with("verify-full"), "list"]).output();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains("certificate verify failed"), "{stderr}");
}
