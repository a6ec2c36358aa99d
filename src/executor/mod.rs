//! Spawning job commands: `SHELL -c COMMAND` (the job's `--shell`, `/bin/sh`
//! unless given), or the program itself when the shell is `/bin/sh` and
//! the command needs none (`plain.rs`), in its own process group,
//! stdin from /dev/null, in the job's cwd (else `$HOME`), with its env
//! plus `TICK_JOB_ID` and `TICK_SCHEDULED_AT`; stdout and stderr captured (the last 64 KiB of each,
//! whatever the child prints) and optionally echoed line by line.
//!
//! Knows nothing of SQL or of the schedule. One supervisor thread watches
//! every child (`supervisor.rs`: `poll` over all pipes and, on Linux, a
//! pidfd per child, so nothing wakes while children are quiet); it reports
//! each end through a callback. No thread per child: a burst of 500
//! children costs no thread creation, and memory stays one 64 KiB read
//! buffer plus each child's tail. `watch.rs` holds a child's deadline and
//! the status it ends with, for `tick run` and `tick fire` alike; `reap.rs`
//! reaps a child with what it cost (peak memory, CPU time), which its end
//! carries to the store.

mod plain;
mod reap;
mod supervisor;
mod syntax;
mod watch;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;

use chrono::SecondsFormat;
use rustix::process::{kill_process_group, Pid, Signal};

use crate::model::{Fire, RunResult, DEFAULT_SHELL};
use supervisor::OnExit;
pub use supervisor::SoFar;
pub use syntax::{check_syntax, syntax_error};
pub use watch::{Sent, Watch, KILL_AFTER};

/// How much of each stream is kept.
pub const CAPTURE_BYTES: usize = 64 * 1024;

/// What to run: a fire (its command; its job and scheduled time given to
/// the command as `TICK_JOB_ID` and `TICK_SCHEDULED_AT`), where and with
/// what environment.
#[derive(Debug, Clone)]
pub struct Spec {
    pub fire: Fire,
    /// Given to the command as `TICK_EXECUTION_ID` (also how a later runner
    /// recognises the group of a dead runner's child).
    pub execution_id: i64,
    /// The shell that runs the fire's command (an absolute path).
    pub shell: String,
    /// Where it runs; `None`: in `$HOME` (see [`run_dir`]), never where
    /// the runner happened to start.
    pub cwd: Option<String>,
    pub env: BTreeMap<String, String>,
}

/// A spawned child.
#[derive(Debug)]
pub struct Child {
    pub pid: i32,
    /// What it printed so far (see [`SoFar`]).
    pub so_far: SoFar,
    /// The first signal sent its group (0: none), for a child run without
    /// a shell: the shell would have died of it.
    signalled: Arc<AtomicI32>,
}

impl Child {
    /// Signal the child's whole process group (the shell and everything it
    /// started). A group that is already gone is not an error.
    pub fn signal_group(&self, signal: Signal) {
        let first = signal.as_raw();
        let _ = (self.signalled).compare_exchange(0, first, Ordering::SeqCst, Ordering::SeqCst);
        if let Some(pid) = Pid::from_raw(self.pid) {
            let _ = kill_process_group(pid, signal);
        }
    }
}

/// Where echoed lines go: `[job] line` on the runner's stdout (through
/// [`crate::echo`], never blocking), or (for `tick fire`) each stream to its
/// own, unprefixed, as a plain pipe would.
#[derive(Clone)]
pub struct Echo {
    pub prefix: String,
    /// The child's stderr goes to our stderr instead of our stdout.
    pub split: bool,
}

impl Echo {
    fn raw(&self, data: &[u8], from_stderr: bool) {
        let _ = if from_stderr && self.split {
            std::io::stderr().lock().write_all(data)
        } else {
            std::io::stdout().lock().write_all(data)
        };
    }

    fn line(&self, line: &[u8], from_stderr: bool) {
        let prefix = self.prefix.as_bytes();
        if !self.split {
            // The runner's `[job] line`: never wait on stdout here.
            crate::echo::line(prefix, line)
        } else if from_stderr {
            crate::echo::write_line(&mut std::io::stderr().lock(), prefix, line)
        } else {
            crate::echo::write_line(&mut std::io::stdout().lock(), prefix, line)
        }
    }
}

