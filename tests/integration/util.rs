//! Test fixture: a temp folder and a builder that runs the real binary.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// A temp folder with its own jobs file path and a clean environment.
pub struct Env {
    dir: tempfile::TempDir,
}

impl Env {
    pub fn new() -> Env {
        Env {
            dir: tempfile::tempdir().expect("temp dir"),
        }
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    pub fn db(&self) -> PathBuf {
        self.dir.path().join("jobs.db")
    }

    /// The bytes of the jobs file and its write-ahead log: equal snapshots
    /// mean nothing was written.
    pub fn snapshot(&self) -> (Vec<u8>, Vec<u8>) {
        let wal = self.dir.path().join("jobs.db-wal");
        (
            std::fs::read(self.db()).unwrap_or_default(),
            std::fs::read(wal).unwrap_or_default(),
        )
    }

    /// `tick ARGS...` with TZ=UTC, no colour, and the jobs file in the temp folder.
    pub fn tick(&self, args: &[&str]) -> Run {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tick"));
        cmd.args(args)
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env("TICK_DB", self.db())
            .env("XDG_DATA_HOME", self.dir.path().join("xdg"))
            .env("HOME", self.dir.path());
        Run { cmd }
    }
}

pub struct Run {
    cmd: Command,
}

impl Run {
    pub fn env(mut self, key: &str, value: &str) -> Run {
        self.cmd.env(key, value);
        self
    }

    /// The same command with a terminal as its stdout and stderr (a
    /// pseudo-terminal of util-linux `script`; its output has `\r\n` line
    /// ends), interrupted (SIGINT, then SIGKILL 5 s later) after `secs`
    /// seconds, so that even `tick run` ends. `None`, after saying the test
    /// was skipped, where there is no `script` (under `CI` that fails).
    pub fn on_terminal(self, secs: u32) -> Option<Run> {
        if Command::new("script").arg("--version").output().is_err() {
            assert!(
                std::env::var_os("CI").is_none(),
                "no `script` for a terminal, and CI is set"
            );
            eprintln!("skipped: no `script` (util-linux) for a terminal");
            return None;
        }
        let mut line: Vec<String> = ["timeout", "-s", "INT", "-k", "5", &secs.to_string()]
            .map(String::from)
            .to_vec();
        line.push(self.cmd.get_program().to_string_lossy().into_owned());
        line.extend(
            self.cmd
                .get_args()
                .map(|a| a.to_string_lossy().into_owned()),
        );
        let mut cmd = Command::new("script");
        cmd.args(["-qec", &shell_words::join(line), "/dev/null"])
            .env_clear();
        for (k, v) in self.cmd.get_envs() {
            if let Some(v) = v {
                cmd.env(k, v);
            }
        }
        Some(Run { cmd })
    }

    pub fn output(mut self) -> Output {
        self.cmd.output().expect("run tick")
    }

    /// Run, expect exit 0 and an empty stderr; return stdout.
    pub fn ok(self) -> String {
        let out = self.output();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            out.status.success(),
            "tick failed: {:?}\nstderr: {stderr}",
            out.status
        );
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Run, expect exit code 2, nothing on stdout and exactly one `error:` line
    /// on stderr; return that line.
    pub fn usage_error(self) -> String {
        let out = self.output();
        let stderr = String::from_utf8_lossy(&out.stderr).to_string();
        assert_eq!(out.status.code(), Some(2), "stderr: {stderr}");
        assert_eq!(
            String::from_utf8_lossy(&out.stdout),
            "",
            "stdout must be empty"
        );
        let lines: Vec<&str> = stderr.lines().collect();
        assert_eq!(lines.len(), 1, "one line expected, got: {stderr}");
        assert!(lines[0].starts_with("error: "), "{stderr}");
        lines[0].to_string()
    }
}
