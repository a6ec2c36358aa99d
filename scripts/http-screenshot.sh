#!/usr/bin/env bash
# The screenshots of tick's web page in docs/http.md and README.md: a demo
# jobs file with some history, a runner, `tick serve` on a free port, and
# Debian's headless Chromium at 1280 and 390 px wide:
#   docs/jobs-page.png        the jobs page at 1280 px
#   docs/jobs-page-phone.png  the jobs page at 390 px (a card per job)
#   docs/job-page.png         a job's page at 1280 px (its chart)
# Without a token file the page is read-only, so the buttons are not shown.
# Usage: scripts/http-screenshot.sh [path/to/tick]
set -euo pipefail
cd "$(dirname "$0")/.."
tick=$(realpath "${1:-target/release/tick}")
docs=$PWD/docs
work=$(mktemp -d)
server=""
runner=""
cleanup() {
  for p in $server $runner; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export TICK_DB="$work/jobs.db" TZ=Europe/Berlin NO_COLOR=1 HOME="$work"
cd "$work"
"$tick" add cron '0 3 * * *' --id backup --name 'nightly backup' -- 'echo "backed up 1.2 GiB"; sleep 0.$(shuf -i 1-6 -n 1)' >/dev/null
"$tick" add cron '*/15 * * * *' --id sync --name 'sync photos' -- 'echo synced; [ $(shuf -i 0-4 -n 1) != 0 ]' >/dev/null
"$tick" add cron --hour 8 --minute 30 --day-of-week mon-fri --id report --name 'weekly report' -- 'echo report' >/dev/null
"$tick" add interval --every 90s --id health --name 'health check' -- 'exit 1' >/dev/null
"$tick" add any 'cron 0 9 * * mon-fri' 'cron 0 12 * * sat,sun' --id digest --name 'morning digest' -- 'echo digest' >/dev/null
"$tick" add date --in 3h --id reminder --name 'renew certificate' --paused -- 'echo renew' >/dev/null
for _ in $(seq 14); do for j in backup sync; do "$tick" fire "$j" >/dev/null 2>&1 || true; done; done
for _ in 1 2 3; do "$tick" fire health >/dev/null 2>&1 || true; done
"$tick" fire digest >/dev/null 2>&1
"$tick" run --no-echo --name demo-runner 2>/dev/null &
runner=$!
"$tick" serve --listen 127.0.0.1:0 2>"$work/serve.err" &
server=$!
for _ in $(seq 50); do grep -q 'serving http://' "$work/serve.err" && break; sleep 0.1; done
sleep 1
base="http://$(grep -o '127.0.0.1:[0-9]*' "$work/serve.err" | head -1)"
shot() { # path, width, height, file
  chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
    --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
    --user-data-dir="$work/profile" --window-size="$2,$3" \
    --screenshot="$docs/$4" "$base$1" 2>/dev/null
  echo "wrote docs/$4"
}
shot / 1280 860 jobs-page.png
shot / 390 1500 jobs-page-phone.png
shot /jobs/backup 1280 1000 job-page.png
