//! Reaping a child with what it cost: `wait4(2)` returns the child's
//! rusage (peak resident memory, user and system CPU time, covering the
//! descendants it waited for) as it reaps it. Asked first without reaping
//! (`waitid` with `WNOWAIT`), so that the wait that reaps never blocks the
//! supervisor.

use std::process::{Child, ExitStatus};

use rustix::process::{waitid, Pid, WaitId, WaitIdOptions};
use wait4::Wait4;

use crate::model::Usage;

/// The child's end and what it cost, once it has exited (`None`: still
/// running). The cost is `None` when it could not be read; the child is
/// then reaped as before, without it.
pub(super) fn try_reap(child: &mut Child) -> Option<(ExitStatus, Option<Usage>)> {
    let exited = Pid::from_raw(child.id() as i32).map(|pid| {
        waitid(
            WaitId::Pid(pid),
            WaitIdOptions::EXITED | WaitIdOptions::NOHANG | WaitIdOptions::NOWAIT,
        )
    });
    match exited {
        Some(Ok(None)) => return None,
        Some(Ok(Some(_))) => {
            // A zombie: wait4 returns at once.
            if let Ok(r) = child.wait4() {
                return Some((r.status, Some(usage(&r.rusage))));
            }
        }
        _ => {}
    }
    child.try_wait().ok().flatten().map(|s| (s, None))
}

fn usage(r: &wait4::ResourceUsage) -> Usage {
    let us = |d: std::time::Duration| i64::try_from(d.as_micros()).unwrap_or(i64::MAX);
    Usage {
        // `maxrss` is in bytes (the crate multiplies Linux's KiB by 1024).
        peak_memory_kib: i64::try_from(r.maxrss / 1024).unwrap_or(i64::MAX),
        user_cpu_us: us(r.utime),
        system_cpu_us: us(r.stime),
    }
}
