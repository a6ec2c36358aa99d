//! Combined triggers (`any` and `all`, docs/triggers.md): through the real binary
//! (preview, add, list, show, export, errors, `tick run`), in-process
//! against the scheduler's misfire rules, and property tests that `any` is
//! the merge of its parts and `all` their agreement, over random parts and
//! daylight-saving zones.

use std::collections::BTreeSet;
use std::os::unix::fs::PermissionsExt;
use std::time::{Duration as StdDuration, Instant};

use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use proptest::prelude::*;
use serde_json::Value;
use tick::model::{JobOptions, MisfireGrace};
use tick::scheduler::plan::plan;
use tick::trigger::Trigger;

use crate::util::Env;

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

fn utc(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().with_timezone(&Utc)
}

fn show(env: &Env, id: &str) -> Value {
    serde_json::from_str(&env.tick(&["show", id, "--json"]).ok()).unwrap()
}

#[test]
fn any_fires_at_every_instant_any_part_fires() {
    let env = Env::new();
    // Weekdays at 9:00, weekends at 12:00; Monday 9:00 from two parts fires once.
    let out = env
        .tick(&[
            "next",
            "any",
            "cron 0 9 * * mon-fri",
            "cron 0 12 * * sat,sun",
            "cron --hour 9 --day-of-week mon",
            "--tz",
            "Europe/Berlin",
            "--from",
            "2026-11-27",
            "-n",
            "4",
        ])
        .ok();
    assert_eq!(
        lines(&out),
        [
            "2026-11-27T09:00:00+01:00",
            "2026-11-28T12:00:00+01:00",
            "2026-11-29T12:00:00+01:00",
            "2026-11-30T09:00:00+01:00"
        ]
    );
}

#[test]
fn all_fires_where_every_part_agrees() {
    let env = Env::new();
    // Friday the 13th (a crontab expression alone would OR the two fields).
    let out = env
        .tick(&[
            "next",
            "all",
            "cron 0 0 13 * *",
            "cron 0 0 * * fri",
            "--from",
            "2026-01-01",
            "-n",
            "3",
        ])
        .ok();
    assert_eq!(
        lines(&out),
        [
            "2026-02-13T00:00:00+00:00",
            "2026-03-13T00:00:00+00:00",
            "2026-11-13T00:00:00+00:00"
        ]
    );
}

#[test]
fn all_that_never_agrees_prints_nothing_and_lists_never() {
    let env = Env::new();
    let never = ["all", "cron 0 9 * * *", "cron 0 10 * * *"];
    let started = Instant::now();
    let mut args = vec!["next"];
    args.extend(never);
    let (out, warning) = env.tick(&args).ok_and_stderr();
    assert_eq!(out, "");
    assert!(warning.contains("never fires after now"), "{warning}");
    assert!(started.elapsed() < StdDuration::from_secs(5));
    let mut args = vec!["add", "--id", "n"];
    args.extend(never);
    args.extend(["--", "true"]);
    let (_, warning) = env.tick(&args).ok_and_stderr();
    assert!(warning.contains("never fires after now"), "{warning}");
    let table = env.tick(&["list"]).ok();
    let row = table.lines().find(|l| l.starts_with("n ")).unwrap();
    assert!(row.contains("never"), "{table}");
    let j = show(&env, "n");
    assert_eq!(j["next_run_at"], Value::Null);
    assert_eq!(j["state"], "active");
}

#[test]
fn options_after_the_parts_apply_to_the_whole_and_parts_keep_their_own() {
    let env = Env::new();
    let out = env
        .tick(&[
            "next",
            "any",
            "cron 0 9 * * *",
            "cron 0 9 * * * --tz Asia/Tokyo",
            "--tz",
            "Europe/Berlin",
            "--start",
            "2026-01-02",
            "--end",
            "2026-01-03 09:00",
            "--from",
            "2026-01-01",
        ])
        .ok();
    // 09:00 Tokyo is 01:00 Berlin; the bounds cut the combined fires.
    assert_eq!(
        lines(&out),
        [
            "2026-01-02T01:00:00+01:00",
            "2026-01-02T09:00:00+01:00",
            "2026-01-03T01:00:00+01:00",
            "2026-01-03T09:00:00+01:00"
        ]
    );
    // Each part keeps its own daylight-saving rule: New York's 02:30 on
    // spring-forward day fires at 03:00 EDT (fixed-time), the wildcard part
    // skips the gap.
    let out = env
        .tick(&[
            "next",
            "any",
            "cron 30 2 * * *",
            "cron */30 * * * *",
            "--tz",
            "America/New_York",
            "--from",
            "2026-03-08 01:15",
            "-n",
            "3",
        ])
        .ok();
    assert_eq!(
        lines(&out),
        [
            "2026-03-08T01:30:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-08T03:30:00-04:00"
        ]
    );
}

