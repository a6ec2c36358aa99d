//! The README and every `docs/*.md` work as written. Each is walked
//! through in order against a temp jobs file of its own: every `tick ...`
//! line of its `sh` blocks runs (except `tick run`, which runs until
//! stopped and is tested in `run`), and every `$ tick ...` of its
//! `console` blocks prints what the document shows below it: the same
//! lines and words, with times, durations, counts and generated ids
//! allowed to differ (they depend on when it runs). Scripts the examples
//! mention (backup.sh, ...) are small stubs on PATH. The guide's JSON
//! field lists name every field `--json` prints.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::process::Command;

use serde_json::Value;

use crate::util::Env;

/// A document of the repository, by its path from the top.
fn doc(path: &str) -> String {
    let full = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(path);
    std::fs::read_to_string(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// The pages of `docs/`, by path from the top, in name order.
fn doc_pages() -> Vec<String> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/docs");
    let mut pages: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|name| name.ends_with(".md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    pages.sort();
    pages
}

/// A step of the walk-through: a command to run, and for a `console`
/// block the output the document shows for it.
struct Step {
    command: String,
    shown: Option<String>,
}

fn steps(text: &str) -> Vec<Step> {
    let mut out: Vec<Step> = Vec::new();
    let mut block: Option<&str> = None;
    for line in text.lines() {
        if let Some(kind) = line.strip_prefix("```") {
            block = match block {
                None => Some(kind),
                Some(_) => None,
            };
            continue;
        }
        match block {
            Some("sh") => {
                let cmd = line.trim();
                if cmd.starts_with("tick ") && !cmd.starts_with("tick run") {
                    out.push(Step {
                        command: cmd.to_string(),
                        shown: None,
                    });
                }
            }
            Some("console") => match line.strip_prefix("$ ") {
                Some(cmd) => out.push(Step {
                    command: cmd.to_string(),
                    shown: Some(String::new()),
                }),
                None => {
                    if let Some(shown) = out.last_mut().and_then(|s| s.shown.as_mut()) {
                        shown.push_str(line);
                        shown.push('\n');
                    }
                }
            },
            _ => {}
        }
    }
    out
}

/// A line's words, with what depends on the moment it runs masked:
/// numbers (times, durations, counts, ids of executions) and the
/// `generated` job ids (what `tick add` printed in this walk-through).
fn shape(text: &str, generated: &[String]) -> Vec<Vec<String>> {
    let word = |w: &str| -> String {
        if generated.iter().any(|g| g == w) {
            return "<id>".into();
        }
        let mut out = String::new();
        let mut in_number = false;
        for c in w.chars() {
            if c.is_ascii_digit() || (in_number && c == '.') {
                if !in_number {
                    out.push('#');
                }
                in_number = true;
            } else {
                in_number = false;
                out.push(c);
            }
        }
        // A relative time or a duration: `#m`, `#h`, `#ms`, `#m#s`.
        let unit = out.trim_start_matches('(').trim_end_matches([')', ',']);
        if matches!(unit, "#s" | "#m" | "#h" | "#d" | "#ms" | "#m#s" | "#h#m") {
            return out.replace(unit, "<t>");
        }
        // A zone's abbreviation after a time of day (CET or CEST).
        out
    };
    text.lines()
        .map(|l| {
            // A next run reached while the walk-through ran (`*/5` seconds
            // crossed between its add and a listing) shows as `now`: a
            // relative time like any other.
            let l = l.replace("(now)", "(in 0s)").replace("(now,", "(in 0s,");
            let mut words: Vec<String> = l.split_whitespace().map(word).collect();
            for i in 1..words.len() {
                if words[i - 1] == "#:#:#" && words[i].chars().all(|c| c.is_ascii_uppercase()) {
                    words[i] = "<zone>".into();
                }
            }
            words
        })
        .collect()
}

/// Whether the document's sample (its words as `shape` gives them with no
/// generated ids known) shows what was printed: the same words, where a
/// generated id printed may be any id of tick's alphabet in the sample.
fn same(shown: &[Vec<String>], printed: &[Vec<String>]) -> bool {
    let id_like = |w: &str| {
        w.len() == 6
            && w.bytes()
                .all(|b| b"abcdefghjkmnpqrstuvwxyz23456789#".contains(&b))
    };
    shown.len() == printed.len()
        && shown.iter().zip(printed).all(|(a, b)| {
            a.len() == b.len()
                && a.iter()
                    .zip(b)
                    .all(|(x, y)| x == y || (y == "<id>" && id_like(x)))
        })
}

/// [`same`] for a table whose rows may come in any order: the same header
/// line, and each printed row matches a row of the sample of its own.
fn same_rows(shown: &[Vec<String>], printed: &[Vec<String>]) -> bool {
    if shown.len() != printed.len() || shown.is_empty() || !same(&shown[..1], &printed[..1]) {
        return false;
    }
    let mut unused: Vec<&Vec<String>> = shown[1..].iter().collect();
    printed[1..].iter().all(|row| {
        match unused
            .iter()
            .position(|s| same(std::slice::from_ref(*s), std::slice::from_ref(row)))
        {
            Some(i) => {
                unused.remove(i);
                true
            }
            None => false,
        }
    })
}

/// Walk one document through in its own temp jobs file (see the top of
/// this file); what failed, and the temp folder it ran in.
fn walk(path: &str) -> (Vec<String>, Env, Vec<Step>) {
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
    let search = format!(
        "{}:{}:{}",
        stubs.display(),
        bin.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let steps = steps(&doc(path));
    let mut failures = Vec::new();
    // The ids `tick add` generated: they differ from the document's.
    let mut generated: Vec<String> = Vec::new();
    for step in &steps {
        // Bounded: a step that hangs (`logs --follow` that never ends) is
        // a failure (exit 124), never a test that waits forever.
        let out = Command::new("timeout")
            .args(["-k", "5", "60", "/bin/sh", "-c", &step.command])
            .current_dir(env.path())
            .env("HOME", env.path())
            .env("PATH", &search)
            .env("TICK_DB", env.db())
            .env("TZ", "UTC")
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout);
        let stderr = String::from_utf8_lossy(&out.stderr);
        let printed_id = stdout.trim();
        if step.command.starts_with("tick add ")
            && !step.command.contains("--id ")
            && !printed_id.is_empty()
        {
            generated.push(printed_id.to_string());
        }
        match &step.shown {
            None if !out.status.success() => failures.push(format!(
                "{path}: {}\n  -> {:?}: {}",
                step.command,
                out.status.code(),
                stderr.trim()
            )),
            Some(shown) => {
                let printed = format!("{stdout}{stderr}");
                let (a, b) = (shape(shown, &[]), shape(&printed, &generated));
                // A listing is sorted by next run, which depends on the
                // moment (a quarter-hour job comes before a 90 s interval
                // a minute before the quarter): its rows may come in
                // another order.
                let listing = step.command.starts_with("tick list");
                if !(same(&a, &b) || listing && same_rows(&a, &b)) {
                    failures.push(format!(
                        "$ {}\n--- {path} shows:\n{shown}--- it printed:\n{printed}",
                        step.command
                    ));
                }
            }
            None => {}
        }
    }
    (failures, env, steps)
}

#[test]
fn the_readme_walk_through_runs_and_prints_what_it_shows() {
    let (failures, env, steps) = walk("README.md");
    assert!(
        failures.is_empty(),
        "README steps that failed:\n{}",
        failures.join("\n")
    );
    assert!(steps.len() >= 15, "only {} commands found", steps.len());
    assert!(steps.iter().filter(|s| s.shown.is_some()).count() >= 3);
    // The walk-through really did something.
    let logs = Command::new(env!("CARGO_BIN_EXE_tick"))
        .args(["logs", "backup"])
        .env("TICK_DB", env.db())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&logs.stdout).contains("backup.sh --full: ok"));
    assert!(env.path().join("jobs.crontab").exists());
}

