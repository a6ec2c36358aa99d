//! Notifications (`--notify`, docs/notifications.md): a local HTTP
//! receiver started here counts what arrives, a stand-in `sendmail` on
//! PATH records what it is given; nothing goes to an outside address.
//!
//! Here: the receivers and the events a runner sends; `delivery.rs`:
//! targets that refuse or never answer; `options.rs`: the options as
//! given, shown, exported and refused; `postgres.rs`: several runners.

mod delivery;
mod options;
mod postgres;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::util::{wait_for, Env};

/// A webhook on 127.0.0.1 that answers 200 to every POST and keeps each
/// JSON body, with when it arrived. Stopped on drop.
pub struct Receiver {
    pub port: u16,
    got: Arc<Mutex<Vec<(Instant, Value)>>>,
    stop: Arc<AtomicBool>,
}

impl Receiver {
    pub fn start() -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let got = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let (g, s) = (got.clone(), stop.clone());
        std::thread::spawn(move || {
            for conn in listener.incoming() {
                if s.load(Ordering::Relaxed) {
                    return;
                }
                if let Ok(conn) = conn {
                    if let Some(body) = read_post(conn) {
                        g.lock().unwrap().push((Instant::now(), body));
                    }
                }
            }
        });
        Receiver { port, got, stop }
    }

    pub fn url(&self) -> String {
        format!("http://127.0.0.1:{}/hook/SECRET-TOKEN", self.port)
    }

    /// Every notice so far, in order of arrival.
    pub fn notices(&self) -> Vec<Value> {
        self.got
            .lock()
            .unwrap()
            .iter()
            .map(|(_, v)| v.clone())
            .collect()
    }

    /// The `event` of each notice so far.
    pub fn events(&self) -> Vec<String> {
        self.notices()
            .iter()
            .map(|v| v["event"].as_str().unwrap_or("?").to_string())
            .collect()
    }

    /// Wait for a notice of `event`; it, and when it arrived.
    pub fn wait(&self, event: &str, secs: u64) -> (Instant, Value) {
        let mut found = None;
        wait_for(&format!("a {event} notice"), secs, || {
            found = self
                .got
                .lock()
                .unwrap()
                .iter()
                .find(|(_, v)| v["event"] == event)
                .cloned();
            found.is_some()
        });
        found.unwrap()
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// One request: its JSON body, after answering 200.
fn read_post(conn: TcpStream) -> Option<Value> {
    conn.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut reader = BufReader::new(conn.try_clone().ok()?);
    let mut length = 0;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().ok()?;
            }
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    let mut conn = conn;
    let _ = conn.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
    serde_json::from_slice(&body).ok()
}

/// A stand-in `sendmail` in `env`'s `bin` folder that appends its
/// arguments and standard input to `mail`; the PATH that finds it first.
pub fn fake_sendmail(env: &Env) -> String {
    let mail = env.path().join("mail");
    let script = format!(
        "{{ echo \"ARGS: $*\"; cat; echo '--- end'; }} >> {}\n",
        mail.display()
    );
    crate::util::stand_in(env.path(), "sendmail", &script)
}

/// What the stand-in `sendmail` got so far.
pub fn mail(env: &Env) -> String {
    std::fs::read_to_string(env.path().join("mail")).unwrap_or_default()
}

#[test]
fn failing_five_times_then_succeeding_sends_one_failure_and_one_recovery_across_a_restart() {
    let env = Env::new();
    let hook = Receiver::start();
    let count = env.path().join("count");
    std::fs::write(&count, "0").unwrap();
    let command = format!(
        "n=$(cat {c}); echo $((n+1)) > {c}; if [ $n -lt 5 ]; then echo \"attempt $n failed\"; exit 3; fi; echo fine",
        c = count.display()
    );
    env.tick(&[
        "add",
        "--id",
        "flaky",
        "--notify",
        &hook.url(),
        "cron",
        "* * * * * *",
        "--",
        &command,
    ])
    .ok();
    let first = env.runner("first", &["--no-echo"]);
    let (_, failure) = hook.wait("failure", 15);
    // A runner that restarts in the middle of the failures says nothing twice.
    first.stop();
    let second = env.runner("second", &["--no-echo"]);
    hook.wait("recovery", 20);
    // More successes: nothing more to say.
    std::thread::sleep(Duration::from_secs(2));
    let log = second.stop();
    assert_eq!(hook.events(), ["failure", "recovery"], "{log}");
    assert_eq!(failure["job_id"], "flaky");
    assert_eq!(failure["status"], "failed");
    assert_eq!(failure["exit_code"], 3);
    assert_eq!(failure["output"], "attempt 0 failed\n");
    assert!(failure["execution_id"].as_i64().unwrap() > 0);
    for field in [
        "scheduled_at",
        "started_at",
        "finished_at",
        "duration_ms",
        "host",
    ] {
        assert!(!failure[field].is_null(), "{field}: {failure}");
    }
    let text = failure["text"].as_str().unwrap();
    assert!(
        text.starts_with("job flaky failed with exit code 3 after "),
        "{text}"
    );
    assert!(text.contains("attempt 0 failed"), "{text}");
    assert_eq!(failure["content"], failure["text"]);
    let recovery = &hook.notices()[1];
    assert_eq!(recovery["reason"], "after: failure");
    assert_eq!(recovery["output"], "fine\n");
    // The URL's secret is never in the log.
    assert!(!log.contains("SECRET"), "{log}");
}

