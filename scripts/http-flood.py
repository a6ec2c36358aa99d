#!/usr/bin/env python3
"""What an HTTP flood costs a runner (issue 32): `tick run --http` with
2,000 jobs that do not fire and one probe job every second, measured in
three phases of SECONDS each:

  quiet     nobody talks to the server;
  flood     32 clients GET /api/v1/jobs (all 2,000) as fast as they can,
            a connection each (no token file: reads are open);
  slowloris 40 idle connections plus 20 that send a request a byte every
            0.2 s (reconnecting when cut), while /healthz is asked twice a
            second on a new connection.

Per phase: the probe job's fire lateness (p50, p99, max; the probe is
scripts/lateness-probe.c: its start time minus the scheduled second), the
same for the floor (the probe's own `--floor` spawner starting the probe at
the same whole seconds beside tick, under the same load: what any spawner
on this machine gets), the
runner's largest RSS seen (sampled every 0.2 s) and, for slowloris, how
many /healthz answered 200 within a second. A benchmark, not a test.

Usage: scripts/http-flood.py [--tick target/release/tick] [--seconds 30]
Only loopback is used; every process and thread started is stopped.
"""
import argparse
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime

HERE = os.path.dirname(os.path.abspath(__file__))
ap = argparse.ArgumentParser()
ap.add_argument("--tick", default=os.path.join(HERE, "..", "target", "release", "tick"))
ap.add_argument("--seconds", type=int, default=30)
args = ap.parse_args()
TICK = os.path.abspath(args.tick)

tmp = tempfile.mkdtemp(prefix="tick-flood-")
os.chmod(tmp, 0o700)
env = dict(os.environ, TICK_DB=os.path.join(tmp, "jobs.db"), TZ="UTC", NO_COLOR="1")
probe = os.path.join(tmp, "probe")
out = os.path.join(tmp, "probe.out")
subprocess.run(["cc", "-O2", "-o", probe, os.path.join(HERE, "lateness-probe.c")], check=True)
with open(os.path.join(tmp, "crontab"), "w") as f:
    for i in range(2000):
        f.write(f"{i % 60} {i % 24} 1 1 * echo job {i} with a longer command line to list\n")
subprocess.run([TICK, "import", os.path.join(tmp, "crontab")], env=env, check=True,
               stdout=subprocess.DEVNULL)
subprocess.run([TICK, "add", "interval", "--every", "1s", "--id", "probe", "--", probe, out],
               env=env, check=True, stdout=subprocess.DEVNULL)

err = open(os.path.join(tmp, "run.err"), "w")
runner = subprocess.Popen([TICK, "run", "--no-echo", "--http", "127.0.0.1:0"], env=env,
                          stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err)
# SIGTERM (a stopped benchmark) runs the cleanup below like Ctrl-C does.
signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))
stop = threading.Event()
threads = []
floors = []


def cleanup():
    stop.set()
    for t in threads:
        t.join(timeout=5)
    for f in floors:
        f.kill()
        f.wait()
    runner.terminate()
    try:
        runner.wait(timeout=30)
    except subprocess.TimeoutExpired:
        runner.kill()
        runner.wait()
    subprocess.run(["rm", "-rf", tmp])


