#!/usr/bin/env python3
"""Fire lateness of `tick run`, measured from the outside (issue 4).

Usage:
    CARGO_TARGET_DIR=/tmp/prof-target cargo build --release
    python3 scripts/bench-run.py [--tick PATH] [--seconds N] [--rounds N]
                                 [--idle-seconds N] [--only NAME ...]
                                 [--dir PARENT] [--keep]

Prints progress on stderr, then on stdout a markdown table for docs/performance.md
(with the command and machine) and notes. Takes about 10 minutes with the
defaults (--rounds 3, --seconds 20, --idle-seconds 20) on 2 cores. It runs
one thing at a time; run it on an otherwise idle machine.

Rounds: each round runs every workload under tick and then under both floors,
so all three see the same machine. This machine is shared: now and then a whole
second stalls for 50 ms or more, for the floor as much as for tick, and with
10 fires a second one such second is the p99 of a 20 s run. So the table
gives, per workload, the fire counts summed over the rounds and the MEDIAN
over rounds of each lateness figure and of the runner CPU, and the largest
peak RSS of any round; the notes list every round's p99.

What it measures
----------------
Every job runs a probe (scripts/lateness-probe.c, compiled with `cc -O2` into
a temp dir at start) that, first thing in main, reads CLOCK_REALTIME and
appends "TICK_JOB_ID TICK_SCHEDULED_AT START_US" to a file with one O_APPEND
write. Lateness = the probe's start time minus the scheduled instant: it
covers tick noticing the fire, claiming it in the jobs file, spawning the
probe (`PROBE OUT` is plain words: tick runs it without a shell) and the
probe's own exec; the "floor" rows measure the same path without tick.

Workloads (the first job of each distinct cron expression is added with
`tick add --paused`, the others are copies of its row in SQL with new ids,
as in scripts/bench-cli.py; then `tick resume --all` computes every next
run just before the runner starts, so no job has a backlog; the runner is
`tick -q --db DB run --no-echo [--max-workers N]` with TZ=UTC, stdout to
/dev/null, stderr to a file; after --seconds it gets SIGINT and the script
waits for it to exit):

  every-second   10 jobs `* * * * * *` (10 fires a second)
  spread         2,000 jobs, job i is `{i%60} * * * * *` (~33 fires a second)
  burst          500 jobs `*/5 * * * * *`, `run --max-workers 50`
                 (500 fires in the same second, every 5 s)
  idle           1 job `0 0 3 * * *`; the runner's CPU over --idle-seconds

Each non-idle workload also has two floor rows: the probe binary's `--floor`
mode, a bare C loop that sleeps until each whole second (clock_nanosleep)
and posix_spawns, for the same jobs, `PROBE OUT` itself (the bare floor:
what tick's direct path costs at best) or `/bin/sh -c "PROBE OUT"` (the
shell floor: one fork+exec more, what every fire cost before tick ran plain
commands without a shell) (own process group, stdin/stdout/stderr on
/dev/null, TICK_JOB_ID and TICK_SCHEDULED_AT set), at most 10 at once
(tick's default --max-workers) or 50 for the burst. That is about the best
any spawner can do on this machine.

Counting: the expected fires are every (job, scheduled second) in the window
[start + 2 s, stop - 2 s] (for the burst, stop - 4 s, so that the last burst
in the window has 4 s to be spawned before SIGINT); fires scheduled in the
first and last seconds (warm-up, stop boundary) are excluded from the counts
and from the lateness figures, but duplicates are counted over every
recorded line. "dup" = recorded lines beyond the first for one (job,
scheduled); "missing" = expected but never recorded; "extra" = recorded in
the window but not expected (wrong job or second). Lateness is in ms
(p50/p90/p99/max, nearest-rank). For tick also: runner CPU (utime+stime of
the runner process, all threads, children excluded) as % of one core from
1 s after start to just before SIGINT, and peak RSS (VmHWM from
/proc/PID/status just before SIGINT). Printed as notes: the median over
seconds of each second's earliest fire (for a floor, one wake-up plus one
probe start-up, with or without `/bin/sh -c`), how busy the
whole machine was during each run (/proc/stat; other users' work shows up
here and makes the numbers worthless), the execution statuses tick recorded
over the whole run (`interrupted` = fires claimed but still waiting for a
worker at SIGINT, after the window) and any warning lines of its log.

The jobs file lives in a temp dir (default: $TMPDIR or /tmp; --dir to pick
the file system, since tick commits with synchronous=FULL); --keep keeps it.
"""
import argparse, calendar, datetime, json, math, os, platform, shlex, shutil, signal
import sqlite3, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))
WARM = 2  # seconds excluded at each end of a window

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--tick", default="/tmp/prof-target/release/tick", help="tick binary")
ap.add_argument("--seconds", type=int, default=20, help="run length of each workload")
ap.add_argument("--rounds", type=int, default=3, help="rounds of every workload (median)")
ap.add_argument("--idle-seconds", type=int, default=20, help="idle runner measurement")
ap.add_argument("--only", nargs="*", choices=["every-second", "spread", "burst", "idle"],
                help="run only these workloads")
