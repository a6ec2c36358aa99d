//! The fires of the next 24 hours over all jobs (`/timeline`): a row per
//! job that fires in them, soonest first, a tick per fire. Bounded: at
//! most [`MAX_JOBS`] jobs, and a tick stands for the fires of its
//! [`TICK_MINUTES`] minutes (a job firing every second costs 360 ticks, not
//! 86,400 fires); the page says so.

use chrono::{Duration, Timelike};

use super::{escape, layout, Refresh, Visitor};
use crate::args::trigger::resolve_tz;
use crate::http::svg::{self, Tick};
use crate::http::{html, App};
use crate::ops::overview::{self, Horizon};
use crate::output;

/// Hours ahead.
const HOURS: i64 = 24;
/// Jobs shown.
pub const MAX_JOBS: usize = 100;
/// Minutes a tick stands for.
pub const TICK_MINUTES: i64 = 4;
/// Hours between grid lines.
const GRID: u32 = 3;

pub(super) fn page(app: &App, v: &Visitor) -> anyhow::Result<String> {
    let now = app.ctx.now();
    let tz = resolve_tz(None)?;
    let horizon = Horizon {
        ahead: Duration::hours(HOURS),
        max_jobs: MAX_JOBS,
        bucket: Duration::minutes(TICK_MINUTES),
    };
    let (rows, more) = overview::upcoming(&app.ctx, now, horizon)?;
    let mut body = format!(
        "<h1>The next {HOURS} hours</h1>\n<p class=\"dim\">Fires of active jobs from {} on, soonest first; \
at most {MAX_JOBS} jobs are drawn, and a tick stands for the fires of its {TICK_MINUTES} minutes. Hover a tick for its time.</p>\n",
        escape(&output::local_time(now, tz))
    );
    if rows.is_empty() {
        body.push_str("<p>Nothing fires in the next 24 hours.</p>\n");
        return Ok(layout("Timeline", v, Refresh::Every, &body));
    }
    body.push_str("<ul class=\"timeline\">\n");
    body.push_str(&axis(now, tz));
    for row in &rows {
        body.push_str(&job_row(row, now));
    }
    body.push_str("</ul>\n");
    if more {
        body.push_str(&format!(
            "<p class=\"dim\" id=\"more-jobs\">More than {MAX_JOBS} jobs fire in these hours: the {MAX_JOBS} soonest are shown (tick list has them all).</p>\n"
        ));
    }
    Ok(layout("Timeline", v, Refresh::Every, &body))
}

/// The hours along the top: a label every [`GRID`] hours, in the
/// server's zone.
fn axis(now: chrono::DateTime<chrono::Utc>, tz: chrono_tz::Tz) -> String {
    let mut out =
        String::from("<li class=\"tl-axis\" aria-hidden=\"true\"><span></span><span></span><ol>");
    for i in 0..(HOURS as u32 / GRID) {
        let t = (now + Duration::hours(i64::from(i * GRID))).with_timezone(&tz);
        out.push_str(&format!("<li>{:02}:{:02}</li>", t.hour(), t.minute()));
    }
    out.push_str("</ol></li>\n");
    out
}

fn job_row(row: &overview::Upcoming, now: chrono::DateTime<chrono::Utc>) -> String {
    let job = &row.job;
    let tz = output::job_tz(job);
    let who = match &job.name {
        Some(n) => format!("{} ({n})", job.id),
        None => job.id.clone(),
    };
    let ticks: Vec<Tick> = row
        .fires
        .iter()
        .map(|f| {
            let minute = (*f - now).num_minutes().max(0) as u32;
            Tick {
                minute,
                class: if *f < now { "overdue" } else { "fire" },
                title: format!(
                    "{who}: {} ({})",
                    output::local_time(*f, tz),
                    output::relative(*f, now)
                ),
            }
        })
        .collect();
    let count = if row.dense {
        format!("{}+ fires", row.fires.len())
    } else {
        format!("{} fire(s)", row.fires.len())
    };
    let label = format!(
        "{who}: {count} in the next {HOURS} hours, the first {}",
        row.fires
            .first()
            .map_or("-".into(), |f| output::local_time(*f, tz))
    );
    format!(
        "<li><a href=\"{}\" class=\"tl-name\">{}</a> <span class=\"dim\">{count}</span>{}</li>\n",
        html::path(&["jobs", &job.id]),
        escape(&who),
        svg::timeline_row(&label, &ticks, GRID)
    )
}
