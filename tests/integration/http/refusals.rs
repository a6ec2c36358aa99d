//! What the server refuses: bad input (with the command line's own
//! message), writes without the right token, origin or mode, listening
//! beyond loopback without a private token, foreign Host headers, and
//! what exceeds the limits. Nothing refused writes anything.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use super::{add_cron, raw, serve, start, token_file, Client, TOKEN};
use crate::util::Env;

#[test]
fn bad_input_is_refused_as_the_cli_refuses_it_and_writes_nothing() {
    let env = Env::new();
    let tok = token_file(&env);
    add_cron(&env, "backup", "0 3 * * *", "true");
    let server = serve(&env, &["--token-file", &tok]);
    let c = Client::new(&server, Some(TOKEN));
    let before = env.snapshot();
    // (body, the CLI's words for the same input, or the API's own message)
    let cases: Vec<(Value, Result<Vec<&str>, &str>)> = vec![
        (
            json!({"trigger": "cron '61 * * * *'", "command": "x"}),
            Ok(vec!["add", "cron", "61 * * * *", "--", "x"]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *' --tz Mars/Base", "command": "x"}),
            Ok(vec![
                "add",
                "cron",
                "0 3 * * *",
                "--tz",
                "Mars/Base",
                "--",
                "x",
            ]),
        ),
        (
            json!({"trigger": "interval --every 0s", "command": "x"}),
            Ok(vec!["add", "interval", "--every", "0s", "--", "x"]),
        ),
        (
            json!({"trigger": "date --at '2001-01-01 00:00'", "command": "x"}),
            Ok(vec!["add", "date", "--at", "2001-01-01 00:00", "--", "x"]),
        ),
        (
            json!({"trigger": "any 'cron 0 9 * * *'", "command": "x"}),
            Ok(vec!["add", "any", "cron 0 9 * * *", "--", "x"]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "timeout_seconds": 0}),
            Ok(vec![
                "add",
                "cron",
                "0 3 * * *",
                "--timeout",
                "0s",
                "--",
                "x",
            ]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "max_instances": 0}),
            Ok(vec![
                "add",
                "cron",
                "0 3 * * *",
                "--max-instances",
                "0",
                "--",
                "x",
            ]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "env": {"1BAD": "v"}}),
            Ok(vec![
                "add",
                "cron",
                "0 3 * * *",
                "--env",
                "1BAD=v",
                "--",
                "x",
            ]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "id": "-bad"}),
            Ok(vec!["add", "cron", "0 3 * * *", "--id=-bad", "--", "x"]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "id": "backup"}),
            Ok(vec![
                "add",
                "cron",
                "0 3 * * *",
                "--id",
                "backup",
                "--",
                "x",
            ]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "name": "a\nb"}),
            Ok(vec![
                "add",
                "cron",
                "0 3 * * *",
                "--name",
                "a\nb",
                "--",
                "x",
            ]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "cwd": "/nonexistent/dir"}),
            Ok(vec![
                "add",
                "cron",
                "0 3 * * *",
                "--cwd",
                "/nonexistent/dir",
                "--",
                "x",
            ]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "  "}),
            Ok(vec!["add", "cron", "0 3 * * *", "--", "  "]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "retries": 101}),
            Ok(vec![
                "add",
                "cron",
                "0 3 * * *",
                "--retries",
                "101",
                "--",
                "x",
            ]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "first_run_at": "2001-01-01 00:00"}),
            Ok(vec![
                "add",
                "cron",
                "0 3 * * *",
                "--first-run",
                "2001-01-01 00:00",
                "--",
                "x",
            ]),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'"}),
            Err("missing field 'command'"),
        ),
        (json!({"command": "x"}), Err("missing field 'trigger'")),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "colour": "red"}),
            Err("unknown field 'colour' (valid: trigger, command, id"),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "max_instances": "two"}),
            Err("invalid max_instances \"two\": expected a whole number"),
        ),
        (
            json!({"trigger": "cron '0 3 * * *'", "command": "x", "replace": true}),
            Err("'replace' needs an 'id'"),
        ),
        (
            json!({"trigger": 5, "command": "x"}),
            Err("invalid trigger 5: expected a string"),
        ),
        (
            json!({"trigger": "cron '0 3 * * *' --id x", "command": "x"}),
            Err("unexpected argument '--id' found"),
        ),
        (
            json!(["not", "an", "object"]),
            Err("the body must be a JSON object"),
        ),
    ];
    for (body, expect) in &cases {
        let r = c.post("/api/v1/jobs", body);
        assert_eq!(r.status, 400, "{body}: {}", r.body);
        let msg = r.error();
        match expect {
            Ok(words) => {
                let cli = env.tick(words).usage_error();
                let cli = cli.strip_prefix("error: ").unwrap();
                assert!(msg.contains(cli), "{body}\n  API: {msg}\n  CLI: {cli}");
            }
            Err(text) => assert!(msg.contains(text), "{body}: {msg}"),
        }
        assert_eq!(env.snapshot(), before, "{body} wrote something");
    }
    let r = c.request_with("POST", "/api/v1/jobs", Some("{nope".into()), &[]);
    assert_eq!(r.status, 400);
    assert!(
        r.error().starts_with("the body is not valid JSON"),
        "{}",
        r.body
    );
    // Modify, reschedule: the same.
    for (method, path, body, says) in [
        (
            "PATCH",
            "/api/v1/jobs/backup",
            json!({}),
            "nothing to change",
        ),
        (
            "PATCH",
            "/api/v1/jobs/backup",
            json!({"timeout_seconds": "soon"}),
            "--timeout",
        ),
        (
            "PATCH",
            "/api/v1/jobs/backup",
            json!({"trigger": "cron '* * * * *'"}),
            "/reschedule",
        ),
        (
            "PATCH",
            "/api/v1/jobs/nope",
            json!({"name": "x"}),
            "unknown job 'nope'",
        ),
        (
            "POST",
            "/api/v1/jobs/backup/reschedule",
            json!({"trigger": "cron '0 3 * *'"}),
            "5 fields",
        ),
        (
            "POST",
            "/api/v1/jobs/backup/reschedule",
            json!({"when": "now"}),
            "unknown field 'when'",
        ),
        (
            "POST",
            "/api/v1/jobs/nope/pause",
            json!({}),
            "unknown job 'nope'",
        ),
    ] {
        let r = c.request(method, path, Some(&body));
        assert!(
            r.status == 400 || r.status == 404,
            "{method} {path} {body}: {}",
            r.body
        );
        assert!(
            r.error().contains(says),
            "{method} {path} {body}: {}",
            r.body
        );
        assert_eq!(
            env.snapshot(),
            before,
            "{method} {path} {body} wrote something"
        );
    }
    assert_eq!(
        c.request("POST", "/api/v1/jobs/nope/pause", None).status,
        404
    );
}

