//! `--name GLOB`: a shell pattern (`*`, `?`, `[...]`, `\` quoting the next
//! character), parsed once and written in each backend's own terms, so
//! that the store filters with its indexes and both backends agree:
//! SQLite's `GLOB` operator (which has no escape character: a literal `*`
//! is written `[*]`) and a PostgreSQL regular expression, anchored at both
//! ends. [`Glob::matches`] is the reference both are tested against.
//!
//! Not here: which columns a pattern is matched against (the backends'
//! queries), or character classes like `[[:alpha:]]` (refused).

use std::fmt;

/// A parsed pattern. Matching is case-sensitive, character by character
/// (a `?` is one Unicode character, ranges compare code points), and `*`
/// and `?` match any character, `/` and newlines included.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Glob {
    text: String,
    parts: Vec<Part>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Part {
    Literal(char),
    /// `?`
    One,
    /// `*`
    Any,
    /// `[...]`: inclusive ranges (a single character is a range of one).
    Set {
        negated: bool,
        ranges: Vec<(char, char)>,
    },
}

/// Why a pattern was refused.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GlobError(String);

impl fmt::Display for GlobError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for GlobError {}

impl Glob {
    /// Parse a shell pattern.
    pub fn parse(text: &str) -> Result<Glob, GlobError> {
        let mut parts = Vec::new();
        let mut chars = text.chars().peekable();
        while let Some(c) = chars.next() {
            parts.push(match c {
                '*' => Part::Any,
                '?' => Part::One,
                '\\' => match chars.next() {
                    Some(q) => Part::Literal(q),
                    None => return Err(GlobError("it ends with a lone '\\'".into())),
                },
                '[' => set(&mut chars)?,
                c => Part::Literal(c),
            });
        }
        // `**` is `*`: fewer steps for the matchers.
        parts.dedup_by(|a, b| *a == Part::Any && *b == Part::Any);
        Ok(Glob {
            text: text.to_string(),
            parts,
        })
    }

    /// The pattern as given.
    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether `s` matches the whole pattern.
    pub fn matches(&self, s: &str) -> bool {
        let s: Vec<char> = s.chars().collect();
        // The classic backtracking on the last `*` (linear in practice).
        let (mut p, mut i) = (0, 0);
        let mut star: Option<(usize, usize)> = None;
        while i < s.len() {
            match self.parts.get(p) {
                Some(Part::Any) => {
                    star = Some((p, i));
                    p += 1;
                    continue;
                }
                Some(part) if part.matches(s[i]) => {
                    p += 1;
                    i += 1;
                    continue;
                }
                _ => {}
            }
            match star {
                Some((sp, si)) => {
                    p = sp + 1;
                    i = si + 1;
                    star = Some((sp, si + 1));
                }
                None => return false,
            }
        }
        self.parts[p..].iter().all(|part| *part == Part::Any)
    }

    /// The pattern for SQLite's `GLOB` operator. A pattern that starts
    /// with literal characters keeps them as they are, so that SQLite
    /// reads matching rows from an index range.
    pub fn to_sqlite(&self) -> String {
        let mut out = String::new();
        for part in &self.parts {
            match part {
                Part::Any => out.push('*'),
                Part::One => out.push('?'),
                Part::Literal(c @ ('*' | '?' | '[')) => {
                    out.push('[');
                    out.push(*c);
                    out.push(']');
                }
                Part::Literal(c) => out.push(*c),
                Part::Set { negated, ranges } => sqlite_set(&mut out, *negated, ranges),
            }
        }
        out
    }

    /// The pattern as a PostgreSQL regular expression (ARE), anchored at
    /// both ends.
    pub fn to_regex(&self) -> String {
        let mut out = String::from("^");
        for part in &self.parts {
            match part {
                Part::Any => out.push_str(".*"),
                Part::One => out.push('.'),
                Part::Literal(c) => regex_char(&mut out, *c),
                Part::Set { negated, ranges } => {
                    out.push('[');
                    if *negated {
                        out.push('^');
                    }
                    for &(lo, hi) in ranges {
                        regex_char(&mut out, lo);
                        if hi != lo {
                            out.push('-');
                            regex_char(&mut out, hi);
                        }
                    }
                    out.push(']');
                }
            }
        }
        out.push('$');
        out
    }
}

