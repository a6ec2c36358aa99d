//! Test fixture: a temp folder, a builder that runs the real binary, and
//! [`Runner`], the one harness for a `tick run` in the background (killed
//! on drop, whatever the test's outcome).

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use rustix::process::{kill_process, Pid, Signal};

/// Say that the running test (or a part of it) was skipped, and why, where
/// a person sees it: straight to stderr, past libtest's capture, which
/// swallows `eprintln!` of a passing test. Whole tests that need a tool
/// are rather `#[ignore]`d when it is missing (see `build.rs`), which the
/// summary counts; this is for what only the test itself can find out.
pub fn skipped(why: &str) {
    use std::io::Write;
    let thread = std::thread::current();
    let test = thread.name().unwrap_or("a test");
    let _ = writeln!(std::io::stderr(), "test {test}: skipped: {why}");
}

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
        Run {
            cmd: self.command(args),
        }
    }

    pub fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_tick"));
        cmd.args(args);
        self.clean_env(&mut cmd);
        cmd
    }

    /// The environment every tick of a test sees; it starts in the temp
    /// folder, its `$HOME` (as a user in a terminal would), so that jobs
    /// record that folder as theirs and never the repository.
    fn clean_env(&self, cmd: &mut Command) {
        cmd.current_dir(self.dir.path())
            .env_clear()
            .env("PATH", std::env::var_os("PATH").unwrap_or_default())
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .env("TICK_DB", self.db())
            .env("XDG_DATA_HOME", self.dir.path().join("xdg"))
            .env("HOME", self.dir.path());
    }

    /// Add `n` jobs `j0`, `j1`, ... that run `command` every second.
    pub fn add_every_second(&self, n: usize, command: &str) {
        for i in 0..n {
            let id = format!("j{i}");
            self.tick(&["add", "--id", &id, "cron", "* * * * * *", "--", command])
                .ok();
        }
    }

    /// `tick run EXTRA...` in the background; its stderr goes to
    /// `NAME.err` and its stdout to `NAME.out` in the temp folder.
    pub fn runner(&self, name: &str, extra: &[&str]) -> Runner {
        self.start_runner(name, extra, false)
    }

    /// Like [`Env::runner`], with stdout a pipe for the test to read (or not).
    pub fn runner_piped(&self, name: &str, extra: &[&str]) -> Runner {
        self.start_runner(name, extra, true)
    }

    /// Like [`Env::runner`], started by `/bin/sh -c 'SHELL && exec tick run
    /// EXTRA...'` (to set a ulimit, say).
    pub fn runner_after(&self, name: &str, shell: &str, extra: &[&str]) -> Runner {
        let script = format!("{shell} && exec \"$0\" run \"$@\"");
        let mut sh = Command::new("/bin/sh");
        sh.args(["-c", &script, env!("CARGO_BIN_EXE_tick")])
            .args(extra);
        self.clean_env(&mut sh);
        self.spawn_runner(name, sh, false)
    }

    /// Like [`Env::runner`], with these variables added to its environment.
    pub fn runner_with(&self, name: &str, extra: &[&str], vars: &[(&str, &str)]) -> Runner {
        let mut args = vec!["run"];
        args.extend_from_slice(extra);
        let mut cmd = self.command(&args);
        cmd.envs(vars.iter().copied());
        self.spawn_runner(name, cmd, false)
    }

    fn start_runner(&self, name: &str, extra: &[&str], piped: bool) -> Runner {
        let mut args = vec!["run"];
        args.extend_from_slice(extra);
        self.spawn_runner(name, self.command(&args), piped)
    }

    fn spawn_runner(&self, name: &str, mut cmd: Command, piped: bool) -> Runner {
        let stdout = self.path().join(format!("{name}.out"));
        let stderr = self.path().join(format!("{name}.err"));
        let out = if piped {
            Stdio::piped()
        } else {
            std::fs::File::create(&stdout).unwrap().into()
        };
        let child = cmd
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(std::fs::File::create(&stderr).unwrap())
            .spawn()
            .expect("start tick run");
        Runner {
            child,
            stderr,
            stdout,
        }
    }
}

/// A `tick run` in the background. Dropping it kills it (SIGKILL) and
/// reaps it, so a failing assertion never leaves a runner behind.
pub struct Runner {
    pub child: Child,
    stderr: PathBuf,
    stdout: PathBuf,
}

impl Runner {
    pub fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    pub fn signal(&self, sig: Signal) {
        kill_process(Pid::from_raw(self.pid()).unwrap(), sig).unwrap();
    }

