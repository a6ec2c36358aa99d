//! Reading and writing crontab files (`tick import`, `tick export`). Pure:
//! text (or a reader, read within [`MAX_BYTES`] and [`MAX_LINE`]) in,
//! entries or text out; no store, no clock.
//!
//! Read as cron does: `#` comments and blank lines are skipped; `NAME=value`
//! lines set the environment of the lines after them (`CRON_TZ` their zone,
//! `SHELL` their shell, `MAILTO` where their output is mailed); a job line
//! is 5 fields or a macro, then the command, where an unescaped `%` ends
//! the command and the
//! rest, with each further `%` a newline, is the command's standard input
//! ([`read_command`], byte for byte as Vixie cron and cronie read it; such
//! input becomes a `printf ... |` pipe). Written back ([`write_command`]) so
//! that cron reads the same bytes, or not at all.
//!
//! tick's own comment, `# tick: --retries 3 --on-failure 'notify ...'`,
//! right above a job line (only other comments between), holds the job
//! options crontab has no place for, as `tick add` takes them: cron skips
//! it, `tick import` reads it back ([`Entry::tick`]).

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read};

use crate::trigger::cron::parse_crontab;

/// One job line of a crontab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number.
    pub line: usize,
    /// The schedule: 5 fields, or a macro (incl. `@reboot`).
    pub schedule: String,
    /// The user field of a system crontab line.
    pub user: Option<String>,
    /// What cron runs: the command field read as cron reads it.
    pub cron: CronCommand,
    /// The command for its shell (`SHELL -c`), with `%` input already turned into a pipe.
    pub command: String,
    /// `CRON_TZ` in force, if any.
    pub zone: Option<String>,
    /// `SHELL` in force, if any (cron's default is `/bin/sh`).
    pub shell: Option<String>,
    /// `MAILTO` in force, if any and not empty: where cron mails what
    /// the line prints.
    pub mailto: Option<String>,
    /// Variables in force (without SHELL, MAILTO and CRON_TZ).
    pub env: BTreeMap<String, String>,
    /// The `# tick:` lines right above it: their line numbers and the
    /// words after `tick:`.
    pub tick: Vec<(usize, String)>,
}

/// What reading a crontab gives: entries, notes, and the lines it could not take.
#[derive(Debug, Default)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    pub notes: Vec<String>,
    pub errors: Vec<String>,
}

/// The largest crontab `tick import` reads (a real one is a few KiB).
pub const MAX_BYTES: u64 = 10 * 1024 * 1024;
/// The longest line it reads (cronie allows 128 KiB for a whole entry;
/// Vixie cron 1,000 bytes for a command).
pub const MAX_LINE: usize = 64 * 1024;

/// Read a crontab, stopping as soon as it is larger than [`MAX_BYTES`], has
/// a line longer than [`MAX_LINE`] or is not UTF-8: `/dev/zero` ends at once.
/// An `Err` says which, for a message after the crontab's name.
pub fn read(input: impl Read) -> Result<String, String> {
    let mut reader = BufReader::new(input.take(MAX_BYTES + 1));
    let mut text = Vec::new();
    for n in 1.. {
        let start = text.len();
        let got = (&mut reader)
            .take(MAX_LINE as u64 + 1)
            .read_until(b'\n', &mut text)
            .map_err(|e| e.to_string())?;
        if got == 0 {
            break;
        }
        let line = text[start..].strip_suffix(b"\n").unwrap_or(&text[start..]);
        if line.len() > MAX_LINE {
            return Err(format!(
                "line {n} is longer than {} KiB, the longest line tick reads",
                MAX_LINE / 1024
            ));
        }
        if text.len() as u64 > MAX_BYTES {
            return Err(format!(
                "it is larger than {} MiB, the largest crontab tick reads",
                MAX_BYTES / 1024 / 1024
            ));
        }
        if std::str::from_utf8(line).is_err() {
            return Err(format!("line {n} is not UTF-8 text"));
        }
    }
    String::from_utf8(text).map_err(|_| "it is not UTF-8 text".to_string())
}

const MACROS: [&str; 8] = [
    "@reboot",
    "@yearly",
    "@annually",
    "@monthly",
    "@weekly",
    "@daily",
    "@midnight",
    "@hourly",
];

/// Which crontab a file is: a user's (`crontab -e`), or a system one
/// (`/etc/crontab`, `/etc/cron.d/*`), whose job lines have a user field
/// between the schedule and the command.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    User,
    System,
}

