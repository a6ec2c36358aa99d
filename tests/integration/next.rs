//! `tick next` through the real binary: output format and every invalid input.

use crate::util::Env;

fn lines(s: &str) -> Vec<&str> {
    s.lines().collect()
}

#[test]
fn prints_rfc3339_with_the_offset_at_each_instant() {
    let env = Env::new();
    let out = env
        .tick(&[
            "next",
            "cron",
            "30 2 * * *",
            "--tz",
            "America/New_York",
            "--from",
            "2026-03-07 00:00",
            "-n",
            "3",
        ])
        .ok();
    assert_eq!(
        lines(&out),
        [
            "2026-03-07T02:30:00-05:00",
            "2026-03-08T03:00:00-04:00",
            "2026-03-09T02:30:00-04:00"
        ]
    );
}

#[test]
fn default_count_is_ten_and_zero_prints_nothing() {
    let env = Env::new();
    let out = env
        .tick(&[
            "next",
            "cron",
            "* * * * *",
            "--from",
            "2026-01-01T00:00:00Z",
        ])
        .ok();
    assert_eq!(lines(&out).len(), 10);
    assert_eq!(lines(&out)[0], "2026-01-01T00:01:00+00:00");
    let out = env
        .tick(&[
            "next",
            "cron",
            "* * * * *",
            "--from",
            "2026-01-01T00:00:00Z",
            "-n",
            "0",
        ])
        .ok();
    assert_eq!(out, "");
}

#[test]
fn zone_comes_from_tz_env_when_no_flag() {
    let env = Env::new();
    let out = env
        .tick(&[
            "next",
            "cron",
            "0 9 * * *",
            "--from",
            "2026-07-01T00:00:00Z",
            "-n",
            "1",
        ])
        .env("TZ", "Europe/Berlin")
        .ok();
    assert_eq!(out, "2026-07-01T09:00:00+02:00\n");
    let out = env
        .tick(&[
            "next",
            "cron",
            "0 9 * * *",
            "--from",
            "2026-07-01T00:00:00Z",
            "-n",
            "1",
        ])
        .env("TZ", ":Asia/Tokyo")
        .ok();
    // 09:00 in Tokyo is --from itself; fires are strictly after it.
    assert_eq!(out, "2026-07-02T09:00:00+09:00\n");
}

#[test]
fn stops_when_the_schedule_ends() {
    let env = Env::new();
    let out = env
        .tick(&[
            "next",
            "cron",
            "0 0 * * *",
            "--from",
            "2026-01-01",
            "--end",
            "2026-01-03",
            "-n",
            "10",
        ])
        .ok();
    assert_eq!(
        lines(&out),
        ["2026-01-02T00:00:00+00:00", "2026-01-03T00:00:00+00:00"]
    );
    let out = env
        .tick(&[
            "next",
            "date",
            "--at",
            "2026-05-01 12:00",
            "--from",
            "2026-01-01",
        ])
        .ok();
    assert_eq!(out, "2026-05-01T12:00:00+00:00\n");
}

#[test]
fn never_firing_expression_prints_nothing_and_succeeds() {
    let env = Env::new();
    for expr in ["0 0 30 2 *", "0 0 31 4,6,9,11 *"] {
        let (out, err) = env.tick(&["next", "cron", expr]).ok_and_stderr();
        assert_eq!(out, "");
        assert!(err.contains("never fires after now"), "{err}");
    }
}

#[test]
fn interval_without_start_begins_one_interval_after_from() {
    let env = Env::new();
    let out = env
        .tick(&[
            "next",
            "interval",
            "--every",
            "1h30m",
            "--from",
            "2026-01-01 00:00",
            "-n",
            "2",
        ])
        .ok();
    assert_eq!(
        lines(&out),
        ["2026-01-01T01:30:00+00:00", "2026-01-01T03:00:00+00:00"]
    );
    let out = env
        .tick(&[
            "next",
            "interval",
            "--hours",
            "1",
            "--minutes",
            "30",
            "--start",
            "2026-01-01 00:00",
            "--from",
            "2025-12-31 23:00",
            "-n",
            "2",
        ])
        .ok();
    assert_eq!(
        lines(&out),
        ["2026-01-01T00:00:00+00:00", "2026-01-01T01:30:00+00:00"]
    );
}

#[test]
fn aps_fields_and_json() {
    let env = Env::new();
    let out = env
        .tick(&[
            "next",
            "cron",
            "--hour",
            "5",
            "--second",
            "30",
            "--from",
            "2026-01-01",
            "-n",
            "2",
            "--json",
        ])
        .ok();
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v[0]["fire_at"], "2026-01-01T05:00:30+00:00");
    assert_eq!(v[1]["fire_at"], "2026-01-01T05:01:30+00:00");
    assert_eq!(v[0]["timezone"], "UTC");
}

