//! One runner per jobs file: an exclusive `flock` on `JOBS.db.lock`, which
//! the kernel releases when the holder exits or dies. The file says who
//! holds it. This only keeps runners polite; the claim transaction alone
//! makes a double fire impossible. The lock file is opened and checked by
//! [`super::safety::open_lock`]: never through a link, never someone
//! else's.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result};
use rustix::fs::{flock, FlockOperation};

use super::safety;

/// Held while the process lives (or until dropped).
#[derive(Debug)]
pub struct RunnerLock {
    _file: File,
}

/// Try to become the runner of the jobs file at real path `db`
/// ([`crate::store::Store::path`]). `Err(holder)` says who holds it.
pub fn try_lock(db: &Path, me: &str) -> Result<std::result::Result<RunnerLock, String>> {
    let (mut file, path) = safety::open_lock(db)?;
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(me.as_bytes())?;
            file.flush()?;
            Ok(Ok(RunnerLock { _file: file }))
        }
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            Ok(Err(if holder.is_empty() {
                "another tick run".to_string()
            } else {
                holder.to_string()
            }))
        }
        Err(e) => Err(e).with_context(|| format!("cannot lock {}", path.display())),
    }
}
