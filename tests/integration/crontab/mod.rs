//! `tick import` and `tick export` through the real binary.

use serde_json::Value;

use crate::util::Env;

mod moving;

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
    assert!(!stderr.contains("SHELL"), "{stderr}");
    assert!(
        stderr.contains(&format!("note: {DEBIAN}: line 9: MAILTO=admin@example.com: the jobs below mail what they print, as under cron (--notify mailto:admin@example.com --notify-on output, through this machine's sendmail)\n")),
        "{stderr}"
    );
    assert!(String::from_utf8_lossy(&out.stdout).starts_with("imported 9 job(s): "));
    let jobs = jobs(&env);
    assert_eq!(jobs.len(), 9);
    // SHELL=/bin/bash is each job's shell; each runs in $HOME, as under cron.
    for job in &jobs {
        assert_eq!(job["shell"], "/bin/bash", "{job}");
        assert_eq!(job["cwd"], env.path().to_str().unwrap(), "{job}");
        assert_eq!(
            job["notify"],
            serde_json::json!(["mailto:admin@example.com"])
        );
        assert_eq!(job["notify_on"], serde_json::json!(["output"]));
    }
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
    let mut import = std::process::Command::new(env!("CARGO_BIN_EXE_tick"));
    import
        .args(["import", "-"])
        .env("TICK_DB", env.db())
        .env("TZ", "UTC");
    assert!(with_stdin(import, "*/5 * * * * echo hi\n").status.success());
    assert_eq!(jobs(&env)[0]["trigger"], "cron */5 * * * * (UTC)");
}

