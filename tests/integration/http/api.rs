//! The API's endpoints against the command line's `--json`, run-now
//! through a runner, and the OpenAPI document against what is served.

use serde_json::{json, Value};

use super::{add_cron, cli_json, serve, token_file, without_relative, Client, TOKEN};
use crate::util::{wait_for, Env};

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
    add_cron(&env, "backup", "0 3 * * *", "true");
    let server = serve(&env, &[]);
    let c = Client::new(&server, None);
    for (path, status, says) in [
        ("/api/v1/jobs/nope", 404, "unknown job 'nope'"),
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
        ("/api/v1/executions?job=nope", 404, "unknown job 'nope'"),
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
        ("/api/v1/jobs?all=", 400, "invalid all=: use true or false"),
        (
            "/api/v1/jobs?color=red",
            400,
            "unknown query parameter 'color' (known: all, state, name, limit)",
        ),
        ("/api/v1/nothing", 404, "no such API path: /api/v1/nothing"),
        ("/api/v2/jobs", 404, "the API is under /api/v1"),
    ] {
        let r = c.get(path);
        assert_eq!(r.status, status, "{path}: {}", r.body);
        assert!(r.error().contains(says), "{path}: {}", r.body);
    }
    let r = c.request("TRACE", "/api/v1/runners", None);
    assert_eq!(
        (r.status, r.header("allow")),
        (405, Some("GET")),
        "{}",
        r.body
    );
    let r = c.request("OPTIONS", "/api/v1/jobs/backup", None);
    assert_eq!(r.header("allow"), Some("GET, PATCH, DELETE"));
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
    let shell = ["/bin/bash", "/bin/sh"]
        .into_iter()
        .find(|s| std::path::Path::new(s).exists())
        .unwrap();
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
            "shell": shell,
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
    assert_eq!(j["shell"], shell);
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
        "nightly-twin",
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
        "--shell",
        shell,
        "--",
        "echo",
        "a b",
    ])
    .ok();
    let mut twin = cli_json(&env, &["show", "twin", "--json"]);
    twin["id"] = json!("backup");
    // Names are unique; the command line records the folder it ran in,
    // the API has none to record.
    twin["name"] = json!("nightly");
    twin["cwd"] = Value::Null;
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
    let r = c.request(
        "PATCH",
        "/api/v1/jobs/backup",
        Some(&json!({"shell": "sh"})),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body
            .contains("invalid --shell 'sh': give the shell's absolute path"),
        "{}",
        r.body
    );

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

    // No runner: nothing would fire it (run_now_is_fired_by_the_runner
    // has one).
    let r = c.request("POST", "/api/v1/jobs/backup/run", None);
    assert_eq!(r.status, 409, "{}", r.body);
    assert_eq!(r.error(), "no runner is running: start `tick run`");

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
    add_cron(&env, "yearly", "0 3 1 1 *", "echo ran-now");
    let runner = env.runner("run", &[]);
    runner.wait_log("scheduler started", 10);
    let server = serve(&env, &["--token-file", &tok]);
    let c = Client::new(&server, Some(TOKEN));
    let r = c.request("POST", "/api/v1/jobs/yearly/run", None);
    assert_eq!(r.status, 202, "{}", r.body);
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
/// The OpenAPI document describes what is served: every operation answers
/// (not 404/405) with a documented status, and every documented object
/// has exactly the fields served.
#[test]
fn the_openapi_document_matches_what_is_served() {
    let env = Env::new();
    let tok = token_file(&env);
    add_cron(&env, "backup", "0 3 * * *", "echo hi");
    env.tick(&["fire", "backup"]).ok();
    let server = serve(&env, &["--token-file", &tok]);
    let c = Client::new(&server, Some(TOKEN));
    let doc = c.get("/api/v1/openapi.json").json();
    assert_eq!(doc["openapi"], "3.0.3");
    let schemas = &doc["components"]["schemas"];
    let resolve = |s: &Value| -> Value {
        match s.get("$ref").and_then(Value::as_str) {
            Some(r) => schemas[r.rsplit('/').next().unwrap()].clone(),
            None => s.clone(),
        }
    };
    let fields = |o: &Value| -> Vec<String> {
        let mut k: Vec<String> = o.as_object().unwrap().keys().cloned().collect();
        k.sort();
        k
    };
    // Served objects have exactly the documented fields, all required.
    let check = |schema: &Value, v: &Value, what: &str| {
        let schema = resolve(schema);
        let (schema, items) = match schema["type"].as_str() {
            Some("array") => (
                resolve(&schema["items"]),
                v.as_array()
                    .unwrap_or_else(|| panic!("{what}: not an array: {v}"))
                    .clone(),
            ),
            _ => (schema, vec![v.clone()]),
        };
        let Some(props) = schema.get("properties") else {
            return;
        };
        for item in &items {
            assert_eq!(fields(item), fields(props), "{what}");
            let mut required: Vec<String> = schema["required"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s.as_str().unwrap().to_string())
                .collect();
            required.sort();
            assert_eq!(required, fields(item), "{what}: required");
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
        // Run-now without a runner: its documented 409.
        if path.ends_with("/run") {
            assert_eq!(r.status, 409, "{method} {path}: {}", r.body);
            seen += 1;
            continue;
        }
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

#[test]
fn list_and_history_filters_are_query_parameters() {
    let env = Env::new();
    for (id, state) in [
        ("web-1", "active"),
        ("web-2", "paused"),
        ("web-3", "paused"),
        ("db", "paused"),
    ] {
        let paused = if state == "paused" {
            "--paused"
        } else {
            "--max-instances=1"
        };
        env.tick(&[
            "add",
            "--id",
            id,
            paused,
            "cron",
            "0 3 * * *",
            "--",
            "false",
        ])
        .ok();
    }
    env.tick(&["fire", "web-1"]).output();
    env.tick(&["fire", "db"]).output();
    let server = serve(&env, &[]);
    let c = Client::new(&server, None);
    let ids = |v: Value, key: &str| -> Vec<String> {
        v.as_array()
            .unwrap()
            .iter()
            .map(|j| j[key].as_str().unwrap().to_string())
            .collect()
    };
    // The same answers as the flags, `state` repeated or comma-separated.
    for (query, args) in [
        (
            "state=paused&name=web-*&limit=5",
            &["--state", "paused", "--name", "web-*", "--limit", "5"][..],
        ),
        (
            "state=active,paused&limit=2",
            &["--state", "active,paused", "--limit", "2"],
        ),
        (
            "state=active&state=paused&name=%5B!w%5D*",
            &["--state", "active,paused", "--name", "[!w]*"],
        ),
    ] {
        let r = c.get(&format!("/api/v1/jobs?{query}"));
        assert_eq!(r.status, 200, "{query}: {}", r.body);
        let mut cli = vec!["list", "--json"];
        cli.extend_from_slice(args);
        assert_eq!(r.json(), cli_json(&env, &cli), "{query}");
    }
    let r = c.get("/api/v1/jobs?state=paused&name=web-*&limit=5");
    assert_eq!(ids(r.json(), "id"), ["web-2", "web-3"]);
    let r = c.get("/api/v1/executions?name=web-*");
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(ids(r.json(), "job_id"), ["web-1"]);
    assert_eq!(
        r.json(),
        cli_json(&env, &["history", "--name", "web-*", "--json"])
    );
    let r = c.get("/api/v1/executions?name=*&status=failed&limit=1");
    assert_eq!(ids(r.json(), "job_id"), ["db"]);
    // Bad values: 400 with the command line's message.
    for (query, says) in [
        (
            "/api/v1/jobs?state=bogus",
            "invalid value 'bogus' for '--state <STATE>'",
        ),
        (
            "/api/v1/jobs?name=web-%5B",
            "invalid --name 'web-[': a '[' is not closed by a ']'",
        ),
        (
            "/api/v1/executions?name=%5B",
            "invalid --name '[': a '[' is not closed",
        ),
    ] {
        let r = c.get(query);
        assert_eq!(r.status, 400, "{query}: {}", r.body);
        assert!(r.error().contains(says), "{query}: {}", r.error());
    }
}

#[test]
fn a_pause_takes_a_note_and_an_end_and_refuses_a_past_end() {
    let env = Env::new();
    add_cron(&env, "backup", "0 3 * * *", "true");
    let tok = token_file(&env);
    let server = serve(&env, &["--token-file", &tok]);
    let c = Client::new(&server, Some(TOKEN));
    let r = c.post(
        "/api/v1/jobs/backup/pause",
        &json!({"note": "disk swap", "until": "2020-01-01 00:00"}),
    );
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.error().contains("invalid --until"), "{}", r.body);
    assert_eq!(
        cli_json(&env, &["show", "backup", "--json"])["state"],
        "active"
    );
    let r = c.post(
        "/api/v1/jobs/backup/pause",
        &json!({"note": "disk swap", "until": "2099-01-01T08:00:00Z"}),
    );
    assert_eq!(r.status, 200, "{}", r.body);
    assert_eq!(r.json()["pause_note"], "disk swap");
    assert_eq!(r.json()["paused_until"], "2099-01-01T08:00:00+00:00");
    let r = c.post("/api/v1/jobs/backup/pause", &json!({"why": "x"}));
    assert_eq!(r.status, 400, "{}", r.body);
}
