#!/usr/bin/env python3
"""tick on PostgreSQL with several runners (issue 16): exactly once, lateness,
claims per second, failover.

Usage:
    CARGO_TARGET_DIR=/tmp/prof-target cargo build --release
    python3 scripts/bench-pg.py [--tick PATH] [--server URL] [--runners N]
                                [--seconds N] [--rounds N] [--claim-jobs N]
                                [--only lateness claims failover]

Needs a PostgreSQL server that trusts --server (default
postgres://postgres@127.0.0.1:5432) and `psql`; each part works in a
database of its own (tick_bench_<random>), dropped at the end. Prints
progress on stderr and a markdown report on stdout. Run it on an otherwise
idle machine: the runners, the server and the jobs share its cores.

Parts
-----
lateness   The three workloads of scripts/bench-run.py (10 jobs every
           second; 2,000 jobs, job i at second i%60; 500 jobs every 5 s),
           each job the same C probe (scripts/lateness-probe.c) appending
           "JOB SCHEDULED START_US", run by --runners runners (default 3) on
           one database for --seconds, then SIGINT. The burst gives each
           runner a third of bench-run's 50 workers (17), so that the
           cluster has about the single runner's 50. Counted as in
           bench-run.py: expected = every (job, second) in the window
           [start + 2 s, stop - 2 s] (burst: stop - 4 s); "dup" = starts of
           a (job, scheduled) beyond the first, over the whole run; lateness =
           probe start - scheduled (ms, nearest rank). The floor (the probe's
           --floor mode: a C loop spawning the same probes at each second)
           runs after each workload in the same round. Lateness is the
           median over --rounds of each round's figure; fires are summed.
claims     --claim-jobs jobs (default 100,000), all due an hour ago with a
           misfire grace of 1 s: each decision is a claim that records a
           `missed` row and moves the job on (lock-and-fetch, conditional
           update, insert, retention, commit) without spawning anything, so
           the figure is the claim path, not fork/exec. 4 runners start at
           once (--max-workers 200: up to 250 rows a claim); claims per
           second = jobs / time from the first to the last recorded row.
           Checked: every job exactly one row.
failover   2 runners, --lease 5s, a job every second; one of them is killed
           with SIGKILL while it runs a long job. Measured: the time from the
           kill to the other runner's log line declaring it expired, and to
           that run being marked interrupted. The killed runner runs in a
           UTS namespace of its own with another host name (unshare, as
           root), so the survivor cannot see that its process is gone and
           must wait for the lease, as on another host; without unshare the
           same-host shortcut is measured and said.
"""
import argparse, calendar, datetime, math, os, shutil, signal, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
WARM = 2

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--tick", default="/tmp/prof-target/release/tick")
ap.add_argument("--server", default="postgres://postgres@127.0.0.1:5432")
ap.add_argument("--runners", type=int, default=3)
ap.add_argument("--seconds", type=int, default=20)
ap.add_argument("--rounds", type=int, default=3)
ap.add_argument("--claim-jobs", type=int, default=100_000)
ap.add_argument("--only", nargs="*", choices=["lateness", "claims", "failover"])
ap.add_argument("--workloads", nargs="*", choices=["every-second", "spread", "burst"],
                help="lateness workloads to run (default: all three)")
args = ap.parse_args()
TICK = os.path.abspath(args.tick)
if not os.access(TICK, os.X_OK):
    sys.exit(f"no tick binary at {TICK}; build it or pass --tick PATH")
only = set(args.only or ["lateness", "claims", "failover"])
tmp = tempfile.mkdtemp(prefix="tick-bench-pg-")
PROBE = os.path.join(tmp, "probe")
subprocess.run(["cc", "-O2", "-o", PROBE, os.path.join(HERE, "lateness-probe.c")], check=True)
ENV = dict(os.environ, TZ="UTC", NO_COLOR="1")
ENV.pop("TICK_DB", None)


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def psql(db, sql):
    out = subprocess.run(["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
                          f"{args.server}/{db}", "-c", sql],
                         check=True, capture_output=True, text=True)
    return out.stdout.strip()


