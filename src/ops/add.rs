//! Adding one job, in one transaction (`tick add`, `POST /api/v1/jobs`).
//! The job comes validated (`args::add` builds it from flags or JSON).

use anyhow::Result;

use super::Ctx;
use crate::model::Job;
use crate::store::{NewJobId, Store};

/// A validated job to add and how its id is chosen.
pub struct NewJob {
    pub job: Job,
    pub id: NewJobId,
}

/// Add the job: the store it went into (for what the caller shows next)
/// and its id.
pub fn add(new: NewJob, ctx: &Ctx) -> Result<(Box<dyn Store>, String)> {
    let mut store = ctx.store_for_write()?;
    let id = store.add_job(new.job, new.id)?;
    Ok((store, id))
}