impl Format {
    /// A system crontab by its path: `/etc/crontab` or a file in `/etc/cron.d`.
    pub fn of_path(path: &std::path::Path) -> Format {
        let real = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if real == std::path::Path::new("/etc/crontab")
            || real.parent() == Some(std::path::Path::new("/etc/cron.d"))
        {
            Format::System
        } else {
            Format::User
        }
    }
}

/// Read a user's crontab.
pub fn parse(text: &str) -> Parsed {
    parse_as(text, Format::User)
}

/// Read a crontab of the given format.
pub fn parse_as(text: &str, format: Format) -> Parsed {
    let mut out = Parsed::default();
    let mut env = BTreeMap::new();
    let (mut zone, mut shell): (Option<String>, Option<String>) = (None, None);
    let mut mailto: Option<String> = None;
    // `# tick:` lines waiting for the job line below them.
    let mut tick: Vec<(usize, String)> = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_start();
        if let Some(comment) = line.strip_prefix('#') {
            if let Some(words) = comment.trim_start().strip_prefix(TICK_LINE) {
                tick.push((n, words.trim().to_string()));
            }
            continue;
        }
        if line.is_empty() || assignment(line).is_some() {
            for (at, _) in tick.drain(..) {
                out.errors.push(format!(
                    "line {at}: a '# {TICK_LINE}' line belongs right above its job line (only comments between), not above line {n}"
                ));
            }
        }
        if line.is_empty() {
            continue;
        }
        if let Some((name, value)) = assignment(line) {
            match name.as_str() {
                "SHELL" => shell = Some(value),
                "MAILTO" if !value.is_empty() => {
                    out.notes.push(mailto_note(n, &value));
                    mailto = Some(value);
                }
                "MAILTO" => mailto = None,
                "MAILFROM" => out.notes.push(format!(
                    "line {n}: MAILFROM is not carried over: tick's mail comes from the user who runs tick run"
                )),
                "CRON_TZ" => zone = Some(value),
                _ => {
                    env.insert(name, value);
                }
            }
            continue;
        }
        match job_line(line, format) {
            Ok((schedule, user, cron)) => out.entries.push(Entry {
                line: n,
                schedule,
                user,
                command: job_command(&cron),
                cron,
                zone: zone.clone(),
                shell: shell.clone(),
                mailto: mailto.clone(),
                env: env.clone(),
                tick: std::mem::take(&mut tick),
            }),
            Err(e) => {
                tick.clear();
                out.errors.push(format!("line {n}: {e}"))
            }
        }
    }
    for (at, _) in tick {
        out.errors.push(format!(
            "line {at}: a '# {TICK_LINE}' line belongs right above its job line, and none follows"
        ));
    }
    out
}

/// What starts tick's own comment line, after `#`.
pub const TICK_LINE: &str = "tick:";

/// What becomes of `MAILTO=ADDRESS` (line `n`): said in one line.
fn mailto_note(n: usize, address: &str) -> String {
    format!(
        "line {n}: MAILTO={address}: the jobs below mail what they print, as under cron (--notify {} --notify-on output, through this machine's sendmail)",
        shell_words::quote(&format!("mailto:{address}"))
    )
}

/// `NAME=value`, `NAME = "value"`; cron's rule: a name, `=`, then the value.
fn assignment(line: &str) -> Option<(String, String)> {
    let (name, value) = line.split_once('=')?;
    let name = name.trim();
    let valid = !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid {
        return None;
    }
    let value = value.trim();
    let unquoted = ['"', '\'']
        .iter()
        .find_map(|q| value.strip_prefix(*q).and_then(|v| v.strip_suffix(*q)))
        .unwrap_or(value);
    Some((name.to_string(), unquoted.to_string()))
}

