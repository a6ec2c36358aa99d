//! `/metrics` read by Prometheus' own parser (the Python client's
//! `text_string_to_metric_families`), its counters checked against the
//! history; `/healthz`; `tick run --http`.

use std::collections::BTreeMap;
use std::process::Command;

use serde_json::Value;

use super::{add_cron, start, token_file, Client, TOKEN};
use crate::util::{proc_status, wait_for, Env};

/// Samples as (name, sorted labels) → value, parsed by prometheus_client;
/// `None` (after saying so) where Python or the parser is missing, except
/// under CI, where that fails.
fn parse(text: &str) -> Option<BTreeMap<(String, String), f64>> {
    const SCRIPT: &str = r#"
import json, sys
from prometheus_client.parser import text_string_to_metric_families
out = []
for fam in text_string_to_metric_families(sys.stdin.read()):
    for s in fam.samples:
        out.append([fam.type, s.name, sorted(s.labels.items()), s.value])
print(json.dumps(out))
"#;
    let have = Command::new("python3")
        .args(["-c", "import prometheus_client"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !have {
        assert!(
            std::env::var_os("CI").is_none(),
            "python3 with prometheus_client is needed (pip install prometheus_client), and CI is set"
        );
        crate::util::skipped("no python3 with prometheus_client to parse /metrics");
        return None;
    }
    let mut child = Command::new("python3")
        .args(["-c", SCRIPT])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "the parser refused it: {}\n{text}",
        String::from_utf8_lossy(&out.stderr)
    );
    let rows: Vec<Value> = serde_json::from_slice(&out.stdout).unwrap();
    let mut map = BTreeMap::new();
    for r in rows {
        let labels: Vec<String> = r[2]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| format!("{}={}", p[0].as_str().unwrap(), p[1].as_str().unwrap()))
            .collect();
        map.insert(
            (r[1].as_str().unwrap().to_string(), labels.join(",")),
            r[3].as_f64().unwrap(),
        );
    }
    Some(map)
}