/// Spawn a job. `on_exit` is called once, from the supervisor thread, when
/// the child has exited and its output is read (or after [`DRAIN`] more, if
/// a grandchild left in the background holds the pipes open).
///
/// A command of plain words runs without a shell (see `plain.rs`), with
/// the results `/bin/sh -c` would give; everything else, whatever the
/// direct path cannot start, and every command of a job with another
/// `--shell`, runs under `SHELL -c`.
pub fn spawn(
    spec: &Spec,
    echo: Option<Echo>,
    on_exit: impl FnOnce(RunResult) + Send + 'static,
) -> std::io::Result<Child> {
    spawn_watched(spec, echo, Box::new(on_exit), true, true, &|| true)?
        .ok_or_else(|| std::io::Error::other("not started"))
}

/// [`spawn`], only while `gate` holds (the runner's lease, see
/// `scheduler/lease.rs`): it is asked when all is ready, right before the
/// process is created (`None`: not created), and again right after; a
/// child created once the gate had closed (the caller was frozen between
/// the two) is killed with its group at once.
pub fn spawn_gated(
    spec: &Spec,
    echo: Option<Echo>,
    on_exit: impl FnOnce(RunResult) + Send + 'static,
    gate: &dyn Fn() -> bool,
) -> std::io::Result<Option<Child>> {
    spawn_watched(spec, echo, Box::new(on_exit), true, true, gate)
}

/// [`spawn_gated`], with what tests vary: whether a pidfd is used and
/// whether a plain command may run without a shell.
fn spawn_watched(
    spec: &Spec,
    echo: Option<Echo>,
    on_exit: OnExit,
    use_pidfd: bool,
    allow_direct: bool,
    gate: &dyn Fn() -> bool,
) -> std::io::Result<Option<Child>> {
    let wake = supervisor::start()?;
    // A direct spawn that fails (the file vanished, is no executable the
    // kernel knows, the cwd is missing) is tried again under the shell,
    // which says why as it always did.
    // Everything the spawn needs is built before the last fence check, so
    // that as little as can be lies between that check and the process's
    // creation (docs/several-machines.md: the one window left).
    let direct = allow_direct.then(|| direct(spec)).flatten();
    let mut shell = direct.is_none().then(|| shell_command(spec));
    if !gate() {
        return Ok(None);
    }
    let direct = direct.and_then(|(mut cmd, plain)| Some((cmd.spawn().ok()?, plain)));
    let (child, shell) = match direct {
        Some((child, plain)) => (child, Some(plain)),
        None => (
            shell.get_or_insert_with(|| shell_command(spec)).spawn()?,
            None,
        ),
    };
    let pid = child.id() as i32;
    if !gate() {
        if let Some(group) = Pid::from_raw(pid) {
            let _ = kill_process_group(group, Signal::KILL);
        }
    }
    let signalled = Arc::new(AtomicI32::new(0));
    let direct = shell.map(|shell| supervisor::Direct {
        shell,
        signalled: signalled.clone(),
        echo: echo.clone(),
    });
    let so_far = supervisor::hand_over(wake, child, echo, on_exit, use_pidfd, direct);
    Ok(Some(Child {
        pid,
        so_far,
        signalled,
    }))
}

/// `SHELL -c COMMAND`.
fn shell_command(spec: &Spec) -> Command {
    let mut cmd = Command::new(&spec.shell);
    cmd.arg("-c").arg(&spec.fire.command);
    setup(&mut cmd, spec);
    cmd
}

/// The command without a shell, if its shell is `/bin/sh` (what `plain.rs`
/// knows; a job's own `--shell` always runs), it needs none and its
/// program is found (else the shell looks and says why not), and how the
/// shell would have reported its end. It gets the environment the shell
/// would have passed: `PWD` set as dash sets it, no variables whose names
/// the shell drops.
fn direct(spec: &Spec) -> Option<(Command, plain::Shell)> {
    if spec.shell != DEFAULT_SHELL {
        return None;
    }
    let words = plain::plain_words(&spec.fire.command)?;
    let shell = plain::Shell::here()?;
    let var = |k: &str| {
        spec.env
            .get(k)
            .map(OsString::from)
            .or_else(|| std::env::var_os(k))
    };
    let dir = run_dir(spec);
    let program = plain::find_program(&words[0], &var("PATH")?, Some(&dir))?;
    let pwd = plain::pwd(var("PWD").as_deref(), &dir)?;
    let mut cmd = Command::new(program);
    cmd.arg0(&words[0]).args(&words[1..]);
    setup(&mut cmd, spec);
    let names = std::env::vars_os().map(|(k, _)| k);
    for name in names.chain(spec.env.keys().map(OsString::from)) {
        if !plain::shell_name(&name) {
            cmd.env_remove(name);
        }
    }
    cmd.env("PWD", pwd);
    Some((cmd, shell))
}

