//! At start: executions a previous runner left `running`. Their owner is
//! looked up by identity (`crate::process`): a live one (a `tick fire` in
//! another terminal) keeps its rows. A dead runner's children may still be
//! running, unseen; their process groups are ended (SIGTERM, then SIGKILL
//! after the usual grace) before the rows are marked `interrupted`, so no
//! copy of a job runs unseen beside a new one.

use anyhow::Result;
use chrono::{DateTime, Utc};

use super::events::Done;
use super::Scheduler;
use crate::executor::KILL_AFTER;
use crate::model::{JobOptions, Status};

impl Scheduler {
    pub(super) fn recover(&mut self, now: DateTime<Utc>) -> Result<()> {
        let dead: Vec<_> = self
            .store
            .running_executions()?
            .into_iter()
            .filter(|r| !r.owner.as_deref().is_some_and(crate::process::alive))
            .collect();
        if dead.is_empty() {
            return Ok(());
        }
        let groups: Vec<(i32, i64)> = dead
            .iter()
            .filter_map(|r| Some((r.pid?, r.execution_id)))
            .collect();
        let grace = KILL_AFTER.to_std().unwrap_or_default();
        let ended = crate::process::end_orphan_groups(&groups, grace);
        if ended > 0 {
            self.log.warn(&format!(
                "ended {ended} process(es) a previous runner left running"
            ));
        }
        let ids: Vec<i64> = dead.iter().map(|r| r.execution_id).collect();
        let n = self.store.interrupt(&ids, now)?;
        self.log.warn(&format!(
            "marked {n} execution(s) of a previous runner as interrupted"
        ));
        let options = JobOptions::default();
        for r in &dead {
            self.emit(&Done {
                job_id: &r.job_id,
                job_name: r.job_name.as_deref(),
                command: &r.command,
                options: &options,
                execution_id: Some(r.execution_id),
                status: Status::Interrupted,
                result: None,
                scheduled_at: r.scheduled_at,
                duration_ms: None,
            });
        }
        Ok(())
    }
}
