//! One execution and its captured output (`tick logs`, the API's
//! `.../executions/{n}[/output]`, the execution's page). Following a
//! running one is `tick logs --follow`'s, in `commands/logs.rs`.

use anyhow::Result;

use super::Ctx;
use crate::error::UsageError;
use crate::executor::CAPTURE_BYTES;
use crate::model::{Execution, RunResult};
use crate::store::{Output, Store};

/// The execution `execution` numbers (`None`: the job's latest that ran)
/// of the job `id` names, and its captured output.
pub fn captured(id: &str, execution: Option<i64>, ctx: &Ctx) -> Result<(Execution, RunResult)> {
    let mut store = ctx.store_to_read()?;
    let (_, o) = output_of(store.as_mut(), id, execution)?;
    match o.execution {
        Some(e) => Ok((e, o.result)),
        None => Err(super::unknown(id).into()),
    }
}

/// The job id `given` names and the output of its execution: an error
/// that says why when there is none.
pub fn output_of(
    store: &mut dyn Store,
    given: &str,
    execution: Option<i64>,
) -> Result<(String, Output)> {
    let id = super::job_id_with_history(store, given)?;
    let o = store.output(&id, execution)?;
    if o.execution.is_none() {
        return Err(match execution {
            // Execution numbers are shared by all jobs: say whose it is.
            Some(n) => match store.job_of_execution(n)? {
                Some(other) => UsageError::missing(format!(
                    "execution {n} is of job '{other}', not '{id}' (execution numbers are shared by all jobs: see 'tick history {id}' for its own, or 'tick logs {other} --execution {n}')"
                )),
                None => UsageError::missing(format!(
                    "job '{id}' has no execution {n} (see 'tick history {id}')"
                )),
            },
            None => match store.executions_of(&id, 1)?.pop() {
                // Only missed or skipped fires: say why the latest did not run.
                Some(last) => UsageError::missing(format!(
                    "job '{id}' has not run yet: its latest fire was {}{} (see 'tick history {id}')",
                    last.status,
                    last.reason.map(|r| format!(", {r}")).unwrap_or_default(),
                )),
                None => UsageError::missing(format!("job '{id}' has not run yet")),
            },
        }
        .into());
    }
    Ok((id, o))
}

/// The line shown before a stream whose beginning was cut (on a terminal
/// and on the web page).
pub fn cut_marker() -> String {
    format!(
        "[... earlier output cut: only the last {} KiB were kept ...]",
        CAPTURE_BYTES / 1024
    )
}