class Database:
    """A database of its own, dropped on exit."""

    def __enter__(self):
        self.name = f"tick_bench_{os.getpid()}_{int(time.time() * 1000) % 10**9}"
        psql("postgres", f"CREATE DATABASE {self.name}")
        self.url = f"{args.server}/{self.name}"
        return self

    def __exit__(self, *exc):
        psql("postgres", f"DROP DATABASE IF EXISTS {self.name} WITH (FORCE)")

    def sql(self, text):
        return psql(self.name, text)


def tick(url, *a):
    subprocess.run([TICK, "-q", "--db", url, *a], env=ENV, check=True,
                   stdout=subprocess.DEVNULL)


def start_runner(url, name, logpath, *extra, prefix=()):
    f = open(logpath, "w")
    p = subprocess.Popen([*prefix, TICK, "--db", url, "run", "--no-echo", "--name", name, *extra],
                         env=ENV, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=f)
    p.logpath = logpath
    return p


def stop(procs):
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGINT)
    for p in procs:
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()


def wait_log(path, text, secs):
    end = time.time() + secs
    while time.time() < end:
        with open(path) as f:
            if text in f.read():
                return time.time()
        time.sleep(0.01)
    return None


def sleep_until(t):
    while (d := t - time.time()) > 0:
        time.sleep(d)


def parse_at(s):
    d = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return calendar.timegm(d.utctimetuple())


def read_fires(path):
    if not os.path.exists(path):
        return []
    with open(path) as f:
        return [(j, parse_at(at), int(us) / 1e6) for j, at, us in (l.split() for l in f)]


def pct(xs, p):
    return xs[max(0, math.ceil(p / 100 * len(xs)) - 1)]


def analyse(fires, jobs, period, spread, a, b):
    expected = {(f"j{i}", s) for s in range(a, b + 1) for i in range(jobs)
                if s % period == (i % period if spread else 0)}
    seen, dup, late = set(), 0, []
    for job, at, start in fires:
        if (job, at) in seen:
            dup += 1
            continue
        seen.add((job, at))
        if (job, at) in expected:
            late.append((start - at) * 1000)
    late.sort()
    r = dict(expected=len(expected), recorded=len(late), dup=dup,
             missing=len(expected - seen))
    if late:
        r.update(p50=pct(late, 50), p99=pct(late, 99), max=late[-1])
    return r


def add_jobs(db, exprs, out):
    """The first job of each distinct expression by `tick add`, the rest
    copied in SQL (job i copies seed i % seeds, as the workloads line up)."""
    seeds = []
    for i, e in enumerate(exprs):
        if e in seeds:
            break
        seeds.append(e)
        tick(db.url, "add", "--id", f"j{i}", "--paused", "cron", e, "--", f"{PROBE} {out}")
    cols = "name, command, trigger, timezone, state, next_run_at, options, created_at, updated_at"
    k = len(seeds)
    db.sql(f"INSERT INTO tick.jobs (id, {cols}) SELECT 'j' || g, {cols} FROM tick.jobs s, "
           f"generate_series({k}, {len(exprs) - 1}) g WHERE s.id = 'j' || (g % {k})")
    tick(db.url, "resume", "--all")


