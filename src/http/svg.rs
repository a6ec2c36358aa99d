//! The page's pictures, drawn by tick as inline SVG: a strip of a job's
//! recent runs, bar charts (durations, memory), a row of the timeline.
//! No script and nothing fetched; colours come from the style sheet's
//! classes (`st-failed`, ...), so they follow the dark scheme. Geometry
//! is in attributes, never a `style` attribute (the Content-Security-Policy
//! takes none). Every text in them (a `<title>`, which is both the
//! tooltip and the text alternative, or an `aria-label`) goes through
//! `html::escape`: a job's name or command is text, never markup.

use std::fmt::Write as _;

use super::html::escape;

/// One mark or bar: where it links, its class (`st-success`...), its
/// value (`None`: nothing to measure, like a fire that did not run), and
/// its text (the tooltip).
pub struct Mark {
    pub href: String,
    pub class: String,
    pub value: Option<f64>,
    pub title: String,
}

/// Width of a strip mark and the room between marks.
const STRIP_MARK: u32 = 6;
const STRIP_GAP: u32 = 2;
const STRIP_HEIGHT: u32 = 16;

/// A strip of marks, oldest left, newest at the right end, `slots` wide:
/// one mark per run, each a link with its own `<title>`; `label` says
/// what the whole is. What did not run is drawn as a short mark.
pub fn strip(label: &str, marks: &[Mark], slots: usize) -> String {
    let pitch = STRIP_MARK + STRIP_GAP;
    let width = pitch * slots.max(1) as u32;
    let mut out = format!(
        "<svg class=\"strip\" viewBox=\"0 0 {width} {STRIP_HEIGHT}\" width=\"{width}\" height=\"{STRIP_HEIGHT}\" role=\"group\" aria-label=\"{label}\"><title>{label}</title>",
        label = escape(label)
    );
    let first = slots.saturating_sub(marks.len());
    for i in 0..first {
        let _ = write!(
            out,
            "<rect class=\"empty\" x=\"{}\" y=\"{}\" width=\"{STRIP_MARK}\" height=\"2\"/>",
            i as u32 * pitch,
            STRIP_HEIGHT - 2
        );
    }
    for (i, m) in marks.iter().rev().take(slots).rev().enumerate() {
        let x = (first + i) as u32 * pitch;
        // What did not run is a short mark, from the middle down.
        let (y, h) = match m.value {
            Some(_) => (String::new(), STRIP_HEIGHT),
            None => (format!(" y=\"{}\"", STRIP_HEIGHT / 2), STRIP_HEIGHT / 2),
        };
        let _ = write!(
            out,
            "<a href=\"{}\"><title>{}</title><rect class=\"{}\" x=\"{x}\"{y} width=\"{STRIP_MARK}\" height=\"{h}\"/></a>",
            escape(&m.href),
            escape(&m.title),
            escape(&m.class)
        );
    }
    out.push_str("</svg>");
    out
}

/// Units across one bar's slot in a bar chart, and its height.
const BAR_PITCH: f64 = 10.0;
const BAR_WIDTH: f64 = 8.0;
const CHART_HEIGHT: f64 = 100.0;