ap.add_argument("--dir", default=None, help="parent of the temp dir (jobs file, probe, output)")
ap.add_argument("--keep", action="store_true", help="keep the temp dir")
args = ap.parse_args()
if args.seconds < 12:
    ap.error("--seconds must be at least 12 (2 s warm-up + 4 s tail + a few bursts)")
TICK = os.path.abspath(args.tick)
if not os.access(TICK, os.X_OK):
    sys.exit(f"no tick binary at {TICK}; build it or pass --tick PATH")

tmp = tempfile.mkdtemp(prefix="tick-bench-run-", dir=args.dir)
PROBE = os.path.join(tmp, "probe")
subprocess.run(["cc", "-O2", "-o", PROBE, os.path.join(HERE, "lateness-probe.c")], check=True)
ENV = dict(os.environ, TZ="UTC", NO_COLOR="1")
ENV.pop("TICK_DB", None)
HZ = os.sysconf("SC_CLK_TCK")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def tick(db, *a, **kw):
    return subprocess.run([TICK, "-q", "--db", db, *a], env=ENV, check=True,
                          stdout=subprocess.DEVNULL, **kw)


def parse_at(s):
    d = datetime.datetime.fromisoformat(s.replace("Z", "+00:00"))
    return calendar.timegm(d.utctimetuple()) + d.microsecond / 1e6


def read_fires(path):
    fires = []
    if os.path.exists(path):
        with open(path) as f:
            for line in f:
                job, at, us = line.split()
                fires.append((job, parse_at(at), int(us) / 1e6))
    return fires


def pct(sorted_ms, p):
    return sorted_ms[max(0, math.ceil(p / 100 * len(sorted_ms)) - 1)]


def cpu_ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime, stime


def vm_hwm_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1])


