#!/usr/bin/env python3
"""Long-run check of `tick run` (issue 7): ~30 fires a second for 10 minutes.

Usage:
    cargo build --release
    python3 scripts/soak.py [--tick PATH] [--minutes N] [--jobs N] [--every S]

Adds JOBS jobs (default 1,800) spread over the seconds of a minute with
6-field crons (job i fires at second i % 60, so JOBS/60 = 30 fires a second),
each running `true`, and runs `tick -q run --no-echo` for MINUTES minutes.
Every S seconds (default 30) it samples the runner's RSS (VmRSS), its open
file descriptors (/proc/PID/fd), its threads, and its zombie children (any
process whose parent is the runner in state Z). At the end it checks that RSS
stayed flat (last sample within 2 MiB of the first after warm-up), that fds
and threads did not grow, that no zombie was ever seen twice in a row, and
that the number of executions matches the fires expected. Prints a table and
a verdict line, and exits 1 if a check failed.
"""
import argparse
import os
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time

ap = argparse.ArgumentParser()
ap.add_argument("--tick", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "tick"))
ap.add_argument("--minutes", type=float, default=10)
ap.add_argument("--jobs", type=int, default=1800)
ap.add_argument("--every", type=float, default=30)
args = ap.parse_args()

tmp = tempfile.mkdtemp(prefix="tick-soak-")
db = os.path.join(tmp, "jobs.db")
env = dict(os.environ, TICK_DB=db, TZ="UTC", NO_COLOR="1")


def tick(*a):
    subprocess.run([args.tick, *a], env=env, check=True, stdout=subprocess.DEVNULL)


# One seed per second of the minute, then copies of the seeds' rows.
for s in range(60):
    tick("add", "--id", f"seed{s:02}", "--paused", "cron", f"{s} * * * * *", "--", "true")
con = sqlite3.connect(db)
cols = "name, command, trigger, timezone, state, next_run_at, options, created_at, updated_at"
for i in range(60, args.jobs):
    con.execute(
        f"INSERT INTO jobs (id, {cols}) SELECT ?, {cols} FROM jobs WHERE id = ?",
        (f"job{i:05}", f"seed{i % 60:02}"),
    )
con.commit()
con.close()
tick("resume", "--all")

err = open(os.path.join(tmp, "runner.err"), "w")
runner = subprocess.Popen([args.tick, "-q", "run", "--no-echo"], env=env, stdout=subprocess.DEVNULL, stderr=err)
pid = runner.pid
start = time.time()


def status(key):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith(key + ":"):
                return int(line.split()[1])
    return 0


def zombies():
    n = 0
    for p in os.listdir("/proc"):
        if not p.isdigit():
            continue
        try:
            with open(f"/proc/{p}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] == "Z" and int(fields[1]) == pid:
            n += 1
    return n


samples = []
try:
    while time.time() - start < args.minutes * 60:
        time.sleep(args.every)
        samples.append(
            (
                time.time() - start,
                status("VmRSS") / 1024,
                len(os.listdir(f"/proc/{pid}/fd")),
                status("Threads"),
                zombies(),
            )
        )
        t, rss, fds, thr, z = samples[-1]
        print(f"{t:7.0f}s  rss {rss:6.2f} MiB  fds {fds:4}  threads {thr:3}  zombies {z}", flush=True)
finally:
    elapsed = time.time() - start
    runner.send_signal(signal.SIGINT)
    runner.wait(timeout=60)

con = sqlite3.connect(db)
executions = con.execute("SELECT count(*) FROM executions").fetchone()[0]
bad = con.execute("SELECT count(*) FROM executions WHERE status NOT IN ('success', 'interrupted')").fetchone()[0]
dups = con.execute(
    "SELECT count(*) FROM (SELECT 1 FROM executions GROUP BY job_id, scheduled_at HAVING count(*) > 1)"
).fetchone()[0]
con.close()
# Retention keeps the newest 100 executions per job: compare with what could be kept.
expected = min(args.jobs * int(elapsed / 60), args.jobs * 100)
warm = samples[min(2, len(samples) - 1)]
last = samples[-1]
checks = {
    "rss flat (within 2 MiB after warm-up)": last[1] - warm[1] <= 2,
    "fds flat": last[2] <= warm[2] + 2,
    "threads flat": last[3] <= warm[3] + 2,
    "no lasting zombies": not any(a[4] and b[4] for a, b in zip(samples, samples[1:])),
    "no duplicate fires": dups == 0,
    "no failed runs": bad == 0,
    "fires recorded": executions >= expected * 0.95,
}
print(f"\n{args.jobs} jobs (~{args.jobs / 60:.0f} fires/s) for {elapsed / 60:.1f} min: "
      f"{executions} executions kept (expected >= {expected}), peak RSS {max(s[1] for s in samples):.2f} MiB")
for name, ok in checks.items():
    print(f"  {'ok  ' if ok else 'FAIL'} {name}")
print("verdict:", "ok" if all(checks.values()) else "FAILED")
sys.exit(0 if all(checks.values()) else 1)