/// Every way to be refused a write, and that nothing is written.
#[test]
fn writes_without_the_right_token_origin_or_mode_are_refused() {
    let env = Env::new();
    let tok = token_file(&env);
    add_cron(&env, "backup", "0 3 * * *", "true");
    let before = env.snapshot();
    let pause = |c: &Client, headers: &[(&str, &str)]| {
        c.request_with("POST", "/api/v1/jobs/backup/pause", None, headers)
    };

    let server = serve(&env, &["--token-file", &tok]);
    let r = pause(&Client::new(&server, None), &[]);
    assert_eq!(
        (r.status, r.header("www-authenticate")),
        (401, Some("Bearer")),
        "{}",
        r.body
    );
    assert!(r.error().contains("every request but /healthz needs it"));
    let r = pause(
        &Client::new(&server, Some("s3cret-token-for-tests-012345678X")),
        &[],
    );
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(r.error(), "wrong token or expired login");
    let r = pause(&Client::new(&server, Some("short")), &[]);
    assert_eq!(r.status, 401);
    let r = pause(
        &Client::new(&server, None),
        &[("Authorization", "Basic dXNlcjpwYXNz")],
    );
    assert_eq!(r.status, 401);
    let good = Client::new(&server, Some(TOKEN));
    let r = pause(&good, &[("Origin", "http://evil.example")]);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.error()
            .contains("origin 'http://evil.example' is refused"),
        "{}",
        r.body
    );
    let r = pause(&good, &[("Sec-Fetch-Site", "cross-site")]);
    assert_eq!(r.status, 403, "{}", r.body);
    // A forged session cookie is no login.
    let r = pause(
        &Client::new(&server, None),
        &[
            ("Cookie", "tick_session=0123456789abcdef"),
            ("Origin", &server.base),
        ],
    );
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(env.snapshot(), before);
    assert!(!server.log().contains(TOKEN), "the token is never printed");
    // With a token file, reads need it too (see hardening.rs).
    assert_eq!(Client::new(&server, None).get("/api/v1/jobs").status, 401);
    drop(server);

    let server = serve(&env, &["--token-file", &tok, "--read-only"]);
    let r = pause(&Client::new(&server, Some(TOKEN)), &[]);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.error().contains("read-only"), "{}", r.body);
    let r = Client::new(&server, Some(TOKEN)).post(
        "/api/v1/jobs",
        &json!({"trigger": "cron '* * * * *'", "command": "x"}),
    );
    assert_eq!(r.status, 403);
    assert!(server.log().contains("(read-only)"), "{}", server.log());
    drop(server);

    let server = serve(&env, &[]);
    let r = pause(&Client::new(&server, Some(TOKEN)), &[]);
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(r.error().contains("no token (--token-file)"), "{}", r.body);
    // Without a token file, reads stay open on loopback.
    assert_eq!(Client::new(&server, None).get("/api/v1/jobs").status, 200);
    assert_eq!(env.snapshot(), before);
}