/// What every job's child gets, shell or not: stdin from /dev/null, its
/// output piped, its own process group, the job's env and cwd, TICK_*.
fn setup(cmd: &mut Command, spec: &Spec) {
    cmd.stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .envs(&spec.env)
        .env("TICK_JOB_ID", &spec.fire.job_id)
        .env("TICK_EXECUTION_ID", spec.execution_id.to_string())
        .env(
            "TICK_SCHEDULED_AT",
            spec.fire
                .scheduled_at
                .to_rfc3339_opts(SecondsFormat::Secs, true),
        );
    cmd.current_dir(run_dir(spec));
}

/// The folder a job runs in, the same under `tick run` and `tick fire`:
/// its cwd, else (a job stored without one: added over HTTP, or before
/// `tick add` recorded it) the `$HOME` of the user running it, else `/`.
fn run_dir(spec: &Spec) -> PathBuf {
    match &spec.cwd {
        Some(dir) => PathBuf::from(dir),
        None => home(),
    }
}

/// `$HOME` when it is an absolute path, else `/`.
fn home() -> PathBuf {
    std::env::var_os("HOME")
        .map(PathBuf::from)
        .filter(|h| h.is_absolute())
        .unwrap_or_else(|| PathBuf::from("/"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::Status;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    /// A first fire of job `job_id` running `command`.
    fn fire(job_id: impl Into<String>, command: impl Into<String>) -> Fire {
        Fire {
            job_id: job_id.into(),
            job_name: None,
            command: command.into(),
            scheduled_at: "2026-01-01T00:00:00Z".parse().unwrap(),
            attempt: 1,
            retry_of: None,
        }
    }

    fn run_with(command: &str, use_pidfd: bool) -> RunResult {
        let (tx, rx) = mpsc::channel();
        let spec = Spec {
            fire: fire("t", command),
            execution_id: 1,
            shell: DEFAULT_SHELL.into(),
            cwd: None,
            env: BTreeMap::from([("GREETING".to_string(), "hello".to_string())]),
        };
        let on_exit = Box::new(move |f| tx.send(f).unwrap());
        spawn_watched(&spec, None, on_exit, use_pidfd, true, &|| true)
            .unwrap()
            .unwrap();
        rx.recv_timeout(Duration::from_secs(20)).unwrap()
    }

    fn run(command: &str) -> RunResult {
        run_with(command, true)
    }

    #[test]
    fn exit_codes_and_signals() {
        for pidfd in [true, false] {
            assert_eq!(run_with("exit 0", pidfd).status(), Status::Success);
            let f = run_with("exit 3", pidfd);
            assert_eq!((f.status(), f.exit_code), (Status::Failed, Some(3)));
            let f = run_with("kill -TERM $$", pidfd);
            assert_eq!((f.status(), f.signal), (Status::Killed, Some(15)));
            // Reaped with what it cost, killed or not.
            assert!(f.usage.is_some_and(|u| u.peak_memory_kib > 0));
            // The shell closes its output and lives on: still waited for.
            let f = run_with("exec >&- 2>&-; sleep 0.3; exit 4", pidfd);
            assert_eq!(f.exit_code, Some(4));
        }
    }

    /// What a run cost covers the descendants it waited for: a shell's
    /// child that touches 20 MiB, and the CPU it spins.
    #[test]
    fn what_a_run_cost_includes_what_it_waited_for() {
        for pidfd in [true, false] {
            let f = run_with(
                "head -c 20000000 /dev/zero | tr '\\0' a | (x=$(cat); echo ${#x})",
                pidfd,
            );
            assert_eq!(f.stdout, b"20000000\n");
            let u = f.usage.unwrap();
            assert!(u.peak_memory_kib >= 20_000_000 / 1024, "{u:?}");
            assert!(u.user_cpu_us + u.system_cpu_us > 0, "{u:?}");
        }
    }

    #[test]
    fn environment_and_capture() {
        let f = run("echo \"$GREETING $TICK_JOB_ID $TICK_SCHEDULED_AT\"; echo oops >&2; read x; echo \"stdin:$x\"");
        assert_eq!(
            String::from_utf8(f.stdout).unwrap(),
            "hello t 2026-01-01T00:00:00Z\nstdin:\n"
        );
        assert_eq!(f.stderr, b"oops\n");
        assert!(!f.stdout_truncated);
    }

    #[test]
    fn capture_keeps_only_the_tail() {
        // 1 MB of output: the last 64 KiB are kept and marked truncated.
        let f = run("head -c 1000000 /dev/zero | tr '\\0' a; printf END");
        assert_eq!(f.stdout.len(), CAPTURE_BYTES);
        assert!(f.stdout.ends_with(b"aaaEND"));
        assert!(f.stdout_truncated);
    }

    #[test]
    fn a_background_grandchild_holding_the_pipes_does_not_hold_the_report() {
        for pidfd in [true, false] {
            let started = Instant::now();
            let f = run_with("echo before; sleep 10 & exit 5", pidfd);
            assert_eq!(f.exit_code, Some(5));
            assert_eq!(f.stdout, b"before\n");
            // Reported after the drain time, long before the grandchild ends.
            assert!(started.elapsed() < Duration::from_secs(8));
        }
    }

    #[test]
    fn the_output_so_far_is_there_while_the_child_runs() {
        let (tx, rx) = mpsc::channel();
        let spec = Spec {
            fire: fire("t", "echo first; sleep 1; echo second"),
            execution_id: 1,
            shell: DEFAULT_SHELL.into(),
            cwd: None,
            env: BTreeMap::new(),
        };
        let child = spawn(&spec, None, move |f| tx.send(f).unwrap()).unwrap();
        let end = Instant::now() + Duration::from_secs(5);
        let so_far = loop {
            if let Some(r) = child.so_far.changed() {
                break r;
            }
            assert!(Instant::now() < end, "no output so far");
            std::thread::sleep(Duration::from_millis(20));
        };
        assert_eq!(so_far.stdout, b"first\n");
        assert_eq!(so_far.exit_code, None);
        // Nothing new since: nothing to write again.
        assert!(child.so_far.changed().is_none());
        let f = rx.recv_timeout(Duration::from_secs(20)).unwrap();
        assert_eq!(f.stdout, b"first\nsecond\n");
    }

    #[test]
    fn many_children_at_once_are_each_reported_once() {
        let (tx, rx) = mpsc::channel();
        for i in 0..40 {
            let spec = Spec {
                fire: fire(
                    format!("j{i}"),
                    format!("echo $TICK_JOB_ID; exit {}", i % 7),
                ),
                execution_id: i.into(),
                shell: DEFAULT_SHELL.into(),
                cwd: None,
                env: BTreeMap::new(),
            };
            let tx = tx.clone();
            spawn(&spec, None, move |f| tx.send((i, f)).unwrap()).unwrap();
        }
        drop(tx);
        let mut seen: Vec<(i32, RunResult)> = rx.iter().collect();
        seen.sort_by_key(|(i, _)| *i);
        assert_eq!(seen.len(), 40);
        for (i, f) in seen {
            assert_eq!(f.exit_code, Some(i % 7));
            assert_eq!(f.stdout, format!("j{i}\n").as_bytes());
        }
    }

    /// A temp dir with small scripts, removed on drop.
    struct Scripts(std::path::PathBuf);

    impl Scripts {
        fn new(tag: &str) -> Scripts {
            use std::os::unix::fs::PermissionsExt;
            let dir = std::env::temp_dir().join(format!("tick-exec-{tag}-{}", std::process::id()));
            std::fs::create_dir_all(&dir).unwrap();
            for (name, body, mode) in [
                ("exits3", "echo out; echo err >&2; exit 3", 0o755),
                ("args", "for a; do echo \"[$a]\"; done", 0o755),
                ("segv", "echo before; kill -SEGV $$", 0o755),
                ("parent", "cat /proc/$PPID/comm", 0o755),
                ("zero", "echo \"$0\"", 0o755),
                ("plain-file", "echo never", 0o644),
            ] {
                let p = dir.join(name);
                std::fs::write(&p, format!("#!/bin/sh\n{body}\n")).unwrap();
                std::fs::set_permissions(&p, std::fs::Permissions::from_mode(mode)).unwrap();
            }
            Scripts(dir)
        }

        fn spec(&self, command: &str) -> Spec {
            Spec {
                fire: fire("eq", command.replace("DIR", self.0.to_str().unwrap())),
                execution_id: 7,
                shell: DEFAULT_SHELL.into(),
                cwd: None,
                env: BTreeMap::from([("GREETING".to_string(), "hello".to_string())]),
            }
        }
    }

    impl Drop for Scripts {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Run `spec` forced under the shell, or directly if it can;
    /// `term_after`: SIGTERM its group then, as a timeout does.
    fn run_path(spec: &Spec, direct: bool, term_after: Option<Duration>) -> RunResult {
        let (tx, rx) = mpsc::channel();
        let on_exit = Box::new(move |f| tx.send(f).unwrap());
        let child = spawn_watched(spec, None, on_exit, true, direct, &|| true)
            .unwrap()
            .unwrap();
        if let Some(after) = term_after {
            std::thread::sleep(after);
            child.signal_group(Signal::TERM);
        }
        rx.recv_timeout(Duration::from_secs(20)).unwrap()
    }

    #[test]
    fn plain_commands_give_what_the_shell_gives() {
        let s = Scripts::new("eq");
        let with = |command: &str, f: &dyn Fn(&mut Spec)| {
            let mut spec = s.spec(command);
            f(&mut spec);
            spec
        };
        let table = [
            with("DIR/exits3", &|_| {}),
            with("DIR/args 'a b'  \"c d\" e'f g'h '' --x=1", &|_| {}),
            with("DIR/segv", &|_| {}),
            with("./args here", &|sp| {
                sp.cwd = Some(s.0.display().to_string())
            }),
            // A script's $0 is the path the shell exec'd.
            with("./zero", &|sp| sp.cwd = Some(s.0.display().to_string())),
            with("zero", &|sp| {
                sp.env
                    .insert("PATH".into(), format!("/nonexistent:{}", s.0.display()));
            }),
            with("args from-path", &|sp| {
                sp.env
                    .insert("PATH".into(), format!("{}:/usr/bin:/bin", s.0.display()));
            }),
            // The whole environment, PWD included, as the program sees it.
            with("env", &|_| {}),
            with("env", &|sp| sp.cwd = Some("/".into())),
            with("/usr/bin/env true", &|_| {}),
            with("ls DIR/args", &|_| {}),
        ];
        // Text, for readable failures; `env` lists the same variables in
        // another order (dash's is its hash table's).
        let text = |f: RunResult, sort: bool| {
            let mut out: Vec<_> = String::from_utf8(f.stdout)
                .unwrap()
                .lines()
                .map(String::from)
                .collect();
            if sort {
                out.sort();
            }
            (
                f.exit_code,
                f.signal,
                out,
                String::from_utf8(f.stderr).unwrap(),
            )
        };
        for spec in &table {
            assert!(
                super::direct(spec).is_some(),
                "{:?} would not run directly",
                spec.fire.command
            );
            let sort = spec.fire.command == "env";
            let by_shell = text(run_path(spec, false, None), sort);
            assert_eq!(
                text(run_path(spec, true, None), sort),
                by_shell,
                "{:?}",
                spec.fire.command
            );
        }
        let env = run_path(
            table.iter().find(|sp| sp.fire.command == "env").unwrap(),
            true,
            None,
        );
        let env = String::from_utf8(env.stdout).unwrap();
        assert!(env.contains("\nTICK_JOB_ID=eq\n") && env.contains("\nGREETING=hello\n"));
        let segv = run_path(&table[2], true, None);
        assert_eq!((segv.exit_code, segv.signal), (Some(139), None));

        // A timeout's SIGTERM to the group: killed by signal 15 either way.
        let spec = s.spec("sleep 5");
        assert!(super::direct(&spec).is_some());
        for direct in [false, true] {
            let f = run_path(&spec, direct, Some(Duration::from_millis(100)));
            assert_eq!(
                (f.status(), f.exit_code, f.signal),
                (Status::Killed, None, Some(15))
            );
        }
    }

    #[test]
    fn what_the_shell_must_explain_runs_under_the_shell() {
        let s = Scripts::new("why");
        // Not found (127) and not executable (126): the shell says why.
        for (command, code) in [("no-such-program-tick", 127), ("DIR/plain-file", 126)] {
            let spec = s.spec(command);
            assert!(super::direct(&spec).is_none());
            // The same but for what each run cost.
            let run = |direct| RunResult {
                usage: None,
                ..run_path(&spec, direct, None)
            };
            let f = run(true);
            assert_eq!(f, run(false));
            let stderr = String::from_utf8(f.stderr).unwrap();
            assert_eq!(f.exit_code, Some(code), "{stderr}");
            assert!(stderr.contains(&spec.fire.command), "{stderr}");
        }
        // A PATH without the program: not found, whatever tick's PATH says.
        let mut spec = s.spec("ls");
        spec.env.insert("PATH".into(), s.0.display().to_string());
        assert!(super::direct(&spec).is_none());
        assert_eq!(run_path(&spec, true, None).exit_code, Some(127));
    }

    #[test]
    fn a_plain_command_really_runs_without_a_shell() {
        let s = Scripts::new("tree");
        let spec = s.spec("DIR/parent");
        let parent = |direct| String::from_utf8(run_path(&spec, direct, None).stdout).unwrap();
        assert_eq!(parent(false), "sh\n");
        // Its parent is this test process (its name, cut to 15 bytes).
        let me = std::fs::read_to_string("/proc/self/comm").unwrap();
        assert_eq!(parent(true), me);
        assert_ne!(me, "sh\n");
    }
}
