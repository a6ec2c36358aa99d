//! One runner per jobs file: an exclusive `flock` on `JOBS.db.lock`, which
//! the kernel releases when the holder exits or dies. The file says who
//! holds it. This only keeps runners polite; the claim transaction alone
//! makes a double fire impossible.

use std::fs::OpenOptions;
use std::io::{Read, Seek, SeekFrom, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::store::RunnerLock;
use rustix::fs::{flock, FlockOperation};

/// Try to become the file's runner; the lock is held while the returned
/// value lives (it is the open, locked file).
pub fn try_lock(db: &Path, me: &str) -> Result<RunnerLock> {
    let path = lock_path(db);
    let mut file = OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .mode(0o600)
        .open(&path)
        .with_context(|| format!("cannot open runner lock {}", path.display()))?;
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

pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.file_name().unwrap_or_default().to_os_string();
    name.push(".lock");
    db.with_file_name(name)
}
