//! An aligned text table for a terminal or a pipe (tick list, history,
//! show), fitted to a width by giving up room in a given order.

use std::borrow::Cow;
use std::io::Write;

use unicode_width::UnicodeWidthStr;

use crate::escape::{self, Newlines};
use crate::model::Status;

/// ANSI colours for table cells (used only when colour is on).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    Plain,
    Bold,
    Green,
    Yellow,
    Red,
    Cyan,
    Dim,
    /// An execution's status (or a job's last one): failures red, what
    /// did not run yellow (see [`Style::of_status`]); on the page, a class
    /// of its own.
    Status(Status),
}

impl Style {
    /// How a status is coloured: failed, timeout, killed and interrupted
    /// red; missed and skipped yellow; success green; running cyan.
    pub fn of_status(status: Status) -> Style {
        match status {
            Status::Success => Style::Green,
            Status::Running => Style::Cyan,
            Status::Skipped | Status::Missed => Style::Yellow,
            Status::Failed | Status::Killed | Status::Timeout | Status::Interrupted => Style::Red,
        }
    }

    /// How a runner's state is shown: alive green, expired red, gone dim.
    pub fn of_runner(state: crate::model::RunnerState) -> Style {
        use crate::model::RunnerState;
        match state {
            RunnerState::Alive => Style::Green,
            RunnerState::Expired => Style::Red,
            RunnerState::Gone => Style::Dim,
        }
    }

    fn code(self) -> &'static str {
        match self {
            Style::Plain => "",
            Style::Bold => "\x1b[1m",
            Style::Green => "\x1b[32m",
            Style::Yellow => "\x1b[33m",
            Style::Red => "\x1b[31m",
            Style::Cyan => "\x1b[36m",
            Style::Dim => "\x1b[2m",
            Style::Status(s) => Style::of_status(s).code(),
        }
    }
}

/// An aligned text table: columns padded to their widest cell, two spaces
/// apart, no trailing blanks. All cells live in one text buffer (a
/// 10,000-job `tick list` would otherwise allocate 60,000 strings); tick
/// writes this itself rather than with comfy-table, which took ~40 ms of
/// such a listing to build and drop its cell structures.
///
/// [`Table::fit`] makes it fit a terminal's width by giving up room in a
/// given order ([`Give`]); otherwise every cell is written whole.
#[derive(Clone)]
pub struct Table {
    buf: String,
    /// (start, end, style) of each cell in `buf`, row after row.
    cells: Vec<(usize, usize, Style)>,
    cols: usize,
    color: bool,
    /// How each column is shown (all whole until [`Table::fit`]).
    shown: Vec<Shown>,
    /// The widest whole cell of each column, kept as cells come.
    whole: Vec<usize>,
}

/// How a column is shown.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Shown {
    /// At most this wide, cut with `…`.
    limit: Option<usize>,
    /// Only the part in the last parentheses (`in 4m` of `... (in 4m)`).
    relative: bool,
    /// Only the time of day (`05:21:16` of `2026-11-22 05:21:16 UTC`).
    time_of_day: bool,
    hidden: bool,
}

/// A way for [`Table::fit`] to give up width, tried in order.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Give {
    /// Cut column `.0` to as narrow as needed, but not below `.1`.
    Shorten(usize, usize),
    /// Show only the relative time of column `.0` (the part in parentheses).
    Relative(usize),
    /// Show only the time of day of column `.0`'s local times.
    TimeOfDay(usize),
    /// Leave column `.0` out.
    Drop(usize),
}

impl Give {
    /// The same way of giving up width, for column `col`.
    pub fn on(self, col: usize) -> Give {
        match self {
            Give::Shorten(_, min) => Give::Shorten(col, min),
            Give::Relative(_) => Give::Relative(col),
            Give::TimeOfDay(_) => Give::TimeOfDay(col),
            Give::Drop(_) => Give::Drop(col),
        }
    }
}

impl Table {
    pub fn new(headers: &[&str], color: bool) -> Table {
        let mut t = Table {
            buf: String::new(),
            cells: Vec::new(),
            cols: headers.len(),
            color,
            shown: vec![Shown::default(); headers.len()],
            whole: vec![0; headers.len()],
        };
        for h in headers {
            t.cell(h, Style::Bold);
        }
        t
    }

    /// The next cell (rows fill left to right, `cols` cells each). Control
    /// characters (a name or command holding ESC or a newline) are shown
    /// escaped, on a terminal or not: a cell is one line of a table.
    pub fn cell(&mut self, text: &str, style: Style) {
        let start = self.buf.len();
        self.buf.push_str(&escape::text(text, Newlines::Escape));
        self.push(start, style);
    }