/// A bar chart of `marks` (oldest left, newest right) in `slots` slots,
/// each bar as tall as its value against the largest; stretched to the
/// width of the page by the style sheet (`preserveAspectRatio="none"`),
/// so it never needs a sideways scroll. A mark without a value is a
/// short stub. `class` names the chart, `label` says what it shows.
pub fn bars(class: &str, label: &str, marks: &[Mark], slots: usize) -> String {
    let slots = slots.max(marks.len()).max(1);
    let width = BAR_PITCH * slots as f64;
    let max = marks.iter().filter_map(|m| m.value).fold(0.0_f64, f64::max);
    let mut out = format!(
        "<svg class=\"chart {}\" viewBox=\"0 0 {width} {CHART_HEIGHT}\" preserveAspectRatio=\"none\" role=\"group\" aria-label=\"{label}\"><title>{label}</title>\
<line class=\"axis\" x1=\"0\" y1=\"{CHART_HEIGHT}\" x2=\"{width}\" y2=\"{CHART_HEIGHT}\"/>",
        escape(class),
        label = escape(label)
    );
    let first = slots - marks.len();
    for (i, m) in marks.iter().enumerate() {
        let x = (first + i) as f64 * BAR_PITCH + (BAR_PITCH - BAR_WIDTH) / 2.0;
        let h = match m.value {
            Some(v) if max > 0.0 => (v / max * (CHART_HEIGHT - 2.0)).max(2.0),
            Some(_) => 2.0,
            None => 1.0,
        };
        let _ = write!(
            out,
            "<a href=\"{}\"><title>{}</title><rect class=\"{}\" x=\"{x:.1}\" y=\"{:.1}\" width=\"{BAR_WIDTH}\" height=\"{h:.1}\"/></a>",
            escape(&m.href),
            escape(&m.title),
            escape(&m.class),
            CHART_HEIGHT - h
        );
    }
    out.push_str("</svg>");
    out
}

/// Units of a timeline row: one a minute.
pub const TIMELINE_WIDTH: u32 = 24 * 60;

/// One fire on a timeline row: minutes from the row's start, its class
/// and its text.
pub struct Tick {
    pub minute: u32,
    pub class: &'static str,
    pub title: String,
}

/// One row of the timeline: `hours` hours, a grid line every
/// `grid_every` hours, a tick per fire; stretched to the page's width.
pub fn timeline_row(label: &str, ticks: &[Tick], grid_every: u32) -> String {
    let width = TIMELINE_WIDTH;
    let mut out = format!(
        "<svg class=\"timeline\" viewBox=\"0 0 {width} 10\" preserveAspectRatio=\"none\" role=\"group\" aria-label=\"{label}\"><title>{label}</title>",
        label = escape(label)
    );
    let step = grid_every.max(1) * 60;
    for x in (0..=width).step_by(step as usize) {
        let _ = write!(
            out,
            "<line class=\"grid\" x1=\"{x}\" y1=\"0\" x2=\"{x}\" y2=\"10\"/>"
        );
    }
    for t in ticks {
        let x = t.minute.min(width - 4);
        let _ = write!(
            out,
            "<rect class=\"{}\" x=\"{x}\" y=\"1\" width=\"4\" height=\"8\"><title>{}</title></rect>",
            t.class,
            escape(&t.title)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(value: Option<f64>) -> Mark {
        Mark {
            href: "/jobs/<x>/executions/1".into(),
            class: "st-failed".into(),
            value,
            title: "<script>alert(1)</script> & \"q\"".into(),
        }
    }

    #[test]
    fn text_in_pictures_is_text() {
        let pictures = [
            strip("<b>job</b>", &[mark(Some(1.0)), mark(None)], 20),
            bars(
                "durations",
                "<b>job</b>",
                &[mark(Some(3.0)), mark(None)],
                50,
            ),
            timeline_row(
                "<b>job</b>",
                &[Tick {
                    minute: 5,
                    class: "fire",
                    title: "<img src=x onerror=alert(1)>".into(),
                }],
                3,
            ),
        ];
        for svg in pictures {
            for bad in ["<script", "<b>", "<img", "\"q\""] {
                assert!(!svg.contains(bad), "{bad} in {svg}");
            }
            assert!(svg.contains("&lt;b&gt;job&lt;/b&gt;"), "{svg}");
            assert!(!svg.contains("style="), "{svg}");
        }
    }

    #[test]
    fn the_newest_mark_is_at_the_right_end() {
        let s = strip("x", &[mark(Some(1.0))], 20);
        assert!(s.contains("x=\"152\""), "{s}");
        let b = bars("d", "x", &[mark(Some(2.0)), mark(Some(1.0))], 50);
        assert!(b.contains("x=\"481.0\" y=\"2.0\""), "{b}");
        assert!(b.contains("x=\"491.0\" y=\"51.0\""), "{b}");
    }
}
