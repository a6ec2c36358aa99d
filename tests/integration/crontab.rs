//! `tick import` and `tick export` through the real binary.

use serde_json::Value;

use crate::util::Env;

const DEBIAN: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/debian.crontab");

fn jobs(env: &Env) -> Vec<Value> {
    serde_json::from_str::<Value>(&env.tick(&["list", "--all", "--json"]).ok())
        .unwrap()
        .as_array()
        .unwrap()
        .clone()
}

fn by_command<'a>(jobs: &'a [Value], needle: &str) -> &'a Value {
    jobs.iter()
        .find(|j| j["command"].as_str().unwrap().contains(needle))
        .unwrap_or_else(|| panic!("no job with {needle}"))
}

#[test]
fn imports_a_real_crontab() {
    let env = Env::new();
    let out = env.tick(&["import", DEBIAN]).output();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("line 8: SHELL ignored"), "{stderr}");
    assert!(stderr.contains("line 9: MAILTO ignored"), "{stderr}");
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("imported 9 job(s): "));
    let jobs = jobs(&env);
    assert_eq!(jobs.len(), 9);
    let backup = by_command(&jobs, "backup.sh");
    assert_eq!(backup["trigger"], "cron 30 2 * * * (Europe/Berlin)");
    assert_eq!(
        backup["command"],
        "/usr/local/bin/backup.sh --full > /dev/null 2>&1"
    );
    assert_eq!(
        backup["env"]["PATH"],
        "/usr/local/sbin:/usr/local/bin:/sbin:/bin:/usr/sbin:/usr/bin"
    );
    assert!(backup["env"].get("SHELL").is_none() && backup["env"].get("MAILTO").is_none());
    assert_eq!(
        by_command(&jobs, "first monday")["trigger"],
        "cron 0 9 * * mon#1 (Europe/Berlin)"
    );
    assert_eq!(by_command(&jobs, "on-boot")["trigger"], "cron @reboot");
    assert_eq!(
        by_command(&jobs, "find /tmp")["trigger"],
        "cron @daily (UTC)"
    );
    assert_eq!(
        by_command(&jobs, "hourly.log")["command"],
        "date +%F-%H >> /var/log/hourly.log"
    );
    let mail = by_command(&jobs, "weekly");
    assert_eq!(mail["trigger"], "cron 15 4 * * 0 (UTC)");
    // The text after % is the command's standard input.
    let id = mail["id"].as_str().unwrap();
    env.tick(&[
        "modify",
        id,
        "--command",
        &mail["command"]
            .as_str()
            .unwrap()
            .replace("mail -s \"weekly\" root", "cat"),
    ])
    .ok();
    let out = env.tick(&["fire", id]).ok();
    assert_eq!(out, "Weekly report\nAll good.\n");
}

#[test]
fn import_is_all_or_nothing_and_names_each_bad_line() {
    let env = Env::new();
    env.tick(&["add", "--id", "keep", "cron", "@daily", "--", "true"])
        .ok();
    let before = env.snapshot();
    let bad = env.path().join("bad.crontab");
    std::fs::write(
        &bad,
        "0 3 * * * fine\n0 25 * * * bad\nCRON_TZ=Mars/Base\n* * * * * zone\n* * *\n",
    )
    .unwrap();
    let out = env.tick(&["import", bad.to_str().unwrap()]).output();
    assert_eq!(out.status.code(), Some(2));
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    let err = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert!(
        lines[0].contains("line 2: invalid cron expression '0 25 * * *'"),
        "{err}"
    );
    assert!(
        lines[1].contains("line 4: CRON_TZ: unknown time zone 'Mars/Base'"),
        "{err}"
    );
    assert!(lines[2].contains("line 5: expected 5 time fields"), "{err}");
    assert!(
        lines[3].ends_with("3 line(s) could not be imported; nothing was added"),
        "{err}"
    );
    assert_eq!(env.snapshot(), before);
    let line = env.tick(&["import", "/no/such/file"]).usage_error();
    assert!(
        line.contains("cannot read crontab '/no/such/file'"),
        "{line}"
    );
}

#[test]
fn import_reads_stdin() {
    let env = Env::new();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_tick"))
        .args(["import", "-"])
        .env("TICK_DB", env.db())
        .env("TZ", "UTC")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write;
    child
        .stdin
        .take()
        .unwrap()
        .write_all(b"*/5 * * * * echo hi\n")
        .unwrap();
    assert!(child.wait().unwrap().success());
    assert_eq!(jobs(&env)[0]["trigger"], "cron */5 * * * * (UTC)");
}

#[test]
fn export_then_import_gives_the_same_schedules() {
    let env = Env::new();
    env.tick(&["import", DEBIAN]).ok();
    env.tick(&[
        "add",
        "cron",
        "0 30 6 * * *",
        "--tz",
        "Asia/Tokyo",
        "--",
        "echo six-field",
    ])
    .ok();
    env.tick(&[
        "add", "--id", "iv", "interval", "--every", "5m", "--", "true",
    ])
    .ok();
    env.tick(&[
        "add",
        "--id",
        "secs",
        "cron",
        "*/10 * * * * *",
        "--",
        "true",
    ])
    .ok();
    env.tick(&["add", "--id", "aps", "cron", "--hour", "5", "--", "true"])
        .ok();
    env.tick(&[
        "add",
        "--id",
        "to",
        "cron",
        "@daily",
        "--timeout",
        "1m",
        "--",
        "with timeout",
    ])
    .ok();
    let out = env.tick(&["export"]).output();
    assert!(out.status.success());
    let exported = String::from_utf8(out.stdout).unwrap();
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(
        warnings.contains("job iv: not exported: crontab cannot express interval triggers"),
        "{warnings}"
    );
    assert!(
        warnings.contains("job secs: not exported: crontab has no seconds field"),
        "{warnings}"
    );
    assert!(warnings.contains("job aps: not exported"), "{warnings}");
    assert!(
        warnings.contains("job to: exported without --timeout"),
        "{warnings}"
    );
    assert!(
        exported.contains("@hourly date +\\%F-\\%H >> /var/log/hourly.log"),
        "{exported}"
    );

    let file = env.path().join("exported.crontab");
    std::fs::write(&file, &exported).unwrap();
    let other = Env::new();
    other.tick(&["import", file.to_str().unwrap()]).ok();
    let schedules = |jobs: Vec<Value>| {
        let mut s: Vec<(String, String)> = jobs
            .iter()
            .filter(|j| !["iv", "secs", "aps"].contains(&j["id"].as_str().unwrap()))
            .filter(|j| !j["command"].as_str().unwrap().contains('\n'))
            .map(|j| {
                let t = j["trigger"]
                    .as_str()
                    .unwrap()
                    .replace("0 30 6 * * *", "30 6 * * *");
                (t, j["command"].as_str().unwrap().to_string())
            })
            .collect();
        s.sort();
        s
    };
    let want = schedules(jobs(&env));
    assert_eq!(want.len(), 10, "{want:?}");
    assert_eq!(schedules(jobs(&other)), want);
}

#[test]
fn import_errors_show_control_characters_escaped() {
    let env = Env::new();
    let bad = env.path().join("bad.crontab");
    std::fs::write(&bad, "\x1b]0;PWNED\x07 * * * * x\n").unwrap();
    let out = env.tick(&["import", bad.to_str().unwrap()]).output();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(!err.contains(['\x1b', '\x07']), "{err:?}");
    assert!(
        err.lines()
            .next()
            .unwrap()
            .contains("line 1: invalid cron expression '\\x1b]0;PWNED\\x07 * * * *'"),
        "{err}"
    );
}