#[test]
fn reboot_prints_no_times_and_says_why() {
    let env = Env::new();
    let out = env.tick(&["next", "cron", "@reboot"]).output();
    assert!(out.status.success());
    assert_eq!(String::from_utf8_lossy(&out.stdout), "");
    assert!(String::from_utf8_lossy(&out.stderr).contains("@reboot fires once each time"));
}

#[test]
fn invalid_inputs_exit_2_with_one_line() {
    let env = Env::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &["next", "cron", "0 22-2 * * *"],
            "reversed range 22-2 in hour",
        ),
        (
            &["next", "cron", "0 9 * * monday"],
            "unknown day-of-week 'monday'",
        ),
        (&["next", "cron", "* * * *"], "expected 5 fields"),
        (&["next", "cron", "0 0 0 * * * *"], "got 7"),
        (
            &["next", "cron", "61 * * * *"],
            "minute value 61 is out of range (allowed 0-59)",
        ),
        (&["next", "cron", "@often"], "unknown macro"),
        (&["next", "cron"], "cron needs an expression"),
        (
            &["next", "cron", "* * * * *", "--hour", "5"],
            "either an expression",
        ),
        (
            &["next", "cron", "--day-of-week", "7"],
            "invalid --day-of-week '7'",
        ),
        (
            &["next", "cron", "--day", "6th mon"],
            "unknown position '6th'",
        ),
        (
            &["next", "cron", "* * * * *", "--tz", "Mars/Olympus"],
            "unknown time zone 'Mars/Olympus'",
        ),
        (
            &["next", "cron", "* * * * *", "--from", "yesterday"],
            "--from: invalid date-time 'yesterday'",
        ),
        (
            &["next", "cron", "* * * * *", "--start", "2026-02-30"],
            "--start: invalid date-time '2026-02-30'",
        ),
        (
            &["next", "cron", "* * * * *", "--jitter", "5"],
            "--jitter: invalid duration '5'",
        ),
        (
            &[
                "next",
                "cron",
                "* * * * *",
                "--start",
                "2026-02-01",
                "--end",
                "2026-01-01",
            ],
            "before the start",
        ),
        (&["next", "interval"], "interval needs --every"),
        (&["next", "interval", "--every", "0s"], "at least 1s"),
        (
            &["next", "interval", "--every", "1month"],
            "invalid duration '1month'",
        ),
        (
            &["next", "interval", "--every", "5m", "--hours", "1"],
            "not both",
        ),
        (
            &["next", "interval", "--every", "5m", "--hour", "1"],
            "--hour does not apply to interval triggers",
        ),
        (
            &["next", "interval", "*/5 * * * *"],
            "takes --every, not an expression",
        ),
        (&["next", "date"], "date needs --at"),
        (
            &["next", "date", "--at", "2026-13-01 10:00"],
            "--at: invalid date-time",
        ),
        (
            &["next", "date", "--in", "soon"],
            "--in: invalid duration 'soon'",
        ),
        (
            &["next", "cron", "--every", "5m"],
            "--every does not apply to cron triggers",
        ),
        (&["next", "weekly"], "invalid value 'weekly'"),
        (
            &["next", "cron", "* * * * *", "-n", "many"],
            "invalid value 'many'",
        ),
    ];
    for (args, expected) in cases {
        let line = env.tick(args).usage_error();
        assert!(
            line.contains(expected),
            "{args:?}: got {line:?}, wanted {expected:?}"
        );
    }
    let line = env
        .tick(&["next", "cron", "* * * * *"])
        .env("TZ", "Nowhere/Land")
        .usage_error();
    assert!(
        line.contains("unknown time zone 'Nowhere/Land'") && line.contains("$TZ"),
        "{line}"
    );
}

#[test]
fn unknown_value_lists_what_is_allowed() {
    let env = Env::new();
    let line = env.tick(&["next", "weekly"]).usage_error();
    assert!(line.contains("cron, interval, date"), "{line}");
}

#[test]
fn errors_stay_on_one_line_whatever_the_input() {
    let env = Env::new();
    let line = env
        .tick(&["next", "cron", "0 9 * * mon\nday"])
        .usage_error();
    assert!(line.contains("'0 9 * * mon\\nday'"), "{line}");
}

// ---------------------------------------------------------------------------
// Validation parity with croniter, Quartz and APScheduler 3 (docs/triggers.md)
// ---------------------------------------------------------------------------

