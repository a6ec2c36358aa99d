//! `--overlap skip|queue|replace|allow`, measured from the execution rows
//! of one-second jobs that run longer than their interval.

use chrono::{DateTime, Timelike, Utc};
use serde_json::Value;

use crate::util::{wait_for, Env, Runner};

/// Where the jobs are: the jobs file (one runner), or a PostgreSQL
/// database (`--db URL`, two runners; see `postgres/overlap.rs`).
pub(crate) struct Place<'a> {
    pub env: &'a Env,
    pub db: Vec<&'a str>,
    pub start: &'a dyn Fn() -> Vec<Runner>,
}

impl Place<'_> {
    pub fn tick(&self, args: &[&str]) -> String {
        let mut all = self.db.clone();
        all.extend_from_slice(args);
        self.env.tick(&all).ok()
    }

    pub fn history(&self, job: &str) -> Vec<Value> {
        let rows = self.tick(&["history", "--json", job]);
        serde_json::from_str::<Value>(&rows)
            .unwrap()
            .as_array()
            .unwrap()
            .clone()
    }

    fn ended(&self, job: &str, status: &str) -> usize {
        let rows = self.history(job);
        rows.iter().filter(|r| r["status"] == status).count()
    }
}

fn stop(runners: Vec<Runner>) {
    for r in runners {
        r.stop_killing();
    }
}

pub(crate) fn here(env: &Env) -> Place<'_> {
    Place {
        env,
        db: Vec::new(),
        start: &|| Vec::new(),
    }
}

fn at(row: &Value, field: &str) -> Option<DateTime<Utc>> {
    let s = row[field].as_str()?;
    Some(DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc))
}

/// The rows of `job` that ran (started), oldest first.
fn ran(rows: &[Value]) -> Vec<Value> {
    let mut ran: Vec<Value> = rows
        .iter()
        .filter(|r| !r["started_at"].is_null())
        .cloned()
        .collect();
    ran.sort_by_key(|r| at(r, "started_at"));
    ran
}

fn every_second(place: &Place, id: &str, overlap: &str, command: &str) {
    place.tick(&[
        "add",
        "--id",
        id,
        "--overlap",
        overlap,
        "cron",
        "* * * * * *",
        "--",
        command,
    ]);
}

/// The jobs file's runner, or the place's.
fn runners(place: &Place) -> Vec<Runner> {
    let started = (place.start)();
    if started.is_empty() {
        vec![place.env.runner("run", &["--no-echo"])]
    } else {
        started
    }
}

#[test]
fn queue_starts_the_one_waiting_fire_as_a_copy_ends() {
    let env = Env::new();
    queue(&here(&env));
}

pub(crate) fn queue(place: &Place) {
    every_second(place, "q", "queue", "sleep 2.5");
    let runners = runners(place);
    wait_for("three runs of q that ended", 20, || {
        place.ended("q", "success") >= 3
    });
    stop(runners);
    let rows = place.history("q");
    let ran = ran(&rows);
    let mut waited = 0;
    for pair in ran.windows(2) {
        let (prev, next) = (&pair[0], &pair[1]);
        let ended = at(prev, "finished_at").unwrap();
        let started = at(next, "started_at").unwrap();
        let gap = (started - ended).num_milliseconds();
        // Never two at once.
        assert!(gap >= 0, "gap {gap} ms: {prev} then {next}");
        // A fire that came while the copy before it ran waited, and
        // started as that copy ended.
        if at(next, "scheduled_at").unwrap() < ended {
            assert!(gap < 300, "gap {gap} ms: {prev} then {next}");
            waited += 1;
        }
    }
    assert!(waited >= 2, "{ran:?}");
    // At most one waiting at any time: no two waits overlap. A fire is
    // decided when its runner gets to it, a few ms after its time (after
    // the exit it was handling, say): that much overlap is allowed.
    let waits: Vec<_> = ran
        .iter()
        .map(|r| (at(r, "scheduled_at").unwrap(), at(r, "started_at").unwrap()))
        .collect();
    let decided = chrono::Duration::milliseconds(100);
    for w in waits.windows(2) {
        assert!(
            w[1].0 + decided >= w[0].1,
            "two fires waited at once: {waits:?}"
        );
    }
    // The fires beyond the one waiting were skipped, saying why.
    let skipped: Vec<_> = rows.iter().filter(|r| r["status"] == "skipped").collect();
    assert!(!skipped.is_empty(), "{rows:?}");
    for r in skipped {
        assert_eq!(
            r["reason"],
            "1 instance(s) already running and a fire waiting (--max-instances 1, --overlap queue)"
        );
    }
}

/// Whether a process is there (a zombie is not).
fn alive(pid: &str) -> bool {
    match std::fs::read_to_string(format!("/proc/{pid}/stat")) {
        Ok(stat) => !stat
            .rsplit(')')
            .next()
            .is_some_and(|rest| rest.trim_start().starts_with('Z')),
        Err(_) => false,
    }
}

