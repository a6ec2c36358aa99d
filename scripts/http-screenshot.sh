#!/usr/bin/env bash
# The screenshot of tick's web page in docs/http.md: a demo jobs file, `tick
# serve` on a free port, Debian's headless Chromium, docs/jobs-page.png.
# Usage: scripts/http-screenshot.sh [path/to/tick]
set -euo pipefail
cd "$(dirname "$0")/.."
tick=${1:-target/release/tick}
work=$(mktemp -d)
server=""
runner=""
cleanup() {
  for p in $server $runner; do kill "$p" 2>/dev/null || true; wait "$p" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT
export TICK_DB="$work/jobs.db" TZ=Europe/Berlin NO_COLOR=1
"$tick" add cron '0 3 * * *' --id backup --name 'nightly backup' -- 'echo "backed up 1.2 GiB"' >/dev/null
"$tick" add cron '*/15 * * * *' --id sync --name 'sync photos' -- 'echo synced' >/dev/null
"$tick" add cron --hour 8 --minute 30 --day-of-week mon-fri --id report --name 'weekly report' -- 'echo report' >/dev/null
"$tick" add interval --every 90s --id health --name 'health check' -- 'exit 1' >/dev/null
"$tick" add any 'cron 0 9 * * mon-fri' 'cron 0 12 * * sat,sun' --id digest --name 'morning digest' -- 'echo digest' >/dev/null
"$tick" add date --in 3h --id reminder --name 'renew certificate' --paused -- 'echo renew' >/dev/null
for j in backup sync health; do "$tick" fire "$j" >/dev/null 2>&1 || true; done
"$tick" run --no-echo --name demo-runner 2>/dev/null &
runner=$!
"$tick" serve --listen 127.0.0.1:0 2>"$work/serve.err" &
server=$!
for _ in $(seq 50); do grep -q 'serving http://' "$work/serve.err" && break; sleep 0.1; done
sleep 1
url="http://$(grep -o '127.0.0.1:[0-9]*' "$work/serve.err" | head -1)/"
chromium --headless --no-sandbox --disable-gpu --disable-background-networking \
  --disable-component-update --disable-sync --no-first-run --hide-scrollbars \
  --user-data-dir="$work/profile" --window-size=1100,680 \
  --screenshot="$PWD/docs/jobs-page.png" "$url" 2>/dev/null
echo "wrote docs/jobs-page.png"
