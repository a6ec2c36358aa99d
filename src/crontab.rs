//! Reading and writing crontab files (`tick import`, `tick export`). Pure:
//! text in, entries or text out; no store, no clock.
//!
//! Read as cron does: `#` comments and blank lines are skipped; `NAME=value`
//! lines set the environment of the lines after them (`CRON_TZ` their zone;
//! `SHELL` and `MAILTO` are noted and ignored); a job line is 5 fields or a
//! macro, then the command, where an unescaped `%` ends the command and the
//! rest, with each further `%` a newline, is the command's standard input.

use std::collections::BTreeMap;

use crate::trigger::cron::parse_crontab;

/// One job line of a crontab.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// 1-based line number.
    pub line: usize,
    /// The schedule: 5 fields, or a macro (incl. `@reboot`).
    pub schedule: String,
    /// The command for `/bin/sh -c`, with `%` input already turned into a pipe.
    pub command: String,
    /// `CRON_TZ` in force, if any.
    pub zone: Option<String>,
    /// Variables in force (without SHELL, MAILTO and CRON_TZ).
    pub env: BTreeMap<String, String>,
}

/// What reading a crontab gives: entries, notes, and the lines it could not take.
#[derive(Debug, Default)]
pub struct Parsed {
    pub entries: Vec<Entry>,
    pub notes: Vec<String>,
    pub errors: Vec<String>,
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

pub fn parse(text: &str) -> Parsed {
    let mut out = Parsed::default();
    let mut env = BTreeMap::new();
    let mut zone: Option<String> = None;
    for (i, raw) in text.lines().enumerate() {
        let n = i + 1;
        let line = raw.trim_start();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        if let Some((name, value)) = assignment(line) {
            match name.as_str() {
                "SHELL" => out.notes.push(format!(
                    "line {n}: SHELL ignored: tick runs every command with /bin/sh"
                )),
                "MAILTO" | "MAILFROM" => out.notes.push(format!(
                    "line {n}: {name} ignored: tick keeps each run's output in its history (tick logs)"
                )),
                "CRON_TZ" => zone = Some(value),
                _ => {
                    env.insert(name, value);
                }
            }
            continue;
        }
        match job_line(line) {
            Ok((schedule, command)) => out.entries.push(Entry {
                line: n,
                schedule,
                command,
                zone: zone.clone(),
                env: env.clone(),
            }),
            Err(e) => out.errors.push(format!("line {n}: {e}")),
        }
    }
    out
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

fn job_line(line: &str) -> Result<(String, String), String> {
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
    let command = percent_to_stdin(rest.trim())?;
    if command.trim().is_empty() {
        return Err("no command after the schedule".into());
    }
    Ok((schedule, command))
}

/// cron's `%`: the first unescaped `%` ends the command; the rest, with each
/// further `%` a newline, is its standard input. `\%` is a literal `%`.
fn percent_to_stdin(text: &str) -> Result<String, String> {
    let mut parts = vec![String::new()];
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '\\' if chars.peek() == Some(&'%') => {
                chars.next();
                parts.last_mut().unwrap().push('%');
            }
            '%' => parts.push(String::new()),
            c => parts.last_mut().unwrap().push(c),
        }
    }
    let command = parts.remove(0);
    if parts.is_empty() {
        return Ok(command);
    }
    let input: Vec<String> = parts
        .iter()
        .map(|p| shell_words::quote(p).into_owned())
        .collect();
    Ok(format!(
        "printf '%s\\n' {} | {{ {command}\n}}",
        input.join(" ")
    ))
}

/// Escape a command for a crontab line: `%` becomes `\%`. A command with a
/// newline cannot be written on one line.
pub fn escape_command(command: &str) -> Result<String, String> {
    if command.contains('\n') {
        return Err("its command has several lines, which a crontab line cannot hold".into());
    }
    Ok(command.replace('%', "\\%"))
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
        assert_eq!(p.notes.len(), 2);
        assert!(p.notes[0].starts_with("line 2: SHELL ignored"));
        assert!(p.notes[1].starts_with("line 3: MAILTO ignored"));
        assert_eq!(p.entries.len(), 4);
        let e = &p.entries[0];
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
    fn percent_input_reaches_stdin() {
        let cmd = percent_to_stdin("cat%one%two").unwrap();
        let out = std::process::Command::new("/bin/sh")
            .args(["-c", &cmd])
            .output()
            .unwrap();
        assert_eq!(String::from_utf8(out.stdout).unwrap(), "one\ntwo\n");
        assert_eq!(percent_to_stdin("date +\\%F").unwrap(), "date +%F");
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
    fn escapes_for_export() {
        assert_eq!(escape_command("date +%F").unwrap(), "date +\\%F");
        assert!(escape_command("a\nb").is_err());
    }
}