#[test]
fn parts_of_every_kind_and_nested_ones() {
    let env = Env::new();
    let out = env
        .tick(&[
            "next",
            "any",
            "interval --every 2h --start '2026-06-01 00:00'",
            r#"date --at "2026-06-01 03:00""#,
            "all 'cron 0 * * * *' 'cron --hour 5-23/6'",
            "--from",
            "2026-05-31 23:00",
            "-n",
            "6",
        ])
        .ok();
    assert_eq!(
        lines(&out),
        [
            "2026-06-01T00:00:00+00:00",
            "2026-06-01T02:00:00+00:00",
            "2026-06-01T03:00:00+00:00",
            "2026-06-01T04:00:00+00:00",
            "2026-06-01T05:00:00+00:00",
            "2026-06-01T06:00:00+00:00"
        ]
    );
    // A part's interval without --start starts one interval after --from,
    // like the whole command line's: 00:30, 01:00, 01:30, ...
    let out = env
        .tick(&[
            "next",
            "all",
            "interval --every 30m",
            "cron 0 * * * *",
            "--from",
            "2026-01-01 00:00",
            "-n",
            "2",
        ])
        .ok();
    assert_eq!(
        lines(&out),
        ["2026-01-01T01:00:00+00:00", "2026-01-01T02:00:00+00:00"]
    );
}

#[test]
fn bad_combined_triggers_exit_2_name_the_part_and_write_nothing() {
    let env = Env::new();
    env.tick(&["add", "--id", "keep", "cron", "@daily", "--", "true"])
        .ok();
    let before = env.snapshot();
    let seventeen: Vec<String> = (0..17).map(|m| format!("cron {m} * * * *")).collect();
    let mut many: Vec<&str> = vec!["add", "any"];
    many.extend(seventeen.iter().map(String::as_str));
    many.extend(["--", "x"]);
    let cases: &[(&[&str], &str)] = &[
        (
            &["add", "any", "cron 0 9 * * *", "--", "x"],
            "error: any takes 2 to 16 PARTs, each one quoted trigger like 'cron 0 9 * * mon-fri', got 1",
        ),
        (
            &["add", "all", "--", "x"],
            "error: all takes 2 to 16 PARTs, each one quoted trigger like 'cron 0 9 * * mon-fri', got 0",
        ),
        (&many, "any takes 2 to 16 PARTs"),
        (
            &["add", "any", "cron 0 9 * * *", "cron 0 99 * * *", "--", "x"],
            "error: any part 2 'cron 0 99 * * *': invalid cron expression '0 99 * * *': hour value 99 is out of range (allowed 0-23)",
        ),
        (
            &["add", "all", "cron @reboot", "cron 0 9 * * *", "--", "x"],
            "error: all part 1 'cron @reboot': @reboot cannot be a part: it fires when tick run starts, not at a time",
        ),
        (
            &["add", "any", "cron 0 9 * * *", "cron 0 1 * * * --jitter 5m", "--", "x"],
            "error: any part 2 'cron 0 1 * * * --jitter 5m': a part takes no --jitter; give it after the parts, for the whole any",
        ),
        (
            &["add", "any", "cron 0 9 * * *", "cron --bogus", "--", "x"],
            "error: any part 2 'cron --bogus': unexpected argument '--bogus' found",
        ),
        (
            &["add", "any", "weekly", "cron 0 9 * * *", "--", "x"],
            "any part 1 'weekly': invalid value 'weekly'",
        ),
        (
            &["add", "any", "cron '0 9", "cron 0 9 * * *", "--", "x"],
            "any part 1 'cron '0 9': cannot split it into words",
        ),
        (
            &["add", "any", "", "cron 0 9 * * *", "--", "x"],
            "any part 1 '': it is empty",
        ),
        (
            &["add", "any", "interval --every 0s", "cron 0 9 * * *", "--", "x"],
            "any part 1 'interval --every 0s': invalid interval: it must be at least 1s",
        ),
        (
            &["add", "any", "date --at 2001-01-01", "cron 0 9 * * *", "--", "x"],
            "any part 1 'date --at 2001-01-01': date 2001-01-01T00:00:00+00:00 is not in the future",
        ),
        (
            &["add", "any", "cron 0 9 * * *", "any 'cron 0 1 * * *'", "--", "x"],
            "any part 2 'any 'cron 0 1 * * *'': any takes 2 to 16 PARTs",
        ),
        (
            &["add", "any", "cron 0 9 * * *", "cron 0 1 * * *", "--hour", "5", "--", "x"],
            "--hour does not apply to any triggers",
        ),
        (
            &["add", "any", "cron 0 9 * * *", "cron 0 1 * * * --tz Mars/Base", "--", "x"],
            "any part 2 'cron 0 1 * * * --tz Mars/Base': unknown time zone 'Mars/Base'",
        ),
        (
            &["reschedule", "keep", "all", "cron 0 9 * * *"],
            "error: all takes 2 to 16 PARTs",
        ),
    ];
    for (args, expected) in cases {
        let line = env.tick(args).usage_error();
        assert!(
            line.contains(expected),
            "{args:?}: got {line:?}, wanted {expected:?}"
        );
        assert_eq!(env.snapshot(), before, "{args:?} changed the file");
    }
}

