#!/usr/bin/env bash
# Durable ingest with wrk (Debian package `wrk`) as the load generator, in its own process on
# the same two cores, 64 connections each:
#   ceiling   — bare hyper + sled insert + shared flush onto stable storage (fsync), as the
#               gateway's since issue #23;
#   unsynced  — the same with sled's flush alone (page cache and disk queue, not stable
#               storage), as the ceiling and the gateway were before: the fsync's cost;
#   gateway   — the real route: HMAC and normalization in the wasm connector, inbox, flush;
#   sandboxed — the wasm connector called on the tokio workers from the native server's
#               plain hyper loop (the gateway calls it on its plugin-call threads);
#   native    — the same pipeline with the Shopify connector compiled natively.
# After each run it prints the server's CPU time per acknowledged request, by thread group
# (from /proc/<pid>/task/*/stat). Usage: host/benches/ingest-wrk.sh [seconds]
# BASELINE=<another build's ingest bench executable> serves that build's servers beside
# this one's, as targets `baseline-gateway`, `baseline-ceiling`, …, for a before/after in one
# run (build it from a checkout of the older commit with its own CARGO_TARGET_DIR:
# `cargo bench -p helloword --bench ingest --no-run`).
# TARGETS="gateway native" picks and orders the servers; HELLOWORD_INGEST_TOPIC picks the
# Shopify sample (default disputes/create, 367 bytes; fulfillments/update is 8 KB).
# WARMUP (seconds, default 10) is the load each server gets before it is measured. A
# server's first seconds fill its store's page cache (256 MB): the process grows by about
# 150 MB, and the page faults that zero that memory made the first run after start
# measure 30-50 % below later ones with a 3 s warm-up. A gateway that has run for a while
# has its cache full, so the measurement starts once it is.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
bench=$(cargo bench -p helloword --bench ingest --no-run --message-format=json 2>/dev/null \
  | grep -o '"executable":"[^"]*ingest-[^"]*"' | tail -1 | cut -d'"' -f4)
out=$(mktemp)
# The server is killed at the end, so its temporary data folders (hundreds of MB of sled
# each) are made in a folder of the script's own, removed here.
data=$(mktemp -d)
targets=${TARGETS:-ceiling gateway sandboxed native}
# Serve long enough for every run in TARGETS (each: warm-up, run, a sync between them).
serve_for=$(($(wc -w <<< "$targets") * (seconds + ${WARMUP:-10} + 5) + 20))
TMPDIR=$data HELLOWORD_INGEST_SERVE=$serve_for "$bench" > "$out" &
server=$!
baseline_server=
if [ -n "${BASELINE:-}" ]; then
  TMPDIR=$data HELLOWORD_INGEST_SERVE=$serve_for "$BASELINE" > "$out.baseline" &
  baseline_server=$!
fi
trap 'kill $server $baseline_server 2>/dev/null || true; wait $server $baseline_server 2>/dev/null || true; rm -rf "$out" "$out".* "$data"' EXIT
for _ in $(seq 100); do grep -q ^signature "$out" && break; sleep 0.1; done
if [ -n "$baseline_server" ]; then
  for _ in $(seq 100); do grep -q ^signature "$out.baseline" && break; sleep 0.1; done
  # Both sign with the same test secret; their lines join this server's as baseline-<name>.
  grep -E '^(gateway|ceiling|unsynced|native|sandboxed) ' "$out.baseline" | sed 's/^/baseline-/' >> "$out"
fi
export SIGNATURE=$(grep ^signature "$out" | cut -d' ' -f2)
export BODY_FILE=$(grep ^body "$out" | cut -d' ' -f2-)
export TOPIC=$(grep ^topic "$out" | cut -d' ' -f2)
ticks=$(getconf CLK_TCK)
# CPU ticks by thread name (numbered pool threads folded into one group).
cpu() {
  for t in /proc/$pid/task/*; do
    echo "$(sed 's/-[0-9]*$//' "$t/comm") $(awk '{print $14 + $15}' "$t/stat")"
  done | awk '{a[$1] += $2} END {for (k in a) print k, a[k]}' | sort
}
for target in $targets; do
  url=$(grep "^$target " "$out" | cut -d' ' -f2)
  pid=$server
  case $target in baseline-*) pid=$baseline_server ;; esac
  echo "== $target"
  # The previous server's writes are still going to disk; its writeback would slow this
  # server's flushes (the first server measured after the ceiling showed p99 > 250 ms).
  sync
  # Warm up first (pool slots, caches, the case's ticket), so the order of runs matters less.
  wrk -t1 -c64 -d"${WARMUP:-10}s" -s host/benches/wrk/shopify.lua "$url" > /dev/null
  cpu > "$out.before"
  wrk -t1 -c64 -d"${seconds}s" --latency -s host/benches/wrk/shopify.lua "$url" > "$out.wrk"
  cpu > "$out.after"
  grep -E "Requests/sec|  50%|  99%|Non-2xx|errors" "$out.wrk"
  n=$(grep -E "requests in" "$out.wrk" | awk '{print $1}')
  # Threads started during the run count from zero.
  join -a2 -e0 -o 0,1.2,2.2 "$out.before" "$out.after" | awk -v n="$n" -v hz="$ticks" '
    { us = ($3 - $2) * 1e6 / hz / n; if (us >= 0.05) printf "   cpu %-18s %7.1f µs/request\n", $1, us; total += us }
    END { printf "   cpu %-18s %7.1f µs/request\n", "(server total)", total }'
done