#[test]
fn question_mark_stands_only_as_a_whole_day_field() {
    let env = Env::new();
    let line = env.tick(&["next", "cron", "* * ?,* * *"]).usage_error();
    assert_eq!(
        line,
        "error: invalid cron expression '* * ?,* * *': '?' stands only alone, as the whole day-of-month field (write ? or *, not '?,*')"
    );
    for expr in ["0 0 ?/2 * *", "0 0 * * 1,?"] {
        let line = env.tick(&["next", "cron", expr]).usage_error();
        assert!(line.contains("'?' stands only alone"), "{expr}: {line}");
    }
    env.tick(&["next", "cron", "0 0 ? * 1"]).ok();
}

#[test]
fn aps_steps_larger_than_their_range_are_refused() {
    let env = Env::new();
    let cases: &[(&[&str], &str)] = &[
        (
            &["next", "cron", "--minute", "*/60"],
            "error: invalid --minute '*/60': step 60 is larger than the range 0-59 it steps over (at most 59)",
        ),
        (
            &["next", "cron", "--minute", "10-50/45"],
            "error: invalid --minute '10-50/45': step 45 is larger than the range 10-50 it steps over (at most 40)",
        ),
        (
            &["next", "cron", "--day", "*/31"],
            "error: invalid --day '*/31': step 31 is larger than the range 1-31 it steps over (at most 30)",
        ),
        (
            &["next", "cron", "--day", "4-6/3"],
            "error: invalid --day '4-6/3': step 3 is larger than the range 4-6 it steps over (at most 2)",
        ),
    ];
    for (args, expected) in cases {
        assert_eq!(&env.tick(args).usage_error(), expected, "{args:?}");
    }
    let out = env
        .tick(&[
            "next",
            "cron",
            "--minute",
            "*/59",
            "--from",
            "2026-01-01",
            "-n",
            "2",
        ])
        .ok();
    assert_eq!(
        lines(&out),
        ["2026-01-01T00:59:00+00:00", "2026-01-01T01:00:00+00:00"]
    );
}

#[test]
fn day_of_week_ranges_ending_in_sunday_are_weekends() {
    let env = Env::new();
    // 2026-11-27 is a Friday.
    for dow in ["sat-sun", "sat-0", "SAT-SUN", "6-7"] {
        let out = env
            .tick(&[
                "next",
                "cron",
                &format!("0 9 * * {dow}"),
                "--from",
                "2026-11-27",
                "-n",
                "3",
            ])
            .ok();
        assert_eq!(
            lines(&out),
            [
                "2026-11-28T09:00:00+00:00",
                "2026-11-29T09:00:00+00:00",
                "2026-12-05T09:00:00+00:00"
            ],
            "{dow}"
        );
    }
    let out = env
        .tick(&[
            "next",
            "cron",
            "0 9 * * fri-0",
            "--from",
            "2026-11-26",
            "-n",
            "4",
        ])
        .ok();
    assert_eq!(lines(&out).len(), 4);
    assert_eq!(lines(&out)[3], "2026-12-04T09:00:00+00:00");
    let out = env
        .tick(&[
            "next",
            "cron",
            "0 9 * * mon-sun",
            "--from",
            "2026-11-26",
            "-n",
            "7",
        ])
        .ok();
    assert_eq!(lines(&out)[6], "2026-12-02T09:00:00+00:00");
    let line = env
        .tick(&["next", "cron", "0 9 * * sun-sat-1"])
        .usage_error();
    assert!(line.contains("invalid cron expression"), "{line}");
    let line = env.tick(&["next", "cron", "0 9 * * sat-fri"]).usage_error();
    assert!(line.contains("reversed range sat-fri"), "{line}");
}

/// Checks that compare with "now" use --from in `tick next` (docs/triggers.md).
#[test]
fn from_is_now_for_every_check() {
    let env = Env::new();
    let out = env
        .tick(&[
            "next",
            "interval",
            "--every",
            "10m",
            "--end",
            "2026-02-16T00:12:01+05:30",
            "--tz",
            "Asia/Kolkata",
            "--from",
            "2026-02-16T00:02:00",
            "-n",
            "5",
        ])
        .ok();
    assert_eq!(out, "2026-02-16T00:12:00+05:30\n");
    // `date --in` counts from --from, too.
    let out = env
        .tick(&["next", "date", "--in", "2h", "--from", "2026-01-01 10:00"])
        .ok();
    assert_eq!(out, "2026-01-01T12:00:00+00:00\n");
}