#[test]
fn list_show_json_and_export_describe_them() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "digest",
        "any",
        "cron 0 9 * * 1-5",
        "cron 0 10 * * 6,0 --tz America/New_York",
        "--tz",
        "Europe/Berlin",
        "--jitter",
        "30s",
        "--",
        "digest.sh",
    ])
    .ok();
    env.tick(&["add", "--id", "plain", "cron", "0 3 * * *", "--", "true"])
        .ok();
    let j = show(&env, "digest");
    assert_eq!(
        j["trigger"],
        "any(cron 0 9 * * 1-5 | cron 0 10 * * 6,0 (America/New_York)) (Europe/Berlin)"
    );
    assert_eq!(j["timezone"], "Europe/Berlin");
    assert_eq!(j["jitter_seconds"], 30);
    let spec = &j["trigger_spec"];
    assert_eq!(spec["kind"], "any");
    assert_eq!(spec["jitter"], 30);
    assert_eq!(spec["parts"][0]["kind"], "cron");
    assert_eq!(spec["parts"][0]["cron"]["expr"], "0 9 * * 1-5");
    assert_eq!(spec["parts"][1]["timezone"], "America/New_York");
    assert_eq!(j["next_fires"].as_array().unwrap().len(), 5);
    let table = env.tick(&["list"]).ok();
    assert!(
        table.contains(
            "any(cron 0 9 * * 1-5 | cron 0 10 * * 6,0 (America/New_York)) (Europe/Berlin)"
        ),
        "{table}"
    );
    let out = env.tick(&["export"]).output();
    let crontab = String::from_utf8_lossy(&out.stdout);
    let warnings = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success());
    assert!(
        crontab.contains("0 3 * * * true") && !crontab.contains("digest"),
        "{crontab}"
    );
    // (`tick add` records the folder it ran in, which crontab cannot carry.)
    let warnings: Vec<&str> = warnings
        .lines()
        .filter(|l| !l.ends_with("exported without --cwd (crontab has no such thing)"))
        .collect();
    assert_eq!(
        warnings,
        ["warning: job digest: not exported: crontab has no combined (any/all) triggers"]
    );
}

