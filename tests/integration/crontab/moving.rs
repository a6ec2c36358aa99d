//! Moving from cron (issue 26): a crontab's SHELL, HOME and MAILTO, the
//! user field of a system crontab read as a user's, cron's own copy of
//! the imported lines (`--crontab --remove`), and `export` then `import`
//! losing nothing (`# tick:` lines).

use serde_json::Value;

use super::{by_command, jobs, me};
use crate::util::Env;

// Issue 26.3: moving from cron loses nothing and runs nothing twice.

/// `/bin/bash`, or `None` after saying the test is skipped.
fn bash() -> Option<&'static str> {
    if std::path::Path::new("/bin/bash").exists() {
        return Some("/bin/bash");
    }
    crate::util::skipped("no /bin/bash");
    None
}

/// A line of bash that dash reads otherwise (`[[` is no command there,
/// and braces do not expand).
const BASHISM: &str = "[[ -d /tmp ]] && echo {a,b}";

#[test]
fn shell_lines_run_under_that_shell() {
    let Some(bash) = bash() else { return };
    let env = Env::new();
    let file = env.path().join("c");
    std::fs::write(&file, format!("SHELL={bash}\n0 3 * * * {BASHISM}\n")).unwrap();
    let (out, _) = env
        .tick(&["import", file.to_str().unwrap()])
        .ok_and_stderr();
    let id = out.trim().rsplit(' ').next().unwrap().to_string();
    let job = &jobs(&env)[0];
    assert_eq!(job["shell"], bash);
    // Run by bash: `a b`, and success.
    assert_eq!(env.tick(&["fire", &id]).ok(), "a b\n");
    let show = env.tick(&["show", &id]).ok();
    assert!(
        show.contains(&format!("\nshell:         {bash}\n")),
        "{show}"
    );
    // The runner runs it the same way.
    env.tick(&[
        "add",
        "--id",
        "each",
        "--shell",
        bash,
        "cron",
        "* * * * * *",
        "--",
        BASHISM,
    ])
    .ok();
    let runner = env.runner("r", &["--no-echo"]);
    crate::util::wait_for("a run of each", 10, || {
        env.tick(&["history", "each", "--json"])
            .ok()
            .contains("success")
    });
    runner.stop();
    let logs = env.tick(&["logs", "each"]).ok();
    assert!(logs.contains("==> stdout <==\na b\n"), "{logs}");
    // bash's syntax is read by bash, not refused by /bin/sh -n.
    env.tick(&[
        "add",
        "--id",
        "ps",
        "--shell",
        bash,
        "cron",
        "@daily",
        "--",
        "diff <(echo a) <(echo a)",
    ])
    .ok();
    let line = env
        .tick(&["modify", "ps", "--shell", "/bin/sh"])
        .usage_error();
    assert!(
        line.starts_with(
            "error: invalid command \"diff <(echo a) <(echo a)\": /bin/sh cannot read it ("
        ),
        "{line}"
    );
}

#[test]
fn a_shell_is_an_executable_given_by_its_absolute_path() {
    let env = Env::new();
    let not_exec = env.path().join("script");
    std::fs::write(&not_exec, "#!/bin/sh\n").unwrap();
    let not_exec = not_exec.to_str().unwrap();
    for (shell, why) in [
        (
            "bash",
            "invalid --shell 'bash': give the shell's absolute path, e.g. /bin/bash",
        ),
        ("/no/such/sh", "invalid --shell '/no/such/sh': no such file"),
        ("/tmp", "invalid --shell '/tmp': not an executable file"),
        (
            not_exec,
            &*format!("invalid --shell '{not_exec}': not an executable file"),
        ),
    ] {
        let line = env
            .tick(&["add", "--shell", shell, "cron", "@daily", "--", "true"])
            .usage_error();
        assert_eq!(line, format!("error: {why}"));
    }
    assert!(!env.db().exists(), "a refused add wrote a jobs file");
    // A crontab's SHELL is checked as --shell is: nothing is added.
    let file = env.path().join("c");
    std::fs::write(&file, "SHELL=/no/such/sh\n0 3 * * * true\n").unwrap();
    let out = env.tick(&["import", file.to_str().unwrap()]).output();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 2: invalid SHELL '/no/such/sh': no such file"),
        "{err}"
    );
    assert!(!env.db().exists());
    // The default is /bin/sh, shown like every option.
    env.tick(&["add", "--id", "d", "cron", "@daily", "--", "true"])
        .ok();
    assert_eq!(jobs(&env)[0]["shell"], "/bin/sh");
}

