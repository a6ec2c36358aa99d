//! Delivery, off every caller's path: a bounded queue and [`THREADS`]
//! threads. Each attempt has a timeout ([`TIMEOUT`]); a failed one is
//! tried again after a growing pause ([`BACKOFF`]), at most [`ATTEMPTS`]
//! times in all. One attempt per target at a time, so a target that hangs
//! holds one thread, never the others' notices. When [`MAX_QUEUED`]
//! notices wait, or [`MAX_PER_TARGET`] for one target, new ones are
//! dropped and counted: an unreachable or hanging target never blocks the
//! runner and never grows its memory. A target's failures are said once,
//! when they start, and again when one goes through.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};
use std::time::{Duration, Instant};

use super::{mail, web, Message, Target};
use crate::log::Logger;

/// Notices waiting (first attempts and retries) at most...
pub const MAX_QUEUED: usize = 256;
/// ...and for one target.
pub const MAX_PER_TARGET: usize = 64;
/// Threads delivering at once.
pub const THREADS: usize = 4;
/// How long one attempt may take (connect, send, answer; or `sendmail`).
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// Attempts per notice and target, the first included...
pub const ATTEMPTS: u32 = 4;
/// ...and the pause before each further one.
pub const BACKOFF: [Duration; 3] = [
    Duration::from_secs(2),
    Duration::from_secs(10),
    Duration::from_secs(30),
];

/// What delivery has done since the process started (for `/metrics`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Notices a target took.
    pub sent: u64,
    /// Notices given up after [`ATTEMPTS`] failed attempts.
    pub failed: u64,
    /// Attempts that failed (each retry's too).
    pub attempts_failed: u64,
    /// Notices dropped because [`MAX_QUEUED`] were waiting.
    pub dropped: u64,
}

static SENT: AtomicU64 = AtomicU64::new(0);
static FAILED: AtomicU64 = AtomicU64::new(0);
static ATTEMPTS_FAILED: AtomicU64 = AtomicU64::new(0);
static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The counts so far.
pub fn counts() -> Counts {
    Counts {
        sent: SENT.load(Ordering::Relaxed),
        failed: FAILED.load(Ordering::Relaxed),
        attempts_failed: ATTEMPTS_FAILED.load(Ordering::Relaxed),
        dropped: DROPPED.load(Ordering::Relaxed),
    }
}

struct Item {
    target: Target,
    message: Arc<Message>,
    attempt: u32,
    due: Instant,
}

#[derive(Default)]
struct State {
    items: Vec<Item>,
    /// Attempts under way, and their targets.
    busy: usize,
    in_flight: HashSet<Target>,
    threads: usize,
    /// Per target (shown form): failed attempts since it last worked.
    failing: HashMap<String, u64>,
    /// Dropped since the queue was last full.
    dropped_now: u64,
    /// After [`finish`]: nothing more is started.
    closed: bool,
    log: Option<Logger>,
}

struct Pool {
    state: Mutex<State>,
    wake: Condvar,
}

fn pool() -> &'static Pool {
    static POOL: OnceLock<Pool> = OnceLock::new();
    POOL.get_or_init(|| Pool {
        state: Mutex::new(State::default()),
        wake: Condvar::new(),
    })
}

fn lock(p: &Pool) -> std::sync::MutexGuard<'_, State> {
    p.state.lock().unwrap_or_else(|e| e.into_inner())
}