#[test]
fn a_jobs_file_of_the_first_schema_takes_combined_jobs() {
    let env = Env::new();
    let fixture = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/jobs-v1.db");
    std::fs::copy(fixture, env.db()).unwrap();
    std::fs::set_permissions(env.db(), std::fs::Permissions::from_mode(0o600)).unwrap();
    env.tick(&[
        "add",
        "--id",
        "both",
        "all",
        "cron 0 9 * * *",
        "cron 0 * * * *",
        "--",
        "true",
    ])
    .ok();
    let out = env.tick(&["list", "--all", "--json"]).ok();
    let jobs: Vec<Value> = serde_json::from_str(&out).unwrap();
    let triggers: BTreeSet<&str> = jobs
        .iter()
        .map(|j| j["trigger"].as_str().unwrap())
        .collect();
    assert_eq!(
        triggers,
        BTreeSet::from([
            "all(cron 0 9 * * * | cron 0 * * * *) (UTC)",
            "cron 30 2 * * * (America/New_York)",
            "cron --day 'last fri' --hour '5' --minute '30' (Etc/UTC)",
            "every 15m",
        ])
    );
}

/// The scheduler decides a combined trigger's backlog like any other:
/// coalesced to one run, the rest missed or dropped by the misfire grace.
#[test]
fn the_scheduler_applies_misfire_and_coalesce_to_combined_fires() {
    let tz = Tz::UTC;
    let any = Trigger::any(
        vec![
            Trigger::crontab("0 * * * *", tz).unwrap(),
            Trigger::crontab("30 * * * *", tz).unwrap(),
        ],
        tz,
    );
    let due = utc("2026-01-01T00:00:00Z");
    let now = utc("2026-01-01T02:10:00Z");
    let minute = JobOptions {
        misfire_grace: MisfireGrace::Within(60),
        ..JobOptions::default()
    };
    let p = plan(&any, &minute, due, now, 0);
    // Backlog 00:00, 00:30, 01:00, 01:30, 02:00: all later than 60 s.
    assert_eq!(p.run, Vec::<DateTime<Utc>>::new());
    assert_eq!(p.missed, [utc("2026-01-01T02:00:00Z")]);
    assert_eq!(p.next, Some(utc("2026-01-01T02:30:00Z")));
    // By default (auto) the latest, 02:00, runs: its next fire has not come.
    let p = plan(&any, &JobOptions::default(), due, now, 0);
    assert_eq!(p.run, [utc("2026-01-01T02:00:00Z")]);
    assert_eq!(p.next, Some(utc("2026-01-01T02:30:00Z")));
    let options = JobOptions {
        misfire_grace: MisfireGrace::Unlimited,
        coalesce: false,
        max_instances: 10,
        ..JobOptions::default()
    };
    let p = plan(&any, &options, due, now, 0);
    assert_eq!(p.run.len(), 5);
}

/// `tick run` fires a combined job at its combined instants: every second
/// from two parts (even and odd seconds), each second once.
#[test]
fn tick_run_fires_combined_jobs() {
    let env = Env::new();
    env.tick(&[
        "add",
        "--id",
        "tick",
        "any",
        "cron */2 * * * * *",
        "cron 1-59/2 * * * * *",
        "--",
        "true",
    ])
    .ok();
    let runner = env.runner("run", &["--no-echo"]);
    let scheduled = |env: &Env| -> Vec<String> {
        let out = env.tick(&["history", "tick", "--json"]).ok();
        let rows: Vec<Value> = serde_json::from_str(&out).unwrap();
        rows.iter()
            .filter(|r| r["status"] == "success")
            .map(|r| r["scheduled_at"].as_str().unwrap().to_string())
            .collect()
    };
    crate::util::wait_for("three fires", 20, || scheduled(&env).len() >= 3);
    runner.stop();
    let mut times = scheduled(&env);
    assert!(times.len() >= 3, "{times:?}");
    times.sort();
    let secs: Vec<DateTime<Utc>> = times.iter().map(|t| utc(t)).collect();
    assert!(
        secs.windows(2).all(|w| w[1] - w[0] == Duration::seconds(1)),
        "one fire a second, each once: {times:?}"
    );
}

// ---------------------------------------------------------------------------
// Properties over random parts and daylight-saving zones
// ---------------------------------------------------------------------------

const ZONES: [&str; 6] = [
    "UTC",
    "America/New_York",
    "Europe/Berlin",
    "Australia/Lord_Howe",
    "America/Santiago",
    "Asia/Kolkata",
];

