//! Probes for the tests that need more than Rust: a PostgreSQL server,
//! Chromium with chromedriver, Python's `prometheus_client`, Debian's
//! libfaketime, root. What is missing sets a `cfg` (`tick_no_postgres`,
//! ...) under which those tests are `#[ignore = "why"]`, so `cargo test`
//! lists each as `ignored, why` and counts it in its summary line, instead
//! of a pass that tested nothing. With `CI` set nothing is ignored: the
//! tests run and fail without their tools (see docs/testing.md).
//!
//! The probes are cheap and local (file checks, one `python3 -c`, one
//! connection to a loopback port). They run when this file changes, when
//! `CI` or `TICK_TEST_PG` change, and when Debian installs or removes a
//! package; after installing a tool otherwise (pip), `touch build.rs`.

use std::net::{IpAddr, SocketAddr, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

/// Every cfg this script may set.
const CFGS: [&str; 5] = [
    "tick_no_postgres",
    "tick_no_chromium",
    "tick_no_prometheus_client",
    "tick_no_faketime",
    "tick_not_root",
];

fn main() {
    println!("cargo::rerun-if-changed=build.rs");
    println!("cargo::rerun-if-env-changed=CI");
    println!("cargo::rerun-if-env-changed=TICK_TEST_PG");
    // apt-get install (chromium, faketime, postgresql) rewrites it.
    if Path::new("/var/lib/dpkg/status").exists() {
        println!("cargo::rerun-if-changed=/var/lib/dpkg/status");
    }
    for cfg in CFGS {
        println!("cargo::rustc-check-cfg=cfg({cfg})");
    }
    if std::env::var_os("CI").is_some() {
        return;
    }
    let missing = [
        ("tick_no_postgres", !postgres_answers()),
        (
            "tick_no_chromium",
            !Path::new("/usr/bin/chromium").exists()
                || !Path::new("/usr/bin/chromedriver").exists(),
        ),
        (
            "tick_no_prometheus_client",
            !python_has("prometheus_client"),
        ),
        (
            "tick_no_faketime",
            !Path::new("/usr/lib/x86_64-linux-gnu/faketime/libfaketimeMT.so.1").exists(),
        ),
        ("tick_not_root", !is_root()),
    ];
    for (cfg, yes) in missing {
        if yes {
            println!("cargo::rustc-cfg={cfg}");
        }
    }
}

/// Whether the tests' PostgreSQL server (`TICK_TEST_PG`, default
/// `postgres://postgres@127.0.0.1:5432`) takes a connection. A server
/// that is not on this machine is not probed (the tests find out).
fn postgres_answers() -> bool {
    let url = std::env::var("TICK_TEST_PG")
        .unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432".into());
    let rest = url.split_once("://").map_or(url.as_str(), |(_, r)| r);
    let rest = rest.rsplit_once('@').map_or(rest, |(_, r)| r);
    let hostport = rest.split(['/', '?']).next().unwrap_or("");
    let (host, port) = match hostport.rsplit_once(':') {
        Some((h, p)) if !h.is_empty() && !p.contains(']') => (h, p.parse().unwrap_or(5432)),
        _ => (hostport, 5432),
    };
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let ips: Vec<IpAddr> = match host {
        "" | "localhost" => vec![
            IpAddr::from([127, 0, 0, 1]),
            IpAddr::from([0u16, 0, 0, 0, 0, 0, 0, 1]),
        ],
        // A socket folder (`host=/var/run/postgresql`).
        h if h.starts_with('/') => return Path::new(&format!("{h}/.s.PGSQL.{port}")).exists(),
        h => match h.parse::<IpAddr>() {
            Ok(ip) if ip.is_loopback() => vec![ip],
            // Another machine: not probed from a build (no DNS, no network).
            _ => return true,
        },
    };
    ips.into_iter().any(|ip| {
        TcpStream::connect_timeout(&SocketAddr::new(ip, port), Duration::from_millis(500)).is_ok()
    })
}

fn python_has(module: &str) -> bool {
    Command::new("python3")
        .args(["-c", &format!("import {module}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success())
}

/// Whether the effective user is root (from `/proc`: no unsafe here).
fn is_root() -> bool {
    std::fs::read_to_string("/proc/self/status").is_ok_and(|s| {
        s.lines()
            .find_map(|l| l.strip_prefix("Uid:"))
            .and_then(|ids| ids.split_whitespace().nth(1).map(|e| e == "0"))
            .unwrap_or(false)
    })
}
