//! Control characters made visible, as `ls` and `git` show them: text that
//! reaches a terminal from a job (its output, its name, its command, a
//! crontab line) must not move the cursor, set the title or fake a line.
//!
//! C0 controls, DEL, C1 controls (ESC and CSI among them) and bytes that are
//! not UTF-8 (a lone 0x9b is CSI to some terminals) become `\n`, `\r`,
//! `\x1b`, `\u{9b}`, `\xff`. A tab stays; a newline stays where the text is
//! shown as lines. Everything else, unicode included, is left as it is.
//! Whether to escape (on a terminal, always for tables and errors) is the
//! caller's decision; the bytes stay available (`tick logs --raw`, `--json`).

use std::borrow::Cow;
use std::fmt::Write as _;

/// What a newline means in the text being shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Newlines {
    /// Text shown as lines (job output): a newline stays.
    Keep,
    /// One line (an error, a table cell): a newline shows as `\n`.
    Escape,
}

/// `text` with its control characters escaped.
pub fn text(text: &str, newlines: Newlines) -> Cow<'_, str> {
    if text.bytes().all(|b| plain_ascii(b, newlines)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    push_text(&mut out, text, newlines);
    Cow::Owned(out)
}

/// `bytes` as text with its control characters and non-UTF-8 bytes escaped.
pub fn bytes(bytes: &[u8], newlines: Newlines) -> Cow<'_, [u8]> {
    if bytes.iter().all(|b| plain_ascii(*b, newlines)) {
        return Cow::Borrowed(bytes);
    }
    let mut out = String::with_capacity(bytes.len() + 8);
    for chunk in bytes.utf8_chunks() {
        push_text(&mut out, chunk.valid(), newlines);
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    Cow::Owned(out.into_bytes())
}

/// A byte that is shown as it is without looking further.
fn plain_ascii(b: u8, newlines: Newlines) -> bool {
    (b' '..0x7f).contains(&b) || b == b'\t' || (b == b'\n' && newlines == Newlines::Keep)
}

fn push_text(out: &mut String, text: &str, newlines: Newlines) {
    for c in text.chars() {
        match c {
            '\t' => out.push(c),
            '\n' if newlines == Newlines::Keep => out.push(c),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c if (c as u32) < 0x80 && c.is_control() => {
                let _ = write!(out, "\\x{:02x}", c as u32);
            }
            c if c.is_control() => {
                let _ = write!(out, "\\u{{{:x}}}", c as u32);
            }
            c => out.push(c),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn controls_show_and_text_stays() {
        let fake = "\x1b]0;PWNED\x07\x1b[2K\r[backup] finished OK\n";
        assert_eq!(
            text(fake, Newlines::Keep),
            "\\x1b]0;PWNED\\x07\\x1b[2K\\r[backup] finished OK\n"
        );
        assert_eq!(text("a\nb\tc\x7f", Newlines::Escape), "a\\nb\tc\\x7f");
        assert_eq!(
            text("ünï 日本 \u{9b}", Newlines::Escape),
            "ünï 日本 \\u{9b}"
        );
        assert!(matches!(
            text("plain text", Newlines::Escape),
            Cow::Borrowed(_)
        ));
        assert!(matches!(text("日本", Newlines::Escape), Cow::Owned(_)));
    }

    #[test]
    fn bytes_that_are_not_utf8_show_as_hex() {
        assert_eq!(
            bytes(b"ok \x9b2J \xc3\xa9\xff\n", Newlines::Keep).as_ref(),
            "ok \\x9b2J é\\xff\n".as_bytes()
        );
        assert!(matches!(bytes(b"line\n", Newlines::Keep), Cow::Borrowed(_)));
    }
}
