//! Targets that refuse connections or accept and never answer: fires go
//! on every second, the runner's memory stays flat, each target's trouble
//! is logged once, and `/metrics` counts it.

use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use crate::util::{count_executions, proc_status, wait_for, Env};

/// A port nothing listens on.
fn closed_port() -> u16 {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port()
}

/// A server that accepts connections and never answers; it holds them
/// until dropped.
struct Mute {
    port: u16,
    _held: Arc<Mutex<Vec<TcpStream>>>,
}

fn mute_server() -> Mute {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let held = Arc::new(Mutex::new(Vec::new()));
    let h = held.clone();
    std::thread::spawn(move || {
        for conn in listener.incoming().flatten() {
            h.lock().unwrap().push(conn);
        }
    });
    Mute { port, _held: held }
}

#[test]
fn unreachable_and_mute_targets_never_delay_a_fire_nor_grow_the_runner() {
    let env = Env::new();
    let closed_port = closed_port();
    let closed = format!("http://127.0.0.1:{closed_port}/x?token=SECRET");
    let mute = mute_server();
    let mute_url = format!("http://user:SECRET@127.0.0.1:{}/hook", mute.port);
    // A notice for every run (success, and its output) to both.
    env.tick(&[
        "add",
        "--id",
        "tick",
        "--notify",
        &closed,
        "--notify",
        &mute_url,
        "--notify-on",
        "success",
        "cron",
        "* * * * * *",
        "--",
        "echo ran",
    ])
    .ok();
    let http = TcpListener::bind("127.0.0.1:0").unwrap();
    let listen = http.local_addr().unwrap().to_string();
    drop(http);
    let runner = env.runner("r", &["--no-echo", "--http", &listen]);
    runner.wait_log("job tick finished", 10);
    std::thread::sleep(Duration::from_secs(2));
    let pid = runner.child.id();
    let rss_start = proc_status(pid, "VmRSS");
    let runs_start = count_executions(&env.db(), Some("success"));
    // As long as the issue asks: 30 s, past the queue's and the retries'
    // first rounds (attempts after 2, 10 and 30 s).
    std::thread::sleep(Duration::from_secs(30));
    let runs = count_executions(&env.db(), Some("success")) - runs_start;
    let rss_end = proc_status(pid, "VmRSS");
    let metrics = get(&listen, "/metrics");
    let log = runner.stop();
    // One fire a second went on: 30 seconds, 29 to 31 runs (the edges).
    assert!((29..=31).contains(&runs), "{runs} runs in 30 s\n{log}");
    assert_eq!(count_executions(&env.db(), Some("missed")), 0, "{log}");
    assert!(
        rss_end < rss_start + 4 * 1024,
        "RSS grew from {rss_start} to {rss_end} KiB"
    );
    // Each target's trouble said once, without its secret.
    for port in [closed_port, mute.port] {
        let shown = format!("notifications to http://127.0.0.1:{port}/… fail:");
        assert_eq!(log.matches(&shown).count(), 1, "{shown}\n{log}");
    }
    assert!(!log.contains("SECRET"), "{log}");
    assert!(
        metrics.contains("tick_notification_attempts_failed_total "),
        "{metrics}"
    );
    let failed_attempts: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix("tick_notification_attempts_failed_total "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(failed_attempts >= 30, "{metrics}");
}

/// GET `path` from the runner's HTTP server (loopback: no token needed
/// for /metrics? it is: the runner serves it like `tick serve`).
fn get(listen: &str, path: &str) -> String {
    let mut body = String::new();
    wait_for("the metrics", 10, || {
        match ureq::get(&format!("http://{listen}{path}")).call() {
            Ok(mut r) => {
                body = r.body_mut().read_to_string().unwrap_or_default();
                true
            }
            Err(_) => false,
        }
    });
    body
}
