//! Notifications (`--notify`): notices about jobs and runners delivered
//! to webhooks (`http(s)://URL`, a JSON POST) and mail (`mailto:ADDRESS`,
//! through the local `sendmail -t`, as cron's `MAILTO`).
//!
//! What to say and when is decided above (the scheduler, with the store);
//! this module checks targets, words the notice and delivers it, off the
//! caller's thread, bounded, retried and timed out (`deliver.rs`).
//!
//! - `target.rs`: targets read, checked and shown without secrets;
//! - `message.rs`: the JSON notice and its text;
//! - `deliver.rs`: the queue, its threads, retries and counts;
//! - `web.rs`: the HTTP POST; `mail.rs`: `sendmail`.

mod deliver;
mod mail;
mod message;
mod target;
mod web;

pub use deliver::{counts, finish, send, Counts, ATTEMPTS, BACKOFF, MAX_QUEUED, TIMEOUT};
pub use mail::compose as compose_mail;
pub use message::{Facts, LostRunner, Message, OUTPUT_TAIL};
pub use target::{redact, Target};

use crate::log::Logger;

/// Targets as stored (`--notify`), read; one that no longer reads (a hand
/// edit) is said in the log and left out.
pub fn targets(stored: &[String], log: &Logger) -> Vec<Target> {
    stored
        .iter()
        .filter_map(|t| match Target::parse(t) {
            Ok(t) => Some(t),
            Err(e) => {
                log.warn(&format!("cannot notify '{}': {e}", redact(t)));
                None
            }
        })
        .collect()
}

/// This machine's name, as notices give it.
pub fn host() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .map(|h| h.trim().to_string())
        .unwrap_or_else(|_| "localhost".into())
}
