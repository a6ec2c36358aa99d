//! Why and until when a job is paused (`tick pause --note --until`,
//! `--pause-after-failures`), and the one way a job is paused and resumed,
//! by hand (`ops::jobs`) or by the runner (`--until`, failures in a row).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{Job, JobState};
use crate::trigger::Trigger;

/// A pause's note and end, stored in the job's options while it is paused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Pause {
    /// Why (`--note`, or what tick says when it paused the job itself).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// When the runner resumes it (`--until`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub until: Option<DateTime<Utc>>,
}

impl Job {
    /// Pause an active job (`false`: it was not active, left as it is),
    /// with a note and end when given.
    pub fn pause(&mut self, pause: Option<Pause>, now: DateTime<Utc>) -> bool {
        if self.state != JobState::Active {
            return false;
        }
        self.state = JobState::Paused;
        self.next_run_at = None;
        self.options.pause = pause.filter(|p| p.note.is_some() || p.until.is_some());
        self.updated_at = now;
        true
    }

    /// Resume a paused job (`Ok(false)`: it was not paused): its next run
    /// is computed from now (runs missed while paused are not run), its
    /// note and end are cleared.
    pub fn resume(&mut self, now: DateTime<Utc>) -> Result<bool, String> {
        if self.state != JobState::Paused {
            return Ok(false);
        }
        let trigger = Trigger::from_spec(&self.trigger)
            .map_err(|e| format!("job '{}' has a trigger that cannot be used: {e}", self.id))?;
        self.state = JobState::Active;
        self.next_run_at = trigger.next_fire(now);
        self.options.paused_by_all = false;
        self.options.pause = None;
        self.updated_at = now;
        Ok(true)
    }

    /// When the runner resumes it: a paused job's `--until`.
    pub fn paused_until(&self) -> Option<DateTime<Utc>> {
        match (&self.state, &self.options.pause) {
            (JobState::Paused, Some(p)) => p.until,
            _ => None,
        }
    }

    /// A paused job's note.
    pub fn pause_note(&self) -> Option<&str> {
        match (&self.state, &self.options.pause) {
            (JobState::Paused, Some(p)) => p.note.as_deref(),
            _ => None,
        }
    }
}

/// `--max-runs N`: the job finishes once N runs started (fires claimed to
/// run; missed and skipped ones and retries are not runs).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct MaxRuns {
    /// N.
    pub limit: u32,
    /// Runs started so far (counted as each is claimed).
    #[serde(default)]
    pub started: u32,
}

impl MaxRuns {
    /// Runs still to come.
    pub fn left(self) -> u32 {
        self.limit.saturating_sub(self.started)
    }
}
