#!/usr/bin/env python3
"""Whole-process timings of tick's management commands on a 10,000-job file.

Usage: cargo build --release && python3 scripts/bench-cli.py [--jobs N] [--runs R]

Builds a jobs file with N jobs (one added by tick, the rest copied from it
in SQL with new ids, cron and interval triggers mixed), then times R runs each of
`tick list`, `tick list --json` and `tick add` (into the N-job file) and prints
medians and ranges in milliseconds.

The filters' phase (SPEC section 7) then pauses every tenth job, names every
third, writes 10 executions per job (every seventh failed) in SQL, and times
`list --state/--name/--limit` and `history --limit/--name/--status`.
"""
import argparse, os, shutil, sqlite3, statistics, subprocess, sys, tempfile, time

ap = argparse.ArgumentParser()
ap.add_argument("--jobs", type=int, default=10_000)
ap.add_argument("--runs", type=int, default=31)
ap.add_argument("--tick", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "tick"))
args = ap.parse_args()

tmp = tempfile.mkdtemp(prefix="tick-bench-")
db = os.path.join(tmp, "jobs.db")
env = dict(os.environ, TICK_DB=db, TZ="Europe/Berlin", NO_COLOR="1")

def tick(*a):
    subprocess.run([args.tick, *a], env=env, check=True, stdout=subprocess.DEVNULL)

tick("add", "--id", "seed-cron", "cron", "*/5 * * * *", "--", "echo hi")
tick("add", "--id", "seed-interval", "interval", "--every", "90s", "--", "echo hi")
con = sqlite3.connect(db)
cols = "name, command, trigger, timezone, state, next_run_at, options, created_at, updated_at"
for i in range(args.jobs - 2):
    seed = "seed-cron" if i % 2 else "seed-interval"
    con.execute(f"INSERT INTO jobs (id, {cols}) SELECT ?, {cols} FROM jobs WHERE id = ?", (f"job{i:05}", seed))
con.commit()
con.close()

def timed(*a):
    samples = []
    for _ in range(args.runs):
        t0 = time.perf_counter()
        tick(*a)
        samples.append((time.perf_counter() - t0) * 1000)
    return samples

results = [
    ("tick list", timed("list")),
    ("tick list --json", timed("list", "--json")),
    ("tick add (cron)", timed("add", "cron", "0 3 * * *", "--", "backup.sh")),
]


def filters_phase():
    """list and history filters (SPEC section 7): paused jobs, names and
    history written in SQL, then each filter timed."""
    con = sqlite3.connect(db)
    con.execute("UPDATE jobs SET state = 'paused', next_run_at = NULL WHERE rowid % 10 = 0")
    con.execute("UPDATE jobs SET name = 'nightly-' || id WHERE rowid % 3 = 0")
    con.execute(
        """WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 10)
           INSERT INTO executions (job_id, job_name, command, scheduled_at, started_at,
                                   finished_at, status, exit_code)
           SELECT id, name, command, 1700000000000 + i * 60000, 1700000000000 + i * 60000,
                  1700000000500 + i * 60000,
                  CASE WHEN (rowid + i) % 7 = 0 THEN 'failed' ELSE 'success' END,
                  CASE WHEN (rowid + i) % 7 = 0 THEN 1 ELSE 0 END
           FROM jobs, n ORDER BY i, id"""
    )
    con.commit()
    con.close()
    return [
        ("list --state paused", timed("list", "--state", "paused")),
        # Ids are job00000...: 'job1*' matches none, 'job01*' 1,000.
        ("list --name 'job1*'", timed("list", "--name", "job1*")),
        ("list --name 'job01*'", timed("list", "--name", "job01*")),
        ("list --limit 20", timed("list", "--limit", "20")),
        ("history --limit 20", timed("history", "--limit", "20")),
        ("history --name 'job1*'", timed("history", "--name", "job1*")),
        ("history --name 'job01*'", timed("history", "--name", "job01*")),
        ("history --status failed", timed("history", "--status", "failed")),
    ]


results += filters_phase()
print(f"{args.jobs} jobs, {args.runs} runs each (ms)")
print(f"{'command':<24} {'median':>8} {'min':>8} {'max':>8}")
for name, s in results:
    print(f"{name:<24} {statistics.median(s):>8.1f} {min(s):>8.1f} {max(s):>8.1f}")
shutil.rmtree(tmp)
