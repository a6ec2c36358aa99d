//! Commands, names and env values with quotes, newlines, unicode and shell
//! metacharacters round-trip exactly through add, list, export and import,
//! and run exactly as given.

use serde_json::Value;

use crate::crontab::{command_field, cron_reads};
use crate::util::Env;

const NASTY: &[&str] = &[
    "it's \"quoted\" and `backticked` $HOME $(id) ; | & > < * ? [a] {b} ~ # %",
    "ünïcödé → 日本語 🚀",
    "tab\there and a \\ backslash",
    "two\nlines",
    " leading and trailing spaces ",
    "100% %s %n",
];

fn show(env: &Env, id: &str) -> Value {
    serde_json::from_str(&env.tick(&["show", id, "--json"]).ok()).unwrap()
}

#[test]
fn arguments_round_trip_and_run_exactly() {
    let env = Env::new();
    for (i, s) in NASTY.iter().enumerate() {
        let id = format!("n{i}");
        // Several words after --: each stays one argument of printf.
        env.tick(&[
            "add",
            "--id",
            &id,
            "--name",
            &s.replace(['\n', '\t'], " "),
            "--env",
            &format!("NASTY={s}"),
            "interval",
            "--every",
            "1h",
            "--",
            "printf",
            "%s|%s",
            s,
            "$NASTY",
        ])
        .ok();
        let j = show(&env, &id);
        assert_eq!(j["name"], s.replace(['\n', '\t'], " "));
        assert_eq!(j["env"]["NASTY"], *s);
        // The command runs exactly as given: printf gets the string
        // untouched, and $NASTY (quoted by tick as a literal) stays literal.
        let out = env.tick(&["fire", &id]).ok();
        assert_eq!(out, format!("{s}|$NASTY"), "{id}");
        // A single word after -- is a shell string: the env value expands.
        env.tick(&["modify", &id, "--command", "printf %s \"$NASTY\""])
            .ok();
        assert_eq!(env.tick(&["fire", &id]).ok(), *s, "{id} env");
    }
}

#[test]
fn export_and_import_keep_commands_exactly() {
    let env = Env::new();
    for (i, s) in NASTY.iter().enumerate() {
        let cmd = format!("printf '%s' {}", shell_words::quote(s));
        env.tick(&[
            "add",
            "--id",
            &format!("x{i}"),
            "cron",
            "@daily",
            "--",
            &cmd,
        ])
        .ok();
    }
    let out = env.tick(&["export"]).output();
    let exported = String::from_utf8(out.stdout).unwrap();
    let warnings = String::from_utf8_lossy(&out.stderr).to_string();
    // The two-line one cannot be a crontab line; it is named, not mangled.
    assert!(
        warnings.contains("job x3: not exported: its command has several lines"),
        "{warnings}"
    );
    // What cron itself reads from each line is the command, byte for byte.
    let read: Vec<String> = exported
        .lines()
        .filter(|l| l.starts_with("0 0 * * *") || l.starts_with("@daily"))
        .map(|l| {
            cron_reads(
                l.strip_prefix("@daily")
                    .map_or_else(|| command_field(l), str::trim_start),
            )
            .0
        })
        .collect();
    assert_eq!(read.len(), NASTY.len() - 1, "{exported}");
    for (i, s) in NASTY.iter().enumerate().filter(|(_, s)| !s.contains('\n')) {
        let cmd = format!("printf '%s' {}", shell_words::quote(s));
        assert!(
            read.contains(&cmd),
            "x{i}: cron would not run {cmd:?}:\n{exported}"
        );
    }
    let file = env.path().join("c");
    std::fs::write(&file, &exported).unwrap();
    let other = Env::new();
    other
        .tick(&["import", file.to_str().unwrap()])
        .ok_and_stderr();
    let imported: Vec<Value> = serde_json::from_str::<Value>(&other.tick(&["list", "--json"]).ok())
        .unwrap()
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(imported.len(), NASTY.len() - 1);
    for (i, s) in NASTY.iter().enumerate() {
        if s.contains('\n') {
            continue;
        }
        let cmd = format!("printf '%s' {}", shell_words::quote(s));
        let job = imported.iter().find(|j| j["command"] == cmd.as_str());
        assert!(
            job.is_some(),
            "x{i}: {cmd:?} not imported as is:\n{exported}"
        );
        let id = job.unwrap()["id"].as_str().unwrap();
        assert_eq!(other.tick(&["fire", id]).ok(), *s);
    }
}