def machine_busy():
    """(busy, total) jiffies of all CPUs, from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:]]
    return sum(v) - v[3] - v[4], sum(v)  # minus idle and iowait


def busy_pct(b0, b1):
    return 100 * (b1[0] - b0[0]) / max(1, b1[1] - b0[1]) * os.cpu_count()


def sleep_until(t):
    while (d := t - time.time()) > 0:
        time.sleep(d)


def analyse(fires, jobs, period, spread, a, b):
    """Counts and lateness of the fires scheduled in [a, b] (whole seconds)."""
    expected = {(f"j{i}", s) for s in range(a, b + 1) for i in range(jobs)
                if s % period == (i % period if spread else 0)}
    seen, dup, late, extra, first = set(), 0, [], 0, {}
    for job, at, start in fires:
        key = (job, int(at))
        if key in seen:
            dup += 1
            continue
        seen.add(key)
        if a <= at <= b:
            if key in expected:
                late.append((start - at) * 1000)
                first[key[1]] = min(first.get(key[1], late[-1]), late[-1])
            else:
                extra += 1
    late.sort()
    r = dict(expected=len(expected), recorded=len(late), missing=len(expected - seen),
             dup=dup, extra=extra, window=b - a + 1)
    if late:
        r.update(min=late[0], p50=pct(late, 50), p90=pct(late, 90), p99=pct(late, 99),
                 max=late[-1], first=sorted(first.values())[(len(first) - 1) // 2])
    return r


def add_jobs(db, exprs, out):
    """Job i runs `PROBE OUT` on cron exprs[i], all paused. The first job of
    each distinct expression is added by `tick add`; the others are copies of
    its row with a new id (same trigger, options and command; next_run_at is
    recomputed by `tick resume --all` before the runner starts)."""
    t0, seed = time.time(), {}
    for i, expr in enumerate(exprs):
        if expr not in seed:
            seed[expr] = f"j{i}"
            tick(db, "add", "--id", f"j{i}", "--paused", "cron", expr, "--", f"{PROBE} {out}")
    con = sqlite3.connect(db)
    cols = "name, command, trigger, timezone, state, next_run_at, options, created_at, updated_at"
    con.executemany(f"INSERT INTO jobs (id, {cols}) SELECT ?, {cols} FROM jobs WHERE id = ?",
                    [(f"j{i}", seed[e]) for i, e in enumerate(exprs) if seed[e] != f"j{i}"])
    con.commit()
    con.close()
    # Check one copy: tick must read it as the same job as its seed.
    last = f"j{len(exprs) - 1}"
    show = lambda i: json.loads(subprocess.run(
        [TICK, "--db", db, "show", i, "--json"], env=ENV, check=True, capture_output=True,
        text=True).stdout)
    a, b = show(last), show(seed[exprs[-1]])
    for k in ("trigger_spec", "command", "state", "max_instances", "misfire_grace_seconds"):
        assert a[k] == b[k], (k, a[k], b[k])
    log(f"  {len(exprs)} job(s): {len(seed)} added by tick, {len(exprs) - len(seed)} copied "
        f"in SQL, in {time.time() - t0:.1f}s")


def run_tick(name, exprs, seconds, period, spread, workers=None, idle=False, rnd=0):
    d = os.path.join(tmp, f"{name}-{rnd}")
    os.mkdir(d)
    db, out, err = (os.path.join(d, x) for x in ("jobs.db", "fires.txt", "runner.log"))
    log(f"tick: {name}")
    add_jobs(db, exprs, out)
    cmd = [TICK, "-q", "--db", db, "run", "--no-echo"]
    if workers:
        cmd += ["--max-workers", str(workers)]
    tick(db, "resume", "--all")
    t0 = time.time()
    with open(err, "w") as errf:
        p = subprocess.Popen(cmd, env=ENV, stdin=subprocess.DEVNULL,
                             stdout=subprocess.DEVNULL, stderr=errf)
    sleep_until(t0 + 1)
    c0, tc0, m0 = cpu_ticks(p.pid), time.time(), machine_busy()
    stop = t0 + seconds
    sleep_until(stop)
    c1, tc1, m1 = cpu_ticks(p.pid), time.time(), machine_busy()
    hwm = vm_hwm_kib(p.pid)
    alive = p.poll() is None
    p.send_signal(signal.SIGINT)
    ts = time.time()
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.send_signal(signal.SIGINT)
        p.wait()
    r = dict(name=name, kind="tick", cpu=(c1 - c0) / HZ / (tc1 - tc0) * 100,
             cpu_res=1 / HZ / (tc1 - tc0) * 100,
             rss=hwm / 1024, machine=busy_pct(m0, m1), stop_s=time.time() - ts,
             exit=p.returncode, alive=alive)
    if not idle:
        tail = max(WARM, period - 1) if not spread else WARM
        a, b = math.ceil(t0) + WARM, math.floor(stop) - tail
        r.update(analyse(read_fires(out), len(exprs), period, spread, a, b))
    con = sqlite3.connect(db)
    r["statuses"] = dict(con.execute(
        "SELECT status, count(*) FROM executions GROUP BY status ORDER BY status"))
    r["exec_dups"] = con.execute(
        "SELECT count(*) FROM (SELECT 1 FROM executions GROUP BY job_id, scheduled_at"
        " HAVING count(*) > 1)").fetchone()[0]
    con.close()
    with open(err) as f:
        r["log"] = [l.rstrip("\n") for l in f if l.strip()]
    return r


def run_floor(name, jobs, seconds, period, spread, conc, shell, rnd=0):
    kind = "shell floor" if shell else "bare floor"
    d = os.path.join(tmp, f"floor-{'sh' if shell else 'bare'}-{name}-{rnd}")
    os.mkdir(d)
    out = os.path.join(d, "fires.txt")
    log(f"{kind}: {name}")
    first = math.ceil(time.time() + 0.5)
    m0 = machine_busy()
    subprocess.run([PROBE, "--floor", out, str(first), str(seconds), str(jobs), str(period),
                    str(int(spread)), str(conc), str(int(shell))], check=True)
    m1 = machine_busy()
    tail = max(WARM, period - 1) if not spread else WARM
    a, b = first + WARM, first + seconds - 1 - tail
    r = dict(name=name, kind=kind, machine=busy_pct(m0, m1))
    r.update(analyse(read_fires(out), jobs, period, spread, a, b))
    return r


N = args.seconds
WORK = [
    # name, title, cron exprs, period, spread, tick workers, floor concurrency
    ("every-second", "10 jobs every second", ["* * * * * *"] * 10, 1, False, None, 10),
    ("spread", "2,000 jobs, ~33 fires/s", [f"{i % 60} * * * * *" for i in range(2000)], 60,
     True, None, 10),
    ("burst", "500 jobs in the same second (*/5), 50 workers", ["*/5 * * * * *"] * 500, 5,
     False, 50, 50),
]
only = set(args.only or ["every-second", "spread", "burst", "idle"])
results = []
started = time.time()


def median(xs):
    xs = sorted(xs)
    return (xs[(len(xs) - 1) // 2] + xs[len(xs) // 2]) / 2


def combine(rs):
    """One row from several rounds: counts summed, figures the median."""
    r = dict(rs[0])
    for k in ("expected", "recorded", "missing", "dup", "extra", "exec_dups"):
        if k in r:
            r[k] = sum(x[k] for x in rs)
    for k in ("p50", "p90", "p99", "max", "first", "cpu", "machine", "stop_s"):
        if all(k in x for x in rs):
            r[k] = median([x[k] for x in rs])
    if "min" in r:
        r["min"] = min(x["min"] for x in rs)
    if "rss" in r:
        r["rss"] = max(x["rss"] for x in rs)
    if "statuses" in r:
        st = {}
        for x in rs:
            for k, v in x["statuses"].items():
                st[k] = st.get(k, 0) + v
        r["statuses"] = st
        r["log"] = [l for x in rs for l in x["log"]]
        r["alive"] = all(x["alive"] for x in rs)
        r["exit"] = max((x["exit"] for x in rs), key=abs)
    r["rounds_p99"] = [x.get("p99") for x in rs]
    return r


try:
    per = {name: ([], [], []) for name, *_ in WORK}
    for rnd in range(args.rounds):
        for name, title, exprs, period, spread, workers, conc in WORK:
            if name not in only:
                continue
            log(f"round {rnd + 1}/{args.rounds}")
            per[name][0].append(run_tick(name, exprs, N, period, spread, workers, rnd=rnd))
            for shell, rows in ((False, per[name][1]), (True, per[name][2])):
                rows.append(run_floor(name, len(exprs), N, period, spread, conc, shell, rnd=rnd))
    for name, title, *_ in WORK:
        if per[name][0]:
            results.append((title, *(combine(rows) for rows in per[name])))
    idle = None
    if "idle" in only:
        idle = run_tick("idle", ["0 0 3 * * *"], args.idle_seconds + 1, 86400, False, idle=True)
finally:
    if args.keep:
        log(f"kept {tmp}")
    else:
        shutil.rmtree(tmp, ignore_errors=True)


def cpu_pct(r):
    # /proc counts CPU in clock ticks: 0 ticks means less than one tick.
    return f"{r['cpu']:.2f}%" if r["cpu"] else f"< {r['cpu_res']:.2f}%"


def ms(r, k):
    return f"{r[k]:.1f}" if k in r else "-"


rev = subprocess.run(["git", "-C", HERE, "rev-parse", "--short", "HEAD"], capture_output=True,
                     text=True).stdout.strip() or "?"
fstype = (subprocess.run(["df", "--output=fstype", args.dir or tempfile.gettempdir()],
                         capture_output=True, text=True).stdout.split() or ["?"])[-1]
ver = subprocess.run([TICK, "--version"], capture_output=True, text=True).stdout.strip()
print()
print(f"Command: `{shlex.join(['python3', 'scripts/bench-run.py', *sys.argv[1:]])}`  ")
print(f"{ver} (release build; repo HEAD {rev} at bench time), {os.cpu_count()} CPUs, Linux "
      f"{platform.release()}, jobs file on {args.dir or tempfile.gettempdir()} ({fstype}); "
      f"{args.rounds} round(s) of {N} s per workload, took {time.time() - started:.0f} s.")
print()
print("| workload | runner | fires expected | recorded | missing | dup | p50 ms | p90 ms "
      "| p99 ms | max ms | runner CPU | peak RSS |")
print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
# Counts are sums over the rounds; lateness and CPU medians over rounds; RSS the largest.
for title, t, f, fs in results:
    for r in (t, f, fs):
        who = {"tick": "tick", "bare floor": "bare floor (C spawner, PROBE)",
               "shell floor": "shell floor (C spawner, /bin/sh -c PROBE)"}[r["kind"]]
        cpu = f"{r['cpu']:.1f}%" if "cpu" in r else "-"
        rss = f"{r['rss']:.1f} MiB" if "rss" in r else "-"
        print(f"| {title} | {who} | {r['expected']} | {r['recorded']} | {r['missing']} "
              f"| {r['dup']} | {ms(r, 'p50')} | {ms(r, 'p90')} | {ms(r, 'p99')} "
              f"| {ms(r, 'max')} | {cpu} | {rss} |")
if idle:
    print(f"| 1 job `0 0 3 * * *`, idle {args.idle_seconds} s | tick | 0 | - | - | - | - | - "
          f"| - | - | {cpu_pct(idle)} | {idle['rss']:.1f} MiB |")
print()
print(f"Counts: summed over {args.rounds} round(s); lateness and CPU: the median over "
      f"rounds; peak RSS: the largest of any round. "
      f"Lateness = probe start (CLOCK_REALTIME) - scheduled second. Counts and lateness "
      f"cover fires scheduled from 2 s after start to 2 s before SIGINT (4 s for the "
      f"burst); dup counts every recorded line. Floor: a C loop that sleeps to each second "
      f"and posix_spawns the probe itself (bare) or `/bin/sh -c PROBE` (shell), at most 10 "
      f"at once, 50 for the burst. "
      f"CPU = runner utime+stime (children excluded) as % of one core.")

notes = []
for title, t, f, fs in results:
    for r in (t, f, fs):
        who = f"{r['kind']} {r['name']}"
        if r["missing"] or r["dup"] or r["extra"]:
            notes.append(f"{who}: {r['missing']} missing, {r['dup']} duplicate, "
                         f"{r['extra']} unexpected fire(s)")
        if r.get("min", 0) < 0:
            notes.append(f"{who}: a fire started {-r['min']:.1f} ms BEFORE its scheduled time")
    fmt = lambda xs: ", ".join("-" if x is None else f"{x:.1f}" for x in xs)
    notes.append(f"{t['name']}: p99 of each round: tick {fmt(t['rounds_p99'])} ms, bare floor "
                 f"{fmt(f['rounds_p99'])} ms, shell floor {fmt(fs['rounds_p99'])} ms")
    for fl in (f, fs):
        if "p50" in t and "p50" in fl:
            notes.append(f"{t['name']}: tick - {fl['kind']}: p50 {t['p50'] - fl['p50']:+.1f} ms "
                         f"({t['p50'] / fl['p50']:.2f}x), p99 {t['p99'] - fl['p99']:+.1f} ms "
                         f"({t['p99'] / fl['p99']:.2f}x)")
    notes.append(f"{t['name']}: first fire of each second, median: tick {ms(t, 'first')} ms, "
                 f"bare floor {ms(f, 'first')} ms, shell floor {ms(fs, 'first')} ms (a "
                 f"floor's is one sleep wake-up plus one probe start-up); whole machine busy "
                 f"(% of one core, everything incl. the jobs and other users): tick run "
                 f"{t['machine']:.0f}%, bare floor run {f['machine']:.0f}%, shell floor run "
                 f"{fs['machine']:.0f}%")
    for r in [t]:
        notes.append(f"tick {r['name']}: statuses {r['statuses']}, exit {r['exit']} "
                     f"{r['stop_s']:.1f} s after SIGINT, min lateness {ms(r, 'min')} ms")
        if r["exec_dups"]:
            notes.append(f"tick {r['name']}: {r['exec_dups']} duplicate execution rows")
        if not r["alive"]:
            notes.append(f"tick {r['name']}: the runner had exited before SIGINT")
        if r["log"]:
            notes.append(f"tick {r['name']}: {len(r['log'])} log line(s) at -q, first: "
                         f"{r['log'][0]}")
if idle:
    notes.append(f"tick idle: statuses {idle['statuses']}, exit {idle['exit']}, "
                 f"{len(idle['log'])} log line(s), whole machine busy {idle['machine']:.0f}% "
                 f"of one core")
print()
for n in notes:
    print(f"- {n}")
