//! Input that is text to people but not to the kernel: an argument that is
//! not UTF-8 (refused by name, never a panic), a NUL or a string longer
//! than Linux passes to a program (MAX_ARG_STRLEN), an environment name
//! that is not one, and the job ids `.` and `..`: refused when given, on
//! the command line and by `tick import` and `tick copy`, instead of
//! failing at every fire. (Over HTTP: `http/refusals.rs`.)

use std::ffi::{OsStr, OsString};
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::process::{Output, Stdio};

use crate::util::{Env, Reaped};

/// A word that is not UTF-8.
fn bad(prefix: &str) -> OsString {
    let mut bytes = prefix.as_bytes().to_vec();
    bytes.extend_from_slice(b"\xff\xfe");
    OsStr::from_bytes(&bytes).to_os_string()
}

/// `tick WORDS...` where `None` is the word that is not UTF-8; killed if it
/// has not ended in 20 s (a command line that runs on would be a failure).
fn tick_with(env: &Env, words: &[Option<&str>]) -> Output {
    let mut cmd = env.command(&[]);
    for w in words {
        match w {
            Some(w) => cmd.arg(w),
            None => cmd.arg(bad("x")),
        };
    }
    let child = cmd
        .current_dir(env.path())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut child = Reaped(child);
    assert!(child.wait_exit(20).is_some(), "{words:?} did not end");
    let Reaped(child) = &mut child;
    let mut out = Output {
        status: child.wait().unwrap(),
        stdout: Vec::new(),
        stderr: Vec::new(),
    };
    use std::io::Read;
    child
        .stdout
        .take()
        .unwrap()
        .read_to_end(&mut out.stdout)
        .unwrap();
    child
        .stderr
        .take()
        .unwrap()
        .read_to_end(&mut out.stderr)
        .unwrap();
    out
}

/// Every subcommand with the bad word where a value of each kind goes.
fn sweep() -> Vec<Vec<Option<&'static str>>> {
    let x = None;
    let s = Some;
    let mut lines = vec![
        vec![x],
        vec![s("--color"), x, s("list")],
        vec![s("add"), s("cron"), x, s("--"), s("true")],
        vec![
            s("add"),
            s("cron"),
            s("@daily"),
            s("--name"),
            x,
            s("--"),
            s("true"),
        ],
        vec![
            s("add"),
            s("cron"),
            s("@daily"),
            s("--env"),
            x,
            s("--"),
            s("true"),
        ],
        vec![
            s("add"),
            s("cron"),
            s("@daily"),
            s("--id"),
            x,
            s("--"),
            s("true"),
        ],
        vec![
            s("add"),
            s("cron"),
            s("@daily"),
            s("--tz"),
            x,
            s("--"),
            s("true"),
        ],
        vec![s("add"), s("cron"), s("@daily"), s("--"), x],
        vec![s("add"), s("cron"), s("@daily"), s("--"), s("echo"), x],
        vec![s("add"), s("interval"), s("--every"), x, s("--"), s("true")],
        vec![s("add"), s("any"), x, s("cron @daily"), s("--"), s("true")],
        vec![s("modify"), x, s("--name"), s("n")],
        vec![s("modify"), s("j"), s("--command"), x],
        vec![s("modify"), s("j"), s("--unset-env"), x],
        vec![s("modify"), s("j"), s("--on-success"), x],
        vec![s("reschedule"), x, s("cron"), s("@daily")],
        vec![s("reschedule"), s("j"), s("cron"), x],
        vec![s("list"), s("--name"), x],
        vec![s("list"), s("--state"), x],
        vec![s("history"), s("--status"), x],
        vec![s("logs"), s("j"), s("--execution"), x],
        vec![s("fire"), s("j"), s("--timeout"), x],
        vec![s("prune"), s("--older-than"), x],
        vec![s("run"), s("--name"), x],
        vec![s("run"), s("--lease"), x],
        vec![s("run"), s("--http"), x],
        vec![s("serve"), s("--listen"), x],
        vec![s("next"), s("cron"), x],
        vec![s("next"), s("cron"), s("@daily"), s("--from"), x],
        vec![s("generate"), x, s("out")],
    ];
    // The subcommands that take ids or nothing: the bad word as the id,
    // and as an argument they do not take.
    for sub in [
        "show", "pause", "resume", "remove", "history", "logs", "fire", "import", "export",
        "status", "runners", "next", "copy",
    ] {
        lines.push(vec![s(sub), x]);
        lines.push(vec![s(sub), s("--json"), x]);
    }
    lines
}

