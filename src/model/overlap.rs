//! `--overlap`: what a fire does when copies of its job are running.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use super::RetryPlan;

/// What a fire does when `--max-instances` copies of its job are running.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Overlap {
    /// The fire is recorded `skipped` (Temporal's Skip, Kubernetes' Forbid).
    #[default]
    Skip,
    /// At most one fire waits, and starts as soon as a copy ends
    /// (Temporal's BufferOne); a further one is `skipped`.
    Queue,
    /// The oldest running copy is ended (SIGTERM to its group, SIGKILL 5 s
    /// later; `killed`) and the fire starts (Kubernetes' Replace).
    Replace,
    /// No limit (Temporal's AllowAll, Kubernetes' Allow).
    Allow,
}

impl Overlap {
    pub const ALL: [Overlap; 4] = [
        Overlap::Skip,
        Overlap::Queue,
        Overlap::Replace,
        Overlap::Allow,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Overlap::Skip => "skip",
            Overlap::Queue => "queue",
            Overlap::Replace => "replace",
            Overlap::Allow => "allow",
        }
    }
}

impl fmt::Display for Overlap {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Overlap {
    type Err = String;
    fn from_str(s: &str) -> Result<Overlap, String> {
        Overlap::ALL
            .into_iter()
            .find(|o| o.as_str().eq_ignore_ascii_case(s))
            .ok_or_else(|| {
                format!("invalid overlap policy {s:?}: use skip, queue, replace or allow")
            })
    }
}

/// A `tick backfill --overlap allow` fire: its `retry_of` (see
/// [`RetryPlan::is_backfill`]); any other value runs one after another.
pub const BACKFILL_TOGETHER: i64 = -1;

impl RetryPlan {
    /// A past fire `tick backfill` stored (attempt 1; a retry is attempt 2
    /// or more): it runs with its scheduled time and the reason `backfill`.
    pub fn is_backfill(&self) -> bool {
        self.attempt == 1
    }

    /// How many copies of its job may run for a backfill fire to start:
    /// one after another (none running), or all at once.
    pub fn backfill_limit(&self) -> u32 {
        if self.retry_of == BACKFILL_TOGETHER {
            u32::MAX
        } else {
            1
        }
    }
}
