#!/usr/bin/env bash
# Measures tick's HTTP side (docs/performance.md, "The HTTP server"):
#  1. requests/s of the API, /metrics and the page with 10,000 jobs (wrk,
#     from Debian's package: apt-get install wrk);
#  2. what --http costs a runner: peak RSS and CPU over an idle minute,
#     with and without --http (and with /metrics scraped every 15 s).
# Only loopback is used; every process started is stopped on exit.
# Usage: scripts/http-bench.sh [path/to/tick] [seconds-idle]
set -euo pipefail
cd "$(dirname "$0")/.."
tick=$(realpath "${1:-target/release/tick}")
idle=${2:-60}
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export TICK_DB="$work/jobs.db" TZ=UTC NO_COLOR=1

# 10,000 jobs that do not fire during the measurement (yearly, 1 January).
for i in $(seq 0 9999); do echo "$((i % 60)) $((i % 24)) 1 1 * echo job $i"; done > "$work/crontab"
"$tick" import "$work/crontab" >/dev/null
"$tick" add cron '0 3 1 1 *' --id probe -- 'echo probe' >/dev/null
for _ in 1 2 3; do "$tick" fire probe >/dev/null; done
echo "jobs: $("$tick" list --json | grep -c '"id"')"

port_of() { grep -o '127.0.0.1:[0-9]*' "$1" | head -1 | cut -d: -f2; }
wait_banner() { for _ in $(seq 100); do grep -q 'serving http://' "$1" && return; sleep 0.1; done; echo "no banner in $1"; exit 1; }

"$tick" serve --listen 127.0.0.1:0 2>"$work/serve.err" &
pids+=($!)
wait_banner "$work/serve.err"
base="http://127.0.0.1:$(port_of "$work/serve.err")"
for path in /healthz /api/v1/jobs/probe '/api/v1/executions?limit=20' /api/v1/jobs /metrics /; do
  bytes=$(curl -s "$base$path" | wc -c)
  echo "== GET $path ($bytes bytes)"
  wrk -t2 -c4 -d10s "$base$path" | grep -E 'Requests/sec|Latency|Non-2xx' || true
done
kill "${pids[0]}"; wait "${pids[0]}" 2>/dev/null || true; pids=()

# CPU ticks (utime+stime) of a process, and its peak RSS in KiB.
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hwm() { awk '/VmHWM/ {print $2}' "/proc/$1/status"; }
rss() { awk '/VmRSS/ {print $2}' "/proc/$1/status"; }
hz=$(getconf CLK_TCK)
measure() { # label, scrape(yes/no), tick run args...
  local label=$1 scrape=$2; shift 2
  "$tick" run --no-echo "$@" 2>"$work/run.err" &
  local pid=$!
  pids+=($pid)
  sleep 5 # started, registered, settled
  local t0; t0=$(ticks "$pid")
  local start=$SECONDS
  local url=""
  if [ "$scrape" = yes ]; then url="http://127.0.0.1:$(port_of "$work/run.err")/metrics"; fi
  while [ $((SECONDS - start)) -lt "$idle" ]; do
    if [ -n "$url" ]; then curl -s -o /dev/null "$url"; fi
    sleep 15
  done
  local t1; t1=$(ticks "$pid")
  local secs=$((SECONDS - start))
  awk -v l="$label" -v d=$((t1 - t0)) -v hz="$hz" -v s="$secs" -v h="$(hwm "$pid")" -v r="$(rss "$pid")" \
    'BEGIN { printf "%-34s CPU %.2f%% of a core over %ds, RSS %.1f MiB, peak %.1f MiB\n", l, 100*d/hz/s, s, r/1024, h/1024 }'
  kill -INT "$pid"; wait "$pid" 2>/dev/null || true
  pids=()
}
measure "tick run (10,000 jobs)" no
measure "tick run --http" no --http 127.0.0.1:0
measure "tick run --http, /metrics every 15s" yes --http 127.0.0.1:0
