//! The loop's one cache: the earliest next run of an active job or pending
//! retry, as last read, and what it depends on. It owns its invalidation:
//! it is read again when the store's version moves (a commit by another
//! process, or any write of this runner's own: see `Runs::version`), when
//! the store sends news of another process's change, or when a row is set
//! aside as unusable. Nothing else clears it.

use anyhow::Result;
use chrono::{DateTime, Utc};

use crate::store::{Store, Version};

#[derive(Debug, Default)]
pub(super) struct Due {
    /// The earliest next run, and the store's version when it was read.
    seen: Option<(Version, Option<DateTime<Utc>>)>,
    /// Jobs whose rows cannot be used, left out of the earliest next run
    /// until another process changes the store (it may have mended them).
    aside: Vec<String>,
}

impl Due {
    /// The earliest next run, read again only when it may have changed.
    pub fn earliest(&mut self, store: &dyn Store) -> Result<Option<DateTime<Utc>>> {
        let version = store.version()?;
        match &self.seen {
            Some((v, due)) if *v == version => return Ok(*due),
            Some((v, _)) if v.theirs != version.theirs => self.aside.clear(),
            _ => {}
        }
        let due = store.next_due(&self.aside)?;
        self.seen = Some((version, due));
        Ok(due)
    }

    /// The store's news: another process may have changed the jobs.
    pub fn news(&mut self) {
        self.seen = None;
    }

    /// Leave the job `id` out: its row cannot be used.
    pub fn set_aside(&mut self, id: String) {
        if !self.aside.contains(&id) {
            self.aside.push(id);
            self.seen = None;
        }
    }

    /// The jobs left out.
    pub fn aside(&self) -> &[String] {
        &self.aside
    }
}