/// A job line: its schedule, its user field (system crontabs) and its
/// command field as cron reads it.
fn job_line(line: &str, format: Format) -> Result<(String, Option<String>, CronCommand), String> {
    let (schedule, rest) = if line.starts_with('@') {
        let (m, rest) = line.split_once(char::is_whitespace).unwrap_or((line, ""));
        if !MACROS.contains(&m.to_ascii_lowercase().as_str()) {
            return Err(format!("unknown macro '{m}' (use {})", MACROS.join(", ")));
        }
        (m.to_string(), rest)
    } else {
        let mut rest = line;
        let mut fields = Vec::new();
        for _ in 0..5 {
            let t = rest.trim_start();
            let end = t.find(char::is_whitespace).unwrap_or(t.len());
            if end == 0 {
                break;
            }
            fields.push(&t[..end]);
            rest = &t[end..];
        }
        if fields.len() < 5 {
            return Err(format!(
                "expected 5 time fields and a command, or NAME=value, got '{line}'"
            ));
        }
        let schedule = fields.join(" ");
        parse_crontab(&schedule).map_err(|e| e.to_string())?;
        (schedule, rest)
    };
    let (user, rest) = match format {
        Format::User => (None, rest),
        Format::System => {
            let t = rest.trim_start();
            let end = t.find(char::is_whitespace).unwrap_or(t.len());
            if end == 0 {
                return Err(
                    "no user field after the schedule (a system crontab line is: schedule, user, command)"
                        .into(),
                );
            }
            (Some(t[..end].to_string()), &t[end..])
        }
    };
    // Like cron: blanks before the command are skipped, the rest is kept.
    let cron = read_command(rest.trim_start());
    if cron.command.trim().is_empty() {
        return Err("no command after the schedule".into());
    }
    Ok((schedule, user, cron))
}

/// What cron runs for the command field of a crontab line: the command
/// for `/bin/sh -c`, and the bytes written to its standard input (empty:
/// none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CronCommand {
    pub command: String,
    pub input: String,
}

/// cron's reading of a command field (Vixie cron and cronie,
/// `do_command.c`): in the command, a backslash takes the next character
/// along, and loses itself only before a `%` (`\%` is `%`); the first other
/// `%` ends the command. The rest is standard input: `%` a newline, `\%` a
/// `%`, other backslashes kept, and a newline added when it does not end
/// with one.
pub fn read_command(field: &str) -> CronCommand {
    let mut command = String::new();
    let mut chars = field.chars();
    let mut rest = "";
    while let Some(c) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some('%') => command.push('%'),
                Some(next) => {
                    command.push('\\');
                    command.push(next);
                }
                None => command.push('\\'),
            },
            '%' => {
                rest = chars.as_str();
                break;
            }
            c => command.push(c),
        }
    }
    let mut input = String::new();
    let (mut escaped, mut need_newline) = (false, false);
    for mut c in rest.chars() {
        if escaped {
            if c != '%' {
                input.push('\\');
            }
        } else if c == '%' {
            c = '\n';
        }
        escaped = c == '\\';
        if !escaped {
            input.push(c);
            need_newline = c != '\n';
        }
    }
    if escaped {
        input.push('\\');
    }
    if need_newline {
        input.push('\n');
    }
    CronCommand { command, input }
}

/// The command field cron reads back as exactly `c` ([`read_command`]), or
/// why there is none: cron has no escape for a backslash right before a
/// `%` (or before the `%` that starts the input, or a newline in it), a
/// line cannot hold a newline, and cron skips leading blanks.
pub fn write_command(c: &CronCommand) -> Result<String, String> {
    if c.command.contains(['\n', '\r']) || c.input.contains('\r') {
        return Err("its command has several lines, which a crontab line cannot hold".into());
    }
    if c.command.starts_with([' ', '\t']) {
        return Err("its command starts with a blank, which cron skips".into());
    }
    let mut field = c.command.replace('%', "\\%");
    if !c.input.is_empty() {
        // cron ends the input with a newline when it has none.
        let cut = c.input.strip_suffix('\n').unwrap_or(&c.input);
        let input = if cut.is_empty() || cut.ends_with('\n') {
            &c.input
        } else {
            cut
        };
        field.push('%');
        field.push_str(&input.replace('%', "\\%").replace('\n', "%"));
    }
    if read_command(&field) != *c {
        return Err(
            "cron cannot run its command as it is: a backslash right before a % (cron reads \\% as %) has no crontab form"
                .into(),
        );
    }
    Ok(field)
}

/// The crontab line `NAME=value` that cron (and [`parse`]) reads back as
/// exactly this variable, quoted where needed, or why there is none.
pub fn write_env(name: &str, value: &str) -> Result<String, String> {
    if value.contains(['\n', '\r']) {
        return Err("its value has several lines, which a crontab line cannot hold".into());
    }
    for q in ["", "\"", "'"] {
        let line = format!("{name}={q}{value}{q}");
        if assignment(&line) == Some((name.to_string(), value.to_string())) {
            return Ok(line);
        }
    }
    Err("its value cannot be quoted so that cron reads it back as it is".into())
}