#[test]
fn export_then_import_gives_the_same_schedules() {
    let env = Env::new();
    env.tick(&["import", DEBIAN]).ok_and_stderr();
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
    // Kept for tick import on its `# tick:` line: no warning.
    assert!(!warnings.contains("job to:"), "{warnings}");
    assert!(
        exported.contains("# tick job to\n# tick: --timeout 1m\n@daily with timeout\n"),
        "{exported}"
    );
    assert!(
        exported.contains("@hourly date +\\%F-\\%H >> /var/log/hourly.log"),
        "{exported}"
    );

    let file = env.path().join("exported.crontab");
    std::fs::write(&file, &exported).unwrap();
    let other = Env::new();
    other
        .tick(&["import", file.to_str().unwrap()])
        .ok_and_stderr();
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

/// cron's reading of a crontab command field, written here apart from
/// tick's: `child_process()` of Vixie cron's and cronie's `do_command.c`,
/// line for line (the command is cut in place, as the C does). Returns the
/// command `/bin/sh -c` runs and the bytes written to its stdin.
pub(crate) fn cron_reads(field: &str) -> (String, String) {
    let mut s = field.as_bytes().to_vec();
    let (mut p, mut q, mut escaped) = (0, 0, false);
    let mut input: &[u8] = b"";
    while q < s.len() {
        let ch = s[q];
        if p != q {
            s[p] = ch;
        }
        if escaped {
            if ch == b'%' {
                p -= 1;
                s[p] = ch;
            }
            escaped = false;
        } else if ch == b'\\' {
            escaped = true;
        } else if ch == b'%' {
            input = &field.as_bytes()[q + 1..];
            break;
        }
        p += 1;
        q += 1;
    }
    // The child that feeds stdin: \% -> %, % -> \n, \x -> \x; a last newline.
    let mut out = Vec::new();
    let (mut escaped, mut need_newline) = (false, false);
    for &byte in input {
        let mut ch = byte;
        if escaped {
            if ch != b'%' {
                out.push(b'\\');
            }
        } else if ch == b'%' {
            ch = b'\n';
        }
        escaped = ch == b'\\';
        if !escaped {
            out.push(ch);
            need_newline = ch != b'\n';
        }
    }
    if escaped {
        out.push(b'\\');
    }
    if need_newline {
        out.push(b'\n');
    }
    (
        String::from_utf8(s[..p].to_vec()).unwrap(),
        String::from_utf8(out).unwrap(),
    )
}

/// The command field of a 5-field crontab line: cron skips the blanks
/// before it and keeps the rest.
pub(crate) fn command_field(line: &str) -> &str {
    let mut rest = line;
    for _ in 0..5 {
        rest = rest.trim_start_matches([' ', '\t']);
        rest = &rest[rest.find([' ', '\t']).unwrap_or(rest.len())..];
    }
    rest.trim_start_matches([' ', '\t'])
}

/// Run `cmd` with `input` on its stdin; its output.
fn with_stdin(mut cmd: std::process::Command, input: &str) -> std::process::Output {
    use std::io::Write;
    let mut child = cmd
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    // A command that does not read its stdin may have exited already.
    if let Err(e) = stdin.write_all(input.as_bytes()) {
        assert_eq!(e.kind(), std::io::ErrorKind::BrokenPipe, "{e}");
    }
    drop(stdin);
    child.wait_with_output().unwrap()
}

/// What `sh -c command` prints with `input` on its stdin.
fn sh(command: &str, input: &str) -> String {
    let mut sh = std::process::Command::new("/bin/sh");
    sh.args(["-c", command]);
    String::from_utf8(with_stdin(sh, input).stdout).unwrap()
}

/// `tick import` of `fields` (one `0 3 * * *` line each): the ids, in order.
fn import_fields(env: &Env, fields: &[&str]) -> Vec<String> {
    let text: String = fields.iter().map(|f| format!("0 3 * * * {f}\n")).collect();
    let file = env.path().join("fields.crontab");
    std::fs::write(&file, text).unwrap();
    let (out, _) = env
        .tick(&["import", file.to_str().unwrap()])
        .ok_and_stderr();
    let ids = out.trim().split_once(": ").unwrap().1;
    ids.split(' ').map(String::from).collect()
}

#[test]
fn import_reads_percent_and_backslashes_as_cron_does() {
    let env = Env::new();
    let fields = [
        r"cat%one\%two%three",
        r"echo a\\%b",
        r"cat%x\\%y%",
        r"cat%a\",
        r"cat%",
        r"echo 50\% done  ",
    ];
    let ids = import_fields(&env, &fields);
    assert_eq!(ids.len(), fields.len());
    for (field, id) in fields.iter().zip(&ids) {
        let (command, input) = cron_reads(field);
        let want = sh(&command, &input);
        assert_eq!(env.tick(&["fire", id]).ok(), want, "{field}");
    }
}

#[test]
fn export_writes_what_cron_reads_back() {
    let env = Env::new();
    let plain = [
        "date +%F",
        "printf '%s %%\\n' 100",
        r"echo a\\%b",
        r"echo 'a\b' \\ c\",
        "echo '  kept  '  ",
    ];
    for (i, command) in plain.iter().enumerate() {
        let id = format!("p{i}");
        env.tick(&["add", "--id", &id, "cron", "0 3 * * *", "--", command])
            .ok();
    }
    // cron has no way to say `\%` (it reads it as `%`): named, not mangled.
    env.tick(&[
        "add",
        "--id",
        "bad",
        "cron",
        "0 3 * * *",
        "--",
        r"date +\%F",
    ])
    .ok();
    let piped = [
        r"mail -s hi me%Dear me,%all good\% done",
        r"cat%x\\%y%",
        "cat%%",
    ];
    let ids = import_fields(&env, &piped);
    let out = env.tick(&["export"]).output();
    assert!(out.status.success());
    let exported = String::from_utf8(out.stdout).unwrap();
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(
        warnings.contains("job bad: not exported: cron cannot run its command as it is"),
        "{warnings}"
    );
    assert!(exported.contains("\n0 3 * * * date +\\%F\n"), "{exported}");
    let mut fields = std::collections::HashMap::new();
    let mut lines = exported.lines();
    while let Some(line) = lines.next() {
        if let Some(id) = line.strip_prefix("# tick job ") {
            let id = id.split(' ').next().unwrap().to_string();
            let line = lines.find(|l| !l.starts_with('#')).unwrap();
            fields.insert(id, command_field(line).to_string());
        }
    }
    assert!(!fields.contains_key("bad"), "{exported}");
    for (i, command) in plain.iter().enumerate() {
        let field = &fields[&format!("p{i}")];
        assert_eq!(
            cron_reads(field),
            (command.to_string(), String::new()),
            "{field}"
        );
    }
    for (original, id) in piped.iter().zip(&ids) {
        let field = &fields[id];
        assert!(field.contains('%'), "{field}");
        assert_eq!(cron_reads(field), cron_reads(original), "{field}");
    }
}

#[test]
fn import_refuses_endless_huge_and_long_lined_input_at_once() {
    let env = Env::new();
    // `timeout` ends the command if tick does not: today's /dev/zero ran on.
    let import = |file: &str, stdin: std::process::Stdio| {
        let start = std::time::Instant::now();
        let out = std::process::Command::new("timeout")
            .args(["20", env!("CARGO_BIN_EXE_tick"), "import", file])
            .env("TICK_DB", env.db())
            .env("TZ", "UTC")
            .stdin(stdin)
            .output()
            .unwrap();
        assert!(start.elapsed() < std::time::Duration::from_secs(5));
        assert_eq!(out.status.code(), Some(2), "{out:?}");
        assert_eq!(String::from_utf8_lossy(&out.stdout), "");
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    let null = std::process::Stdio::null;
    assert_eq!(
        import("/dev/zero", null()),
        "error: cannot read crontab '/dev/zero': line 1 is longer than 64 KiB, the longest line tick reads\n"
    );
    let long = env.path().join("long.crontab");
    let fits = format!("# {}\n", "x".repeat(64 * 1024 - 2));
    std::fs::write(&long, format!("{fits}# {}\n", "x".repeat(64 * 1024))).unwrap();
    let err = import(long.to_str().unwrap(), null());
    assert!(
        err.ends_with(": line 2 is longer than 64 KiB, the longest line tick reads\n"),
        "{err}"
    );
    let big = env.path().join("big.crontab");
    std::fs::write(&big, "# a comment line, many times over\n".repeat(320_000)).unwrap();
    let err = import("-", std::fs::File::open(&big).unwrap().into());
    assert_eq!(
        err,
        "error: cannot read the crontab from stdin: it is larger than 10 MiB, the largest crontab tick reads\n"
    );
    assert!(!env.db().exists(), "a refused import wrote a jobs file");
    // Up to the limits, a crontab is read.
    std::fs::write(&long, &fits).unwrap();
    assert!(env
        .tick(&["import", long.to_str().unwrap()])
        .ok()
        .contains("no jobs to import"));
}

// Issue 18.2: system crontabs have a user field.

fn me() -> String {
    let out = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    String::from_utf8(out.stdout).unwrap().trim().to_string()
}

#[test]
fn a_system_crontab_loses_its_user_field_or_is_refused() {
    let env = Env::new();
    let me = me();
    let file = env.path().join("e2scrub_all");
    let lines = format!(
        "30 3 * * 0 {me} test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all_cron\n\
         @reboot {me}  echo booted\n"
    );
    std::fs::write(&file, &lines).unwrap();
    let file = file.to_str().unwrap();
    let (out, err) = env.tick(&["import", "--system", file]).ok_and_stderr();
    assert!(out.starts_with("imported 2 job(s): "), "{out}");
    assert!(
        err.contains(&format!(
            "warning: {file}: the user field was taken out of line(s) 1, 2: tick runs every job as the user who runs 'tick run' ({me})"
        )),
        "{err}"
    );
    let mut commands: Vec<String> = jobs(&env)
        .iter()
        .map(|j| j["command"].as_str().unwrap().to_string())
        .collect();
    commands.sort();
    assert_eq!(
        commands,
        [
            "echo booted",
            "test -e /run/systemd/system || SERVICE_MODE=1 /sbin/e2scrub_all_cron"
        ]
    );
    // A line for another user is refused, and so nothing is added.
    let other = env.path().join("other");
    std::fs::write(
        &other,
        format!("{lines}0 1 * * * someone-else rm -rf /srv/x\n"),
    )
    .unwrap();
    let before = env.snapshot();
    let out = env
        .tick(&["import", "--system", other.to_str().unwrap()])
        .output();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!(
            "line 3: a job for user 'someone-else', but tick runs every job as the user who runs 'tick run' ({me}): import this crontab as someone-else"
        )),
        "{err}"
    );
    assert!(
        err.ends_with("1 line(s) could not be imported; nothing was added\n"),
        "{err}"
    );
    assert_eq!(env.snapshot(), before);
}