/// Queue `message` for each of `targets`, delivered off the caller's
/// thread; returns at once.
pub fn send(targets: &[Target], message: Message, log: &Logger) {
    if targets.is_empty() {
        return;
    }
    let message = Arc::new(message);
    let p = pool();
    let mut s = lock(p);
    if s.closed {
        return;
    }
    s.log.get_or_insert_with(|| log.clone());
    for target in targets {
        let waiting = s.items.iter().filter(|i| i.target == *target).count();
        if s.items.len() >= MAX_QUEUED || waiting >= MAX_PER_TARGET {
            DROPPED.fetch_add(1, Ordering::Relaxed);
            s.dropped_now += 1;
            if s.dropped_now == 1 {
                log.warn(&format!(
                    "notifications are backing up ({} waiting, {waiting} for {}): dropping new ones until there is room",
                    s.items.len(),
                    target.shown()
                ));
            }
            continue;
        }
        if s.dropped_now > 0 {
            log.warn(&format!(
                "notifications have room again; {} were dropped meanwhile",
                s.dropped_now
            ));
            s.dropped_now = 0;
        }
        s.items.push(Item {
            target: target.clone(),
            message: message.clone(),
            attempt: 1,
            due: Instant::now(),
        });
    }
    while s.threads < THREADS.min(s.items.len() + s.busy) {
        let spawned = std::thread::Builder::new()
            .name("tick-notify".into())
            .stack_size(256 * 1024)
            .spawn(work);
        match spawned {
            Ok(_) => s.threads += 1,
            Err(e) => {
                log.warn(&format!("cannot start a notification thread: {e}"));
                break;
            }
        }
    }
    p.wake.notify_all();
}

/// The next item due whose target has no attempt under way, waiting for
/// it; `None` once closed.
fn next(p: &Pool) -> Option<Item> {
    let mut s = lock(p);
    loop {
        if s.closed {
            return None;
        }
        let now = Instant::now();
        let first = s
            .items
            .iter()
            .enumerate()
            .filter(|(_, it)| !s.in_flight.contains(&it.target))
            .min_by_key(|(_, it)| it.due)
            .map(|(i, it)| (i, it.due));
        match first {
            Some((i, due)) if due <= now => {
                s.busy += 1;
                let item = s.items.swap_remove(i);
                s.in_flight.insert(item.target.clone());
                return Some(item);
            }
            Some((_, due)) => {
                s = p
                    .wake
                    .wait_timeout(s, due - now)
                    .unwrap_or_else(|e| e.into_inner())
                    .0
            }
            None => s = p.wake.wait(s).unwrap_or_else(|e| e.into_inner()),
        }
    }
}

fn work() {
    let p = pool();
    while let Some(item) = next(p) {
        let result = match &item.target {
            Target::Web { url, shown } => web::post(url, shown, &item.message, TIMEOUT),
            Target::Mail { to } => mail::send(to, &item.message, TIMEOUT),
        };
        done(p, item, result);
    }
}

/// After an attempt: count it, say a target's trouble once, plan a retry.
fn done(p: &Pool, mut item: Item, result: Result<(), String>) {
    let mut s = lock(p);
    s.busy -= 1;
    s.in_flight.remove(&item.target);
    let shown = item.target.shown();
    let log = s.log.clone().unwrap_or_else(Logger::silent);
    match result {
        Ok(()) => {
            SENT.fetch_add(1, Ordering::Relaxed);
            if let Some(n) = s.failing.remove(&shown) {
                log.info(&format!(
                    "notifications to {shown} go through again ({n} attempt(s) failed meanwhile)"
                ));
            }
        }
        Err(e) => {
            ATTEMPTS_FAILED.fetch_add(1, Ordering::Relaxed);
            let n = s.failing.entry(shown.clone()).or_insert(0);
            *n += 1;
            if *n == 1 {
                log.warn(&format!(
                    "notifications to {shown} fail: {e}; each is tried {ATTEMPTS} times (said once, until one goes through)"
                ));
            }
            if item.attempt >= ATTEMPTS {
                FAILED.fetch_add(1, Ordering::Relaxed);
            } else {
                item.due = Instant::now() + BACKOFF[item.attempt as usize - 1];
                item.attempt += 1;
                s.items.push(item);
            }
        }
    }
    p.wake.notify_all();
}

/// At exit: wait up to `grace` for the notices due by then to be
/// delivered, then start no more (retries due later are dropped).
/// Returns how many were left undelivered.
pub fn finish(grace: Duration) -> usize {
    let p = pool();
    let until = Instant::now() + grace;
    loop {
        let s = lock(p);
        let pending = s.busy + s.items.iter().filter(|i| i.due < until).count();
        if pending == 0 || Instant::now() >= until || s.threads == 0 {
            drop(s);
            break;
        }
        drop(s);
        std::thread::sleep(Duration::from_millis(20));
    }
    let mut s = lock(p);
    s.closed = true;
    let left = s.items.len() + s.busy;
    s.items.clear();
    p.wake.notify_all();
    left
}