/// A job's command for what cron runs: the input, if any, through a pipe,
/// one `printf` argument per line.
pub fn job_command(c: &CronCommand) -> String {
    if c.input.is_empty() {
        return c.command.clone();
    }
    let lines: Vec<String> = c
        .input
        .strip_suffix('\n')
        .unwrap_or(&c.input)
        .split('\n')
        .map(|l| shell_words::quote(l).into_owned())
        .collect();
    format!("printf '%s\\n' {} | {{ {}\n}}", lines.join(" "), c.command)
}

/// What cron should run for a job's command: the inverse of
/// [`job_command`] (an imported `%` line exports as one again), else the
/// command as it is.
pub fn cron_command(job: &str) -> CronCommand {
    let body = job
        .strip_prefix("printf '%s\\n' ")
        .and_then(|b| b.strip_suffix("\n}"));
    if let Some(body) = body {
        for (at, sep) in body.match_indices(" | { ") {
            let Ok(lines) = shell_words::split(&body[..at]) else {
                continue;
            };
            let c = CronCommand {
                command: body[at + sep.len()..].to_string(),
                input: lines.iter().map(|l| format!("{l}\n")).collect(),
            };
            if !lines.is_empty() && job_command(&c) == job {
                return c;
            }
        }
    }
    CronCommand {
        command: job.to_string(),
        input: String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_real_crontab() {
        let text = "\
# m h  dom mon dow   command
SHELL=/bin/bash
MAILTO=ops@example.com
PATH=/usr/local/bin:/usr/bin:/bin
CRON_TZ=Europe/Berlin

0 3 * * * /usr/local/bin/backup.sh --full >> /var/log/backup.log 2>&1
*/15 9-17 * * mon-fri  curl -fsS https://example.com/ping
@reboot   /usr/bin/startup.sh
  # an indented comment
GREETING=\"hello world\"
30 6 1 * * mail -s report me%Dear me,%all good\\% done
";
        let p = parse(text);
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(p.notes.len(), 1);
        assert_eq!(
            p.notes[0],
            "line 3: MAILTO=ops@example.com: the jobs below mail what they print, as under cron (--notify mailto:ops@example.com --notify-on output, through this machine's sendmail)"
        );
        assert_eq!(p.entries.len(), 4);
        let e = &p.entries[0];
        assert_eq!(e.mailto.as_deref(), Some("ops@example.com"));
        assert_eq!(e.shell.as_deref(), Some("/bin/bash"));
        assert_eq!((e.line, e.schedule.as_str()), (7, "0 3 * * *"));
        assert_eq!(
            e.command,
            "/usr/local/bin/backup.sh --full >> /var/log/backup.log 2>&1"
        );
        assert_eq!(e.zone.as_deref(), Some("Europe/Berlin"));
        assert_eq!(e.env.get("PATH").unwrap(), "/usr/local/bin:/usr/bin:/bin");
        assert_eq!(p.entries[1].schedule, "*/15 9-17 * * mon-fri");
        assert_eq!(p.entries[2].schedule, "@reboot");
        let mail = &p.entries[3];
        assert_eq!(mail.env.get("GREETING").unwrap(), "hello world");
        assert_eq!(
            mail.command,
            "printf '%s\\n' 'Dear me,' 'all good% done' | { mail -s report me\n}"
        );
    }

    #[test]
    fn percent_input_reaches_stdin_as_cron_writes_it() {
        let c = read_command("cat%one\\%two%three");
        assert_eq!(c.command, "cat");
        assert_eq!(c.input, "one%two\nthree\n");
        let out = std::process::Command::new("/bin/sh")
            .args(["-c", &job_command(&c)])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "one%two\nthree\n");
        assert_eq!(cron_command(&job_command(&c)), c);
        assert_eq!(read_command("date +\\%F").command, "date +%F");
        // A backslash takes the next character along: `\\%` ends the command.
        let c = read_command("echo a\\\\%b\\\\%c%");
        assert_eq!(
            (c.command.as_str(), c.input.as_str()),
            ("echo a\\\\", "b\\%c\n")
        );
        assert_eq!(read_command("cat%").input, "");
        assert_eq!(read_command("cat%a\\").input, "a\\\n");
    }

    #[test]
    fn tick_lines_go_with_the_job_line_below_them() {
        let p = parse(
            "# tick: --name a\n# tick job x\n  #tick:  --retries 3 \n0 3 * * * one\n0 4 * * * two\n",
        );
        assert!(p.errors.is_empty(), "{:?}", p.errors);
        assert_eq!(
            p.entries[0].tick,
            [(1, "--name a".to_string()), (3, "--retries 3".to_string())]
        );
        assert!(p.entries[1].tick.is_empty());
        // Cut off from its job line, or with none below: said, not lost.
        let p = parse("# tick: --name a\n\n0 3 * * * one\n# tick: --name b\nA=1\n0 4 * * * two\n# tick: --name c\n");
        assert_eq!(
            p.errors,
            [
                "line 1: a '# tick:' line belongs right above its job line (only comments between), not above line 2",
                "line 4: a '# tick:' line belongs right above its job line (only comments between), not above line 5",
                "line 7: a '# tick:' line belongs right above its job line, and none follows",
            ]
        );
        assert!(p.entries.iter().all(|e| e.tick.is_empty()));
    }

    #[test]
    fn reports_each_bad_line_with_its_number() {
        let p = parse("0 3 * * * ok\n0 25 * * * bad hour\n* * *\n@sometimes x\n0 3 * * *\n");
        assert_eq!(p.entries.len(), 1);
        assert_eq!(p.errors.len(), 4, "{:?}", p.errors);
        assert!(
            p.errors[0].starts_with("line 2: invalid cron expression '0 25 * * *': hour value 25")
        );
        assert!(p.errors[1].starts_with("line 3: expected 5 time fields"));
        assert!(p.errors[2].starts_with("line 4: unknown macro '@sometimes'"));
        assert!(p.errors[3].starts_with("line 5: no command"));
    }

    #[test]
    fn system_crontabs_have_a_user_field() {
        let p = parse_as(
            "SHELL=/bin/sh\n30 3 * * 0 root test -e /run/x || echo 'a b'\n@reboot  alice   start.sh%in\n0 1 * * * \n",
            Format::System,
        );
        assert_eq!(p.entries.len(), 2);
        assert_eq!(p.entries[0].user.as_deref(), Some("root"));
        assert_eq!(p.entries[0].command, "test -e /run/x || echo 'a b'");
        assert_eq!(p.entries[1].user.as_deref(), Some("alice"));
        assert_eq!(p.entries[1].cron.command, "start.sh");
        assert_eq!(p.errors, ["line 4: no user field after the schedule (a system crontab line is: schedule, user, command)"]);
        // The same line in a user's crontab: the user is the command.
        let p = parse("30 3 * * 0 root test -e /run/x\n");
        assert_eq!(p.entries[0].command, "root test -e /run/x");
        for (path, format) in [
            ("/etc/crontab", Format::System),
            ("/etc/cron.d/e2scrub_all", Format::System),
            ("/etc/cron.d", Format::User),
            ("/home/me/my.crontab", Format::User),
        ] {
            assert_eq!(
                Format::of_path(std::path::Path::new(path)),
                format,
                "{path}"
            );
        }
    }

    #[test]
    fn environment_lines_read_back_as_written() {
        for value in [
            "/srv/backup",
            "",
            " lead",
            "trail ",
            "\"q\"",
            "'q'",
            "a=b # c",
            "\"'",
        ] {
            match write_env("V", value) {
                Ok(line) => {
                    let p = parse(&format!("{line}\n* * * * * x\n"));
                    assert_eq!(p.entries[0].env["V"], value, "{line}");
                }
                Err(why) => assert_eq!(value, "\"'", "{why}"),
            }
        }
        assert!(write_env("V", "a\nb")
            .unwrap_err()
            .contains("several lines"));
    }

    #[test]
    fn writes_what_cron_reads_back_or_says_why_not() {
        let plain = |command: &str| CronCommand {
            command: command.into(),
            input: String::new(),
        };
        assert_eq!(write_command(&plain("date +%F")).unwrap(), "date +\\%F");
        assert_eq!(
            write_command(&plain("a\\\\%b c\\")).unwrap(),
            "a\\\\\\%b c\\"
        );
        let why = write_command(&plain("date +\\%F")).unwrap_err();
        assert!(why.contains("backslash right before a %"), "{why}");
        assert!(write_command(&plain("a\nb"))
            .unwrap_err()
            .contains("several lines"));
        for input in ["x\n", "x\n\n", "\n", "50%\nend\\\n"] {
            let c = CronCommand {
                command: "cat".into(),
                input: input.into(),
            };
            let field = write_command(&c).unwrap();
            assert_eq!(read_command(&field), c, "{field}");
            assert_eq!(cron_command(&job_command(&c)), c);
        }
        // Not a pipe tick wrote: the command as it is.
        let own = "printf '%s\\n' x | { cat\n}; echo more";
        assert_eq!(cron_command(own), plain(own));
    }
}