impl fmt::Display for Glob {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

impl Part {
    fn matches(&self, c: char) -> bool {
        match self {
            Part::Literal(l) => *l == c,
            Part::One => true,
            Part::Any => true,
            Part::Set { negated, ranges } => {
                ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi) != *negated
            }
        }
    }
}

/// After a `[`: the set up to its `]`. As in the shell, a leading `!` or
/// `^` negates it, a `]` first (after that) is itself, and a `-` first or
/// last is itself; `\` quotes the next character.
fn set(chars: &mut std::iter::Peekable<std::str::Chars>) -> Result<Part, GlobError> {
    let unclosed = || GlobError("a '[' is not closed by a ']'".into());
    let negated = matches!(chars.peek(), Some('!' | '^'));
    if negated {
        chars.next();
    }
    let mut ranges: Vec<(char, char)> = Vec::new();
    let mut first = true;
    loop {
        let c = chars.next().ok_or_else(unclosed)?;
        let lo = match c {
            ']' if !first => break,
            '[' if chars.peek() == Some(&':') => {
                return Err(GlobError(
                    "character classes like [:alpha:] are not supported: list the characters or a range, e.g. [a-z]".into(),
                ))
            }
            '\\' => chars.next().ok_or_else(unclosed)?,
            c => c,
        };
        first = false;
        // A range, unless the `-` is last.
        let mut ahead = chars.clone();
        if ahead.next() == Some('-') && !matches!(ahead.peek(), Some(']') | None) {
            chars.next();
            let hi = match chars.next().ok_or_else(unclosed)? {
                '\\' => chars.next().ok_or_else(unclosed)?,
                c => c,
            };
            if hi < lo {
                return Err(GlobError(format!(
                    "the range '{lo}-{hi}' is backwards: write '{hi}-{lo}'"
                )));
            }
            ranges.push((lo, hi));
        } else {
            ranges.push((lo, lo));
        }
    }
    Ok(Part::Set { negated, ranges })
}

/// A set in SQLite's `GLOB` syntax. SQLite reads a `^` first as negation,
/// a `]` first as itself, a `-` as itself only where no range can start,
/// and has no escape: so those three characters are taken out of every
/// range and written where they mean themselves (`]` first, then `-`,
/// `^` last).
fn sqlite_set(out: &mut String, negated: bool, ranges: &[(char, char)]) {
    const SET_CHARS: [char; 3] = [']', '-', '^'];
    let mut has = [false; 3];
    let mut plain: Vec<(char, char)> = Vec::new();
    for &(lo, hi) in ranges {
        let mut start = lo as u32;
        for (k, s) in SET_CHARS.iter().enumerate() {
            let s = *s as u32;
            if (start..=hi as u32).contains(&s) {
                has[k] = true;
                if s > start {
                    plain.push((char_at(start), char_at(s - 1)));
                }
                start = s + 1;
            }
        }
        // SET_CHARS is in ascending order, so what is left is one range.
        if start <= hi as u32 {
            plain.push((char_at(start), hi));
        }
    }
    let [close, dash, caret] = has;
    // A set of one character not negated: that character.
    if !negated && plain.is_empty() && u8::from(close) + u8::from(dash) + u8::from(caret) == 1 {
        out.push(if close {
            ']'
        } else if dash {
            '-'
        } else {
            '^'
        });
        return;
    }
    out.push('[');
    if negated {
        out.push('^');
    }
    if close {
        out.push(']');
    }
    if dash {
        out.push('-');
    }
    for (lo, hi) in plain {
        out.push(lo);
        if hi != lo {
            out.push('-');
            out.push(hi);
        }
    }
    if caret {
        out.push('^');
    }
    out.push(']');
}

/// A code point next to one of the ASCII specials: never a surrogate.
fn char_at(c: u32) -> char {
    char::from_u32(c).unwrap_or('\u{FFFD}')
}