// Issue 18.3: the crontab round trip loses and doubles nothing.

#[test]
fn importing_twice_adds_nothing_and_dry_run_writes_nothing() {
    let env = Env::new();
    let (out, _) = env.tick(&["import", "--dry-run", DEBIAN]).ok_and_stderr();
    assert!(out.starts_with("would import 9 job(s)\n"), "{out}");
    assert!(
        out.contains("  line 14: cron 30 2 * * * (Europe/Berlin) -- /usr/local/bin/backup.sh --full > /dev/null 2>&1\n"),
        "{out}"
    );
    assert!(!env.db().exists(), "a dry run created the jobs file");
    let (out, _) = env.tick(&["import", DEBIAN]).ok_and_stderr();
    assert!(out.starts_with("imported 9 job(s): "), "{out}");
    let before = env.snapshot();
    let (out, _) = env.tick(&["import", DEBIAN]).ok_and_stderr();
    assert_eq!(
        out,
        format!("{DEBIAN}: no jobs to import; 9 already there, not added again\n")
    );
    assert_eq!(jobs(&env).len(), 9);
    // A job added by hand with the same trigger, zone, command and
    // environment counts as there; one line more is added.
    let file = env.path().join("two");
    std::fs::write(&file, "@daily true\n@daily true\n0 5 * * * true\n").unwrap();
    let file = file.to_str().unwrap();
    env.tick(&["add", "cron", "@daily", "--", "true"]).ok();
    let (out, _) = env.tick(&["import", "--dry-run", file]).ok_and_stderr();
    assert!(
        out.starts_with("would import 2 job(s); 1 already there, not added again\n"),
        "{out}"
    );
    let (out, _) = env.tick(&["import", file]).ok_and_stderr();
    assert!(
        out.ends_with("; 1 already there, not added again\n"),
        "{out}"
    );
    assert_eq!(jobs(&env).len(), 12);
    let _ = before;
}

