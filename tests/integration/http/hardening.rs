//! What an attacker on the same machine found (issue 32), each refused:
//! a token file another user owns or could swap, reads without the token,
//! malformed framing (a chunk size that overflows, two Content-Lengths),
//! idle and trickling connections that starve `/healthz`, a login that
//! sends elsewhere, `/healthz` telling the jobs file's path to anyone, and
//! wrong tokens tried as fast as they can be sent.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;
use std::process::Command;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::{add_cron, raw, serve, token_file, Client, TOKEN};
use crate::util::Env;

/// A second local user to own files: created with `useradd` when missing.
/// `None` (the test says it was skipped) when that cannot be done here;
/// under `CI` that fails instead.
fn other_user(test: &str) -> Option<u32> {
    const NAME: &str = "tick-test-other";
    let uid = || {
        let out = Command::new("id").args(["-u", NAME]).output().ok()?;
        String::from_utf8_lossy(&out.stdout)
            .trim()
            .parse::<u32>()
            .ok()
    };
    if let Some(uid) = uid() {
        return Some(uid);
    }
    if rustix::process::geteuid().is_root() {
        let _ = Command::new("useradd")
            .args([
                "--system",
                "--no-create-home",
                "--shell",
                "/usr/sbin/nologin",
                NAME,
            ])
            .status();
    }
    let found = uid();
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test} needs a second user (useradd {NAME} as root), and CI is set"
        );
        crate::util::skipped(&format!(
            "{test} needs a second user and cannot make one (not root?)"
        ));
    }
    found
}