#[test]
fn imported_jobs_run_in_home_as_under_cron() {
    let env = Env::new();
    let elsewhere = env.path().join("elsewhere");
    std::fs::create_dir(&elsewhere).unwrap();
    let file = env.path().join("c");
    std::fs::write(
        &file,
        format!(
            "0 3 * * * pwd\nHOME={}\n0 4 * * * pwd\n",
            elsewhere.display()
        ),
    )
    .unwrap();
    env.tick(&["import", file.to_str().unwrap()])
        .ok_and_stderr();
    let jobs = jobs(&env);
    let home = env.path().to_str().unwrap();
    for (job, dir) in jobs.iter().zip([home, elsewhere.to_str().unwrap()]) {
        assert_eq!(job["cwd"], dir, "{job}");
        let id = job["id"].as_str().unwrap();
        assert_eq!(env.tick(&["fire", id]).ok(), format!("{dir}\n"));
    }
    // A HOME that is no folder: cron could not run the line there.
    std::fs::write(&file, "HOME=/no/such/dir\n0 3 * * * pwd\n").unwrap();
    let out = env.tick(&["import", file.to_str().unwrap()]).output();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("line 2: HOME=/no/such/dir: cron runs the command in HOME, and it is not an existing folder"));
}

#[test]
fn a_user_crontab_whose_lines_start_with_a_user_name_is_refused() {
    let env = Env::new();
    let me = me();
    let file = env.path().join("backup");
    let text = format!(
        "MAILTO=\"\"\n30 3 * * 0 root test -e /run/systemd/system || /sbin/e2scrub_all_cron\n\
         @reboot {me}  echo booted\n15 4 * * * {me} echo plain\n"
    );
    std::fs::write(&file, &text).unwrap();
    let path = file.to_str().unwrap();
    let line = env.tick(&["import", path]).usage_error();
    let users = if me == "root" {
        "root".to_string()
    } else {
        let mut u = ["root", me.as_str()];
        u.sort();
        u.join(", ")
    };
    assert_eq!(
        line,
        format!("error: {path}: line(s) 2, 3, 4 start with a user name ({users}) where the command belongs, as in a system crontab (m h dom mon dow USER command): import it with --system; nothing was added")
    );
    assert!(!env.db().exists(), "a refused import wrote a jobs file");
    // As it says: --system takes the user field out.
    let (out, _) = env.tick(&["import", "--system", path]).ok_and_stderr();
    assert!(out.starts_with("imported 3 job(s): "), "{out}");
    assert!(jobs(&env)
        .iter()
        .all(|j| !j["command"].as_str().unwrap().starts_with("root")));
    // A first word that is an account but also a command is a command: a
    // program on the line's PATH, an option after it, or nothing after it.
    let fresh = Env::new();
    let bin = fresh.path().join("bin");
    std::fs::create_dir(&bin).unwrap();
    let root = bin.join("root");
    std::fs::write(&root, "#!/bin/sh\necho \"root $*\"\n").unwrap();
    std::fs::set_permissions(&root, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    let c = fresh.path().join("c");
    std::fs::write(
        &c,
        format!(
            "0 1 * * * root -v now\n0 2 * * * {me}\nPATH={}:/usr/bin:/bin\n0 3 * * * root the script\n",
            bin.display()
        ),
    )
    .unwrap();
    let (out, err) = fresh.tick(&["import", c.to_str().unwrap()]).ok_and_stderr();
    assert!(out.starts_with("imported 3 job(s): "), "{out}\n{err}");
    let job = by_command(&jobs(&fresh), "the script").clone();
    let id = job["id"].as_str().unwrap();
    assert_eq!(fresh.tick(&["fire", id]).ok(), "root the script\n");
}

#[test]
fn mailto_becomes_a_mail_notification_said_in_one_line_and_the_import_ends_saying_cron_still_runs_it(
) {
    let env = Env::new();
    let file = env.path().join("c");
    std::fs::write(&file, "MAILTO=ops@example.com\n0 3 * * * true\n").unwrap();
    let path = file.to_str().unwrap();
    let (out, err) = env.tick(&["import", path]).ok_and_stderr();
    assert!(out.starts_with("imported 1 job(s): "), "{out}");
    assert_eq!(
        err,
        format!(
            "note: {path}: line 1: MAILTO=ops@example.com: the jobs below mail what they print, as under cron (--notify mailto:ops@example.com --notify-on output, through this machine's sendmail)\n\
             note: cron still runs these lines: remove them from your crontab, so that each job runs once: crontab -r empties it, or import it with tick import --crontab --remove, which empties it once the jobs are in\n"
        )
    );
    // Imported again: nothing added, and the same advice.
    let (out, err) = env.tick(&["import", path]).ok_and_stderr();
    assert!(
        out.ends_with("no jobs to import; 1 already there, not added again\n"),
        "{out}"
    );
    assert!(err.ends_with("once the jobs are in\n"), "{err}");
    // A dry run changes nothing, and so advises nothing.
    let (_, err) = env.tick(&["import", "--dry-run", path]).ok_and_stderr();
    assert!(!err.contains("cron still runs"), "{err}");
    // A system crontab's lines are removed where they are.
    let sys = env.path().join("sys");
    std::fs::write(&sys, format!("0 5 * * * {} true\n", me())).unwrap();
    let sys = sys.to_str().unwrap();
    let (_, err) = env.tick(&["import", "--system", sys]).ok_and_stderr();
    assert!(
        err.ends_with(&format!("note: cron still runs the lines of {sys}: delete the file (or comment its lines out), so that each job runs once\n")),
        "{err}"
    );
}

/// A stand-in for crontab(1) in `dir/bin`: `-l` prints `dir/crontab`
/// (else says there is none, exit 1), `-r` removes it; every call is
/// appended to `dir/calls`. The PATH that finds it first.
fn fake_crontab(dir: &std::path::Path) -> String {
    let script = format!(
        "d='{d}'\necho \"$*\" >> \"$d/calls\"\n\
         case \"$1\" in\n\
         -l) [ -f \"$d/crontab\" ] && exec cat \"$d/crontab\"; echo \"no crontab for you\" >&2; exit 1 ;;\n\
         -r) rm \"$d/crontab\" ;;\n\
         *) exit 2 ;;\n\
         esac\n",
        d = dir.display()
    );
    crate::util::stand_in(dir, "crontab", &script)
}

#[test]
fn import_crontab_remove_empties_the_crontab_only_once_the_jobs_are_in() {
    let env = Env::new();
    let path = fake_crontab(env.path());
    let calls = || std::fs::read_to_string(env.path().join("calls")).unwrap_or_default();
    let crontab = env.path().join("crontab");
    let text = "# mine\n0 3 * * * echo one\n0 4 * * * echo two\n";
    // A line that cannot be imported: nothing added, the crontab untouched.
    std::fs::write(&crontab, format!("{text}0 25 * * * bad\n")).unwrap();
    let out = env
        .tick(&["import", "--crontab", "--remove"])
        .env("PATH", &path)
        .output();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr)
        .contains("error: crontab -l: line 4: invalid cron expression"));
    assert_eq!(calls(), "-l\n");
    assert!(crontab.exists() && !env.db().exists());
    // Without --remove: imported, and the crontab is left to you.
    std::fs::write(&crontab, text).unwrap();
    let (out, err) = env
        .tick(&["import", "--crontab"])
        .env("PATH", &path)
        .ok_and_stderr();
    assert!(out.starts_with("imported 2 job(s): "), "{out}");
    assert!(err.contains("note: cron still runs these lines"), "{err}");
    assert!(crontab.exists());
    // With it: the jobs are there already, and now cron's copy goes, a
    // copy of it kept beside the jobs file.
    let (out, err) = env
        .tick(&["import", "--crontab", "--remove"])
        .env("PATH", &path)
        .ok_and_stderr();
    assert!(out.ends_with("2 already there, not added again\n"), "{out}");
    assert!(!crontab.exists());
    assert_eq!(calls(), "-l\n-l\n-l\n-l\n-r\n");
    let copy = err
        .strip_prefix("note: emptied your crontab (crontab -r): cron no longer runs these lines; a copy of it is in ")
        .unwrap_or_else(|| panic!("{err}"))
        .trim_end();
    assert_eq!(std::path::Path::new(copy).parent(), Some(env.path()));
    assert_eq!(std::fs::read_to_string(copy).unwrap(), text);
    assert_eq!(jobs(&env).len(), 2);
    // No crontab at all: crontab's own words, exit 1.
    let out = env
        .tick(&["import", "--crontab"])
        .env("PATH", &path)
        .output();
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        String::from_utf8_lossy(&out.stderr),
        "error: 'crontab -l' failed (exit status: 1): no crontab for you\n"
    );
}

