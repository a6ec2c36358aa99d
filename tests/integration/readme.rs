//! The README's commands work as written: every `tick ...` line of its `sh`
//! blocks runs, in order, against a temp jobs file (except `tick run`, which
//! runs until stopped and is tested in `run`). Scripts the examples mention
//! (backup.sh, ...) are small stubs on PATH.

use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use crate::util::Env;

fn readme_commands() -> Vec<String> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut out = Vec::new();
    let mut in_sh = false;
    for line in text.lines() {
        if line.starts_with("```") {
            in_sh = line == "```sh";
            continue;
        }
        let cmd = line.trim();
        if in_sh && cmd.starts_with("tick ") && !cmd.starts_with("tick run") {
            out.push(cmd.to_string());
        }
    }
    out
}

#[test]
fn every_readme_command_runs() {
    let env = Env::new();
    let stubs = env.path().join("stubs");
    std::fs::create_dir(&stubs).unwrap();
    for script in ["backup.sh", "report.sh"] {
        let p = stubs.join(script);
        std::fs::write(&p, "#!/bin/sh\necho \"$0 $*: ok\"\n").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let bin = std::path::Path::new(env!("CARGO_BIN_EXE_tick"))
        .parent()
        .unwrap()
        .to_path_buf();
    let path = format!(
        "{}:{}:{}",
        stubs.display(),
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let commands = readme_commands();
    assert!(
        commands.len() >= 25,
        "only {} commands found",
        commands.len()
    );
    let mut failures = Vec::new();
    for cmd in &commands {
        let out = Command::new("/bin/sh")
            .args(["-c", cmd])
            .current_dir(env.path())
            .env("PATH", &path)
            .env("TICK_DB", env.db())
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        if !out.status.success() {
            failures.push(format!(
                "{cmd}\n  -> {:?}: {}",
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "README commands that failed:\n{}",
        failures.join("\n")
    );
    // The walk-through really did something.
    let logs = Command::new(env!("CARGO_BIN_EXE_tick"))
        .args(["logs", "backup"])
        .env("TICK_DB", env.db())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&logs.stdout).contains("backup.sh --full: ok"));
    assert!(env.path().join("my.crontab").exists());
}