#[test]
fn an_argument_that_is_not_utf8_is_refused_by_every_subcommand_never_a_panic() {
    let env = Env::new();
    env.tick(&["add", "--id", "j", "cron", "@daily", "--", "true"])
        .ok();
    let before = env.snapshot();
    for line in sweep() {
        let out = tick_with(&env, &line);
        let err = String::from_utf8_lossy(&out.stderr);
        assert_ne!(out.status.code(), Some(101), "{line:?} panicked: {err}");
        assert!(!err.contains("panicked"), "{line:?}: {err}");
        assert_eq!(out.status.code(), Some(2), "{line:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{line:?}: {err}");
        assert!(err.starts_with("error: "), "{line:?}: {err}");
        assert_eq!(env.snapshot(), before, "{line:?} wrote");
    }
    // Where tick takes the word as text, the message names it.
    let out = tick_with(
        &env,
        &[
            Some("add"),
            Some("cron"),
            Some("@daily"),
            Some("--name"),
            None,
            Some("--"),
            Some("true"),
        ],
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stderr).trim_end(),
        "error: argument 5 ('x\\xff\\xfe', after --name) is not valid UTF-8: tick keeps jobs as text, so give it as UTF-8 (see 'tick add --help')"
    );
}

#[test]
fn a_path_may_be_any_bytes_but_a_working_folder_is_kept_as_text() {
    let env = Env::new();
    // The jobs file's own path is only a path.
    let db = env.path().join(bad("jobs"));
    let mut add = env.command(&["--db"]);
    add.arg(&db)
        .args(["add", "--id", "a", "cron", "@daily", "--", "true"]);
    let out = add.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(db.exists());
    // A job's --cwd is stored as text: refused, not mangled.
    let dir = env.path().join(bad("dir"));
    std::fs::create_dir(&dir).unwrap();
    let before = env.snapshot();
    let mut add = env.command(&["add", "cron", "@daily"]);
    let out = add
        .arg("--cwd")
        .arg(&dir)
        .args(["--", "pwd"])
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(
        err.starts_with("error: invalid --cwd '")
            && err.contains("dir\\xff\\xfe': it is not valid UTF-8"),
        "{err}"
    );
    assert_eq!(env.snapshot(), before);
}

#[test]
fn a_command_longer_than_linux_passes_is_refused_when_added() {
    let env = Env::new();
    // Each word fits in an argument; joined they are one over the limit.
    let half = "a".repeat(65536);
    let err = env
        .tick(&["add", "cron", "@daily", "--", &half, &half])
        .usage_error();
    assert_eq!(
        err,
        "error: invalid command: it is 131073 bytes, over the 131071 bytes (128 KiB with its NUL) that Linux passes as one argument or environment variable (MAX_ARG_STRLEN)"
    );
    assert_eq!(env.snapshot(), (Vec::new(), Vec::new()));
    // At the limit it is taken, and runs.
    let words = ["echo", &"b".repeat(131071 - "echo ".len())];
    let id = env
        .tick(&["add", "cron", "@daily", "--", words[0], words[1]])
        .ok();
    let out = env.tick(&["fire", id.trim()]).output();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn ids_dot_and_dot_dot_are_refused_by_add_replace_and_copy() {
    let env = Env::new();
    for id in [".", "..", "a/b", "../x"] {
        for replace in [&[][..], &["--replace"]] {
            let mut words = vec!["add", "--id", id];
            words.extend_from_slice(replace);
            words.extend_from_slice(&["cron", "@daily", "--", "true"]);
            let err = env.tick(&words).usage_error();
            assert_eq!(
                err,
                format!("error: invalid job id '{id}': use 1 to 64 letters, digits, '.', '_' or '-', not starting with '-', and not . or .. alone")
            );
        }
    }
    assert_eq!(env.snapshot(), (Vec::new(), Vec::new()));
    for id in [".a", "a..b", "..."] {
        env.tick(&["add", "--id", id, "cron", "@daily", "--", "true"])
            .ok();
    }
    // A store an older tick let `..` into is not copied from.
    env.tick(&["add", "--id", "up", "cron", "@daily", "--", "true"])
        .ok();
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute("UPDATE jobs SET id = '..' WHERE id = 'up'", [])
        .unwrap();
    drop(conn);
    let to = env.path().join("copy.db");
    let err = env
        .tick(&["copy", env.db().to_str().unwrap(), to.to_str().unwrap()])
        .usage_error();
    assert!(
        err.contains("has a job tick does not take: invalid job id '..'")
            && err.ends_with("nothing was copied"),
        "{err}"
    );
    assert!(!to.exists());
}

#[test]
fn import_refuses_what_the_kernel_cannot_pass() {
    let env = Env::new();
    let crontab = env.path().join("crontab");
    std::fs::write(
        &crontab,
        "GREETING=hello\0world\n0 3 * * * echo $GREETING\n0 4 * * * echo a\0b\n",
    )
    .unwrap();
    std::fs::set_permissions(&crontab, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = env.tick(&["import", crontab.to_str().unwrap()]).output();
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(2), "{err}");
    let name = crontab.display();
    assert!(
        err.contains(&format!("error: {name}: line 2: invalid variable GREETING: it contains a NUL byte, which no program can be given"))
            && err.contains(&format!("error: {name}: line 3: invalid command: it contains a NUL byte"))
            && err.contains("2 line(s) could not be imported; nothing was added"),
        "{err}"
    );
    assert!(!env.db().exists());
    std::fs::write(&crontab, "0 4 * * * echo a\0b\n").unwrap();
    let out = env.tick(&["import", crontab.to_str().unwrap()]).output();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 1: invalid command: it contains a NUL byte"),
        "{err}"
    );
    assert!(!env.db().exists());
}