// Issue 26.4: export then import loses nothing.

/// A job's `--json` without what a new job of the same settings has
/// otherwise: its id and times of creation.
fn settings(job: &Value) -> Value {
    let mut job = job.clone();
    for key in ["id", "created_at", "updated_at"] {
        job.as_object_mut().unwrap().remove(key);
    }
    job
}

#[test]
fn export_then_import_keeps_every_option() {
    let env = Env::new();
    let home = env.path().to_str().unwrap();
    let dir = env.path().join("work");
    std::fs::create_dir(&dir).unwrap();
    let dir = dir.to_str().unwrap();
    // `tick add` with these words (shell quoting; DIR and HOME replaced).
    let add = |words: &str| {
        let words = words.replace("DIR", dir).replace("HOME", home);
        let words = shell_words::split(&words).unwrap();
        let mut args = vec!["add"];
        args.extend(words.iter().map(String::as_str));
        env.tick(&args).ok();
    };
    let shell = bash().unwrap_or("/bin/sh");
    add(&format!(
        "--id all --name 'nightly backup' --max-instances 2 --no-coalesce \
         --misfire-grace none --timeout 1h30m --cwd DIR --env A=1 --env 'B=two words' \
         --env SHELL=/bin/zsh --keep-history 7 --on-success \"echo 'ok'\" \
         --on-failure 'notify \"failed\" now' --retries 3 --retry-delay 1m \
         --retry-max-delay 10m --shell {shell} cron '0 3 * * 1-5' --tz Europe/Berlin \
         --jitter 30s --start 2020-01-01T00:00:00Z --end 2099-01-01T00:00:00Z \
         --first-run 2098-06-01T12:00:00Z -- 'backup.sh --full'"
    ));
    // Its only extra is a listener.
    add("--id listened --cwd HOME --on-failure 'echo failed' cron @daily -- true");
    // A variable of the lines before it that it does not have.
    add("--id less --cwd HOME --env C=3 cron '*/5 * * * *' -- true");
    add("--id grace --cwd HOME --misfire-grace 5m cron @hourly -- true");
    let (exported, warnings) = env.tick(&["export"]).ok_and_stderr();
    assert!(
        exported.contains("# tick job listened\n# tick: --on-failure 'echo failed'\n@daily true\n"),
        "{exported}"
    );
    // What cron cannot do is said for cron; nothing is lost for tick.
    assert!(!warnings.contains("exported without"), "{warnings}");
    assert!(
        warnings.contains("warning: job all: cron would not give it --env SHELL (in a crontab it would change how cron runs the jobs); its '# tick:' line keeps it for tick import\n"),
        "{warnings}"
    );
    let file = env.path().join("exported");
    std::fs::write(&file, &exported).unwrap();
    let other = Env::new();
    other
        .tick(&["import", file.to_str().unwrap()])
        .env("HOME", home)
        .ok_and_stderr();
    let by_name = |jobs: Vec<Value>| -> Vec<Value> {
        let mut v: Vec<Value> = jobs.iter().map(settings).collect();
        v.sort_by_key(|j| j.to_string());
        v
    };
    let (want, got) = (by_name(jobs(&env)), by_name(jobs(&other)));
    assert_eq!(want.len(), 4);
    for (w, g) in want.iter().zip(&got) {
        assert_eq!(w, g);
    }
    // What no crontab line can hold is named, per job.
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "multi",
        "cron",
        "@daily",
        "--on-failure",
        "echo a\necho b",
        "--",
        "true",
    ])
    .ok();
    let (exported, warnings) = env.tick(&["export"]).ok_and_stderr();
    assert_eq!(
        warnings,
        "warning: job multi: exported without --on-failure (its value has several lines, which a crontab line cannot hold)\n"
    );
    assert!(
        exported.ends_with("# tick job multi\n@daily true\n"),
        "{exported}"
    );
}

#[test]
fn tick_lines_are_read_as_tick_add_reads_its_options() {
    let env = Env::new();
    let file = env.path().join("c");
    std::fs::write(
        &file,
        "# tick: --retries 2 --name 'two words'\n# a comment between\n0 3 * * * true\n\
         # tick: --no-such-flag\n0 4 * * * true\n# tick: --retries 1000\n0 5 * * * true\n",
    )
    .unwrap();
    let out = env.tick(&["import", file.to_str().unwrap()]).output();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("line 5: '# tick:' unexpected argument '--no-such-flag' found"),
        "{err}"
    );
    assert!(
        err.contains("line 7: invalid --retries 1000: at most 100"),
        "{err}"
    );
    assert!(
        err.ends_with("2 line(s) could not be imported; nothing was added\n"),
        "{err}"
    );
    std::fs::write(
        &file,
        "# tick: --retries 2 --name 'two words'\n0 3 * * * true\n",
    )
    .unwrap();
    env.tick(&["import", file.to_str().unwrap()])
        .ok_and_stderr();
    let job = &jobs(&env)[0];
    assert_eq!(
        (job["retries"].as_u64(), job["name"].as_str()),
        (Some(2), Some("two words"))
    );
}
