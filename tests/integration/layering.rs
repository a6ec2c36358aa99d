//! The module layering of `src/` holds: each top-level module refers only
//! to modules on a floor below its own (or to the few named neighbours on
//! its floor), and no references go round in a circle. Read from the
//! source text: every `crate::X` (and `tick::X` in `main.rs`) outside
//! comments, `use crate::{X, Y::..}` groups included.
//!
//! The floors and the sideways arrows are listed here and nowhere else.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Top to bottom. A module may refer to any module on a lower floor.
const FLOORS: &[&[&str]] = &[
    &["main"],
    // The two front ends: the terminal and HTTP.
    &["commands", "http"],
    // The command line's grammar (clap types; `args` turns them into
    // domain values) and the presentation both front ends draw with.
    &["cli", "args", "output"],
    // The runner, and the operations both front ends call.
    &["scheduler", "ops"],
    &["executor", "store", "listener", "crontab", "notify"],
    &["trigger", "model"],
    // Depend on nothing of ours but each other (see SIDEWAYS).
    &[
        "error", "clock", "units", "escape", "echo", "log", "process", "rfc3339",
    ],
];

/// The arrows allowed between modules on the same floor.
const SIDEWAYS: &[(&str, &str)] = &[
    // `tick serve` and `tick run --http` start the server.
    ("commands", "http"),
    ("args", "cli"),
    ("model", "trigger"),
    ("error", "escape"),
    ("echo", "escape"),
    ("log", "echo"),
    ("units", "error"),
];

fn floor(module: &str) -> Option<usize> {
    FLOORS.iter().position(|f| f.contains(&module))
}

/// Every `.rs` file under `dir`.
fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The text without `//` comments (doc comments too) and `/* */` blocks;
/// string literals are kept (a `crate::` in one would be counted).
fn without_comments(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while !rest.is_empty() {
        if rest.starts_with("//") {
            let end = rest.find('\n').unwrap_or(rest.len());
            rest = &rest[end..];
        } else if rest.starts_with("/*") {
            let end = rest.find("*/").map_or(rest.len(), |i| i + 2);
            rest = &rest[end..];
        } else if rest.starts_with('"') {
            // Skip a string whole, so that "//" in one is not a comment.
            let mut end = 1;
            let b = rest.as_bytes();
            while end < b.len() && b[end] != b'"' {
                end += if b[end] == b'\\' { 2 } else { 1 };
            }
            let end = (end + 1).min(rest.len());
            out.push_str(&rest[..end]);
            rest = &rest[end..];
        } else {
            let c = rest.chars().next().unwrap();
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// The top-level modules `text` refers to through `prefix` (`crate::`).
fn referred(text: &str, prefix: &str) -> BTreeSet<String> {
    let ident = |s: &str| -> String {
        s.chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect()
    };
    let mut out = BTreeSet::new();
    for (i, _) in text.match_indices(prefix) {
        // `foo_crate::` is not `crate::`.
        let before = text[..i].chars().last();
        if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
            continue;
        }
        let rest = &text[i + prefix.len()..];
        if let Some(group) = rest.strip_prefix('{') {
            // The first segment of each top-level item of the group.
            let mut depth = 0;
            let mut item_start = true;
            for (j, c) in group.char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => item_start = true,
                    c if item_start && depth == 0 && !c.is_whitespace() => {
                        item_start = false;
                        out.insert(ident(&group[j..]));
                    }
                    _ => {}
                }
            }
        } else {
            out.insert(ident(rest));
        }
    }
    out.retain(|m| !m.is_empty() && m != "self" && m != "super");
    out
}

/// module -> module it refers to -> the files that do.
type Graph = BTreeMap<String, BTreeMap<String, BTreeSet<String>>>;

fn graph() -> Graph {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    rust_files(&src, &mut files);
    let mut graph = Graph::new();
    for path in files {
        let rel = path
            .strip_prefix(&src)
            .unwrap()
            .to_string_lossy()
            .into_owned();
        let module = rel
            .split('/')
            .next()
            .unwrap()
            .trim_end_matches(".rs")
            .to_string();
        if module == "lib" {
            continue;
        }
        let text = without_comments(&std::fs::read_to_string(&path).unwrap());
        let prefix = if module == "main" {
            "tick::"
        } else {
            "crate::"
        };
        for to in referred(&text, prefix) {
            if to != module {
                graph
                    .entry(module.clone())
                    .or_default()
                    .entry(to)
                    .or_default()
                    .insert(format!("src/{rel}"));
            }
        }
    }
    graph
}

/// The arrows that break the floors, one line each.
fn upward(graph: &Graph) -> Vec<String> {
    let mut bad = Vec::new();
    for (from, tos) in graph {
        for (to, files) in tos {
            let files: Vec<&str> = files.iter().map(String::as_str).collect();
            let (Some(a), Some(b)) = (floor(from), floor(to)) else {
                bad.push(format!(
                    "{from} -> {to} ({}): a module on no floor; add it to FLOORS",
                    files.join(", ")
                ));
                continue;
            };
            let sideways = a == b && SIDEWAYS.contains(&(from.as_str(), to.as_str()));
            if b < a || (a == b && !sideways) {
                bad.push(format!(
                    "{from} -> {to} ({}): {to} is on {}",
                    files.join(", "),
                    if a == b {
                        "the same floor (not listed in SIDEWAYS)"
                    } else {
                        "a floor above"
                    }
                ));
            }
        }
    }
    bad
}

/// A circle of modules, if there is one: `a -> b -> ... -> a`.
fn circle(graph: &Graph) -> Option<Vec<String>> {
    fn visit(
        graph: &Graph,
        node: &str,
        path: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(i) = path.iter().position(|n| n == node) {
            let mut found = path[i..].to_vec();
            found.push(node.to_string());
            return Some(found);
        }
        if done.contains(node) {
            return None;
        }
        path.push(node.to_string());
        for next in graph.get(node).into_iter().flat_map(|m| m.keys()) {
            if let Some(c) = visit(graph, next, path, done) {
                return Some(c);
            }
        }
        path.pop();
        done.insert(node.to_string());
        None
    }
    let mut done = BTreeSet::new();
    graph
        .keys()
        .find_map(|n| visit(graph, n, &mut Vec::new(), &mut done))
}

#[test]
fn modules_refer_only_to_lower_floors() {
    let graph = graph();
    let bad = upward(&graph);
    assert!(
        bad.is_empty(),
        "arrows against the layering:\n  {}",
        bad.join("\n  ")
    );
}

#[test]
fn modules_refer_in_no_circle() {
    let graph = graph();
    if let Some(c) = circle(&graph) {
        let files: Vec<String> = c
            .windows(2)
            .map(|w| format!("{} -> {}: {:?}", w[0], w[1], graph[&w[0]][&w[1]]))
            .collect();
        panic!(
            "a circle of modules: {}\n  {}",
            c.join(" -> "),
            files.join("\n  ")
        );
    }
}

#[test]
fn the_reader_sees_groups_and_skips_comments() {
    let text = without_comments(
        "use crate::{a::{B, C}, d, e::f};\n// crate::g\n/// crate::h\nlet x = crate::i::j; my_crate::k",
    );
    let got: Vec<String> = referred(&text, "crate::").into_iter().collect();
    assert_eq!(got, ["a", "d", "e", "i"]);
}