def lateness_round(name, exprs, period, spread, workers, floor_conc, rnd):
    d = os.path.join(tmp, f"{name}-{rnd}")
    os.mkdir(d)
    out = os.path.join(d, "fires.txt")
    with Database() as db:
        add_jobs(db, exprs, out)
        t0 = time.time()
        extra = ["--max-workers", str(workers)] if workers else []
        procs = [start_runner(db.url, f"r{i}", os.path.join(d, f"r{i}.log"), *extra)
                 for i in range(args.runners)]
        stop_at = t0 + args.seconds
        sleep_until(stop_at)
        stop(procs)
        tail = max(WARM, period - 1) if not spread else WARM
        r = analyse(read_fires(out), len(exprs), period, spread,
                    math.ceil(t0) + WARM, math.floor(stop_at) - tail)
        r["rows_dup"] = int(db.sql("SELECT count(*) FROM (SELECT 1 FROM tick.executions "
                                   "GROUP BY job_id, scheduled_at HAVING count(*) > 1) x"))
        per = db.sql("SELECT count(*) FROM tick.executions GROUP BY runner ORDER BY 1 DESC")
        r["per_runner"] = [int(x) for x in per.split()] if per else []
    fout = os.path.join(d, "floor.txt")
    first = math.ceil(time.time() + 0.5)
    subprocess.run([PROBE, "--floor", fout, str(first), str(args.seconds), str(len(exprs)),
                    str(period), str(int(spread)), str(floor_conc)], check=True)
    tail = max(WARM, period - 1) if not spread else WARM
    f = analyse(read_fires(fout), len(exprs), period, spread, first + WARM,
                first + args.seconds - 1 - tail)
    return r, f


