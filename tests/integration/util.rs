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