    /// The cell that ends `buf`, from `start`.
    fn push(&mut self, start: usize, style: Style) {
        let col = self.cells.len() % self.cols.max(1);
        if let Some(w) = self.whole.get_mut(col) {
            *w = (*w).max(display_width(&self.buf[start..]));
        }
        self.cells.push((start, self.buf.len(), style));
    }

    /// The next cell, formatted in place (and escaped like [`Table::cell`]).
    pub fn cell_fmt(&mut self, args: std::fmt::Arguments, style: Style) {
        use std::fmt::Write as _;
        let start = self.buf.len();
        let _ = self.buf.write_fmt(args);
        if let Cow::Owned(shown) = escape::text(&self.buf[start..], Newlines::Escape) {
            self.buf.truncate(start);
            self.buf.push_str(&shown);
        }
        self.push(start, style);
    }

    pub fn row(&mut self, cells: Vec<(String, Style)>) {
        for (text, style) in cells {
            self.cell(&text, style);
        }
    }

    /// A cell's text as its column shows it (the header row is never
    /// made relative).
    fn shown_text(&self, i: usize) -> Cow<'_, str> {
        let c = &self.cells[i];
        let s = self.shown[i % self.cols];
        let mut text = &self.buf[c.0..c.1];
        if s.relative && i >= self.cols {
            text = relative_part(text);
        }
        if s.time_of_day && i >= self.cols {
            text = time_of_day(text);
        }
        match s.limit {
            Some(w) => cut(text, w),
            None => Cow::Borrowed(text),
        }
    }

    /// The widest shown cell of each column (0 for a hidden one).
    fn widths(&self) -> Vec<usize> {
        let mut widths = vec![0; self.cols];
        for (col, w) in widths.iter_mut().enumerate() {
            if self.shown[col] == Shown::default() {
                *w = self.whole[col];
            } else if !self.shown[col].hidden {
                for i in (col..self.cells.len()).step_by(self.cols) {
                    *w = (*w).max(display_width(&self.shown_text(i)));
                }
            }
        }
        widths
    }

    /// How wide the table is as shown.
    fn total(widths: &[usize], shown: &[Shown]) -> usize {
        let visible = shown.iter().filter(|s| !s.hidden).count();
        widths.iter().sum::<usize>() + 2 * visible.saturating_sub(1)
    }

    /// [`Table::fit`] with each way of giving up width naming its column
    /// by its header (the column of a `Give` is ignored); a column the
    /// table does not have is skipped.
    pub fn fit_named(&mut self, width: usize, gives: &[(&str, Give)]) {
        let gives: Vec<Give> = gives
            .iter()
            .filter_map(|(name, g)| Some(g.on(self.column(name)?)))
            .collect();
        self.fit(width, &gives)
    }

    /// Fit the table into `width` columns, giving up room in the order of
    /// `gives` until it fits; a column that was cut then gets back what
    /// room is left. A table that cannot fit is left as narrow as `gives`
    /// make it.
    pub fn fit(&mut self, width: usize, gives: &[Give]) {
        let natural = self.widths();
        for give in gives {
            let widths = self.widths();
            let total = Table::total(&widths, &self.shown);
            if total <= width {
                break;
            }
            match *give {
                Give::Shorten(col, min) => {
                    let want = widths[col].saturating_sub(total - width).max(min);
                    if want < widths[col] {
                        self.shown[col].limit = Some(want);
                    }
                }
                Give::Relative(col) => self.shown[col].relative = true,
                Give::TimeOfDay(col) => self.shown[col].time_of_day = true,
                Give::Drop(col) => self.shown[col].hidden = true,
            }
        }
        // Room left over (after a column went relative or was left out)
        // goes back to the column cut last.
        let widths = self.widths();
        let spare = width.saturating_sub(Table::total(&widths, &self.shown));
        if let Some(col) = gives.iter().rev().find_map(|g| match *g {
            Give::Shorten(c, _) if self.shown[c].limit.is_some() && !self.shown[c].hidden => {
                Some(c)
            }
            _ => None,
        }) {
            let limit = (widths[col] + spare).min(natural[col]);
            self.shown[col].limit = Some(limit);
        }
    }

    /// Put the rows (not the header) in the order of their `keys`, one
    /// per row as they were added.
    pub fn sort_rows<K: Ord>(&mut self, keys: &[K]) {
        let cols = self.cols.max(1);
        debug_assert_eq!(keys.len() + 1, self.cells.len() / cols);
        let mut rows: Vec<usize> = (0..keys.len()).collect();
        rows.sort_unstable_by(|a, b| keys[*a].cmp(&keys[*b]));
        if rows.iter().enumerate().all(|(i, r)| i == *r) {
            return;
        }
        let mut cells = Vec::with_capacity(self.cells.len());
        cells.extend_from_slice(&self.cells[..cols]);
        for r in rows {
            cells.extend_from_slice(&self.cells[(r + 1) * cols..(r + 2) * cols]);
        }
        self.cells = cells;
    }

    /// How many cells make a row.
    pub fn columns(&self) -> usize {
        self.cols
    }

    /// The column under the header `name`.
    pub fn column(&self, name: &str) -> Option<usize> {
        self.cells
            .iter()
            .take(self.cols)
            .position(|c| &self.buf[c.0..c.1] == name)
    }

    /// Every cell, the header row first, as shown on a terminal (control
    /// characters escaped), with its style: for other renderings of the
    /// same table (the web page).
    pub fn cells(&self) -> impl Iterator<Item = (&str, Style)> {
        self.cells.iter().map(|c| (&self.buf[c.0..c.1], c.2))
    }

    pub fn write(&self, out: &mut impl Write, indent: &str) -> std::io::Result<()> {
        let cols = self.cols.max(1);
        let widths = self.widths();
        let last = (0..cols)
            .rev()
            .find(|c| !self.shown[*c].hidden)
            .unwrap_or(0);
        for (r, row) in self.cells.chunks(cols).enumerate() {
            out.write_all(indent.as_bytes())?;
            for (i, c) in row.iter().enumerate() {
                if self.shown[i].hidden {
                    continue;
                }
                let text = self.shown_text(r * cols + i);
                let colored = self.color && c.2 != Style::Plain;
                if colored {
                    out.write_all(c.2.code().as_bytes())?;
                }
                out.write_all(text.as_bytes())?;
                if colored {
                    out.write_all(b"\x1b[0m")?;
                }
                if i < last && i + 1 < row.len() {
                    pad(out, widths[i] - display_width(&text) + 2)?;
                }
            }
            out.write_all(b"\n")?;
        }
        Ok(())
    }
}