/// Starts a little before real transitions of those zones in 2026.
const STARTS: [&str; 6] = [
    "2026-03-08T04:00:00Z",
    "2026-11-01T03:00:00Z",
    "2026-03-28T22:00:00Z",
    "2026-10-24T22:00:00Z",
    "2026-04-04T12:00:00Z",
    "2026-09-05T02:00:00Z",
];

/// A random part: a cron expression (fixed-time or wildcard), an interval
/// or a date, in a random zone.
fn part() -> impl Strategy<Value = (String, usize, i64)> {
    let minute = prop::sample::select(vec!["0", "30", "*/15", "*/20", "0,45", "10-50/20"]);
    let hour = prop::sample::select(vec!["*", "*/2", "1-3", "2", "9-17", "0,12"]);
    let dow = prop::sample::select(vec!["*", "1-5", "sat-sun", "0", "mon-sun"]);
    let cron = (minute, hour, dow).prop_map(|(m, h, d)| format!("cron {m} {h} * * {d}"));
    let interval = prop::sample::select(vec![900u32, 1800, 3600, 5400, 7200])
        .prop_map(|every| format!("interval {every}"));
    let date = (0u32..72).prop_map(|h| format!("date {h}"));
    (
        prop_oneof![6 => cron, 2 => interval, 1 => date],
        0..ZONES.len(),
        0i64..6 * 3600,
    )
}

fn build(text: &str, zone: usize, from: DateTime<Utc>) -> Trigger {
    let tz: Tz = ZONES[zone].parse().unwrap();
    let (kind, rest) = text.split_once(' ').unwrap();
    let hours = Duration::hours;
    match kind {
        "cron" => Trigger::crontab(rest, tz).unwrap(),
        "interval" => {
            let every: u64 = rest.parse().unwrap();
            // Anchored on the hour so that intervals can meet crons.
            Trigger::interval(every, from - hours(48), tz).unwrap()
        }
        _ => Trigger::date(from + hours(rest.parse().unwrap()), tz),
    }
}

fn case() -> impl Strategy<Value = (Vec<(String, usize, i64)>, DateTime<Utc>)> {
    (
        prop::collection::vec(part(), 2..=4),
        0..STARTS.len(),
        0i64..4,
    )
        .prop_map(|(parts, s, h)| (parts, utc(STARTS[s]) + Duration::hours(h)))
}

fn trigger_parts(parts: &[(String, usize, i64)], from: DateTime<Utc>) -> Vec<Trigger> {
    parts.iter().map(|(t, z, _)| build(t, *z, from)).collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, failure_persistence: None, ..ProptestConfig::default() })]

    /// `any` equals the sorted, de-duplicated merge of its parts' fires.
    #[test]
    fn any_is_the_merge_of_its_parts((parts, from) in case()) {
        let triggers = trigger_parts(&parts, from);
        let n = 30;
        let mut merged: BTreeSet<DateTime<Utc>> = BTreeSet::new();
        for t in &triggers {
            merged.extend(t.fires_after(from, n));
        }
        let want: Vec<_> = merged.into_iter().take(n).collect();
        let any = Trigger::any(triggers, Tz::UTC);
        prop_assert_eq!(any.fires_after(from, n), want, "{:?} from {}", parts, from);
    }

    /// `all` fires exactly at the instants every part fires, over a window
    /// of three days: each of its fires is a fire of each part, and none is
    /// missed.
    #[test]
    fn all_is_the_agreement_of_its_parts((parts, from) in case()) {
        let triggers = trigger_parts(&parts, from);
        let until = from + Duration::days(3);
        let within = |t: &Trigger| -> BTreeSet<DateTime<Utc>> {
            t.fires(from).take_while(|f| *f <= until).collect()
        };
        let mut want = within(&triggers[0]);
        for t in &triggers[1..] {
            want = want.intersection(&within(t)).copied().collect();
        }
        let all = Trigger::all(triggers.clone(), Tz::UTC);
        let got = within(&all);
        for f in &got {
            for t in &triggers {
                prop_assert_eq!(t.next_fire(*f - Duration::seconds(1)), Some(*f));
            }
        }
        prop_assert_eq!(got, want, "{:?} from {}", parts, from);
    }
}
