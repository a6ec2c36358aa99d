//! Commands that need no shell: a command made only of plain words and
//! quotes runs directly (one fork+exec less per fire, as GNU make runs a
//! simple recipe line), with the results `/bin/sh -c` would give. Here: the
//! decision and the splitting ([`plain_words`]), the program's lookup on
//! PATH ([`find_program`]), the environment the shell would have passed
//! ([`pwd`], [`shell_name`]), and how the shell reports a child's end
//! ([`Shell`]).
//!
//! Not here: spawning (`mod.rs`) and watching (`supervisor.rs`).
//!
//! Everything this module is unsure of goes through the shell: a program
//! not found or not executable, a PATH that is not set, a `/bin/sh` that
//! behaves in a way [`Shell::probe`] does not know. The shell then gives its
//! own message and exit code (127, 126), so those stay identical by
//! construction.

use std::ffi::OsStr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::MetadataExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Stdio};
use std::sync::OnceLock;

/// Words that mean something to the shell in command position: its
/// keywords, and the builtins of dash and bash (a builtin's `echo`,
/// `printf`, `test`, `true`, `kill` or `pwd` differs from the program of
/// that name in edge cases: `echo 'a\nb'`, `true --help`, `pwd` through a
/// symbolic link), so the shell runs them.
#[rustfmt::skip]
const SHELL_WORDS: &[&str] = &[
    // keywords (POSIX, bash)
    "!", "{", "}", "case", "do", "done", "elif", "else", "esac", "fi", "for", "if", "in", "then",
    "until", "while", "[[", "]]", "function", "select", "time", "coproc",
    // dash's builtins
    ".", ":", "[", "alias", "bg", "break", "cd", "chdir", "command", "continue", "echo", "eval",
    "exec", "exit", "export", "false", "fc", "fg", "getopts", "hash", "jobs", "kill", "local",
    "printf", "pwd", "read", "readonly", "return", "set", "shift", "test", "times", "trap", "true",
    "type", "ulimit", "umask", "unalias", "unset", "wait",
    // bash's besides
    "bind", "builtin", "caller", "compgen", "complete", "compopt", "declare", "dirs", "disown",
    "enable", "help", "history", "let", "logout", "mapfile", "popd", "pushd", "readarray",
    "shopt", "source", "suspend", "typeset",
];

/// Outside quotes, the only characters a plain word may hold: none of them
/// means anything to a POSIX shell anywhere in a word (`=` does in a first
/// word, see below).
fn plain_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || "-_./:,+=@%^".contains(c)
}

/// The words of `command` if it needs no shell, else `None`.
///
/// Plain: words of ASCII letters, digits and `-_./:,+=@%^`, separated by
/// spaces or tabs, with single quotes (anything printable inside) and
/// double quotes (anything printable but `$`, backquote and backslash)
/// anywhere in a word; the first word has no `=` (an assignment) and is not
/// a shell keyword or builtin. Everything else (`$`, globs, redirections,
/// pipes, `;`, `&`, parentheses, braces, `#`, `~`, `!`, backslashes,
/// newlines, any other control or non-ASCII character, an unclosed quote,
/// an empty command or first word) needs the shell.
///
/// Hand-written rather than `shell_words::split` after a check: the one pass
/// that refuses is the one that splits, so the two cannot disagree about
/// where a quote ends (`shell_words` also takes backslashes and `$` in
/// double quotes literally, which the shell does not).
pub fn plain_words(command: &str) -> Option<Vec<String>> {
    let mut words = Vec::new();
    // The word being read; `None` between words (so `''` is an empty word).
    let mut word: Option<String> = None;
    let mut chars = command.chars();
    while let Some(c) = chars.next() {
        match c {
            ' ' | '\t' => words.extend(word.take()),
            '\'' | '"' => {
                let w = word.get_or_insert_with(String::new);
                loop {
                    match chars.next()? {
                        q if q == c => break,
                        '$' | '`' | '\\' if c == '"' => return None,
                        q @ ' '..='~' => w.push(q),
                        _ => return None,
                    }
                }
            }
            c if plain_char(c) => word.get_or_insert_with(String::new).push(c),
            _ => return None,
        }
    }
    words.extend(word);
    let first = words.first()?;
    if first.is_empty() || first.contains('=') || SHELL_WORDS.contains(&first.as_str()) {
        return None;
    }
    Some(words)
}

