#!/usr/bin/env python3
"""Whole-process timings of tick's management commands as the jobs file grows.

Usage: cargo build --release && python3 scripts/bench-cli.py [--adds N] [--import-to M] [--runs R] [--keep]

Builds one jobs file the way a user would: N jobs added one `tick add` at a
time (default 10,000; cron, interval and date triggers mixed, every tenth
paused, names on half), timing every add, then up to M jobs (default
100,000) by `tick import` of a crontab. History: each measured size also
gets 10 executions for each of its first 1,000 jobs, copied in SQL from one
real `tick fire` (as if a runner had run a while), so `history` has
100,000 rows at the end.

At 1,000, 10,000 and M jobs it times R runs (default 21) of each command
below, interleaved with `tick --version` (the floor: starting the binary),
and prints medians in ms, the write-ahead log's size, and the issue's
targets. Finally `tick run` over the M-job file with every job overdue:
time to its first fire and its peak RSS (3 rounds).
"""
import argparse, os, select, shutil, signal, sqlite3, statistics, subprocess, sys
import tempfile, time

ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
ap.add_argument("--adds", type=int, default=10_000, help="jobs added one by one")
ap.add_argument("--import-to", type=int, default=100_000, help="jobs in the end, by import")
ap.add_argument("--runs", type=int, default=21, help="runs of each command (median)")
ap.add_argument("--tick", default=os.path.join(os.path.dirname(__file__), "..", "target", "release", "tick"))
ap.add_argument("--dir", default=None, help="parent of the temp dir")
ap.add_argument("--keep", action="store_true",
                help="keep a copy of the jobs file at each measured size (paths printed)")
args = ap.parse_args()
TICK = os.path.abspath(args.tick)
if not os.access(TICK, os.X_OK):
    sys.exit(f"no tick binary at {TICK}; cargo build --release or pass --tick")

tmp = tempfile.mkdtemp(prefix="tick-bench-cli-", dir=args.dir)
os.chmod(tmp, 0o700)
db = os.path.join(tmp, "jobs.db")
env = dict(os.environ, TICK_DB=db, TZ="Europe/Berlin", NO_COLOR="1")


def log(msg):
    print(msg, file=sys.stderr, flush=True)