    /// What it logged on stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.stderr).unwrap_or_default()
    }

    /// What it wrote on stdout so far (not for [`Env::runner_piped`]).
    pub fn out(&self) -> String {
        std::fs::read_to_string(&self.stdout).unwrap_or_default()
    }

    /// Wait for the log to contain `text`.
    pub fn wait_log(&self, text: &str, secs: u64) {
        let end = Instant::now() + Duration::from_secs(secs);
        while Instant::now() < end {
            if self.log().contains(text) {
                return;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        panic!("log never said {text:?}:\n{}", self.log());
    }

    /// Wait for exit; `None` if it is still running after `secs`.
    pub fn wait_exit(&mut self, secs: u64) -> Option<std::process::ExitStatus> {
        wait_exit(&mut self.child, secs)
    }

    /// SIGINT, expect a clean exit within 15 s; the log.
    pub fn stop(mut self) -> String {
        self.signal(Signal::INT);
        let status = self
            .wait_exit(15)
            .expect("runner did not stop after SIGINT");
        assert!(
            status.success(),
            "runner exited with {status:?}:\n{}",
            self.log()
        );
        self.log()
    }

    /// SIGINT twice (stop, then kill the children), expect a clean exit.
    pub fn stop_killing(self) -> String {
        self.signal(Signal::INT);
        std::thread::sleep(Duration::from_millis(200));
        self.stop()
    }

    /// kill -9, and reap it.
    pub fn kill9(mut self) {
        self.signal(Signal::KILL);
        let _ = self.child.wait();
    }
}

impl Drop for Runner {
    fn drop(&mut self) {
        reap(&mut self.child);
    }
}

/// Any other process a test starts: killed (SIGKILL) and reaped on drop,
/// so a failing assertion or a hang never leaves it behind.
pub struct Reaped(pub Child);

impl Reaped {
    /// Wait for exit; `None` if it is still running after `secs`.
    pub fn wait_exit(&mut self, secs: u64) -> Option<std::process::ExitStatus> {
        wait_exit(&mut self.0, secs)
    }
}

impl Drop for Reaped {
    fn drop(&mut self) {
        reap(&mut self.0);
    }
}

fn reap(child: &mut Child) {
    let _ = child.kill();
    let _ = child.wait();
}

fn wait_exit(child: &mut Child, secs: u64) -> Option<std::process::ExitStatus> {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if let Some(s) = child.try_wait().unwrap() {
            return Some(s);
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    None
}

/// Poll `ok` every 100 ms for up to `secs`; panic naming `what` if it never holds.
pub fn wait_for(what: &str, secs: u64, mut ok: impl FnMut() -> bool) {
    let end = Instant::now() + Duration::from_secs(secs);
    while Instant::now() < end {
        if ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    panic!("timed out waiting for {what}");
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
            skipped("no `script` (util-linux) for a terminal");
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
        assert_eq!(stderr, "", "stderr must be empty");
        String::from_utf8(out.stdout).expect("utf-8 stdout")
    }

    /// Run, expect exit 0; return stdout and stderr (notes, warnings).
    pub fn ok_and_stderr(self) -> (String, String) {
        let out = self.output();
        let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(
            out.status.success(),
            "tick failed: {:?}\nstderr: {stderr}",
            out.status
        );
        (String::from_utf8(out.stdout).expect("utf-8 stdout"), stderr)
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

/// A number field of /proc/PID/status (`VmHWM`, `Threads`...); 0 once gone.
pub fn proc_status(pid: u32, field: &str) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.split_whitespace().next()?.parse().ok())
        .unwrap_or(0)
}

/// Live processes whose command line is `needle`.
pub fn processes_running(needle: &str) -> usize {
    std::fs::read_dir("/proc")
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().to_str()?.parse::<u32>().ok())
        .filter(|pid| {
            let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
            let zombie = stat
                .rsplit(')')
                .next()
                .is_some_and(|r| r.trim_start().starts_with('Z'));
            let cmd = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
            !zombie && String::from_utf8_lossy(&cmd).replace('\0', " ").trim_end() == needle
        })
        .count()
}

/// A stand-in program `name` in `dir/bin` running `script` (a shell
/// script's body); the PATH that finds it first.
pub fn stand_in(dir: &Path, name: &str, script: &str) -> String {
    let bin = dir.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let program = bin.join(name);
    std::fs::write(&program, format!("#!/bin/sh\n{script}")).unwrap();
    std::fs::set_permissions(
        &program,
        std::os::unix::fs::PermissionsExt::from_mode(0o755),
    )
    .unwrap();
    format!(
        "{}:{}",
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    )
}

/// The lines of a file a job or listener appends to (none if it is missing).
pub fn file_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_string)
        .collect()
}

/// How many executions of the jobs file have `status` (`None`: all).
pub fn count_executions(db: &Path, status: Option<&str>) -> i64 {
    rusqlite::Connection::open(db)
        .unwrap()
        .query_row(
            "SELECT count(*) FROM executions WHERE ?1 IS NULL OR status = ?1",
            [status],
            |r| r.get(0),
        )
        .unwrap()
}

/// A file each process start of a job appends its `TICK_SCHEDULED_AT` to:
/// starts are counted, not rows.
pub struct Starts(PathBuf);

impl Starts {
    pub fn new(env: &Env) -> Starts {
        Starts(env.path().join("starts"))
    }

    /// The job command that records a start.
    pub fn command(&self) -> String {
        format!("echo $TICK_SCHEDULED_AT >> {}", self.0.display())
    }

    /// Every start so far, in order.
    pub fn lines(&self) -> Vec<String> {
        file_lines(&self.0)
    }

    /// Every start so far, after asserting that no fire started twice.
    pub fn assert_each_once(&self) -> Vec<String> {
        let started = self.lines();
        let mut unique = started.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(
            unique.len(),
            started.len(),
            "a fire started twice: {started:?}"
        );
        started
    }
}
