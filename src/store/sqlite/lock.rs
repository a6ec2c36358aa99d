//! One runner per jobs file: an exclusive `flock` on `JOBS.db.lock`, which
//! the kernel releases when the holder exits or dies. The file says who
//! holds it. This only keeps runners polite; the claim transaction alone
//! makes a double fire impossible. The lock file is opened and checked by
//! [`super::safety::open_lock`]: never through a link, never someone
//! else's.

use std::io::{Read, Seek, SeekFrom, Write};
use std::path::Path;

use anyhow::{Context, Result};
use rustix::fs::{flock, FlockOperation};

use super::safety;
use crate::store::RunnerLock;

/// Try to become the runner of the jobs file at real path `db`; the lock
/// is held while the returned value lives (it is the open, locked file).
pub fn try_lock(db: &Path, me: &str) -> Result<RunnerLock> {
    let (mut file, path) = safety::open_lock(db)?;
    match flock(&file, FlockOperation::NonBlockingLockExclusive) {
        Ok(()) => {
            file.set_len(0)?;
            file.seek(SeekFrom::Start(0))?;
            file.write_all(me.as_bytes())?;
            file.flush()?;
            Ok(RunnerLock::Held(Box::new(file)))
        }
        Err(e) if e == rustix::io::Errno::WOULDBLOCK => {
            let mut holder = String::new();
            let _ = file.read_to_string(&mut holder);
            let holder = holder.trim();
            Ok(RunnerLock::Taken(if holder.is_empty() {
                "another tick run".to_string()
            } else {
                holder.to_string()
            }))
        }
        Err(e) => Err(e).with_context(|| format!("cannot lock {}", path.display())),
    }
}