/// What a job prints to take over a terminal: set the title, erase the
/// line, and fake a line of the runner's.
const FAKE: &str = "\x1b]0;PWNED\x07\x1b[2K\r[backup] finished OK";
/// The same, as a terminal shows it.
const SHOWN: &str = "\\x1b]0;PWNED\\x07\\x1b[2K\\r[backup] finished OK";

/// A job `evil` that prints [`FAKE`].
fn evil(env: &Env, trigger: &str) {
    env.tick(&[
        "add",
        "--id",
        "evil",
        "cron",
        trigger,
        "--",
        &format!("printf '%s\\n' '{FAKE}'"),
    ])
    .ok();
}

/// What reached the terminal, with its `\r\n` line ends back to `\n`.
fn terminal_text(run: crate::util::Run) -> String {
    String::from_utf8_lossy(&run.output().stdout).replace("\r\n", "\n")
}

#[test]
fn names_with_control_characters_are_refused() {
    let env = Env::new();
    env.tick(&["add", "--id", "a", "cron", "@daily", "--", "true"])
        .ok();
    let before = env.snapshot();
    let line = env
        .tick(&[
            "add",
            "--name",
            "x\x1b]0;PWNED\x07",
            "cron",
            "@daily",
            "--",
            "true",
        ])
        .usage_error();
    assert!(
        line.contains("invalid --name \"x\\u{1b}]0;PWNED\\u{7}\": it must be one line of text without control characters"),
        "{line}"
    );
    let line = env
        .tick(&["modify", "a", "--name", "tab\there"])
        .usage_error();
    assert!(line.contains("invalid --name"), "{line}");
    assert_eq!(env.snapshot(), before);
}

#[test]
fn tables_and_show_escape_control_characters_and_json_keeps_them() {
    let env = Env::new();
    evil(&env, "@daily");
    // A name stored before names were checked.
    let conn = rusqlite::Connection::open(env.db()).unwrap();
    conn.execute("UPDATE jobs SET name = ?1", [FAKE]).unwrap();
    drop(conn);
    env.tick(&["fire", "evil"]).ok();
    for args in [&["list"][..], &["show", "evil"], &["history"]] {
        let out = env.tick(args).ok();
        assert!(
            !out.contains(['\x1b', '\x07', '\r']),
            "{args:?} printed control characters: {out:?}"
        );
        assert!(out.contains(SHOWN), "{args:?}: {out}");
    }
    assert_eq!(show(&env, "evil")["name"], FAKE);
}

#[test]
fn logs_escape_on_a_terminal_and_raw_gives_the_bytes() {
    let env = Env::new();
    evil(&env, "@daily");
    env.tick(&["fire", "evil"]).ok();
    // A pipe gets the bytes.
    assert!(env.tick(&["logs", "evil"]).ok().contains(FAKE));
    let Some(run) = env.tick(&["logs", "evil"]).on_terminal(20) else {
        return;
    };
    let shown = terminal_text(run);
    assert!(shown.contains(&format!("\n{SHOWN}\n")), "{shown:?}");
    assert!(!shown.contains(['\x1b', '\x07']), "{shown:?}");
    let raw = terminal_text(
        env.tick(&["logs", "evil", "--raw"])
            .on_terminal(20)
            .unwrap(),
    );
    assert!(raw.contains(FAKE), "{raw:?}");
}

#[test]
fn the_runner_escapes_job_output_on_a_terminal() {
    let env = Env::new();
    evil(&env, "* * * * * *");
    // Interrupted after 3 s, whatever happens here.
    let Some(run) = env.tick(&["run"]).on_terminal(3) else {
        return;
    };
    let shown = terminal_text(run);
    assert!(shown.contains(&format!("[evil] {SHOWN}\n")), "{shown:?}");
    assert!(!shown.contains(['\x1b', '\x07']), "{shown:?}");
}