#[test]
fn listening_beyond_loopback_needs_a_private_token_and_then_reads_need_it_too() {
    let env = Env::new();
    let err = env.tick(&["serve", "--listen", "0.0.0.0:0"]).usage_error();
    assert!(
        err.contains("refusing to listen on '0.0.0.0:0' without --token-file"),
        "{err}"
    );
    let tok = token_file(&env);
    std::fs::set_permissions(&tok, std::fs::Permissions::from_mode(0o640)).unwrap();
    let err = env.tick(&["serve", "--token-file", &tok]).usage_error();
    assert!(
        err.contains("open to group or others (mode 0640)") && err.contains("chmod 600"),
        "{err}"
    );
    assert!(!err.contains(TOKEN));
    std::fs::set_permissions(&tok, std::fs::Permissions::from_mode(0o604)).unwrap();
    env.tick(&["serve", "--token-file", &tok]).usage_error();
    let short = env.path().join("short");
    std::fs::write(&short, "abc\n").unwrap();
    std::fs::set_permissions(&short, std::fs::Permissions::from_mode(0o600)).unwrap();
    let err = env
        .tick(&["serve", "--token-file", short.to_str().unwrap()])
        .usage_error();
    assert!(err.contains("at least 16 characters"), "{err}");
    let err = env.tick(&["serve", "--listen", "nowhere"]).usage_error();
    assert!(err.contains("invalid listen address 'nowhere'"), "{err}");
    let err = env.tick(&["run", "--token-file", &tok]).usage_error();
    assert!(err.contains("--http"), "{err}");

    std::fs::set_permissions(&tok, std::fs::Permissions::from_mode(0o600)).unwrap();
    add_cron(&env, "backup", "0 3 * * *", "true");
    let server = start(
        &env,
        "wide",
        &["serve", "--listen", "0.0.0.0:0", "--token-file", &tok],
    );
    assert!(
        server.log().contains("serving http://0.0.0.0:"),
        "{}",
        server.log()
    );
    let anon = Client::new(&server, None);
    let r = anon.get("/api/v1/jobs");
    assert_eq!(r.status, 401, "{}", r.body);
    assert_eq!(anon.get("/metrics").status, 401);
    assert_eq!(anon.get("/healthz").status, 200);
    let r = anon.get("/jobs/backup");
    assert_eq!(r.status, 303);
    assert_eq!(r.header("location"), Some("/login?next=%2Fjobs%2Fbackup"));
    assert_eq!(
        Client::new(&server, Some(TOKEN)).get("/api/v1/jobs").status,
        200
    );
}

