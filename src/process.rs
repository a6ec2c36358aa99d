//! Processes by identity, not by number: a pid is reused, a pid together
//! with its start time (and the boot it started in) is not. Used to tell a
//! live owner of an execution (a runner, a `tick fire`) from a dead one, and
//! to end the process group a dead runner left behind.
//!
//! Linux reads `/proc`; elsewhere nothing is known (every owner counts as
//! dead, no group is ended) and docs/running.md says so.

use std::time::{Duration, Instant};

use rustix::process::{kill_process_group, test_kill_process_group, Pid, Signal};

/// This process, as `BOOT:PID:START`.
pub fn me() -> String {
    identity(std::process::id() as i32).unwrap_or_default()
}

/// A process as `BOOT:PID:START` (boot id, pid, start time in clock ticks
/// after boot), if it exists and can be read.
pub fn identity(pid: i32) -> Option<String> {
    Some(format!("{}:{pid}:{}", boot_id()?, start_time(pid)?))
}

/// Whether the process an identity names still runs.
pub fn alive(identity: &str) -> bool {
    let mut parts = identity.splitn(3, ':');
    let (Some(boot), Some(pid), Some(start)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    let Ok(pid) = pid.parse::<i32>() else {
        return false;
    };
    boot_id().is_some_and(|b| b == boot) && start_time(pid).is_some_and(|s| s.to_string() == start)
}

/// Whether an identity names a process of this machine's current boot that
/// is gone. A process of another host (or boot) is not known here: `false`.
pub fn gone_here(identity: &str) -> bool {
    let here = boot_id().is_some_and(|b| identity.starts_with(&format!("{b}:")));
    here && !alive(identity)
}

fn boot_id() -> Option<String> {
    let id = std::fs::read_to_string("/proc/sys/kernel/random/boot_id").ok()?;
    Some(id.trim().to_string())
}

/// Fields of `/proc/PID/stat` after the command name (which may hold
/// spaces and parentheses): index 0 is the state, 2 the process group, 19
/// the start time.
fn stat_fields(pid: i32) -> Option<Vec<String>> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    let rest = &stat[stat.rfind(')')? + 1..];
    Some(rest.split_whitespace().map(str::to_string).collect())
}

fn start_time(pid: i32) -> Option<u64> {
    stat_fields(pid)?.get(19)?.parse().ok()
}

/// Members of process group `pgid`, by scanning `/proc`.
fn group_members(pgid: i32) -> Vec<i32> {
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return Vec::new();
    };
    dir.filter_map(|e| e.ok()?.file_name().to_str()?.parse::<i32>().ok())
        .filter(|pid| {
            stat_fields(*pid).is_some_and(|f| {
                f.get(2).and_then(|g| g.parse::<i32>().ok()) == Some(pgid)
                    && f.first().is_none_or(|s| s != "Z")
            })
        })
        .collect()
}

/// Whether `pid` was started with `VAR=value` in its environment.
fn started_with(pid: i32, var: &[u8]) -> bool {
    std::fs::read(format!("/proc/{pid}/environ"))
        .is_ok_and(|env| env.split(|b| *b == 0).any(|kv| kv == var))
}

/// Raise this process's soft limit on open files to its hard limit (as
/// systemd advises services to do; the default soft limit is often 1024).
/// Returns the soft limit now in force, `None` when unlimited or unknown.
pub fn raise_open_files_limit() -> Option<u64> {
    use rustix::process::{getrlimit, setrlimit, Resource, Rlimit};
    let limit = getrlimit(Resource::Nofile);
    if limit.current != limit.maximum {
        let raised = Rlimit {
            current: limit.maximum,
            maximum: limit.maximum,
        };
        if setrlimit(Resource::Nofile, raised).is_ok() {
            return raised.current;
        }
    }
    limit.current
}

/// End the process groups a dead runner left behind, each given as (its
/// pid = process group, its execution id). A group is touched only if one
/// of its live members carries that execution's `TICK_EXECUTION_ID`, so a
/// recycled number is never signalled. SIGTERM to all, then SIGKILL to what
/// is left once `grace` has passed. Returns how many processes were found.
pub fn end_orphan_groups(groups: &[(i32, i64)], grace: Duration) -> usize {
    let mut found = 0;
    let mut ours = Vec::new();
    for &(pgid, execution_id) in groups {
        let mark = format!("TICK_EXECUTION_ID={execution_id}");
        let members = group_members(pgid);
        if let (Some(group), true) = (
            Pid::from_raw(pgid),
            members.iter().any(|p| started_with(*p, mark.as_bytes())),
        ) {
            found += members.len();
            let _ = kill_process_group(group, Signal::TERM);
            ours.push((pgid, group));
        }
    }
    let until = Instant::now() + grace;
    while Instant::now() < until {
        ours.retain(|(pgid, group)| {
            test_kill_process_group(*group).is_ok() && !group_members(*pgid).is_empty()
        });
        if ours.is_empty() {
            return found;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    for (_, group) in ours {
        let _ = kill_process_group(group, Signal::KILL);
    }
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_is_alive_and_a_made_up_one_is_not() {
        let me = me();
        if me.is_empty() {
            return; // no /proc here
        }
        assert!(alive(&me));
        let (boot, rest) = me.split_once(':').unwrap();
        let pid = rest.split(':').next().unwrap();
        assert!(!alive(&format!("{boot}:{pid}:1")), "another start time");
        assert!(!alive(&format!("other-boot:{rest}")), "another boot");
        assert!(!alive("garbage"));
    }

    #[test]
    fn an_orphan_group_is_ended_only_with_its_mark() {
        use std::os::unix::process::CommandExt;
        let spawn = |mark: &str| {
            std::process::Command::new("/bin/sh")
                .args(["-c", "sleep 30 & sleep 30"])
                .env("TICK_EXECUTION_ID", mark)
                .process_group(0)
                .spawn()
                .unwrap()
        };
        let mut ours = spawn("41");
        let mut other = spawn("999");
        std::thread::sleep(Duration::from_millis(200));
        let pgid = ours.id() as i32;
        assert_eq!(
            end_orphan_groups(&[(other.id() as i32, 41)], Duration::from_secs(2)),
            0
        );
        assert!(other.try_wait().unwrap().is_none(), "not ours: left alone");
        assert!(end_orphan_groups(&[(pgid, 41)], Duration::from_secs(2)) >= 2);
        assert!(ours.wait().unwrap().code().is_none(), "ended by a signal");
        assert!(group_members(pgid).is_empty(), "the background sleep too");
        let _ = other.kill();
        let _ = kill_process_group(Pid::from_raw(other.id() as i32).unwrap(), Signal::KILL);
        let _ = other.wait();
    }
}
