#!/usr/bin/env bash
# Fuzz tick's HTTP API from its own OpenAPI document with schemathesis
# (PyPI: pip install schemathesis), against `tick serve` on a free loopback
# port with a demo jobs file and the token. Every check runs except
# positive_data_acceptance: the document cannot say that a cron expression
# must parse or a --cwd folder exist, so such requests are rightly 400.
# Usage: scripts/http-schemathesis.sh [path/to/tick] [max-examples]
set -euo pipefail
cd "$(dirname "$0")/.."
tick=$(realpath "${1:-target/debug/tick}")
examples=${2:-100}
work=$(mktemp -d)
server=""
cleanup() {
  if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
export TICK_DB="$work/jobs.db" TZ=UTC NO_COLOR=1
head -c 24 /dev/urandom | base64 > "$work/token"
chmod 600 "$work/token"
"$tick" add cron '0 3 * * *' --id backup -- 'echo hi' >/dev/null
"$tick" fire backup >/dev/null
"$tick" serve --listen 127.0.0.1:0 --token-file "$work/token" 2>"$work/serve.err" &
server=$!
for _ in $(seq 50); do grep -q 'serving http://' "$work/serve.err" && break; sleep 0.1; done
base="http://$(grep -o '127.0.0.1:[0-9]*' "$work/serve.err" | head -1)"
cd "$work" # schemathesis keeps a cache folder where it runs
schemathesis run "$base/api/v1/openapi.json" --url "$base" \
  -H "Authorization: Bearer $(cat "$work/token")" \
  --checks all --exclude-checks positive_data_acceptance --max-examples "$examples"