/// On a loopback address, a Host that is not loopback (DNS rebinding) is
/// refused before anything is read.
#[test]
fn a_foreign_host_header_is_refused_on_loopback() {
    let env = Env::new();
    let server = serve(&env, &[]);
    let reply = raw(
        server.port,
        b"GET /api/v1/jobs HTTP/1.1\r\nHost: attacker.example\r\nConnection: close\r\n\r\n",
    );
    assert!(reply.starts_with("HTTP/1.1 421 "), "{reply}");
    assert!(reply.contains("not Host 'attacker.example'"), "{reply}");
    let ok = format!(
        "GET /healthz HTTP/1.1\r\nHost: localhost:{}\r\nConnection: close\r\n\r\n",
        server.port
    );
    assert!(raw(server.port, ok.as_bytes()).starts_with("HTTP/1.1 200 "));
}

/// Headers, bodies, slow clients and connections are bounded.
#[test]
fn limits_on_headers_bodies_time_and_connections() {
    let env = Env::new();
    let tok = token_file(&env);
    let server = serve(&env, &["--token-file", &tok]);
    let host = format!("Host: 127.0.0.1:{}\r\n", server.port);

    let big = format!(
        "GET /api/v1/jobs HTTP/1.1\r\n{host}X-Big: {}\r\n\r\n",
        "a".repeat(20_000)
    );
    let reply = raw(server.port, big.as_bytes());
    assert!(
        reply.starts_with("HTTP/1.1 431 "),
        "{}",
        &reply[..reply.len().min(200)]
    );

    // A body over the limit, sent whole as a client would: the 413 arrives
    // (the refused bytes are read away, not answered with a reset).
    let mut big = format!("POST /api/v1/jobs HTTP/1.1\r\n{host}Authorization: Bearer {TOKEN}\r\nContent-Length: 1200000\r\n\r\n").into_bytes();
    big.extend(std::iter::repeat_n(b'x', 1_200_000));
    let reply = raw(server.port, &big);
    assert!(
        reply.starts_with("HTTP/1.1 413 "),
        "{}",
        &reply[..reply.len().min(300)]
    );
    assert!(reply.contains("at most 1048576"), "{reply}");

    let chunked = format!("POST /api/v1/jobs HTTP/1.1\r\n{host}Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n");
    let reply = raw(server.port, chunked.as_bytes());
    assert!(
        reply.starts_with("HTTP/1.1 401 "),
        "chunked bodies are read: {reply}"
    );
    let gzip = format!("POST /api/v1/jobs HTTP/1.1\r\n{host}Transfer-Encoding: gzip\r\n\r\n");
    assert!(raw(server.port, gzip.as_bytes()).starts_with("HTTP/1.1 501 "));
    assert!(raw(server.port, b"NOT HTTP\r\n\r\n").starts_with("HTTP/1.1 400 "));

    // A slow client: half a request line, then nothing. Cut off after the
    // request time (10 s), with 408.
    let started = Instant::now();
    let mut slow = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    slow.write_all(b"GET /api/v1/jo").unwrap();
    slow.set_read_timeout(Some(Duration::from_secs(20)))
        .unwrap();
    let mut reply = String::new();
    let _ = slow.read_to_string(&mut reply);
    let took = started.elapsed();
    assert!(reply.starts_with("HTTP/1.1 408 "), "{reply}");
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(16),
        "{took:?}"
    );

    // At most 32 connections: 40 that wait for (the rest of) a request
    // take them all, and each newcomer closes the one waiting longest.
    let mut held = Vec::new();
    for _ in 0..40 {
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        s.write_all(b"G").unwrap();
        s.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
        held.push(s);
    }
    let reply = raw(
        server.port,
        format!("GET /healthz HTTP/1.1\r\n{host}Connection: close\r\n\r\n").as_bytes(),
    );
    assert!(reply.starts_with("HTTP/1.1 200 "), "{reply}");
    // The first ones were closed (without a word), the last ones are open.
    let mut first = Vec::new();
    assert_eq!(held[0].read_to_end(&mut first).unwrap_or(1), 0);
    held[39].set_nonblocking(true).unwrap();
    let open = held[39].read(&mut [0u8; 16]);
    assert!(
        matches!(&open, Err(e) if e.kind() == std::io::ErrorKind::WouldBlock),
        "{open:?}"
    );
}