#[test]
fn every_doc_walk_through_runs_and_prints_what_it_shows() {
    let pages = doc_pages();
    assert!(pages.len() >= 8, "only {pages:?} in docs/");
    let (mut failures, mut commands, mut samples) = (Vec::new(), 0, 0);
    for page in &pages {
        let (failed, env, steps) = walk(page);
        failures.extend(failed);
        commands += steps.len();
        samples += steps.iter().filter(|s| s.shown.is_some()).count();
        if page == "docs/guide.md" {
            // The guide's walk-through really did something.
            let logs = Command::new(env!("CARGO_BIN_EXE_tick"))
                .args(["logs", "backup"])
                .env("TICK_DB", env.db())
                .output()
                .unwrap();
            let out = String::from_utf8_lossy(&logs.stdout);
            if !out.contains("backup.sh --full: ok") {
                failures.push(format!("{page}: tick logs backup printed {out}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "docs/ steps that failed:\n{}",
        failures.join("\n")
    );
    assert!(commands >= 40, "only {commands} commands found in docs/");
    assert!(samples >= 10, "only {samples} samples found in docs/");
}

#[test]
fn shapes_mask_what_depends_on_the_moment() {
    let generated = ["abcdex".to_string()];
    assert!(same(
        &shape(
            "k7mx2p  backup  2026-11-23 03:00:00 CET (in 20h)  success 3m ago  1.2s",
            &[]
        ),
        &shape(
            "abcdex  backup  2027-01-02 04:05:06 CEST (in 1d)  success 10s ago  17ms",
            &generated
        )
    ));
    assert!(!same(
        &shape("backup success", &[]),
        &shape("backup failed", &[])
    ));
    assert!(!same(&shape("a  b", &[]), &shape("a  b  c", &[])));
    assert!(!same(&shape("backup", &[]), &shape("health", &[])));
}

/// The backticked names in the guide after `intro`, up to `end`
/// (blanks and line breaks alike).
fn fields_listed(text: &str, intro: &str, end: &str) -> BTreeSet<String> {
    let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let start = text.find(intro).unwrap_or_else(|| panic!("no {intro:?}")) + intro.len();
    let rest = &text[start..];
    let rest = &rest[..rest.find(end).unwrap_or_else(|| panic!("no {end:?}"))];
    rest.split('`')
        .skip(1)
        .step_by(2)
        .filter(|w| w.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
        .map(str::to_string)
        .collect()
}

fn keys(v: &Value) -> BTreeSet<String> {
    v.as_object().unwrap().keys().cloned().collect()
}

#[test]
fn the_json_field_lists_are_complete() {
    let env = Env::new();
    env.tick(&["add", "--id", "j", "cron", "@daily", "--", "true"])
        .ok();
    env.tick(&["fire", "j"]).ok();
    let text = doc("docs/guide.md");
    let list: Value = serde_json::from_str(&env.tick(&["list", "--json"]).ok()).unwrap();
    let mut listed = fields_listed(
        &text,
        "`list --json` and `show --json` print objects with the fields",
        "; `show` adds",
    );
    assert_eq!(keys(&list[0]), listed);
    let show: Value = serde_json::from_str(&env.tick(&["show", "j", "--json"]).ok()).unwrap();
    listed.extend(fields_listed(&text, "; `show` adds", "(each"));
    listed.extend(fields_listed(&text, "`timezone`) and", "(as in"));
    assert_eq!(keys(&show), listed);
    let history: Value = serde_json::from_str(&env.tick(&["history", "--json"]).ok()).unwrap();
    assert_eq!(
        keys(&history[0]),
        fields_listed(&text, "`--json` gives the fields", ". Each row")
    );
    let status: Value = serde_json::from_str(&env.tick(&["status", "--json"]).ok()).unwrap();
    assert_eq!(
        keys(&status),
        fields_listed(&text, "`--json` gives the top-level fields", "; `runner`")
    );
}

/// A next run the walk-through reached reads like any relative time, so
/// the sample matches however the seconds fell (a CI run listed `hello`
/// in the second of its fire).
#[test]
fn a_next_run_reached_is_a_relative_time_like_any_other() {
    let shown = shape("x  2026-12-03 13:16:35 UTC (in 5s)   -", &[]);
    for printed in [
        "x  2026-12-03 18:11:40 UTC (now)  -",
        "x  2026-12-03 18:11:40 UTC (in 1s)  -",
    ] {
        assert!(same(&shown, &shape(printed, &[])), "{printed}");
    }
    assert!(!same(
        &shown,
        &shape("x  2026-12-03 18:11:40 UTC (3s ago, overdue)  -", &[])
    ));
}
