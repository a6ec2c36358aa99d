//! `--overlap`: what a fire does when copies of its job are running.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

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