/// One character of a regular expression, as itself: ASCII punctuation
/// quoted with `\`, other ASCII that is not a letter or digit (controls,
/// space) as `\uXXXX`.
fn regex_char(out: &mut String, c: char) {
    if c.is_ascii_punctuation() {
        out.push('\\');
        out.push(c);
    } else if c.is_ascii() && !c.is_ascii_alphanumeric() {
        out.push_str(&format!("\\u{:04x}", c as u32));
    } else {
        out.push(c);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn g(p: &str) -> Glob {
        Glob::parse(p).unwrap()
    }

    #[test]
    fn shell_patterns_match_as_in_the_shell() {
        let cases: &[(&str, &str, bool)] = &[
            ("web-*", "web-1", true),
            ("web-*", "web-", true),
            ("web-*", "Web-1", false),
            ("*", "", true),
            ("?", "", false),
            ("?", "é", true),
            ("a?c", "abc", true),
            ("a?c", "ac", false),
            ("*b*", "abc", true),
            ("*b", "abc", false),
            ("job[0-3]", "job2", true),
            ("job[0-3]", "job4", false),
            ("job[!0-3]", "job4", true),
            ("job[^0-3]", "job2", false),
            ("[]]", "]", true),
            ("[!]]", "]", false),
            ("[a-]", "-", true),
            ("[-a]", "-", true),
            ("\\*", "*", true),
            ("\\*", "x", false),
            ("a\\?", "a?", true),
            ("[\\]x]", "]", true),
            ("100%_\\\\", "100%_\\", true),
            ("*a*a*a*b", "aaaaaaaaaaaaaaaaaaaaaa", false),
            ("x*", "x\ny", true),
        ];
        for (p, s, want) in cases {
            assert_eq!(g(p).matches(s), *want, "{p:?} on {s:?}");
        }
    }

    #[test]
    fn bad_patterns_say_what_is_wrong() {
        for (p, why) in [
            ("web-[", "a '[' is not closed by a ']'"),
            ("[]", "a '[' is not closed by a ']'"),
            ("[a-", "a '[' is not closed by a ']'"),
            ("a\\", "it ends with a lone '\\'"),
            ("[z-a]", "the range 'z-a' is backwards: write 'a-z'"),
        ] {
            assert_eq!(Glob::parse(p).unwrap_err().to_string(), why, "{p}");
        }
        assert!(Glob::parse("[[:alpha:]]").is_err());
    }

    #[test]
    fn sqlite_glob_agrees_with_the_reference() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let patterns = [
            "web-*",
            "*",
            "?",
            "a?c",
            "*b*",
            "job[0-3]",
            "job[!0-3]",
            "[]]",
            "[!]]",
            "[a-]",
            "[-a]",
            "[\\^]",
            "[!^]",
            "[!^]]",
            "[]^-]",
            "[!-^]",
            "[ -~]",
            "\\*",
            "\\?x",
            "\\[a]",
            "a]b",
            "[*?[]",
            "100%_\\\\",
            "[\\]-a]",
            "[Z-a]",
            "é*",
            "[à-ü]",
        ];
        let strings = [
            "", "web-1", "web-", "a", "abc", "ac", "job2", "job4", "]", "-", "^", "*", "?x", "[a]",
            "a]b", "[", "100%_\\", "_", "\\", "a", "Z", "`", "éa", "ö", "x\ny",
        ];
        for p in patterns {
            let glob = g(p);
            for s in strings {
                let sqlite: bool = conn
                    .query_row("SELECT ?1 GLOB ?2", [s, &glob.to_sqlite()], |r| r.get(0))
                    .unwrap();
                assert_eq!(
                    sqlite,
                    glob.matches(s),
                    "{p:?} (SQLite {:?}) on {s:?}",
                    glob.to_sqlite()
                );
            }
        }
    }

    #[test]
    fn a_literal_prefix_stays_a_prefix() {
        assert_eq!(g("job1*").to_sqlite(), "job1*");
        assert_eq!(g("a*b?").to_regex(), "^a.*b.$");
        assert_eq!(g("a.b%_").to_regex(), "^a\\.b\\%\\_$");
        assert_eq!(g("[!a-c]").to_regex(), "^[^a-c]$");
        assert_eq!(g("a b").to_regex(), "^a\\u0020b$");
    }
}
