//! How results are shown: aligned text and JSON. Times for people and for
//! machines are RFC 3339 with the zone's offset at that instant.

use std::io::Write;

use chrono::{DateTime, SecondsFormat, Utc};
use chrono_tz::Tz;

/// RFC 3339 with the offset of `tz` at that instant: `2026-03-08T03:00:00-04:00`.
pub fn rfc3339(t: DateTime<Utc>, tz: Tz) -> String {
    t.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::Secs, false)
}

/// `[{"fire_at": "...", "timezone": "..."}, ...]`
pub fn fire_times_json(
    out: &mut impl Write,
    fires: &[DateTime<Utc>],
    tz: Tz,
) -> std::io::Result<()> {
    let items: Vec<serde_json::Value> = fires
        .iter()
        .map(|t| serde_json::json!({ "fire_at": rfc3339(*t, tz), "timezone": tz.name() }))
        .collect();
    serde_json::to_writer_pretty(&mut *out, &items)?;
    writeln!(out)
}