#[test]
fn replace_ends_the_running_copy_and_its_group() {
    let env = Env::new();
    replace(&here(&env));
}

pub(crate) fn replace(place: &Place) {
    // Each copy writes its execution id, its shell's pid and its child's.
    every_second(
        place,
        "r",
        "replace",
        "sleep 30 & echo \"$TICK_EXECUTION_ID $$ $!\" >> pids; wait",
    );
    let runners = runners(place);
    let killed = || -> Vec<Value> {
        place
            .history("r")
            .into_iter()
            .filter(|r| r["status"] == "killed")
            .collect()
    };
    wait_for("three replaced copies of r", 20, || killed().len() >= 3);
    let rows = place.history("r");
    let pids = std::fs::read_to_string(place.env.path().join("pids")).unwrap();
    for row in killed() {
        // Replaced by the next fire, which ran.
        let next = ran(&rows)
            .into_iter()
            .find(|r| at(r, "scheduled_at") > at(&row, "scheduled_at"))
            .unwrap_or_else(|| panic!("nothing ran after {row}"));
        // The time of day, its seconds unless they are 0.
        let t = at(&next, "scheduled_at").unwrap();
        let t = t.format(if t.second() == 0 { "%H:%M" } else { "%H:%M:%S" });
        assert_eq!(
            row["reason"],
            format!("replaced by the fire of {t}"),
            "{row}"
        );
        assert_eq!(row["signal"], 15, "{row}");
        // Its shell and its shell's child are gone.
        let line = pids
            .lines()
            .find(|l| l.split(' ').next() == Some(&row["id"].to_string()))
            .unwrap_or_else(|| panic!("no pids of {row}: {pids}"));
        for pid in line.split(' ').skip(1) {
            assert!(!alive(pid), "process {pid} of {row} is still running");
        }
    }
    // Never more than one running for long: each replaced copy (a 30 s
    // sleep) ended at the next fire, a second after its start (plus the
    // time a loaded machine takes).
    for row in killed() {
        let lasted = row["duration_ms"].as_i64().unwrap();
        assert!(lasted < 3000, "{row}");
    }
    // At most one copy at a time besides the one being ended.
    let ran = ran(&rows);
    for w in ran.windows(3) {
        let third = at(&w[2], "started_at");
        assert!(
            at(&w[0], "finished_at").is_some_and(|end| Some(end) <= third),
            "three copies at once: {w:?}"
        );
    }
    stop(runners);
}

#[test]
fn allow_runs_copies_at_once() {
    let env = Env::new();
    allow(&here(&env));
}

pub(crate) fn allow(place: &Place) {
    every_second(place, "a", "allow", "sleep 2.5");
    let runners = runners(place);
    wait_for("two runs of a that ended", 20, || {
        place.ended("a", "success") >= 2
    });
    stop(runners);
    let rows = place.history("a");
    let done: Vec<_> = rows.iter().filter(|r| r["status"] == "success").collect();
    let (first, second) = (done[done.len() - 1], done[done.len() - 2]);
    // The later started before the earlier ended: two ran at once.
    let (a, b) = if at(first, "started_at") < at(second, "started_at") {
        (first, second)
    } else {
        (second, first)
    };
    assert!(at(b, "started_at") < at(a, "finished_at"), "{a} {b}");
    assert!(!rows.iter().any(|r| r["status"] == "skipped"), "{rows:?}");
}

#[test]
fn overlap_is_checked_shown_and_carried_by_export() {
    let env = Env::new();
    let err = env
        .tick(&[
            "add",
            "--overlap",
            "wait",
            "cron",
            "* * * * *",
            "--",
            "true",
        ])
        .usage_error();
    assert_eq!(
        err,
        "error: invalid --overlap \"wait\": use skip, queue, replace or allow"
    );
    env.tick(&["add", "--id", "x", "cron", "*/5 * * * *", "--", "true"])
        .ok();
    let show = env.tick(&["show", "x"]).ok();
    assert!(show.contains("overlap:       skip"), "{show}");
    env.tick(&["modify", "x", "--overlap", "queue"]).ok();
    let json: Value = serde_json::from_str(&env.tick(&["show", "x", "--json"]).ok()).unwrap();
    assert_eq!(json["overlap"], "queue");
    let exported = env.tick(&["export"]).ok();
    assert!(exported.contains("--overlap queue"), "{exported}");
    let other = Env::new();
    let file = other.path().join("crontab");
    std::fs::write(&file, &exported).unwrap();
    other
        .tick(&["import", file.to_str().unwrap()])
        .ok_and_stderr();
    let json: Value = serde_json::from_str(&other.tick(&["list", "--json"]).ok()).unwrap();
    assert_eq!(json[0]["overlap"], "queue", "{json}");
}
