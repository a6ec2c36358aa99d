//! The runners registered on the store: the list, the live one holding
//! the store, and whether the store answers
//! at all (`/healthz`). How they look is `output/`'s.

use anyhow::Result;
use chrono::Utc;

use super::Ctx;
use crate::model::RunnerState;
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

/// The runner that holds the store, if one is live (see
/// [`RunnerRow::state_at`], the one definition of a live runner).
pub fn live_runner(store: &dyn Store) -> Result<Option<RunnerRow>> {
    let now = Utc::now();
    Ok(store
        .runners()?
        .into_iter()
        .find(|r| r.state_at(now) == RunnerState::Alive))
}