fn history(env: &Env) -> Vec<Value> {
    let out = env.tick(&["history", "--limit", "1000", "--json"]).ok();
    serde_json::from_str::<Value>(&out)
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn unix(t: &Value) -> f64 {
    chrono::DateTime::parse_from_rfc3339(t.as_str().unwrap())
        .unwrap()
        .timestamp_millis() as f64
        / 1000.0
}

#[test]
#[cfg_attr(
    tick_no_prometheus_client,
    ignore = "no python3 prometheus_client to parse /metrics (pip install prometheus_client)"
)]
fn metrics_parse_and_count_what_the_history_holds() {
    let env = Env::new();
    add_cron(&env, "ok", "0 3 * * *", "true");
    add_cron(&env, "bad", "0 4 * * *", "exit 3");
    env.tick(&[
        "add",
        "cron",
        "0 5 * * *",
        "--id",
        "idle",
        "--paused",
        "--",
        "true",
    ])
    .ok();
    let server = start(&env, "serve", &["serve", "--listen", "127.0.0.1:0"]);
    let c = Client::new(&server, None);
    // Counting starts with the server: what ran before is not counted.
    assert_eq!(c.get("/metrics").status, 200);
    for _ in 0..3 {
        env.tick(&["fire", "ok"]).ok();
    }
    for _ in 0..2 {
        env.tick(&["fire", "bad"]).output();
    }
    let r = c.get("/metrics");
    assert_eq!(r.status, 200);
    assert_eq!(
        r.header("content-type"),
        Some("text/plain; version=0.0.4; charset=utf-8")
    );
    for bad in ["exit 3", "true\""] {
        assert!(
            !r.body.contains(bad),
            "no command text in labels: {}",
            r.body
        );
    }
    let Some(m) = parse(&r.body) else { return };
    let get = |name: &str, labels: &str| {
        *m.get(&(name.to_string(), labels.to_string()))
            .unwrap_or_else(|| panic!("no {name}{{{labels}}} in\n{}", r.body))
    };

    let hist = history(&env);
    let count = |job: &str, status: &str| {
        hist.iter()
            .filter(|e| e["job_id"] == job && e["status"] == status)
            .count() as f64
    };
    assert_eq!(
        get("tick_job_runs_total", "job=ok,status=success"),
        count("ok", "success")
    );
    assert_eq!(
        get("tick_job_runs_total", "job=bad,status=failed"),
        count("bad", "failed")
    );
    assert_eq!(count("ok", "success"), 3.0);
    assert_eq!(get("tick_job_run_duration_seconds_count", ""), 5.0);
    assert_eq!(get("tick_fire_lateness_seconds_count", ""), 5.0);
    let total_ms: f64 = hist
        .iter()
        .map(|e| e["duration_ms"].as_f64().unwrap())
        .sum();
    assert!((get("tick_job_run_duration_seconds_sum", "") - total_ms / 1000.0).abs() < 0.01);
    assert_eq!(get("tick_job_run_duration_seconds_bucket", "le=+Inf"), 5.0);
    assert_eq!(get("tick_jobs", "state=active"), 2.0);
    assert_eq!(get("tick_jobs", "state=paused"), 1.0);
    assert_eq!(get("tick_jobs", "state=finished"), 0.0);
    let last_ok = hist.iter().find(|e| e["job_id"] == "ok").unwrap();
    assert_eq!(
        get("tick_job_last_success_timestamp_seconds", "job=ok"),
        unix(&last_ok["finished_at"])
    );
    assert!(!m.contains_key(&(
        "tick_job_last_success_timestamp_seconds".into(),
        "job=bad".into()
    )));
    let shown: Value = serde_json::from_str(&env.tick(&["show", "ok", "--json"]).ok()).unwrap();
    assert_eq!(
        get("tick_job_next_fire_timestamp_seconds", "job=ok"),
        unix(&shown["next_run_at"])
    );
    assert!(
        !m.contains_key(&(
            "tick_job_next_fire_timestamp_seconds".into(),
            "job=idle".into()
        )),
        "paused: no next fire"
    );
    assert_eq!(get("tick_executions_running", ""), 0.0);
    assert_eq!(get("tick_runners_alive", ""), 0.0);
    assert_eq!(
        get(
            "tick_build_info",
            &format!("version={}", env!("CARGO_PKG_VERSION"))
        ),
        1.0
    );

    // Counters only grow: pruning the history takes nothing back.
    env.tick(&["prune", "--older-than", "0s"]).ok();
    assert!(history(&env).is_empty());
    env.tick(&["fire", "ok"]).ok();
    let m = parse(&c.get("/metrics").body).unwrap();
    assert_eq!(
        m[&(
            "tick_job_runs_total".to_string(),
            "job=ok,status=success".to_string()
        )],
        4.0
    );
}

/// Inside `tick run`: the runner serves, /healthz says the loop is alive,
/// the runner's executions are counted as they end, and a second runner
/// standing by says it is not running the loop.
#[test]
fn run_http_serves_from_inside_the_runner() {
    let env = Env::new();
    let tok = token_file(&env);
    env.tick(&[
        "add", "interval", "--every", "1s", "--id", "tick", "--", "true",
    ])
    .ok();
    let runner = start(
        &env,
        "run",
        &[
            "run",
            "--http",
            "127.0.0.1:0",
            "--token-file",
            &tok,
            "--no-echo",
        ],
    );
    let c = Client::new(&runner, Some(TOKEN));
    wait_for("/healthz 200", 10, || c.get("/healthz").status == 200);
    assert_eq!(c.get("/healthz").json()["status"], "ok");
    wait_for("three runs counted", 15, || {
        c.get("/metrics")
            .body
            .lines()
            .find(|l| l.starts_with("tick_job_runs_total{job=\"tick\",status=\"success\"}"))
            .and_then(|l| l.rsplit(' ').next()?.parse::<u32>().ok())
            .is_some_and(|n| n >= 3)
    });
    let runners = c.get("/api/v1/runners").json();
    assert_eq!(runners.as_array().unwrap().len(), 1, "{runners}");
    assert_eq!(runners[0]["state"], "alive");
    assert!(c.get("/metrics").body.contains("tick_runners_alive 1\n"));
    // A write through the runner's server reaches its loop.
    assert_eq!(
        c.request("POST", "/api/v1/jobs/tick/pause", None).status,
        200
    );

    let standby = start(
        &env,
        "standby",
        &["run", "--http", "127.0.0.1:0", "--token-file", &tok],
    );
    // The reason is for those with the token; others get the status word.
    let h = Client::new(&standby, Some(TOKEN)).get("/healthz");
    assert_eq!(h.status, 503, "{}", h.body);
    assert_eq!(h.json()["status"], "unavailable", "{}", h.body);
    let why = h.json()["error"].as_str().unwrap_or_default().to_string();
    assert!(why.contains("has not started"), "{}", h.body);
    let h = Client::new(&standby, None).get("/healthz");
    assert_eq!(h.status, 503, "{}", h.body);
    assert_eq!(h.json(), serde_json::json!({"status": "unavailable"}));
    assert!(standby.log().contains("standing by"), "{}", standby.log());

    // What the runner allocated (its heap and stacks), not the pages of
    // its binary it has touched: those depend on the build (a debug build
    // is 80 MB); `scripts/http-bench.sh` measures the release build's peak.
    let rss = proc_status(runner.pid(), "RssAnon");
    assert!(
        rss > 0 && rss < 16 * 1024,
        "the runner with --http holds {rss} KiB"
    );
    drop(standby);
    drop(runner);
}

