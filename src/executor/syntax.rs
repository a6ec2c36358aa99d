//! Reading a command with its shell without running it (`SHELL -n -c`):
//! what `add`, `modify` and `import` check before they store a command,
//! so that one the shell cannot read is refused rather than failing at
//! every fire.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::UsageError;

/// The shells known to take `-n` (read the commands, run none). Another
/// `--shell` (a Python, a fish) is not asked: tick cannot know its grammar.
const READS_WITH_N: &[&str] = &[
    "sh", "dash", "bash", "ash", "ksh", "ksh93", "mksh", "zsh", "yash", "posh",
];

/// A command `shell` cannot read, as an error naming it (`what`: where it
/// came from, such as `command` or `--on-failure`) and the shell's reason.
pub fn check_syntax(what: &str, command: &str, shell: &str) -> Result<(), UsageError> {
    match syntax_error(shell, command) {
        None => Ok(()),
        Some(why) => Err(UsageError::new(format!(
            "invalid {what} {command:?}: {shell} cannot read it ({why})"
        ))),
    }
}

/// Why `shell` cannot parse `command` (`shell -n -c`: read, never run),
/// or `None` when it can, or when `shell` is not one known to take `-n`.
pub fn syntax_error(shell: &str, command: &str) -> Option<String> {
    let base = Path::new(shell).file_name()?.to_str()?;
    if !READS_WITH_N.contains(&base) {
        return None;
    }
    let out = Command::new(shell)
        .args(["-n", "-c", command])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .output()
        .ok()?;
    if out.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&out.stderr);
    let last = text.lines().rfind(|l| !l.trim().is_empty()).unwrap_or("");
    // dash: "/bin/sh: 1: Syntax error: ..."; bash: "/bin/bash: -c: line 1: ...".
    let mut why = last
        .strip_prefix(&format!("{shell}: "))
        .or_else(|| last.strip_prefix(&format!("{base}: ")))
        .unwrap_or(last);
    why = why.strip_prefix("-c: ").unwrap_or(why);
    if let Some((head, rest)) = why.split_once(": ") {
        let head = head.strip_prefix("line ").unwrap_or(head);
        if head.chars().all(|c| c.is_ascii_digit()) {
            why = rest;
        }
    }
    Some(if why.is_empty() {
        "a syntax error".to_string()
    } else {
        why.to_string()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_shell_reads_its_own_grammar() {
        assert_eq!(syntax_error("/bin/sh", "echo ok"), None);
        let why = syntax_error("/bin/sh", "echo 'open").unwrap();
        assert!(why.contains("Unterminated quoted string"), "{why}");
        if Path::new("/bin/bash").exists() {
            // Process substitution: bash reads it, dash does not.
            let bashism = "diff <(echo a) <(echo b)";
            assert_eq!(syntax_error("/bin/bash", bashism), None);
            assert!(syntax_error("/bin/sh", bashism).is_some());
            let why = syntax_error("/bin/bash", "if true; then").unwrap();
            assert!(why.starts_with("syntax error"), "{why}");
        }
        // Not a shell tick knows: not asked.
        assert_eq!(syntax_error("/usr/bin/python3", "(("), None);
    }
}