/// The file the shell would run for `word` (the first word), as dash and
/// execvp find it: a word with a `/` is a path; else each directory of
/// `path` in turn (an empty one is the current directory), the first
/// executable regular file (a file found but not executable is passed over,
/// as dash's exec moves on past EACCES). `None`: let the shell look and say
/// why it cannot run it.
///
/// The path is returned as the shell would exec it (a script's `$0`), so
/// relative if the word or the PATH entry is: relative to `cwd` when given,
/// where the child is when it execs (std changes directory first, whether
/// it forks or uses posix_spawn). The one difference: an empty PATH entry
/// gives `./word` where dash execs `word` (a bare name would be searched
/// for on PATH again).
pub fn find_program(word: &str, path: &OsStr, cwd: Option<&Path>) -> Option<PathBuf> {
    let found = |p: &Path| match cwd {
        Some(dir) if p.is_relative() => executable(&dir.join(p)),
        _ => executable(p),
    };
    if word.contains('/') {
        let p = PathBuf::from(word);
        return found(&p).then_some(p);
    }
    path.as_bytes()
        .split(|b| *b == b':')
        .map(|dir| match dir {
            b"" => Path::new("."),
            dir => Path::new(OsStr::from_bytes(dir)),
        })
        .map(|dir| dir.join(word))
        .find(|p| found(p))
}

fn executable(p: &Path) -> bool {
    p.metadata().is_ok_and(|m| m.is_file())
        && rustix::fs::access(p, rustix::fs::Access::EXEC_OK).is_ok()
}

/// `PWD` as dash exports it: the inherited one if it is absolute and names
/// the directory the command runs in (`dir`), else that directory's
/// physical path (what `getcwd` returns). `None` if neither can be known.
pub fn pwd(inherited: Option<&OsStr>, dir: &Path) -> Option<PathBuf> {
    let here = dir.metadata().ok()?;
    if let Some(p) = inherited.map(Path::new).filter(|p| p.is_absolute()) {
        if p.metadata()
            .is_ok_and(|m| (m.dev(), m.ino()) == (here.dev(), here.ino()))
        {
            return Some(p.to_path_buf());
        }
    }
    dir.canonicalize().ok()
}

/// Whether the shell passes a variable of this name on to the programs it
/// runs: dash (and bash) drop names that are not `[A-Za-z_][A-Za-z0-9_]*`.
pub fn shell_name(name: &OsStr) -> bool {
    let b = name.as_bytes();
    b.first()
        .is_some_and(|c| c.is_ascii_alphabetic() || *c == b'_')
        && b.iter().all(|c| c.is_ascii_alphanumeric() || *c == b'_')
}

/// How this system's `/bin/sh -c CMD` reports the end of CMD, a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shell {
    /// It execs the program (bash): its exit is the program's.
    Execs,
    /// It forks and waits (dash): a program killed by signal N is exit code
    /// 128+N, and `says` whether the shell then prints the signal's name on
    /// stderr ("Segmentation fault", not for SIGINT and SIGPIPE). A signal
    /// tick sends the whole group kills the shell itself.
    Forks { says: bool },
}

impl Shell {
    /// This system's `/bin/sh`, asked once per process (two shells, about
    /// 2 ms): `/bin/sh -c "/bin/sh -c 'kill -KILL \$\$'"`. `None` if the
    /// answer is none of the known ones: then no command runs directly.
    pub fn here() -> Option<Shell> {
        static HERE: OnceLock<Option<Shell>> = OnceLock::new();
        *HERE.get_or_init(Shell::probe)
    }

    fn probe() -> Option<Shell> {
        let out = Command::new("/bin/sh")
            .args(["-c", "/bin/sh -c 'kill -KILL $$'"])
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .output()
            .ok()?;
        match (out.status.code(), out.status.signal(), &out.stderr[..]) {
            (None, Some(9), b"") => Some(Shell::Execs),
            (Some(137), None, b"Killed\n") => Some(Shell::Forks { says: true }),
            (Some(137), None, b"") => Some(Shell::Forks { says: false }),
            _ => None,
        }
    }

    /// How the shell would have reported a program that ended with
    /// `status`, after tick signalled its group with `sent` (0: never):
    /// (exit code, signal, a line the shell prints on stderr).
    pub fn reports(
        self,
        status: ExitStatus,
        sent: i32,
    ) -> (Option<i32>, Option<i32>, Option<String>) {
        match self {
            Shell::Execs => (status.code(), status.signal(), None),
            // The shell itself died of tick's signal, whatever its child did.
            Shell::Forks { .. } if sent != 0 => (None, Some(sent), None),
            Shell::Forks { says } => match status.signal() {
                None => (status.code(), None, None),
                Some(n) => {
                    let said = (says && n != 2 && n != 13).then(|| {
                        let core = if status.core_dumped() {
                            " (core dumped)"
                        } else {
                            ""
                        };
                        format!("{}{core}\n", signal_name(n))
                    });
                    (Some(128 + n), None, said)
                }
            },
        }
    }
}