/// `tick ARGS` must refuse to start: exit 2 with one `error:` line, which
/// is returned. A tick still running after 10 s has started: killed, and
/// the test fails.
fn refuses_to_start(env: &Env, args: &[&str]) -> String {
    let mut child = env
        .command(args)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let end = Instant::now() + Duration::from_secs(10);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > end {
            let _ = child.kill();
            let _ = child.wait();
            panic!("tick {args:?} started instead of refusing");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    err
}

fn chmod(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

#[test]
fn a_token_file_someone_else_owns_or_could_swap_is_refused() {
    let env = Env::new();
    let tok = token_file(&env);
    if let Some(uid) = other_user("a_token_file_someone_else_owns_or_could_swap_is_refused") {
        // Mode 0600, but theirs: they could write their own token into it.
        std::os::unix::fs::chown(&tok, Some(uid), None).unwrap();
        let err = env.tick(&["serve", "--token-file", &tok]).usage_error();
        assert!(
            err.contains(&format!(
                "refusing token file {tok}: it is owned by uid {uid}"
            )),
            "{err}"
        );
        assert!(err.contains("chown"), "{err}");
        let err = refuses_to_start(
            &env,
            &["run", "--http", "127.0.0.1:0", "--token-file", &tok],
        );
        assert!(err.contains("refusing token file"), "{err}");
        std::os::unix::fs::chown(&tok, Some(rustix::process::geteuid().as_raw()), None).unwrap();
    }
    // A folder others may write to: the file could be swapped for theirs.
    let open = env.path().join("open");
    std::fs::create_dir(&open).unwrap();
    let moved = open.join("token");
    std::fs::rename(&tok, &moved).unwrap();
    chmod(&open, 0o777);
    let moved = moved.to_str().unwrap();
    let err = refuses_to_start(&env, &["serve", "--token-file", moved]);
    assert!(
        err.contains("writable by group or others (mode 0777)") && err.contains("chmod go-w"),
        "{err}"
    );
    // Sticky like /tmp: nobody else can rename what is ours there.
    chmod(&open, 0o1777);
    drop(serve(&env, &["--token-file", moved]));
}

#[test]
fn with_a_token_file_every_read_needs_the_token() {
    let env = Env::new();
    let tok = token_file(&env);
    add_cron(
        &env,
        "backup",
        "0 3 * * *",
        "secret-command --password hunter2",
    );
    let server = serve(&env, &["--token-file", &tok]);
    let anon = Client::new(&server, None);
    for path in [
        "/api/v1/jobs",
        "/api/v1/jobs/backup",
        "/api/v1/executions",
        "/api/v1/runners",
        "/api/v1/openapi.json",
        "/metrics",
    ] {
        let r = anon.get(path);
        assert_eq!(r.status, 401, "{path}: {}", r.body);
        assert!(!r.body.contains("hunter2"), "{path}: {}", r.body);
        assert!(r.error().contains("needs it"), "{path}: {}", r.body);
    }
    for path in ["/", "/jobs/backup"] {
        let r = anon.get(path);
        assert_eq!(r.status, 303, "{path}: {}", r.body);
        assert!(r.header("location").unwrap().starts_with("/login?next="));
    }
    assert_eq!(anon.get("/healthz").status, 200);
    assert_eq!(anon.get("/login").status, 200);
    assert_eq!(anon.get("/static/tick.css").status, 200);
    let good = Client::new(&server, Some(TOKEN));
    let r = good.get("/api/v1/jobs/backup");
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("hunter2"));
    assert_eq!(good.get("/metrics").status, 200);
}

/// Raw framing an honest client never sends: refused with 400, and the
/// server stays up.
#[test]
fn malformed_framing_is_refused_and_the_server_stays_up() {
    let env = Env::new();
    let tok = token_file(&env);
    let server = serve(&env, &["--token-file", &tok]);
    let host = format!("Host: 127.0.0.1:{}\r\n", server.port);
    let post = format!("POST /api/v1/jobs HTTP/1.1\r\n{host}Authorization: Bearer {TOKEN}\r\n");
    let cases = [
        (
            format!("{post}Transfer-Encoding: chunked\r\n\r\nffffffffffffffff\r\nx\r\n0\r\n\r\n"),
            "bad chunk size 'ffffffffffffffff'",
        ),
        (
            format!("{post}Content-Length: 0\r\nContent-Length: 44\r\n\r\nGET /api/v1/jobs HTTP/1.1\r\n{host}\r\n"),
            "2 Content-Length headers",
        ),
        (
            format!("{post}Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
            "both Transfer-Encoding and Content-Length",
        ),
        (
            format!("{post}Content-Length: +5\r\n\r\nhello"),
            "bad Content-Length '+5'",
        ),
    ];
    for (request, why) in cases {
        let reply = raw(server.port, request.as_bytes());
        assert!(reply.starts_with("HTTP/1.1 400 "), "{why}: {reply}");
        assert!(reply.contains(why), "{why}: {reply}");
        // One answer only: the smuggled second request is not served.
        assert_eq!(reply.matches("HTTP/1.1 ").count(), 1, "{reply}");
        let ok = raw(
            server.port,
            format!("GET /healthz HTTP/1.1\r\n{host}Connection: close\r\n\r\n").as_bytes(),
        );
        assert!(ok.starts_with("HTTP/1.1 200 "), "after {why}: {ok}");
    }
    assert!(!server.log().contains("panicked"), "{}", server.log());
}

/// GET /healthz on a new connection: its status and how long it took.
fn probe(port: u16) -> (String, Duration) {
    let started = Instant::now();
    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
        return ("connect failed".into(), started.elapsed());
    };
    let _ = s.set_read_timeout(Some(Duration::from_secs(2)));
    let req =
        format!("GET /healthz HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n");
    let _ = s.write_all(req.as_bytes());
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    let line = String::from_utf8_lossy(&out)
        .lines()
        .next()
        .unwrap_or("")
        .to_string();
    (line, started.elapsed())
}

/// 40 connections that send nothing and 8 that send a request a byte at a
/// time (reconnecting when cut) hold more than every connection slot;
/// `/healthz` must still answer, promptly, every time.
#[test]
fn idle_and_trickling_connections_do_not_starve_healthz() {
    let env = Env::new();
    let server = serve(&env, &[]);
    let port = server.port;
    let idle: Vec<TcpStream> = (0..40)
        .filter_map(|_| TcpStream::connect(("127.0.0.1", port)).ok())
        .collect();
    let stop = Arc::new(AtomicBool::new(false));
    let tricklers: Vec<_> = (0..8)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(Ordering::Relaxed) {
                    let Ok(mut s) = TcpStream::connect(("127.0.0.1", port)) else {
                        continue;
                    };
                    for b in b"GET /api/v1/jobs HTTP/1.1\r\nX-Slow: ".iter().cycle() {
                        if stop.load(Ordering::Relaxed) || s.write_all(&[*b]).is_err() {
                            break;
                        }
                        std::thread::sleep(Duration::from_millis(100));
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(500));
    let probes: Vec<(String, Duration)> = (0..10)
        .map(|_| {
            let p = probe(port);
            std::thread::sleep(Duration::from_millis(100));
            p
        })
        .collect();
    stop.store(true, Ordering::Relaxed);
    for t in tricklers {
        t.join().unwrap();
    }
    drop(idle);
    for (line, took) in &probes {
        assert!(
            line.starts_with("HTTP/1.1 200 ") && *took < Duration::from_secs(1),
            "{probes:?}"
        );
    }
}

/// After a login, only a path on this server: `/<TAB>/evil.example` is
/// `//evil.example` to a browser, which drops the tab.
#[test]
fn login_sends_back_only_to_this_server() {
    let env = Env::new();
    let tok = token_file(&env);
    let server = serve(&env, &["--token-file", &tok]);
    let c = Client::new(&server, None);
    let origin = [("Origin", server.base.as_str())];
    for (next, want) in [
        ("/%09/evil.example", "/"),
        ("//evil.example", "/"),
        ("/%5Cevil.example", "/"),
        ("%2F%2Fevil.example", "/"),
        ("/%0d%0aSet-Cookie:x", "/"),
        ("https://evil.example/", "/"),
        ("/jobs/backup", "/jobs/backup"),
    ] {
        let form = c.get(&format!("/login?next={next}"));
        assert!(
            form.body
                .contains(&format!("name=\"next\" value=\"{want}\"")),
            "{next}: {}",
            form.body
        );
        let r = c.request_with(
            "POST",
            "/login",
            Some(format!("token={TOKEN}&next={next}")),
            &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                origin[0],
            ],
        );
        assert_eq!(r.status, 303, "{next}: {}", r.body);
        assert_eq!(r.header("location"), Some(want), "{next}");
    }
}

/// Without the token, a failing `/healthz` says only that it fails: its
/// reason names the jobs file.
#[test]
fn healthz_tells_why_only_with_the_token() {
    let env = Env::new();
    let tok = token_file(&env);
    add_cron(&env, "backup", "0 3 * * *", "true");
    let server = serve(&env, &["--token-file", &tok]);
    // A jobs file others may write is refused: the store does not answer.
    chmod(&env.db(), 0o666);
    let db = env.db().to_str().unwrap().to_string();
    let anon = Client::new(&server, None).get("/healthz");
    assert_eq!(anon.status, 503, "{}", anon.body);
    assert_eq!(anon.json(), serde_json::json!({"status": "unavailable"}));
    assert!(!anon.body.contains(&db), "{}", anon.body);
    let authed = Client::new(&server, Some(TOKEN)).get("/healthz");
    assert_eq!(authed.status, 503);
    let why = authed.json()["error"].as_str().unwrap().to_string();
    assert!(
        why.contains(&db) && why.contains("the store does not answer"),
        "{why}"
    );
}

/// Wrong tokens as fast as they go: a couple a second are checked, the
/// rest answered 429 unchecked; the right one works again a moment later.
#[test]
fn wrong_tokens_are_throttled() {
    let env = Env::new();
    let tok = token_file(&env);
    let server = serve(&env, &["--token-file", &tok]);
    let wrong = Client::new(&server, Some("s3cret-token-for-tests-000000000X"));
    let started = Instant::now();
    let statuses: Vec<u16> = (0..200).map(|_| wrong.get("/api/v1/jobs").status).collect();
    let took = started.elapsed().as_secs_f64();
    let checked = statuses.iter().filter(|s| **s == 401).count();
    let throttled = statuses.iter().filter(|s| **s == 429).count();
    assert_eq!(checked + throttled, 200, "{statuses:?}");
    assert!(
        (checked as f64) <= 10.0 + 2.0 * took + 1.0,
        "{checked} wrong tokens checked in {took:.1}s"
    );
    // A login is throttled the same way.
    let c = Client::new(&server, None);
    let r = c.request_with(
        "POST",
        "/login",
        Some("token=nope-nope-nope-nope&next=/".into()),
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Origin", server.base.as_str()),
        ],
    );
    assert_eq!(r.status, 429, "{}", r.body);
    std::thread::sleep(Duration::from_millis(1200));
    let started = Instant::now();
    assert_eq!(
        Client::new(&server, Some(TOKEN)).get("/api/v1/jobs").status,
        200
    );
    assert!(started.elapsed() < Duration::from_millis(500));
}