/// `n` spaces, a slice at a time (`{:n$}` writes them one by one: a
/// visible share of listing 10,000 jobs).
fn pad(out: &mut impl Write, mut n: usize) -> std::io::Result<()> {
    const SPACES: &[u8; 64] = &[b' '; 64];
    while n > 0 {
        let k = n.min(SPACES.len());
        out.write_all(&SPACES[..k])?;
        n -= k;
    }
    Ok(())
}

/// The part of `... (in 4m)` in its last parentheses, or all of it.
fn relative_part(text: &str) -> &str {
    match (text.rfind(" ("), text.strip_suffix(')')) {
        (Some(at), Some(_)) => &text[at + 2..text.len() - 1],
        _ => text,
    }
}

/// `05:21:16` of a local time `2026-11-22 05:21:16 UTC`, or all of it.
fn time_of_day(text: &str) -> &str {
    let b = text.as_bytes();
    let local = b.len() >= 19 && b[4] == b'-' && b[10] == b' ' && b[13] == b':' && b[16] == b':';
    if local && text.is_char_boundary(19) {
        &text[11..19]
    } else {
        text
    }
}

/// `text` cut to at most `width` columns, ending in `…` where it was cut.
fn cut(text: &str, width: usize) -> Cow<'_, str> {
    if display_width(text) <= width {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut used = 0;
    for ch in text.chars() {
        let w = unicode_width::UnicodeWidthChar::width(ch).unwrap_or(0);
        if used + w + 1 > width {
            break;
        }
        out.push(ch);
        used += w;
    }
    out.truncate(out.trim_end().len());
    out.push('…');
    Cow::Owned(out)
}