try:
    port = None
    for _ in range(200):
        text = open(os.path.join(tmp, "run.err")).read()
        if "serving http://" in text:
            port = int(text.split("serving http://")[1].split()[0].rsplit(":", 1)[1])
            break
        time.sleep(0.1)
    if port is None:
        sys.exit("the runner never said where it listens")
    HOST = f"127.0.0.1:{port}"

    def rss_kib():
        with open(f"/proc/{runner.pid}/status") as f:
            return next(int(l.split()[1]) for l in f if l.startswith("VmRSS"))

    def get_loop(path):
        """GETs of path, one a connection, read whole, until stopped."""
        req = f"GET {path} HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
        while not phase_stop.is_set():
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
                    s.sendall(req)
                    while s.recv(65536):
                        pass
            except OSError:
                time.sleep(0.05)

    def idle_loop():
        socks = []
        while not phase_stop.is_set():
            socks = [s for s in socks if s.fileno() >= 0]
            while len(socks) < 40:
                try:
                    socks.append(socket.create_connection(("127.0.0.1", port), timeout=5))
                except OSError:
                    break
            time.sleep(0.5)
        for s in socks:
            s.close()

    def trickle_loop():
        text = f"GET /api/v1/jobs HTTP/1.1\r\nHost: {HOST}\r\nX-Slow: ".encode()
        while not phase_stop.is_set():
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=5)
                i = 0
                while not phase_stop.is_set():
                    s.sendall(text[i % len(text):i % len(text) + 1])
                    i += 1
                    time.sleep(0.2)
            except OSError:
                time.sleep(0.05)

    healthz = []

    def healthz_loop():
        req = f"GET /healthz HTTP/1.1\r\nHost: {HOST}\r\nConnection: close\r\n\r\n".encode()
        while not phase_stop.is_set():
            t0 = time.monotonic()
            ok = False
            try:
                s = socket.create_connection(("127.0.0.1", port), timeout=1)
                s.settimeout(1)
                s.sendall(req)
                ok = s.recv(64).startswith(b"HTTP/1.1 200 ") and time.monotonic() - t0 < 1
                s.close()
            except OSError:
                pass
            healthz.append(ok)
            time.sleep(max(0, 0.5 - (time.monotonic() - t0)))

    floor_out = os.path.join(tmp, "floor.out")

    def lateness(a, b, path=out):
        ms = []
        if not os.path.exists(path):
            return ms
        for line in open(path):
            _, sched, start_us = line.split()
            t = datetime.fromisoformat(sched.replace("Z", "+00:00")).timestamp()
            if a <= t < b:
                ms.append(int(start_us) / 1000 - t * 1000)
        return ms

    def phase(name, workers):
        global phase_stop
        phase_stop = threading.Event()
        healthz.clear()
        ts = [threading.Thread(target=w, daemon=True) for w in workers]
        threads.extend(ts)
        for t in ts:
            t.start()
        time.sleep(2)  # the load is on
        floor = subprocess.Popen([probe, "--floor", floor_out, "0", str(args.seconds + 1), "1",
                                  "1", "0", "1", "0"], stdin=subprocess.DEVNULL)
        floors.append(floor)
        a = time.time()
        peak = 0
        while time.time() - a < args.seconds:
            peak = max(peak, rss_kib())
            time.sleep(0.2)
        b = time.time()
        time.sleep(1.5)  # the last probes have written
        phase_stop.set()
        floor.wait()
        for t in ts:
            t.join(timeout=15)
        ms, fl = sorted(lateness(a, b)), sorted(lateness(a, b, floor_out))
        if not ms or not fl:
            print(f"{name:10} no probe fired")
            return
        p99 = lambda v: v[min(len(v) - 1, int(len(v) * 0.99))]
        results[name] = (p99(ms), p99(fl))
        line = (f"{name:10} tick p50 {statistics.median(ms):6.1f}  p99 {p99(ms):6.1f}  "
                f"max {ms[-1]:6.1f} ms ({len(ms)} fires)  floor p50 {statistics.median(fl):6.1f}  "
                f"p99 {p99(fl):6.1f}  max {fl[-1]:6.1f} ms  runner RSS peak {peak / 1024:5.1f} MiB")
        if healthz:
            line += f"  /healthz 200 within 1 s: {sum(healthz)}/{len(healthz)}"
        print(line, flush=True)

    results = {}

    phase_stop = threading.Event()
    time.sleep(3)
    print(f"tick {TICK}, 2,000 jobs, {args.seconds} s a phase", flush=True)
    phase("quiet", [])
    phase("flood", [lambda: get_loop("/api/v1/jobs")] * 32)
    phase("slowloris", [idle_loop] + [trickle_loop] * 20 + [healthz_loop])
    if "quiet" in results:
        q = results["quiet"]
        for name in ("flood", "slowloris"):
            if name in results:
                r = results[name]
                print(f"{name}: p99 {r[0] / q[0]:.2f}x the quiet one for tick, "
                      f"{r[1] / q[1]:.2f}x for the floor", flush=True)
finally:
    cleanup()