#[test]
fn a_run_passing_its_max_is_reported_while_it_still_runs() {
    let env = Env::new();
    let hook = Receiver::start();
    env.tick(&[
        "add",
        "--id",
        "slow",
        "--notify",
        &hook.url(),
        "--expect-duration",
        "..2s",
        "--first-run",
        "now",
        "cron",
        "0 0 1 1 *",
        "--",
        "sleep 6; echo done",
    ])
    .ok();
    let started = Instant::now();
    let runner = env.runner("r", &["--no-echo"]);
    let (at, long) = hook.wait("long", 15);
    // Sent while it runs: the execution is still running, and it was
    // sent within about a second of passing its 2 s.
    let history: Value =
        serde_json::from_str(&env.tick(&["history", "slow", "--json"]).ok()).unwrap();
    assert_eq!(history[0]["status"], "running", "{history}");
    assert!(at.duration_since(started) < Duration::from_secs(6));
    assert_eq!(long["status"], "running");
    assert!(long["finished_at"].is_null());
    assert!(long["duration_ms"].as_i64().unwrap() >= 2000, "{long}");
    assert_eq!(long["reason"], "expected at most 2s");
    assert!(long["text"]
        .as_str()
        .unwrap()
        .starts_with("job slow is still running after 2"));
    runner.wait_log("job slow finished", 15);
    let log = runner.stop();
    // A run over MAX is no recovery, and `long` was said once.
    assert_eq!(hook.events(), ["long"], "{log}");
}

/// Add `quiet` ("nightly export"), a job whose fire is a year away,
/// expected to succeed within 2 s; `before` goes before `add` (`--db`).
pub fn add_quiet(env: &Env, before: &[&str], hook: &Receiver) {
    let url = hook.url();
    let mut words = before.to_vec();
    words.extend([
        "add",
        "--id",
        "quiet",
        "--name",
        "nightly export",
        "--notify",
        &url,
        "--expect-success-within",
        "2s",
        "cron",
        "0 0 1 1 *",
        "--",
        "true",
    ]);
    env.tick(&words).ok();
}

#[test]
fn a_job_that_never_succeeds_sends_one_silent_and_a_restart_sends_no_other() {
    let env = Env::new();
    let hook = Receiver::start();
    // It never runs at all (its fire is a year away): the runner notices
    // that nothing succeeded within 2 s.
    add_quiet(&env, &[], &hook);
    let show = env.tick(&["show", "quiet"]).ok();
    assert!(show.contains("on failure, recovery, silent"), "{show}");
    let runner = env.runner("r", &["--no-echo"]);
    let (_, silent) = hook.wait("silent", 10);
    std::thread::sleep(Duration::from_secs(3));
    runner.stop();
    let again = env.runner("again", &["--no-echo"]);
    std::thread::sleep(Duration::from_secs(3));
    again.stop();
    assert_eq!(hook.events(), ["silent"]);
    assert_eq!(silent["job_name"], "nightly export");
    assert!(silent["execution_id"].is_null());
    assert!(
        silent["reason"]
            .as_str()
            .unwrap()
            .starts_with("no run succeeded within 2s"),
        "{silent}"
    );
}

#[test]
fn an_imported_mailto_mails_what_a_job_prints_through_sendmail() {
    let env = Env::new();
    let path = fake_sendmail(&env);
    let crontab = env.path().join("crontab");
    std::fs::write(
        &crontab,
        "MAILTO=ops@example.com\n# tick: --first-run now\n0 0 1 1 * echo hello from cron\n\
         # tick: --first-run now\n0 0 1 1 * true\nMAILTO=\"\"\n# tick: --first-run now\n0 0 1 1 * echo nobody hears\n",
    )
    .unwrap();
    env.tick(&["import", crontab.to_str().unwrap()])
        .ok_and_stderr();
    let runner = env.runner_with("r", &["--no-echo"], &[("PATH", &path)]);
    wait_for("the mail", 15, || mail(&env).contains("--- end"));
    std::thread::sleep(Duration::from_secs(2));
    runner.stop();
    let mail = mail(&env);
    assert_eq!(mail.matches("--- end").count(), 1, "{mail}");
    assert!(
        mail.starts_with("ARGS: -oi -t\nTo: ops@example.com\nSubject: tick: job "),
        "{mail}"
    );
    assert!(mail.contains("X-Tick-Event: output\n"), "{mail}");
    assert!(mail.contains("\nhello from cron\n"), "{mail}");
    assert!(!mail.contains("nobody hears"), "{mail}");
}

/// A removed job's raised conditions go with it: the same id added again
/// is told of its own first failure.
#[test]
fn a_job_added_again_under_a_removed_id_starts_with_no_condition_raised() {
    let env = Env::new();
    let hook = Receiver::start();
    let add = || {
        env.tick(&[
            "add",
            "--id",
            "again",
            "--notify",
            &hook.url(),
            "cron",
            "* * * * * *",
            "--",
            "exit 1",
        ])
        .ok();
    };
    add();
    let runner = env.runner("r", &["--no-echo"]);
    hook.wait("failure", 15);
    env.tick(&["remove", "again"]).ok();
    add();
    wait_for("the new job's first failure", 15, || {
        hook.events().len() == 2
    });
    let log = runner.stop();
    assert_eq!(hook.events(), ["failure", "failure"], "{log}");
}
