//! `tick serve` and `tick run --http` (SPEC §9) through a real HTTP client
//! (ureq) and raw sockets, on a random local port: every endpoint, every
//! refusal (and that it wrote nothing), the limits, hostile text on the
//! page, `/metrics` through Prometheus' own parser, and the page in a real
//! headless browser (`http_browser.rs`). Every server a test starts is
//! killed when the test ends, however it ends.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::util::{wait_for, Env};

mod browser;
mod metrics;
mod page;

pub const TOKEN: &str = "s3cret-token-for-tests-0123456789";

/// A `tick serve` (or `tick run --http`) in the background, killed and
/// reaped on drop.
pub struct Server {
    child: Child,
    stderr: PathBuf,
    pub port: u16,
    pub base: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

/// Write the test token into a private file; its path.
pub fn token_file(env: &Env) -> String {
    let p = env.path().join("token");
    std::fs::write(&p, format!("{TOKEN}\n")).unwrap();
    std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600)).unwrap();
    p.to_str().unwrap().to_string()
}

/// `tick ARGS...` that serves (`serve --listen 127.0.0.1:0 ...` or `run
/// --http 127.0.0.1:0 ...`), once it says where.
pub fn start(env: &Env, name: &str, args: &[&str]) -> Server {
    let stderr = env.path().join(format!("{name}.err"));
    let child = env
        .command(args)
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .expect("start tick");
    let mut server = Server {
        child,
        stderr,
        port: 0,
        base: String::new(),
    };
    let end = Instant::now() + Duration::from_secs(20);
    while Instant::now() < end {
        let log = server.log();
        if let Some(rest) = log.split("serving http://").nth(1) {
            let rest = rest.split_whitespace().next().unwrap();
            let port: String = rest.rsplit(':').next().unwrap().to_string();
            server.port = port.parse().unwrap();
            server.base = format!("http://127.0.0.1:{}", server.port);
            return server;
        }
        if let Some(status) = server.child.try_wait().unwrap() {
            panic!("tick exited with {status:?}: {log}");
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("the server never said where it listens: {}", server.log());
}

pub fn serve(env: &Env, extra: &[&str]) -> Server {
    let mut args = vec!["serve", "--listen", "127.0.0.1:0"];
    args.extend_from_slice(extra);
    start(env, "serve", &args)
}

/// A reply: status, headers, body.
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Reply {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.body))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The `error` of a `{"error": "..."}`, asserting that shape.
    pub fn error(&self) -> String {
        let v = self.json();
        let obj = v.as_object().expect("an object");
        assert_eq!(obj.len(), 1, "only 'error': {v}");
        obj["error"].as_str().expect("a string").to_string()
    }
}

/// A real HTTP client (ureq) that reports 4xx and 5xx as replies.
pub struct Client {
    agent: ureq::Agent,
    base: String,
    token: Option<String>,
}

impl Client {
    pub fn new(server: &Server, token: Option<&str>) -> Client {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .max_redirects(0)
            .timeout_global(Some(Duration::from_secs(30)))
            .build()
            .into();
        Client {
            agent,
            base: server.base.clone(),
            token: token.map(str::to_string),
        }
    }

    pub fn request(&self, method: &str, path: &str, body: Option<&Value>) -> Reply {
        self.request_with(method, path, body.map(|b| b.to_string()), &[])
    }

    pub fn request_with(
        &self,
        method: &str,
        path: &str,
        body: Option<String>,
        headers: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path}", self.base);
        let mut req = ureq::http::Request::builder().method(method).uri(&url);
        if let Some(t) = &self.token {
            req = req.header("Authorization", format!("Bearer {t}"));
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let result = match body {
            Some(b) => self.agent.run(
                req.header("Content-Type", "application/json")
                    .body(b)
                    .unwrap(),
            ),
            None => self.agent.run(req.body(()).unwrap()),
        };
        let resp = result.unwrap_or_else(|e| panic!("{method} {path}: {e}"));
        let status = resp.status().as_u16();
        let headers = resp
            .headers()
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
            .collect();
        let body = resp.into_body().read_to_string().unwrap_or_default();
        Reply {
            status,
            headers,
            body,
        }
    }

    pub fn get(&self, path: &str) -> Reply {
        self.request("GET", path, None)
    }

    pub fn post(&self, path: &str, body: &Value) -> Reply {
        self.request("POST", path, Some(body))
    }
}