/// What each run cost, over HTTP (issue 28): the API's executions carry
/// it as `history --json` does, the page's tables show it, and /metrics
/// counts CPU seconds by job and mode and gives each job's last peak
/// memory in bytes.
#[test]
#[cfg_attr(
    tick_no_prometheus_client,
    ignore = "no python3 prometheus_client to parse /metrics (pip install prometheus_client)"
)]
fn what_each_run_cost_is_served() {
    let env = Env::new();
    add_cron(&env, "mem", "0 3 * * *", crate::usage::FIFTY_MIB);
    add_cron(&env, "busy", "0 4 * * *", crate::usage::BUSY);
    let server = start(&env, "serve", &["serve", "--listen", "127.0.0.1:0"]);
    let c = Client::new(&server, None);
    // Counting starts with the first scrape.
    assert_eq!(c.get("/metrics").status, 200);
    env.tick(&["fire", "mem"]).ok();
    env.tick(&["fire", "busy"]).ok();
    let hist = history(&env);
    assert_eq!(
        c.get("/api/v1/executions").json(),
        Value::Array(hist.clone())
    );
    let run = |job: &str| hist.iter().find(|e| e["job_id"] == job).unwrap().clone();
    let (mem, busy) = (run("mem"), run("busy"));
    assert!(
        mem["peak_memory_kib"].as_i64().unwrap() >= 50 * 1024,
        "{mem}"
    );
    assert!(busy["user_cpu_seconds"].as_f64().unwrap() >= 0.2, "{busy}");
    let n = mem["id"].as_i64().unwrap();
    for path in ["", "/output"] {
        let one = c
            .get(&format!("/api/v1/jobs/mem/executions/{n}{path}"))
            .json();
        assert_eq!(one["peak_memory_kib"], mem["peak_memory_kib"], "{one}");
        assert_eq!(one["user_cpu_seconds"], mem["user_cpu_seconds"], "{one}");
    }
    for path in ["/jobs/mem".to_string(), format!("/jobs/mem/executions/{n}")] {
        let page = c.get(&path).body;
        assert!(
            page.contains("<th>USER</th><th>SYS</th><th>MEM</th>") && page.contains(" MiB</td>"),
            "{path}: {page}"
        );
    }

    let body = c.get("/metrics").body;
    let Some(m) = parse(&body) else { return };
    let get = |name: &str, labels: &str| {
        *m.get(&(name.to_string(), labels.to_string()))
            .unwrap_or_else(|| panic!("no {name}{{{labels}}} in\n{body}"))
    };
    for (mode, field) in [
        ("user", "user_cpu_seconds"),
        ("system", "system_cpu_seconds"),
    ] {
        let counted = get(
            "tick_job_cpu_seconds_total",
            &format!("job=busy,mode={mode}"),
        );
        assert!(
            (counted - busy[field].as_f64().unwrap()).abs() < 1e-6,
            "{body}"
        );
    }
    assert_eq!(
        get("tick_job_last_peak_memory_bytes", "job=mem"),
        mem["peak_memory_kib"].as_f64().unwrap() * 1024.0
    );
}
