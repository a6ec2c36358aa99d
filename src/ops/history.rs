//! Executions across jobs, newest first (`tick history`, `GET
//! /api/v1/executions`); the filters are the store's query (see
//! [`HistoryFilter`]).

use anyhow::Result;

use super::Ctx;
use crate::model::{Execution, Status};
use crate::store::{Glob, HistoryFilter, Store};

/// Which executions: those of one job (an id with history, or a job's id
/// or name), with a name matching a glob, with a status; at most `limit`.
#[derive(Debug, Clone)]
pub struct Selection {
    pub id: Option<String>,
    pub name: Option<String>,
    pub status: Option<Status>,
    pub limit: usize,
    /// Only executions older than this one (the page's next page).
    pub before: Option<i64>,
}

/// The executions `sel` selects, newest first; none without a store.
pub fn executions(sel: &Selection, ctx: &Ctx) -> Result<Vec<Execution>> {
    let name = sel.name.as_deref().map(super::name_glob).transpose()?;
    match ctx.store_for_read()? {
        None => match &sel.id {
            Some(id) => Err(super::unknown(id).into()),
            None => Ok(Vec::new()),
        },
        Some(mut store) => select(sel, name.as_ref(), store.as_mut()),
    }
}

/// [`executions`] in a store the caller opened.
pub fn executions_in(sel: &Selection, store: &mut dyn Store) -> Result<Vec<Execution>> {
    let name = sel.name.as_deref().map(super::name_glob).transpose()?;
    select(sel, name.as_ref(), store)
}

fn select(sel: &Selection, name: Option<&Glob>, store: &mut dyn Store) -> Result<Vec<Execution>> {
    let id = match &sel.id {
        Some(given) => Some(super::job_id_with_history(store, given)?),
        None => None,
    };
    store.history(&HistoryFilter {
        job_id: id.as_deref(),
        name,
        status: sel.status,
        limit: sel.limit,
        before: sel.before,
    })
}