#[test]
fn export_writes_the_environment_and_percent_lines_as_they_were() {
    let env = Env::new();
    let file = env.path().join("env.crontab");
    let mail = "30 6 1 * * mail -s report me%Dear me,%all good\\% done";
    std::fs::write(
        &file,
        format!(
            "BACKUP_DIR=/srv/backup\n0 3 * * * tar czf $BACKUP_DIR/home.tgz /home\n\
             GREETING=\" hello \"\n0 4 * * * echo \"$GREETING\"\n{mail}\n"
        ),
    )
    .unwrap();
    // An intended % (the mail's text) is taken without a word.
    let (_, err) = env
        .tick(&["import", file.to_str().unwrap()])
        .ok_and_stderr();
    assert!(!err.contains("warning"), "{err}");
    let (exported, warnings) = env.tick(&["export"]).ok_and_stderr();
    let at = |needle: &str| {
        exported
            .find(needle)
            .unwrap_or_else(|| panic!("no {needle:?} in:\n{exported}"))
    };
    assert!(at("BACKUP_DIR=/srv/backup\n") < at("0 3 * * * tar czf $BACKUP_DIR/home.tgz /home\n"));
    assert!(at("GREETING=\" hello \"\n") < at("0 4 * * * echo \"$GREETING\"\n"));
    // The % line is the same line again.
    assert!(exported.contains(&format!("\n{mail}\n")), "{exported}");
    assert_eq!(warnings, "");
    // Imported back, every job has its environment.
    let back = Env::new();
    let again = back.path().join("again");
    std::fs::write(&again, &exported).unwrap();
    back.tick(&["import", again.to_str().unwrap()])
        .ok_and_stderr();
    let envs = |jobs: Vec<Value>| {
        let mut v: Vec<(String, Value)> = jobs
            .iter()
            .map(|j| (j["command"].as_str().unwrap().to_string(), j["env"].clone()))
            .collect();
        v.sort_by(|a, b| a.0.cmp(&b.0));
        v
    };
    let (want, got) = (envs(jobs(&env)), envs(jobs(&back)));
    assert_eq!(want, got);
    // Jobs whose environments disagree: a later job would get the
    // variables of the lines before it (crontab cannot unset one): said.
    let env = Env::new();
    env.tick(&[
        "add", "--id", "x", "cron", "@daily", "--env", "X=1", "--", "true",
    ])
    .ok();
    env.tick(&[
        "add", "--id", "y", "cron", "@daily", "--env", "Y=2", "--", "true",
    ])
    .ok();
    let (_, warnings) = env.tick(&["export"]).ok_and_stderr();
    // `tick add` records the folder it ran in, which crontab cannot carry.
    let warnings: Vec<&str> = warnings
        .lines()
        .filter(|l| !l.ends_with("exported without --cwd (crontab has no such thing)"))
        .collect();
    assert_eq!(
        warnings,
        ["warning: job y: exported after lines that set X for the jobs before it: cron gives it those too (crontab cannot unset a variable)"]
    );
}

#[test]
fn a_percent_inside_a_command_substitution_is_read_as_cron_does_with_a_warning() {
    let env = Env::new();
    let file = env.path().join("c");
    std::fs::write(
        &file,
        "# nightly\n0 1 * * * tar czf /b/$(date +%F).tgz /x\n0 2 * * * date +%F >> /tmp/log\n",
    )
    .unwrap();
    let (out, err) = env
        .tick(&["import", file.to_str().unwrap()])
        .ok_and_stderr();
    assert!(out.starts_with("imported 2 job(s)"), "{out}");
    assert!(
        err.contains(&format!(
            "warning: {}: line 2: the unescaped % starts the command's standard input, as cron reads it: the command is 'tar czf /b/$(date +' and its input 'F).tgz /x', which is not valid shell (",
            file.display()
        )),
        "{err}"
    );
    assert!(
        err.contains(&format!(
            "warning: {}: line 3: the unescaped % starts the command's standard input, as cron reads it: the command is 'date +' and its input 'F >> /tmp/log', which looks like a cut date format; write \\% for a literal %",
            file.display()
        )),
        "{err}"
    );
    let job = jobs(&env)
        .into_iter()
        .find(|j| j["command"].as_str().unwrap().contains("tar"))
        .unwrap();
    assert_eq!(
        job["command"],
        "printf '%s\\n' 'F).tgz /x' | { tar czf /b/$(date +\n}"
    );
}