/// A preview of a schedule with no fire after `--from` (or now) prints
/// nothing, exits 0 and says on stderr that it never fires, as `add`
/// warns: for every trigger kind, a date before `--from` and an `--end`
/// before it included (issue 26, point 13).
#[test]
fn a_schedule_with_no_fire_after_from_prints_nothing_and_says_so() {
    let env = Env::new();
    let from = ["--from", "2026-02-01T00:00:00Z"];
    let cases: &[(&[&str], &str)] = &[
        (
            &["date", "--at", "2026-01-01T00:00:00Z"],
            "warning: once at 2026-01-01T00:00:00+00:00 never fires after --from 2026-02-01T00:00:00+00:00\n",
        ),
        (
            &["date", "--at", "2026-02-01T00:00:00Z"],
            "warning: once at 2026-02-01T00:00:00+00:00 never fires after --from 2026-02-01T00:00:00+00:00\n",
        ),
        (
            &["cron", "0 0 30 2 *"],
            "warning: cron 0 0 30 2 * (UTC) never fires after --from 2026-02-01T00:00:00+00:00\n",
        ),
        (
            &["cron", "@daily", "--end", "2026-01-01"],
            "warning: cron @daily (UTC) never fires after --from 2026-02-01T00:00:00+00:00\n",
        ),
        (
            &["cron", "--month", "2", "--day", "30"],
            "never fires after --from 2026-02-01T00:00:00+00:00\n",
        ),
        (
            &["interval", "--every", "1h", "--start", "2025-01-01", "--end", "2025-02-01"],
            "never fires after --from 2026-02-01T00:00:00+00:00\n",
        ),
        (
            &["any", "date --at 2026-01-01", "cron 0 0 30 2 *"],
            "never fires after --from 2026-02-01T00:00:00+00:00\n",
        ),
        (
            &["all", "cron 0 0 13 * *", "date --at 2026-01-13"],
            "never fires after --from 2026-02-01T00:00:00+00:00\n",
        ),
    ];
    for (trigger, warning) in cases {
        for json in [false, true] {
            let mut args = vec!["next"];
            args.extend_from_slice(trigger);
            args.extend_from_slice(&from);
            args.extend_from_slice(&["--tz", "UTC"]);
            if json {
                args.push("--json");
            }
            let (out, err) = env.tick(&args).ok_and_stderr();
            assert_eq!(out, if json { "[]\n" } else { "" }, "{args:?}");
            assert!(
                err.starts_with("warning: ") && err.ends_with(warning) && err.lines().count() == 1,
                "{args:?}: {err}"
            );
        }
    }
    // Without --from, against the clock: said as `add` says it.
    let (out, err) = env
        .tick(&["next", "cron", "0 0 30 2 *", "--tz", "UTC"])
        .ok_and_stderr();
    assert_eq!(out, "");
    assert_eq!(
        err,
        "warning: cron 0 0 30 2 * (UTC) never fires after now\n"
    );
    let (out, err) = env
        .tick(&["next", "date", "--at", "2001-01-01", "--tz", "UTC"])
        .ok_and_stderr();
    assert_eq!(out, "");
    assert!(err.contains("never fires after now"), "{err}");
    // A schedule with fires says nothing.
    let (out, err) = env
        .tick(&["next", "cron", "@daily", "-n", "1"])
        .ok_and_stderr();
    assert_eq!((out.lines().count(), err.as_str()), (1, ""));
    // `add` still refuses a date in the past (a job that could never run).
    let line = env
        .tick(&["add", "date", "--at", "2001-01-01", "--", "true"])
        .usage_error();
    assert!(line.contains("is not in the future"), "{line}");
}

/// Fires are printed as they are computed: asking for a hundred million
/// and reading two costs two, and the closed pipe is not an error.
#[test]
fn output_streams_and_a_closed_pipe_exits_quietly() {
    use std::io::{BufRead, BufReader};
    use std::process::{Command, Stdio};
    use std::time::Duration;
    for json in [false, true] {
        let mut args = vec!["next", "cron", "* * * * * *", "-n", "100000000"];
        if json {
            args.push("--json");
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_tick"))
            .args(&args)
            .env("TZ", "UTC")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Read two lines on a thread, so that a tick computing everything
        // first fails this test instead of hanging it.
        let stdout = child.stdout.take().unwrap();
        let (tx, rx) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let mut reader = BufReader::new(stdout);
            let mut first = String::new();
            reader.read_line(&mut first).unwrap();
            reader.read_line(&mut first).unwrap();
            let _ = tx.send(first);
            // The reader (the pipe) closes here.
        });
        let Ok(first) = rx.recv_timeout(Duration::from_secs(3)) else {
            child.kill().unwrap();
            child.wait().unwrap();
            panic!("no output within 3 s (json {json}): fires are not streamed");
        };
        if json {
            assert!(first.starts_with("[\n  {\n"), "{first:?}");
        } else {
            assert_eq!(first.lines().count(), 2, "{first:?}");
        }
        let out = child.wait_with_output().unwrap();
        assert_eq!(out.status.code(), Some(0), "json {json}");
        assert_eq!(String::from_utf8_lossy(&out.stderr), "", "json {json}");
    }
}