/// What the kernel cannot pass to a job's command (a NUL, a string over
/// MAX_ARG_STRLEN, an environment name with `=`) and ids that read as
/// folders are refused by add and modify with 400, and nothing is written.
#[test]
fn what_no_program_can_be_given_is_refused_and_writes_nothing() {
    let env = Env::new();
    let tok = token_file(&env);
    add_cron(&env, "backup", "0 3 * * *", "true");
    let server = serve(&env, &["--token-file", &tok]);
    let c = Client::new(&server, Some(TOKEN));
    let before = env.snapshot();
    let long = "a".repeat(128 * 1024);
    let over = "invalid command: it is 131072 bytes, over the 131071 bytes (128 KiB with its NUL) that Linux passes as one argument or environment variable (MAX_ARG_STRLEN)";
    let add = |extra: Value| {
        let mut body = json!({"trigger": "cron '0 3 * * *'", "command": "true"});
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    let cases: Vec<(&str, &str, Value, &str)> = vec![
        ("POST", "/api/v1/jobs", add(json!({"env": {"A": "x\u{0}y"}})),
            "invalid --env A: it contains a NUL byte, which no program can be given"),
        ("POST", "/api/v1/jobs", add(json!({"env": ["A=x\u{0}y"]})),
            "invalid --env A: it contains a NUL byte"),
        ("POST", "/api/v1/jobs", add(json!({"env": {"A": long}})),
            "invalid --env A: it is 131074 bytes, over the 131071 bytes"),
        ("POST", "/api/v1/jobs", add(json!({"env": {"A=B": "x"}})),
            "invalid --env 'A=B=x': the name 'A=B' must be letters, digits and _"),
        ("POST", "/api/v1/jobs", add(json!({"env": {"": "x"}})),
            "invalid --env '=x': the name '' must be letters, digits and _"),
        ("POST", "/api/v1/jobs", add(json!({"env": {"A\u{0}": "x"}})),
            "invalid --env 'A\\x00=x': the name 'A\\x00' must be letters"),
        ("POST", "/api/v1/jobs", add(json!({"command": long})), over),
        ("POST", "/api/v1/jobs", add(json!({"command": ["echo", &long[5..]]})),
            "invalid command: it is 131072 bytes"),
        ("POST", "/api/v1/jobs", add(json!({"on_failure": "echo x\u{0}"})),
            "invalid --on-failure: it contains a NUL byte"),
        ("POST", "/api/v1/jobs", add(json!({"id": ".."})),
            "invalid job id '..': use 1 to 64 letters, digits, '.', '_' or '-', not starting with '-', and not . or .. alone"),
        ("POST", "/api/v1/jobs", add(json!({"id": ".", "replace": true})),
            "invalid job id '.'"),
        ("PATCH", "/api/v1/jobs/backup", json!({"env": {"A": "x\u{0}"}}),
            "invalid --env A: it contains a NUL byte"),
        ("PATCH", "/api/v1/jobs/backup", json!({"env": {"A=B": "x"}}),
            "invalid --env 'A=B=x': the name 'A=B'"),
        ("PATCH", "/api/v1/jobs/backup", json!({"command": long}),
            "invalid command: it is 131072 bytes"),
        ("PATCH", "/api/v1/jobs/backup", json!({"on_success": "x\u{0}"}),
            "invalid --on-success: it contains a NUL byte"),
    ];
    for (method, path, body, says) in &cases {
        let r = c.request(method, path, Some(body));
        assert_eq!(r.status, 400, "{method} {path}: {}", r.body);
        assert!(
            r.error().starts_with(says),
            "{method} {path}: {}",
            r.error()
        );
        assert_eq!(env.snapshot(), before, "{method} {path} wrote something");
    }
}
