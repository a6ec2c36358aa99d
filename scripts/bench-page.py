#!/usr/bin/env python3
"""Render times of the web page with 10,000 jobs and 100,000 executions.

Usage: cargo build --release && python3 scripts/bench-page.py [--jobs N] [--each E] [--runs R] [--pg URL]

Builds a jobs file of N jobs (default 10,000; named job-00000...; daily
schedules, every tenth paused; no runner, so nothing fires) by `tick
import` of a crontab, gives each E executions (default 10: 100,000 in
all; every seventh failed), copied in SQL from one real `tick fire`, then
starts `tick serve` on a free loopback port and times R requests (default
21) of each page below, one after the other over one connection, whole
bodies read. With --pg (a database URL, e.g.
postgres://postgres@127.0.0.1:5432/bench, dropped and created again) the
file is copied there (`tick copy --history`) and served from it. Prints the median and the
slowest in ms and the body's size. The page shows the first 500 jobs of
its selection, each with a strip of its last 20 runs: one store query for
all of them.
"""
import argparse, http.client, os, re, signal, sqlite3, statistics, subprocess, sys
import tempfile, time

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--jobs", type=int, default=10_000)
ap.add_argument("--each", type=int, default=10, help="executions per job")
ap.add_argument("--runs", type=int, default=21, help="requests per page (median)")
ap.add_argument("--pg", default=None, help="serve from this PostgreSQL database (recreated)")
ap.add_argument("--tick", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "tick"))
args = ap.parse_args()
TICK = os.path.abspath(args.tick)
if not os.access(TICK, os.X_OK):
    sys.exit(f"no tick binary at {TICK}; cargo build --release or pass --tick")

tmp = tempfile.mkdtemp(prefix="tick-bench-page-")
os.chmod(tmp, 0o700)
db = os.path.join(tmp, "jobs.db")
env = dict(os.environ, TICK_DB=db, TZ="UTC", NO_COLOR="1", HOME=tmp)


def tick(*a):
    subprocess.run([TICK, "-q", *a], env=env, check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


# ---- the jobs file -------------------------------------------------------
crontab = os.path.join(tmp, "crontab")
with open(crontab, "w") as f:
    for i in range(args.jobs):
        f.write(f"# tick: --name job-{i:05}\n{i % 60} {i % 24} * * * echo job {i}\n")
tick("import", crontab)
con = sqlite3.connect(db)
first = con.execute("SELECT id FROM jobs ORDER BY id LIMIT 1").fetchone()[0]
con.execute("UPDATE jobs SET state = 'paused', next_run_at = NULL WHERE rowid % 10 = 0")
con.commit()
con.close()
tick("fire", first)
con = sqlite3.connect(db)
cols = [r[1] for r in con.execute("PRAGMA table_info(executions)") if r[1] != "id"]
keep = [c for c in cols if c not in ("job_id", "job_name", "scheduled_at", "status", "exit_code")]
src = con.execute("SELECT id FROM executions ORDER BY id LIMIT 1").fetchone()[0]
jobs = [r[0] for r in con.execute("SELECT id FROM jobs ORDER BY id")]
n = 0
for job in jobs:
    for k in range(args.each):
        n += 1
        failed = n % 7 == 0
        con.execute(
            f"INSERT INTO executions (job_id, job_name, scheduled_at, status, exit_code, {', '.join(keep)}) "
            f"SELECT ?, NULL, scheduled_at - ?, ?, ?, {', '.join(keep)} FROM executions WHERE id = ?",
            (job, 60_000 * (k + 1), "failed" if failed else "success", 1 if failed else 0, src))
con.commit()
total = con.execute("SELECT count(*) FROM executions").fetchone()[0]
con.close()
print(f"{len(jobs)} jobs, {total} executions ({tmp})", file=sys.stderr)

# ---- the server ----------------------------------------------------------
store = db
if args.pg:
    base, name = args.pg.rsplit("/", 1)
    for sql in [f"DROP DATABASE IF EXISTS {name}", f"CREATE DATABASE {name}"]:
        subprocess.run(["psql", f"{base}/postgres", "-qc", sql], check=True)
    subprocess.run([TICK, "-q", "copy", "--history", db, args.pg], env=env, check=True)
    store = args.pg
err = open(os.path.join(tmp, "serve.err"), "w+")
server = subprocess.Popen([TICK, "--db", store, "serve", "--listen", "127.0.0.1:0"], env=env,
                          stdout=subprocess.DEVNULL, stderr=err)
try:
    port = None
    for _ in range(200):
        err.seek(0)
        m = re.search(r"serving http://127\.0\.0\.1:(\d+)", err.read())
        if m:
            port = int(m.group(1))
            break
        time.sleep(0.05)
    if port is None:
        sys.exit("tick serve did not start")
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def get(path):
        t0 = time.perf_counter()
        conn.request("GET", path)
        r = conn.getresponse()
        body = r.read()
        ms = (time.perf_counter() - t0) * 1000
        if r.status != 200:
            sys.exit(f"GET {path}: {r.status} {body[:200]!r}")
        return ms, len(body)

    print(f"{'page':34} {'median ms':>10} {'max ms':>8} {'KiB':>6}")
    for path in ["/", "/?name=job-001*", "/?state=paused", "/executions", "/executions?status=failed",
                 f"/jobs/{first}", "/timeline"]:
        get(path)  # warm: the page cache, the connection
        samples = [get(path) for _ in range(args.runs)]
        times = [s[0] for s in samples]
        print(f"{path:34} {statistics.median(times):10.1f} {max(times):8.1f} {samples[0][1] / 1024:6.0f}")
finally:
    server.send_signal(signal.SIGTERM)
    server.wait()
    subprocess.run(["rm", "-rf", tmp])
