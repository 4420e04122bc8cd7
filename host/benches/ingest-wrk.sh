#!/usr/bin/env bash
# Durable ingest with wrk (Debian package `wrk`) as the load generator, in its own process on
# the same two cores: the ceiling (bare hyper + sled + shared flush), the gateway, and the
# gateway with the Shopify connector compiled natively (what the sandbox costs), 64
# connections each. Usage: host/benches/ingest-wrk.sh [seconds]
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
bench=$(cargo bench -p helloword --bench ingest --no-run --message-format=json 2>/dev/null \
  | grep -o '"executable":"[^"]*ingest-[^"]*"' | tail -1 | cut -d'"' -f4)
out=$(mktemp)
HELLOWORD_INGEST_SERVE=$((2 * seconds + 15)) "$bench" > "$out" &
server=$!
trap 'kill $server 2>/dev/null || true; rm -f "$out"' EXIT
for _ in $(seq 100); do grep -q ^signature "$out" && break; sleep 0.1; done
export SIGNATURE=$(grep ^signature "$out" | cut -d' ' -f2)
export BODY_FILE=$PWD/plugins/shopify/tests/fixtures/webhooks/disputes__create.json
for target in ceiling gateway native; do
  url=$(grep "^$target " "$out" | cut -d' ' -f2)
  echo "== $target"
  wrk -t1 -c64 -d"${seconds}s" --latency -s host/benches/wrk/shopify.lua "$url" \
    | grep -E "Requests/sec|  50%|  99%|Non-2xx|errors"
done
