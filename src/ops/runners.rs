//! The runners registered on the store: the list, the state to show of
//! each, the live one holding the store, and whether the store answers
//! at all (`/healthz`). How they look is `output/`'s.

use anyhow::Result;
use chrono::{DateTime, Duration, Utc};

use super::Ctx;
use crate::store::{RunnerRow, Store};

/// The runners registered on the store, newest first.
pub fn runners(ctx: &Ctx) -> Result<Vec<RunnerRow>> {
    Ok(match ctx.store_for_read()? {
        Some(store) => store.runners()?,
        None => Vec::new(),
    })
}

/// `Ok` when the store answers (or there is none yet: nothing to fail).
pub fn store_answers(ctx: &Ctx) -> Result<()> {
    if let Some(store) = ctx.store_for_read()? {
        store.job_count()?;
    }
    Ok(())
}

/// The state to show: the stored one, or `expired` for an alive runner
/// whose lease ran out by `now`.
pub fn state(r: &RunnerRow, now: DateTime<Utc>) -> &str {
    if r.state == "alive" && r.renewed_at + Duration::milliseconds(r.lease_ms) < now {
        "expired"
    } else {
        &r.state
    }
}

/// The runner that holds the store, if one is live: registered, `alive`,
/// its lease not run out, and (on this machine) its process still there.
pub fn live_runner(store: &dyn Store) -> Result<Option<RunnerRow>> {
    let now = Utc::now();
    Ok(store.runners()?.into_iter().find(|r| {
        r.state == "alive"
            && r.renewed_at + chrono::Duration::milliseconds(r.lease_ms) >= now
            && !crate::process::gone_here(&r.process)
    }))
}
