//! Text into HTML: the one escaping of everything a job or its output
//! puts on the page. `&`, `<`, `>`, `"` and `'` become entities, so text
//! is text in an element and in a quoted attribute alike; control
//! characters are first shown as `crate::escape` shows them on a terminal
//! (`\x1b`), so a job's output cannot hide text either.

use std::borrow::Cow;
use std::fmt::Write as _;

use crate::escape::{self, Newlines};

/// `text` safe inside an element or a double- or single-quoted attribute.
pub fn escape(text: &str) -> Cow<'_, str> {
    escape_lines(text, Newlines::Escape)
}

/// Like [`escape`], keeping newlines (for `<pre>`).
pub fn escape_lines(text: &str, newlines: Newlines) -> Cow<'_, str> {
    let visible = escape::text(text, newlines);
    if !visible.contains(['&', '<', '>', '"', '\'']) {
        return visible;
    }
    let mut out = String::with_capacity(visible.len() + 16);
    for c in visible.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

/// Captured bytes for a `<pre>`: not-UTF-8 bytes shown as `\xff`.
pub fn escape_output(bytes: &[u8]) -> String {
    let shown = escape::bytes(bytes, Newlines::Keep);
    escape_lines(&String::from_utf8_lossy(&shown), Newlines::Keep).into_owned()
}

/// A `href` to a path whose segments are data (a job id, say).
pub fn path(segments: &[&str]) -> String {
    let mut out = String::new();
    for s in segments {
        let _ = write!(out, "/{}", super::server::percent_encode(s));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_becomes_text() {
        assert_eq!(
            escape("<script>alert('x')</script> & \"q\""),
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        assert_eq!(escape("plain"), "plain");
        assert_eq!(escape("a\nb\x1b[2J"), "a\\nb\\x1b[2J");
        assert_eq!(escape_output(b"<b>\n\xff"), "&lt;b&gt;\n\\xff");
        assert_eq!(path(&["jobs", "a b", "<x>"]), "/jobs/a%20b/%3Cx%3E");
    }
}