def tick(*a, check=True):
    return subprocess.run([TICK, "-q", *a], env=env, check=check,
                          stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ms(f):
    t0 = time.perf_counter()
    f()
    return (time.perf_counter() - t0) * 1000


def wal_bytes():
    try:
        return os.path.getsize(db + "-wal")
    except FileNotFoundError:
        return 0


def has_flag(sub, flag):
    out = subprocess.run([TICK, sub, "--help"], env=env, capture_output=True, text=True).stdout
    return flag in out


def add_one(i):
    kind = i % 3
    trig = (["cron", f"{i % 60} {i % 24} * * *"] if kind == 0 else
            ["interval", "--every", f"{60 + i % 3600}s"] if kind == 1 else
            ["date", "--in", f"{1 + i % 700}d"])
    extra = ["--paused"] if i % 10 == 9 else []
    if i % 2 == 0:
        extra += ["--name", f"host{i:06}"]
    tick("add", "--id", f"job{i:06}", *extra, *trig, "--", f"backup.sh host{i}")


# ---- history: one real execution, copied --------------------------------
HISTORY_JOBS, HISTORY_EACH = 1000, 10


def give_history(first_n):
    """10 executions for each of the first `first_n` jobs that have none."""
    con = sqlite3.connect(db)
    tmpl = con.execute("SELECT job_id FROM executions LIMIT 1").fetchone()
    con.close()
    if tmpl is None:
        tick("fire", "job000000", check=False)
    con = sqlite3.connect(db)
    cols = [r[1] for r in con.execute("PRAGMA table_info(executions)") if r[1] not in ("id",)]
    keep = [c for c in cols if c not in ("job_id", "job_name", "scheduled_at")]
    src = con.execute("SELECT id FROM executions ORDER BY id LIMIT 1").fetchone()[0]
    have = {r[0] for r in con.execute("SELECT DISTINCT job_id FROM executions")}
    ids = [r[0] for r in con.execute("SELECT id FROM jobs ORDER BY id LIMIT ?", (first_n,))]
    for job in ids:
        if job in have:
            continue
        for k in range(HISTORY_EACH):
            con.execute(
                f"INSERT INTO executions (job_id, job_name, scheduled_at, {', '.join(keep)}) "
                f"SELECT ?, NULL, scheduled_at - ?, {', '.join(keep)} FROM executions WHERE id = ?",
                (job, 60_000 * (k + 1), src))
    con.commit()
    con.close()


# ---- what is measured at each size ---------------------------------------
COMMANDS = [
    ("add", lambda i: ["add", "cron", "0 3 * * *", "--", f"extra{i}.sh"]),
    ("show", lambda i: ["show", "job000001"]),
    ("pause+resume", None),
    ("list", lambda i: ["list"]),
    ("list --json", lambda i: ["list", "--json"]),
    ("history", lambda i: ["history"]),
    ("history --limit 20", lambda i: ["history", "--limit", "20"]),
]
if has_flag("list", "--state"):
    COMMANDS += [
        ("list --state paused", lambda i: ["list", "--state", "paused"]),
        ("list --name 'job001*'", lambda i: ["list", "--name", "job001*"]),
        ("list --limit 20", lambda i: ["list", "--limit", "20"]),
    ]
if has_flag("history", "--name"):
    COMMANDS += [("history --name 'job0001*'", lambda i: ["history", "--name", "job0001*"])]


def keep_copy(size):
    """With --keep: the file as measured at `size` jobs, for profiling."""
    if args.keep:
        src, dst = sqlite3.connect(db), sqlite3.connect(os.path.join(tmp, f"jobs-{size}.db"))
        src.backup(dst)
        src.close()
        dst.close()


def measure(size):
    """Medians (ms) of every command, interleaved with the floor."""
    samples = {name: [] for name, _ in COMMANDS}
    samples["floor (tick --version)"] = []
    for r in range(args.runs):
        samples["floor (tick --version)"].append(ms(lambda: subprocess.run(
            [TICK, "--version"], stdout=subprocess.DEVNULL, check=True)))
        for name, argv in COMMANDS:
            if argv is None:  # pause+resume: two commands, reported per command
                samples[name].append(ms(lambda: (tick("pause", "job000001"),
                                                 tick("resume", "job000001"))) / 2)
            else:
                samples[name].append(ms(lambda: tick(*argv(f"{size}-{r}"))))
    return {k: statistics.median(v) for k, v in samples.items()}


results = {}
add_times = []
largest_wal = 0
t_build = time.perf_counter()
sizes = [s for s in (1_000, 10_000) if s <= args.adds]
log(f"adding {args.adds} jobs one at a time into {db}")
for i in range(args.adds):
    add_times.append(ms(lambda: add_one(i)))
    largest_wal = max(largest_wal, wal_bytes())
    if i + 1 in sizes:
        n = i + 1
        give_history(min(n, HISTORY_JOBS))
        log(f"measuring at {n} jobs")
        results[n] = (measure(n), wal_bytes())
        keep_copy(n)
log(f"one-by-one adds took {time.perf_counter() - t_build:.0f} s")

if args.import_to > args.adds:
    lines = []
    for i in range(args.adds, args.import_to):
        lines.append(f"{i % 60} {i % 24} * * * backup.sh host{i}\n")
    crontab = os.path.join(tmp, "more.crontab")
    with open(crontab, "w") as f:
        f.writelines(lines)
    t0 = time.perf_counter()
    tick("import", crontab)
    log(f"import of {args.import_to - args.adds} jobs: {time.perf_counter() - t0:.1f} s")
    largest_wal = max(largest_wal, wal_bytes())
    results[args.import_to] = (measure(args.import_to), wal_bytes())
    keep_copy(args.import_to)


def median_of(xs):
    return statistics.median(xs) if xs else float("nan")


print(f"jobs file built by {args.adds} one-by-one adds"
      + (f", then import to {args.import_to}" if args.import_to > args.adds else "")
      + f"; {args.runs} runs per command, medians in ms")
head = 500 if args.adds >= 1000 else max(1, args.adds // 2)
print(f"one-by-one add: first {head} {median_of(add_times[:head]):.1f}, "
      f"last {head} {median_of(add_times[-head:]):.1f}; largest write-ahead log "
      f"during the build {largest_wal / 1024:.0f} KiB")
sizes = sorted(results)
print(f"{'command':<26}" + "".join(f"{n:>12,}" for n in sizes))
for name in [n for n, _ in COMMANDS] + ["floor (tick --version)"]:
    print(f"{name:<26}" + "".join(f"{results[n][0][name]:>12.1f}" for n in sizes))
print(f"{'write-ahead log (KiB)':<26}" + "".join(f"{results[n][1] / 1024:>12.0f}" for n in sizes))

# ---- targets (issue 14) ---------------------------------------------------
checks = []
for n in sizes:
    m = results[n][0]
    checks.append((f"add < 10 ms at {n:,}", m["add"] < 10))
    checks.append((f"show < 10 ms at {n:,}", m["show"] < 10))
    checks.append((f"list < 50 ms per 10,000 rows at {n:,} "
                   f"({m['list'] / max(n, 10_000) * 10_000:.1f})",
                   m["list"] / max(n, 10_000) * 10_000 < 50))
    for name in m:
        if "--state" in name or "--name" in name or "--limit" in name:
            checks.append((f"{name} < 20 ms at {n:,}", m[name] < 20))
if len(sizes) >= 2:
    ratio = results[sizes[-1]][0]["add"] / results[sizes[0]][0]["add"]
    checks.append((f"add at {sizes[-1]:,} / add at {sizes[0]:,} < 1.3 ({ratio:.2f})", ratio < 1.3))
for text, ok in checks:
    print(f"  {'ok  ' if ok else 'MISS'} {text}")

# ---- tick run over the whole file, every job overdue ---------------------
njobs = sizes[-1] if sizes else 0
for rnd in range(3):
    con = sqlite3.connect(db)
    now_ms = int(time.time() * 1000)
    con.execute("UPDATE jobs SET next_run_at = ?, state = 'active', command = 'true'",
                (now_ms - 30_000,))
    con.commit()
    con.close()
    t0 = time.perf_counter()
    p = subprocess.Popen([TICK, "run", "--no-echo"], env=env, stderr=subprocess.PIPE, text=True)
    first, peak = None, 0
    try:
        while time.perf_counter() - t0 < 3:
            ready, _, _ = select.select([p.stderr], [], [], 0.02)
            if ready:
                line = p.stderr.readline()
                if first is None and " started (execution" in line:
                    first = time.perf_counter() - t0
            with open(f"/proc/{p.pid}/status") as f:
                for l in f:
                    if l.startswith("VmHWM:"):
                        peak = int(l.split()[1])
    finally:
        p.send_signal(signal.SIGINT)
        try:
            p.wait(timeout=30)
        except subprocess.TimeoutExpired:
            p.kill()
    print(f"tick run over {njobs:,} jobs, all overdue (round {rnd + 1}): first fire "
          f"{(first or float('nan')) * 1000:.0f} ms after start, peak RSS {peak / 1024:.1f} MiB")

if args.keep:
    print(f"copies of the jobs file at each size kept in {tmp}")
else:
    shutil.rmtree(tmp)