/// Terminal columns a cell takes (ASCII fast path).
fn display_width(text: &str) -> usize {
    if text.is_ascii() {
        text.len()
    } else {
        text.width()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tables_align_and_colour_only_when_asked() {
        let mut t = Table::new(&["ID", "STATE"], false);
        t.row(vec![
            ("a-long-id".into(), Style::Plain),
            ("active".into(), Style::Green),
        ]);
        t.row(vec![
            ("ü".into(), Style::Plain),
            ("paused".into(), Style::Yellow),
        ]);
        let mut out = Vec::new();
        t.write(&mut out, "").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID         STATE\na-long-id  active\nü          paused\n"
        );
        t.color = true;
        let mut out = Vec::new();
        t.write(&mut out, "").unwrap();
        assert!(String::from_utf8(out)
            .unwrap()
            .contains("\x1b[32mactive\x1b[0m"));
    }

    #[test]
    fn rows_are_sorted_under_their_header() {
        let mut t = Table::new(&["ID", "N"], false);
        for (id, n) in [("c", "3"), ("a", "1"), ("b", "2")] {
            t.cell(id, Style::Plain);
            t.cell(n, Style::Green);
        }
        t.sort_rows(&["c", "a", "b"]);
        let mut out = Vec::new();
        t.write(&mut out, "").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "ID  N\na   1\nb   2\nc   3\n"
        );
    }

    #[test]
    fn a_table_fits_a_width_by_giving_up_room_in_order() {
        let table = || {
            let mut t = Table::new(&["ID", "NAME", "WHEN", "COMMAND"], false);
            for (id, name, when, cmd) in [
                (
                    "a",
                    "a-rather-long-name",
                    "2026-11-22 06:15:00 CET (in 4m)",
                    "backup.sh --full --to /mnt/backup",
                ),
                ("b", "-", "never", "true"),
            ] {
                t.row(vec![
                    (id.into(), Style::Plain),
                    (name.into(), Style::Plain),
                    (when.into(), Style::Plain),
                    (cmd.into(), Style::Plain),
                ]);
            }
            t
        };
        let gives = [
            Give::Shorten(3, 8),
            Give::Shorten(1, 6),
            Give::Relative(2),
            Give::Drop(3),
        ];
        let written = |width: usize| {
            let mut t = table();
            t.fit(width, &gives);
            let mut out = Vec::new();
            t.write(&mut out, "").unwrap();
            String::from_utf8(out).unwrap()
        };
        let wide = written(200);
        assert!(wide.contains("backup.sh --full --to /mnt/backup"), "{wide}");
        for width in [80, 60, 40, 30, 20] {
            let out = written(width);
            for line in out.lines() {
                assert!(line.width() <= width, "{width}: {line:?}\n{out}");
            }
        }
        assert_eq!(
            written(60),
            "ID  NAME           WHEN                             COMMAND\n\
             a   a-rather-lon…  2026-11-22 06:15:00 CET (in 4m)  backup.…\n\
             b   -              never                            true\n"
        );
        assert_eq!(
            written(30),
            "ID  NAME       WHEN   COMMAND\n\
             a   a-rather…  in 4m  backup.…\n\
             b   -          never  true\n"
        );
        assert_eq!(
            written(20),
            "ID  NAME       WHEN\n\
             a   a-rather…  in 4m\n\
             b   -          never\n"
        );
    }

    #[test]
    fn columns_named_by_header_show_their_time_of_day_or_go() {
        let mut t = Table::new(&["EXEC", "SCHEDULED", "STARTED", "REASON"], false);
        t.row(vec![
            ("1".into(), Style::Plain),
            ("2026-11-22 05:21:16 UTC".into(), Style::Plain),
            ("2026-11-22 05:21:17 UTC".into(), Style::Plain),
            ("a reason that is rather long".into(), Style::Plain),
        ]);
        t.row(vec![
            ("2".into(), Style::Plain),
            ("2026-11-22 05:22:16 UTC".into(), Style::Plain),
            ("-".into(), Style::Status(Status::Missed)),
            ("-".into(), Style::Plain),
        ]);
        assert_eq!(t.column("STARTED"), Some(2));
        assert_eq!(t.column("JOB"), None);
        let gives = [
            ("JOB", Give::Shorten(0, 4)),
            ("STARTED", Give::TimeOfDay(0)),
            ("REASON", Give::Shorten(0, 8)),
            ("STARTED", Give::Drop(0)),
        ];
        let written = |width: usize| {
            let mut t = t.clone();
            t.fit_named(width, &gives);
            let mut out = Vec::new();
            t.write(&mut out, "").unwrap();
            String::from_utf8(out).unwrap()
        };
        assert_eq!(
            written(70),
            "EXEC  SCHEDULED                STARTED   REASON\n\
             1     2026-11-22 05:21:16 UTC  05:21:17  a reason that is rather long\n\
             2     2026-11-22 05:22:16 UTC  -         -\n"
        );
        assert_eq!(
            written(40),
            "EXEC  SCHEDULED                REASON\n\
             1     2026-11-22 05:21:16 UTC  a reason…\n\
             2     2026-11-22 05:22:16 UTC  -\n"
        );
        // A status colours as its kind: a missed one yellow.
        t.color = true;
        let mut out = Vec::new();
        t.write(&mut out, "").unwrap();
        assert!(String::from_utf8(out).unwrap().contains("\x1b[33m-\x1b[0m"));
    }
}