def median(xs):
    xs = sorted(xs)
    return (xs[(len(xs) - 1) // 2] + xs[len(xs) // 2]) / 2 if xs else float("nan")


def lateness():
    work = [
        ("10 jobs every second", ["* * * * * *"] * 10, 1, False, None, 10),
        ("2,000 jobs, ~33 fires/s", [f"{i % 60} * * * * *" for i in range(2000)], 60, True,
         None, 10),
        ("500 jobs in one second (*/5)", ["*/5 * * * * *"] * 500, 5, False, 17, 50),
    ]
    keys = ["every-second", "spread", "burst"]
    work = [w for k, w in zip(keys, work) if k in (args.workloads or keys)]
    rows = []
    for title, exprs, period, spread, workers, conc in work:
        ts, fs = [], []
        for rnd in range(args.rounds):
            log(f"lateness: {title}, round {rnd + 1}")
            slug = "".join(c if c.isalnum() else "-" for c in title[:12])
            t, f = lateness_round(slug, exprs, period, spread, workers, conc, rnd)
            log(f"  tick {t}\n  floor {f}")
            ts.append(t)
            fs.append(f)
        rows.append((title, workers, ts, fs))
    print(f"### Lateness, {args.runners} runners on one database "
          f"({args.rounds} rounds of {args.seconds} s; median over rounds)\n")
    print("| workload | runner | fires expected / started / duplicated | p50 | p99 | max | "
          "executions per runner (last round) |")
    print("|---|---|---|---:|---:|---:|---|")
    for title, workers, ts, fs in rows:
        for kind, rs in ((f"{args.runners} tick runners" +
                          (f", {workers} workers each" if workers else ""), ts), ("floor", fs)):
            s = lambda k: sum(r[k] for r in rs)
            m = lambda k: f"{median([r[k] for r in rs if k in r]):.1f} ms"
            per = ", ".join(map(str, rs[-1].get("per_runner", []))) if kind != "floor" else ""
            print(f"| {title if kind != 'floor' else ''} | {kind} | {s('expected')} / "
                  f"{s('recorded')} / {s('dup')} | {m('p50')} | {m('p99')} | {m('max')} | {per} |")
    print()
    for title, _, ts, fs in rows:
        print(f"- {title}: p99 per round: tick " +
              ", ".join(f"{r.get('p99', float('nan')):.1f}" for r in ts) + "; floor " +
              ", ".join(f"{r.get('p99', float('nan')):.1f}" for r in fs) +
              f"; missing (tick) {sum(r['missing'] for r in ts)}; duplicated rows "
              f"{sum(r['rows_dup'] for r in ts)}")
    print()


def claims():
    n = args.claim_jobs
    log(f"claims: {n} due jobs, 4 runners")
    with Database() as db:
        tick(db.url, "add", "--id", "j0", "--misfire-grace", "1s", "--paused", "interval",
             "--every", "1h", "--", "true")
        cols = "name, command, trigger, timezone, options, created_at, updated_at"
        past = int((time.time() - 3600) * 1000)
        db.sql(f"INSERT INTO tick.jobs (id, state, next_run_at, {cols}) "
               f"SELECT 'j' || g, 'active', {past}, {cols} FROM tick.jobs s, "
               f"generate_series(1, {n}) g WHERE s.id = 'j0'; DELETE FROM tick.jobs WHERE id = 'j0'; "
               f"ANALYZE tick.jobs")
        procs = [start_runner(db.url, f"c{i}", os.path.join(tmp, f"c{i}.log"), "-q",
                              "--max-workers", "200") for i in range(4)]
        t0 = time.time()
        done = 0
        while time.time() < t0 + 600:
            done = int(db.sql("SELECT count(*) FROM tick.executions"))
            if done >= n:
                break
            time.sleep(0.2)
        stop(procs)
        first, last, rows, jobs, per = db.sql(
            "SELECT min(finished_at), max(finished_at), count(*), count(DISTINCT job_id), "
            "(SELECT string_agg(c::text, ', ' ORDER BY c DESC) FROM (SELECT count(*) c FROM "
            "tick.executions GROUP BY runner) x) FROM tick.executions").split("|")
    secs = (int(last) - int(first)) / 1000
    rate = int(rows) / secs if secs > 0 else float("nan")
    print("### Claims per second, 4 runners, one database\n")
    print(f"{n:,} jobs due at once; {int(rows):,} claims recorded for {int(jobs):,} jobs "
          f"(so {int(rows) - int(jobs)} twice) in {secs:.2f} s: **{rate:,.0f} claims/s** "
          f"(per runner: {per}).\n")


def failover():
    log("failover: kill -9 of a runner with --lease 5s")
    unshare = shutil.which("unshare") and os.geteuid() == 0
    with Database() as db:
        d = os.path.join(tmp, "failover")
        os.mkdir(d)
        prefix = (["unshare", "--uts", "sh", "-c", 'hostname tick-bench-other && exec "$@"', "sh"]
                  if unshare else [])
        a = start_runner(db.url, "victim", os.path.join(d, "a.log"), "--lease", "5s",
                         prefix=prefix)
        wait_log(a.logpath, "scheduler started", 20)
        tick(db.url, "add", "--id", "long", "--first-run", "now", "interval", "--every", "1h",
             "--", "sleep 120")
        wait_log(a.logpath, "job long started", 20)
        b = start_runner(db.url, "survivor", os.path.join(d, "b.log"), "--lease", "5s")
        wait_log(b.logpath, "scheduler started", 20)
        tick(db.url, "add", "--id", "tick", "cron", "* * * * * *", "--", "true")
        time.sleep(3)
        t0 = time.time()
        a.kill()
        a.wait()
        expired = wait_log(b.logpath, "runner victim (pid", 60)
        interrupted = wait_log(b.logpath, "of a previous runner as interrupted", 60)
        stop([b])
    how = ("the killed runner on another host name (lease expiry)" if prefix
           else "same host (process gone: no lease wait)")
    fmt = lambda t: f"{t - t0:.2f} s" if t else "never"
    print("### Failover after kill -9 (--lease 5s)\n")
    print(f"{how}: declared expired after {fmt(expired)}, its running job marked "
          f"interrupted after {fmt(interrupted)}; bound: lease + 2 s = 7 s.\n")


try:
    print(f"`python3 scripts/bench-pg.py` on {os.cpu_count()} cores, "
          f"PostgreSQL {psql('postgres', 'SHOW server_version')} on the same machine, "
          f"{datetime.datetime.now(datetime.timezone.utc):%Y-%m-%d %H:%M} UTC\n")
    if "lateness" in only:
        lateness()
    if "claims" in only:
        claims()
    if "failover" in only:
        failover()
finally:
    shutil.rmtree(tmp, ignore_errors=True)