/// glibc's `strsignal` in the C locale (what dash prints), Linux numbering.
fn signal_name(n: i32) -> String {
    const NAMES: [&str; 31] = [
        "Hangup",
        "Interrupt",
        "Quit",
        "Illegal instruction",
        "Trace/breakpoint trap",
        "Aborted",
        "Bus error",
        "Floating point exception",
        "Killed",
        "User defined signal 1",
        "Segmentation fault",
        "User defined signal 2",
        "Broken pipe",
        "Alarm clock",
        "Terminated",
        "Stack fault",
        "Child exited",
        "Continued",
        "Stopped (signal)",
        "Stopped",
        "Stopped (tty input)",
        "Stopped (tty output)",
        "Urgent I/O condition",
        "CPU time limit exceeded",
        "File size limit exceeded",
        "Virtual timer expired",
        "Profiling timer expired",
        "Window changed",
        "I/O possible",
        "Power failure",
        "Bad system call",
    ];
    match n {
        1..=31 => NAMES[n as usize - 1].to_string(),
        34..=64 => format!("Real-time signal {}", n - 34),
        _ => format!("Unknown signal {n}"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ffi::OsString;

    fn words(c: &str) -> Option<Vec<&str>> {
        // Leaked: the table reads better with &str.
        plain_words(c).map(|w| w.into_iter().map(|s| &*s.leak()).collect())
    }

    #[test]
    fn plain_commands_are_split_as_the_shell_would() {
        let table: &[(&str, &[&str])] = &[
            ("backup.sh", &["backup.sh"]),
            ("/usr/bin/env true", &["/usr/bin/env", "true"]),
            ("echo2 'a b' \"c d\"", &["echo2", "a b", "c d"]),
            (
                "rsync -a /src/ host:/dst/",
                &["rsync", "-a", "/src/", "host:/dst/"],
            ),
            ("  ls\t-l  ", &["ls", "-l"]),
            ("printf2 '%s|' a '' b", &["printf2", "%s|", "a", "", "b"]),
            ("x a'b c'd\"e\"", &["x", "ab cde"]),
            (
                "x '$HOME `a` \\n ~ * ; |' \"; & | < > # ! ~ * '\"",
                &["x", "$HOME `a` \\n ~ * ; |", "; & | < > # ! ~ * '"],
            ),
            (
                "./run.sh --level=3 user@host a,b 50% x^y +1",
                &[
                    "./run.sh",
                    "--level=3",
                    "user@host",
                    "a,b",
                    "50%",
                    "x^y",
                    "+1",
                ],
            ),
            ("truex", &["truex"]),
        ];
        for (command, want) in table {
            assert_eq!(words(command).as_deref(), Some(*want), "{command:?}");
        }
    }

    #[test]
    fn anything_else_needs_the_shell() {
        let table = [
            // metacharacters, each
            "echo2 $HOME",
            "x ${A}",
            "x `date`",
            "x $(date)",
            "ls *",
            "ls ?",
            "ls [ab]",
            "x > out",
            "x < in",
            "x 2>&1",
            "a | b",
            "a; b",
            "a & b",
            "a && b",
            "a || b",
            "(a)",
            "{ a; }",
            "x {a,b}",
            "x # comment",
            "x ~",
            "x ~/a",
            "x a~",
            "x a\\ b",
            "x \\\n y",
            "a\nb",
            "x !",
            "x\u{7}",
            "x\r",
            "caf\u{e9}",
            "x 'caf\u{e9}'",
            "x '\ta'",
            // assignments
            "A=b cmd",
            "A=b",
            "'A=b' cmd",
            // quotes the shell reads differently, or unbalanced
            "x \"$HOME\"",
            "x \"`date`\"",
            "x \"a\\b\"",
            "x 'a",
            "x \"a",
            "x a'",
            // keywords and builtins
            "if",
            "then x",
            "for i",
            "while true",
            "! x",
            "[[ x ]]",
            "time x",
            "function f",
            "cd /tmp",
            "exit 3",
            "export A",
            "set -e",
            ". ./env",
            "source x",
            "eval x",
            "exec x",
            "echo a",
            "printf x",
            "test -e x",
            "[ x ]",
            "true",
            "false",
            "kill 1",
            "pwd",
            "read x",
            "trap x",
            "wait",
            "ulimit -n",
            "umask",
            "command -v x",
            "type x",
            "'echo' a",
            ":",
            // nothing to run
            "",
            "   ",
            "'' x",
            "\"\"",
        ];
        for command in table {
            assert_eq!(words(command), None, "{command:?}");
        }
    }

    #[test]
    fn programs_are_found_as_execvp_finds_them() {
        let dir = std::env::temp_dir().join(format!("tick-plain-{}", std::process::id()));
        let (a, b) = (dir.join("a"), dir.join("b"));
        std::fs::create_dir_all(&a).unwrap();
        std::fs::create_dir_all(&b).unwrap();
        let make = |p: &Path, mode: u32| {
            use std::os::unix::fs::PermissionsExt;
            std::fs::write(p, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
        };
        make(&a.join("tool"), 0o644); // found first, not executable: passed over
        make(&b.join("tool"), 0o755);
        make(&a.join("only-here"), 0o644);
        std::fs::create_dir_all(b.join("adir")).unwrap();
        let path = OsString::from(format!("/nonexistent:{}:{}", a.display(), b.display()));
        assert_eq!(find_program("tool", &path, None), Some(b.join("tool")));
        assert_eq!(find_program("only-here", &path, None), None);
        assert_eq!(find_program("adir", &path, None), None);
        assert_eq!(find_program("missing", &path, None), None);
        // Relative: looked for from the cwd given, kept relative as the
        // shell execs it; an empty PATH entry is the cwd.
        assert_eq!(
            find_program("./tool", &path, Some(&b)),
            Some("./tool".into())
        );
        assert_eq!(find_program("./tool", &path, Some(&a)), None);
        assert_eq!(
            find_program("tool", OsStr::new(":/bin"), Some(&b)),
            Some("./tool".into())
        );
        assert_eq!(
            find_program("tool", OsStr::new("b"), Some(&dir)),
            Some("b/tool".into())
        );
        assert_eq!(
            find_program(b.join("tool").to_str().unwrap(), OsStr::new(""), None),
            Some(b.join("tool"))
        );
        // PWD: kept if it names the directory, else the physical path.
        let link = dir.join("link");
        let _ = std::os::unix::fs::symlink(&b, &link);
        let real = b.canonicalize().unwrap();
        assert_eq!(pwd(Some(link.as_os_str()), &b), Some(link.clone()));
        assert_eq!(pwd(Some(OsStr::new("/")), &b), Some(real.clone()));
        assert_eq!(pwd(Some(OsStr::new("relative")), &b), Some(real.clone()));
        assert_eq!(pwd(None, &link), Some(real));
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn names_the_shell_passes_on() {
        for (name, ok) in [
            ("PATH", true),
            ("_x1", true),
            ("a-b", false),
            ("1a", false),
            ("", false),
            ("BASH_FUNC_f%%", false),
        ] {
            assert_eq!(shell_name(OsStr::new(name)), ok, "{name}");
        }
    }

    #[test]
    fn ends_reported_as_the_shell_reports_them() {
        let exit = |code: i32| ExitStatus::from_raw(code << 8);
        let killed = |sig: i32| ExitStatus::from_raw(sig);
        let dash = Shell::Forks { says: true };
        assert_eq!(dash.reports(exit(3), 0), (Some(3), None, None));
        assert_eq!(
            dash.reports(killed(11), 0),
            (Some(139), None, Some("Segmentation fault\n".into()))
        );
        assert_eq!(
            dash.reports(ExitStatus::from_raw(6 | 0x80), 0),
            (Some(134), None, Some("Aborted (core dumped)\n".into()))
        );
        assert_eq!(dash.reports(killed(13), 0), (Some(141), None, None));
        assert_eq!(dash.reports(killed(2), 0), (Some(130), None, None));
        // tick's TERM to the group killed the shell, whatever the child did.
        assert_eq!(dash.reports(exit(0), 15), (None, Some(15), None));
        assert_eq!(dash.reports(killed(9), 15), (None, Some(15), None));
        assert_eq!(
            Shell::Forks { says: false }.reports(killed(15), 0),
            (Some(143), None, None)
        );
        assert_eq!(Shell::Execs.reports(killed(15), 15), (None, Some(15), None));
        assert_eq!(Shell::Execs.reports(exit(0), 15), (Some(0), None, None));
        assert_eq!(signal_name(34), "Real-time signal 0");
    }

    #[test]
    fn this_systems_shell_is_known() {
        // dash on Debian and Ubuntu, bash elsewhere: both known.
        assert!(Shell::here().is_some());
    }
}