/// Send raw bytes and read the reply until the server closes (or 15 s).
pub fn raw(port: u16, bytes: &[u8]) -> String {
    let mut s = TcpStream::connect(("127.0.0.1", port)).unwrap();
    s.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    let _ = s.write_all(bytes);
    let mut out = Vec::new();
    let _ = s.read_to_end(&mut out);
    String::from_utf8_lossy(&out).into_owned()
}

fn cli_json(env: &Env, args: &[&str]) -> Value {
    serde_json::from_str(&env.tick(args).ok()).unwrap()
}

/// Times that are "now" when taken differ from one call to the next; the
/// rest must be equal.
fn without_relative(mut v: Value) -> Value {
    fn strip(v: &mut Value) {
        match v {
            Value::Object(m) => {
                m.remove("updated_at");
                m.values_mut().for_each(strip);
            }
            Value::Array(a) => a.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut v);
    v
}

#[test]
fn reads_give_exactly_what_the_cli_json_gives() {
    let env = Env::new();
    env.tick(&[
        "add",
        "cron",
        "0 3 * * *",
        "--id",
        "backup",
        "--name",
        "nightly",
        "--",
        "echo out; echo err >&2",
    ])
    .ok();
    env.tick(&[
        "add", "interval", "--every", "90s", "--id", "sync", "--", "false",
    ])
    .ok();
    env.tick(&[
        "add", "date", "--in", "1h", "--id", "once", "--paused", "--", "true",
    ])
    .ok();
    env.tick(&["fire", "backup"]).output();
    env.tick(&["fire", "sync"]).output();
    let server = serve(&env, &[]);
    let c = Client::new(&server, None);

    let jobs = c.get("/api/v1/jobs");
    assert_eq!(jobs.status, 200);
    assert_eq!(jobs.header("content-type"), Some("application/json"));
    assert_eq!(jobs.json(), cli_json(&env, &["list", "--json"]));
    let all = c.get("/api/v1/jobs?all=true");
    assert_eq!(all.json(), cli_json(&env, &["list", "--all", "--json"]));

    let show = c.get("/api/v1/jobs/backup");
    assert_eq!(show.status, 200);
    assert_eq!(show.json(), cli_json(&env, &["show", "backup", "--json"]));
    assert_eq!(show.json()["executions"][0]["status"], "success");

    let hist = c.get("/api/v1/executions");
    assert_eq!(hist.json(), cli_json(&env, &["history", "--json"]));
    let failed = c.get("/api/v1/executions?status=failed&job=sync&limit=5");
    assert_eq!(
        failed.json(),
        cli_json(
            &env,
            &["history", "sync", "--status", "failed", "--limit", "5", "--json"]
        )
    );
    assert_eq!(failed.json().as_array().unwrap().len(), 1);

    let n = show.json()["executions"][0]["id"].as_i64().unwrap();
    let one = c.get(&format!("/api/v1/jobs/backup/executions/{n}"));
    assert_eq!(one.json(), show.json()["executions"][0]);
    let out = c.get(&format!("/api/v1/jobs/backup/executions/{n}/output"));
    assert_eq!(out.status, 200);
    assert_eq!(out.json()["stdout"], "out\n");
    assert_eq!(out.json()["stderr"], "err\n");
    assert_eq!(out.json()["stdout_truncated"], false);
    assert_eq!(out.json()["id"], n);
    let latest = c.get("/api/v1/jobs/backup/executions/latest/output");
    assert_eq!(latest.json(), out.json());

    let runners = c.get("/api/v1/runners");
    assert_eq!(runners.status, 200);
    assert_eq!(runners.json(), json!([]));
    // HEAD answers like GET without a body.
    let head = c.request("HEAD", "/api/v1/jobs", None);
    assert_eq!(head.status, 200);
    assert_eq!(head.body, "");
}

#[test]
fn reads_of_what_is_not_there_are_404_and_bad_queries_400() {
    let env = Env::new();
    env.tick(&["add", "cron", "0 3 * * *", "--id", "backup", "--", "true"])
        .ok();
    let server = serve(&env, &[]);
    let c = Client::new(&server, None);
    for (path, status, says) in [
        ("/api/v1/jobs/nope", 404, "unknown job id 'nope'"),
        (
            "/api/v1/jobs/backup/executions/7",
            404,
            "job 'backup' has no execution 7",
        ),
        (
            "/api/v1/jobs/backup/executions/latest",
            404,
            "job 'backup' has not run yet",
        ),
        (
            "/api/v1/jobs/backup/executions/x",
            400,
            "invalid execution 'x'",
        ),
        ("/api/v1/executions?job=nope", 404, "unknown job id 'nope'"),
        (
            "/api/v1/executions?status=bogus",
            400,
            "invalid value 'bogus' for '--status <STATUS>' [possible values: running, success",
        ),
        (
            "/api/v1/executions?limit=-1",
            400,
            "invalid value '-1' for '--limit <N>'",
        ),
        (
            "/api/v1/jobs?all=maybe",
            400,
            "invalid all=maybe: use true or false",
        ),
        (
            "/api/v1/jobs?color=red",
            400,
            "unknown query parameter 'color' (known: all)",
        ),
        ("/api/v1/nothing", 404, "no such API path: /api/v1/nothing"),
        ("/api/v2/jobs", 404, "the API is under /api/v1"),
    ] {
        let r = c.get(path);
        assert_eq!(r.status, status, "{path}: {}", r.body);
        assert!(r.error().contains(says), "{path}: {}", r.body);
    }
    let r = c.request("PUT", "/api/v1/jobs/backup", Some(&json!({})));
    assert_eq!(r.status, 403, "no token file, no writes: {}", r.body);
    let c = Client::new(&server, Some(TOKEN));
    let r = c.request("DELETE", "/api/v1/jobs", None);
    assert_eq!(r.status, 403, "no token file, no writes: {}", r.body);
}

/// A server with the token: every write endpoint does what its command
/// does, and answers with the job as `show --json` gives it.
#[test]
fn writes_with_the_token_do_what_the_commands_do() {
    let env = Env::new();
    let tok = token_file(&env);
    let server = serve(&env, &["--token-file", &tok]);
    let c = Client::new(&server, Some(TOKEN));

    let r = c.post(
        "/api/v1/jobs",
        &json!({
            "trigger": "cron '0 3 * * *' --tz Europe/Berlin",
            "command": ["echo", "a b"],
            "id": "backup",
            "name": "nightly",
            "timeout_seconds": 600,
            "misfire_grace_seconds": null,
            "env": {"DIR": "/tmp"},
            "max_instances": 2,
            "coalesce": false,
            "retries": 2,
            "retry_delay_seconds": "1m",
            "on_failure": "notify-send failed",
        }),
    );
    assert_eq!(r.status, 201, "{}", r.body);
    assert_eq!(r.header("location"), Some("/api/v1/jobs/backup"));
    let j = r.json();
    assert_eq!(
        without_relative(j.clone()),
        without_relative(cli_json(&env, &["show", "backup", "--json"]))
    );
    assert_eq!(j["command"], "echo 'a b'");
    assert_eq!(j["trigger"], "cron 0 3 * * * (Europe/Berlin)");
    assert_eq!(j["timeout_seconds"], 600);
    assert_eq!(j["misfire_grace_seconds"], Value::Null);
    assert_eq!(j["env"], json!({"DIR": "/tmp"}));
    assert_eq!(j["max_instances"], 2);
    assert_eq!(j["coalesce"], false);
    assert_eq!(j["retry_delay_seconds"], 60);
    assert_eq!(j["next_fires"].as_array().unwrap().len(), 5);

    // The same job by the command line, for comparison.
    env.tick(&[
        "add",
        "cron",
        "0 3 * * *",
        "--tz",
        "Europe/Berlin",
        "--id",
        "twin",
        "--name",
        "nightly",
        "--timeout",
        "600s",
        "--misfire-grace",
        "none",
        "--env",
        "DIR=/tmp",
        "--max-instances",
        "2",
        "--no-coalesce",
        "--retries",
        "2",
        "--retry-delay",
        "1m",
        "--on-failure",
        "notify-send failed",
        "--",
        "echo",
        "a b",
    ])
    .ok();
    let mut twin = cli_json(&env, &["show", "twin", "--json"]);
    twin["id"] = json!("backup");
    let strip = |mut v: Value| {
        for k in ["created_at", "updated_at"] {
            v.as_object_mut().unwrap().remove(k);
        }
        v
    };
    assert_eq!(strip(twin), strip(j));

    let r = c.request("PATCH", "/api/v1/jobs/backup", Some(&json!({"name": "renamed", "command": "backup.sh --full", "on_failure": null, "env": ["MORE=1"]})));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["name"], "renamed");
    assert_eq!(r.json()["command"], "backup.sh --full");
    assert_eq!(r.json()["on_failure"], Value::Null);
    assert_eq!(r.json()["env"], json!({"DIR": "/tmp", "MORE": "1"}));

    let r = c.post(
        "/api/v1/jobs/backup/reschedule",
        &json!({"trigger": "interval --every 2h"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["trigger"], "every 2h");
    assert_eq!(r.json()["timezone"], "Europe/Berlin");

    let r = c.post("/api/v1/jobs/backup/pause", &json!({}));
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["state"], "paused");
    assert_eq!(r.json()["next_run_at"], Value::Null);
    let r = c.request("POST", "/api/v1/jobs/backup/run", None);
    assert_eq!(r.status, 400, "a paused job is not run: {}", r.body);
    assert!(
        r.error().contains("job 'backup' is paused: resume it"),
        "{}",
        r.body
    );
    let r = c.request("POST", "/api/v1/jobs/backup/resume", None);
    assert_eq!(r.json()["state"], "active");

    let before = chrono::Utc::now().timestamp();
    let r = c.request("POST", "/api/v1/jobs/backup/run", None);
    assert_eq!(r.status, 202, "{}", r.body);
    let next =
        chrono::DateTime::parse_from_rfc3339(r.json()["next_run_at"].as_str().unwrap()).unwrap();
    assert!(
        (next.timestamp() - before).abs() <= 2,
        "run-now sets the next run to now: {next}"
    );

    let r = c.request("DELETE", "/api/v1/jobs/backup", None);
    assert_eq!(r.status, 204, "{}", r.body);
    assert_eq!(r.body, "");
    assert_eq!(c.get("/api/v1/jobs/backup").status, 404);
    assert_eq!(c.request("DELETE", "/api/v1/jobs/backup", None).status, 404);
    // Its history stays, as with tick remove.
    assert_eq!(
        cli_json(&env, &["list", "--json"])
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

/// Run-now goes through a runner: the job fires within a second or so,
/// recorded like any fire.
#[test]
fn run_now_is_fired_by_the_runner() {
    let env = Env::new();
    let tok = token_file(&env);
    env.tick(&[
        "add",
        "cron",
        "0 3 1 1 *",
        "--id",
        "yearly",
        "--",
        "echo ran-now",
    ])
    .ok();
    let runner = env.runner("run", &[]);
    runner.wait_log("scheduler started", 10);
    let server = serve(&env, &["--token-file", &tok]);
    let c = Client::new(&server, Some(TOKEN));
    assert_eq!(
        c.request("POST", "/api/v1/jobs/yearly/run", None).status,
        202
    );
    wait_for("the run-now execution", 10, || {
        c.get("/api/v1/executions?job=yearly").json()[0]["status"] == "success"
    });
    let out = c.get("/api/v1/jobs/yearly/executions/latest/output").json();
    assert_eq!(out["stdout"], "ran-now\n");
    // Its regular schedule goes on.
    let j = c.get("/api/v1/jobs/yearly").json();
    assert!(
        j["next_run_at"]
            .as_str()
            .unwrap()
            .contains("-01-01T03:00:00"),
        "{j}"
    );
    drop(runner);
}

/// Bad input over HTTP is refused with the command line's own message,
/// a 400, and nothing written.
#[test]
fn bad_input_is_refused_as_the_cli_refuses_it_and_writes_nothing() {
    let env = Env::new();
    let tok = token_file(&env);
    env.tick(&["add", "cron", "0 3 * * *", "--id", "backup", "--", "true"])
        .ok();
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
            "unknown job id 'nope'",
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
            "unknown job id 'nope'",
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
    env.tick(&["add", "cron", "0 3 * * *", "--id", "backup", "--", "true"])
        .ok();
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
    assert!(r.error().contains("writes need the token"));
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
    // Reads stay open on loopback.
    assert_eq!(Client::new(&server, None).get("/api/v1/jobs").status, 200);
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
    env.tick(&["add", "cron", "0 3 * * *", "--id", "backup", "--", "true"])
        .ok();
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

    let body = format!("POST /api/v1/jobs HTTP/1.1\r\n{host}Authorization: Bearer {TOKEN}\r\nContent-Length: 2000000\r\n\r\n");
    let reply = raw(server.port, body.as_bytes());
    assert!(reply.starts_with("HTTP/1.1 413 "), "{reply}");
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

    // Meanwhile: at most 32 connections; the next is told 503 at once.
    let mut held = Vec::new();
    for _ in 0..31 {
        let mut s = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        s.write_all(b"G").unwrap();
        held.push(s);
    }
    std::thread::sleep(Duration::from_millis(300));
    let reply = raw(
        server.port,
        format!("GET /healthz HTTP/1.1\r\n{host}\r\n").as_bytes(),
    );
    assert!(reply.starts_with("HTTP/1.1 503 "), "{reply}");
    assert!(reply.contains("too many connections"), "{reply}");
    drop(held);
    std::thread::sleep(Duration::from_millis(300));
    let reply = raw(
        server.port,
        format!("GET /healthz HTTP/1.1\r\n{host}Connection: close\r\n\r\n").as_bytes(),
    );
    assert!(reply.starts_with("HTTP/1.1 200 "), "{reply}");

    let mut reply = String::new();
    let _ = slow.read_to_string(&mut reply);
    let took = started.elapsed();
    assert!(reply.starts_with("HTTP/1.1 408 "), "{reply}");
    assert!(
        took >= Duration::from_secs(9) && took < Duration::from_secs(16),
        "{took:?}"
    );
}

/// The OpenAPI document describes what is served: every operation answers
/// (not 404/405) with a documented status, and every documented object
/// has exactly the fields served.
#[test]
fn the_openapi_document_matches_what_is_served() {
    let env = Env::new();
    let tok = token_file(&env);
    env.tick(&[
        "add",
        "cron",
        "0 3 * * *",
        "--id",
        "backup",
        "--",
        "echo hi",
    ])
    .ok();
    env.tick(&["fire", "backup"]).ok();
    let server = serve(&env, &["--token-file", &tok]);
    let c = Client::new(&server, Some(TOKEN));
    let doc = c.get("/api/v1/openapi.json").json();
    assert_eq!(doc["openapi"], "3.0.3");
    let schemas = &doc["components"]["schemas"];
    let check = |schema: &Value, v: &Value, what: &str| {
        let schema = match schema.get("$ref") {
            Some(r) => &schemas[r.as_str().unwrap().rsplit('/').next().unwrap()],
            None => schema,
        };
        let fields = |o: &Value| -> Vec<String> {
            let mut k: Vec<String> = o.as_object().unwrap().keys().cloned().collect();
            k.sort();
            k
        };
        match schema["type"].as_str() {
            Some("array") => {
                let items = &schema["items"];
                let items = match items.get("$ref") {
                    Some(r) => &schemas[r.as_str().unwrap().rsplit('/').next().unwrap()],
                    None => items,
                };
                for el in v
                    .as_array()
                    .unwrap_or_else(|| panic!("{what}: not an array: {v}"))
                {
                    assert_eq!(fields(el), fields(&items["properties"]), "{what}");
                }
            }
            Some("object") if schema.get("properties").is_some() => {
                assert_eq!(fields(v), fields(&schema["properties"]), "{what}");
                let mut req: Vec<String> = schema["required"]
                    .as_array()
                    .map(|a| a.iter().map(|s| s.as_str().unwrap().to_string()).collect())
                    .unwrap_or_default();
                req.sort();
                if schema["additionalProperties"] == false && !req.is_empty() {
                    assert_eq!(req, fields(v), "{what}: required");
                }
            }
            _ => {}
        }
    };
    let mut seen = 0;
    // Operations in an order that keeps the job there until its removal.
    let order = ["get", "post", "patch", "delete"];
    let mut ops: Vec<(String, String, Value)> = Vec::new();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if order.contains(&method.as_str()) {
                ops.push((path.clone(), method.clone(), op.clone()));
            }
        }
    }
    ops.sort_by_key(|(p, m, _)| (m == "delete", order.iter().position(|o| o == m), p.clone()));
    let n = cli_json(&env, &["history", "--json"])[0]["id"]
        .as_i64()
        .unwrap();
    for (path, method, op) in ops {
        let url = path
            .replace("{id}", "backup")
            .replace("{n}", &n.to_string());
        let body = match (method.as_str(), path.as_str()) {
            ("post", "/api/v1/jobs") => {
                Some(json!({"trigger": "interval --every 1h", "command": "true"}))
            }
            ("post", p) if p.ends_with("/reschedule") => {
                Some(json!({"trigger": "cron '0 4 * * *'"}))
            }
            ("patch", _) => Some(json!({"name": "renamed"})),
            _ => None,
        };
        let r = c.request(&method.to_uppercase(), &url, body.as_ref());
        let documented = &op["responses"][r.status.to_string()];
        assert!(
            !documented.is_null(),
            "{method} {path}: {} is not documented: {}",
            r.status,
            r.body
        );
        assert!(r.status < 300, "{method} {path}: {} {}", r.status, r.body);
        if let Some(schema) = documented.pointer("/content/application~1json/schema") {
            check(schema, &r.json(), &format!("{method} {path}"));
        }
        seen += 1;
    }
    assert!(seen >= 14, "{seen} operations");
    // The error shape too.
    let r = c.get("/api/v1/jobs/nope");
    check(
        &json!({"$ref": "#/components/schemas/Error"}),
        &r.json(),
        "error",
    );
}
