//! Commands, names and env values with quotes, newlines, unicode and shell
//! metacharacters round-trip exactly through add, list, export and import,
//! and run exactly as given.

use serde_json::Value;

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
            &s.replace('\n', " "),
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
        assert_eq!(j["name"], s.replace('\n', " "));
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
    let file = env.path().join("c");
    std::fs::write(&file, &exported).unwrap();
    let other = Env::new();
    other.tick(&["import", file.to_str().unwrap()]).ok();
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
