//! What a job's notifications hear (`--notify-on`) and how long its runs
//! are expected to take (`--expect-duration`).

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a job's `--notify` targets can hear (`--notify-on`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum NotifyEvent {
    /// A run failed (after its retries): once, until a success.
    Failure,
    /// Every successful run.
    Success,
    /// The first success after a notified failure, miss, silence or
    /// run out of its expected duration.
    Recovery,
    /// A run printed something (cron's `MAILTO` rule).
    Output,
    /// A fire was missed.
    Missed,
    /// A run is still running past `--expect-duration`'s MAX.
    Long,
    /// A run succeeded sooner than `--expect-duration`'s MIN.
    Short,
    /// No run succeeded within `--expect-success-within`.
    Silent,
    /// tick paused the job.
    Paused,
}

impl NotifyEvent {
    pub const ALL: [NotifyEvent; 9] = [
        NotifyEvent::Failure,
        NotifyEvent::Success,
        NotifyEvent::Recovery,
        NotifyEvent::Output,
        NotifyEvent::Missed,
        NotifyEvent::Long,
        NotifyEvent::Short,
        NotifyEvent::Silent,
        NotifyEvent::Paused,
    ];
    /// `--notify-on` unless given.
    pub const DEFAULT: [NotifyEvent; 2] = [NotifyEvent::Failure, NotifyEvent::Recovery];

    pub fn as_str(self) -> &'static str {
        match self {
            NotifyEvent::Failure => "failure",
            NotifyEvent::Success => "success",
            NotifyEvent::Recovery => "recovery",
            NotifyEvent::Output => "output",
            NotifyEvent::Missed => "missed",
            NotifyEvent::Long => "long",
            NotifyEvent::Short => "short",
            NotifyEvent::Silent => "silent",
            NotifyEvent::Paused => "paused",
        }
    }
}

impl FromStr for NotifyEvent {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        NotifyEvent::ALL
            .into_iter()
            .find(|e| e.as_str() == s)
            .ok_or_else(|| format!("unknown event '{s}'"))
    }
}

/// `--expect-duration MIN..MAX` in seconds; either side may be open.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DurationRange {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<u64>,
}

/// As `--expect-duration` takes it: `10s..1h`, `..30m`, `5m..`.
impl fmt::Display for DurationRange {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |s: Option<u64>| s.map(crate::units::format_duration).unwrap_or_default();
        write!(f, "{}..{}", side(self.min), side(self.max))
    }
}
