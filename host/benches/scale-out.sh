#!/usr/bin/env bash
# Scale-out: durable ingest of Shopify's signed dispute sample with 1, 2 and 3 gateways on
# one PostgreSQL database, beside one gateway on sled, all on this machine (the release
# binary, the bundled wasm connector, wrk from Debian's packages as the load generator,
# PostgreSQL from Debian's packages on a free loopback port). 64 connections in all, split
# evenly across the gateways, one wrk per gateway. Each gateway runs its engine too, so
# the figure is what the gateways acknowledge while they also apply what they stored.
# Usage: host/benches/scale-out.sh [seconds]     (COUNTS="1 3" picks the gateway counts)
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-10}
command -v wrk >/dev/null || { echo "wrk is not installed (apt-get install wrk)" >&2; exit 1; }
bin_dir=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)
[ -n "$bin_dir" ] || { echo "PostgreSQL is not installed (scripts/test-deps installs it)" >&2; exit 1; }

cargo build --release -q -p helloword
work=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  [ -d "$work/pg" ] && as_pg "$bin_dir/pg_ctl" -D "$work/pg" -m immediate stop >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
cargo xtask bundle "$work/plugins" >/dev/null

# PostgreSQL refuses to run as root: run it as the postgres user then.
as_pg() { if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi; }
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
pg_port=$(free_port)
mkdir -p "$work/pg" && chmod 755 "$work"
[ "$(id -u)" -eq 0 ] && chown postgres: "$work/pg"
as_pg "$bin_dir/initdb" -D "$work/pg" -A trust -U postgres -E UTF8 --no-locale >/dev/null
as_pg "$bin_dir/pg_ctl" -D "$work/pg" -l "$work/pg/log" -w -o \
  "-h 127.0.0.1 -p $pg_port -k $work/pg -c max_connections=200 -c shared_buffers=128MB ${PGOPTS:-}" \
  start >/dev/null

secret=bench-secret
export BODY_FILE=$PWD/plugins/shopify/tests/fixtures/webhooks/disputes__create.json
export SIGNATURE=$(openssl dgst -sha256 -hmac "$secret" -binary < "$BODY_FILE" | base64)

# Start gateway $1 of a run on store $2 (sled or a URL); adds its port to `ports`.
ports=()
start() {
  local dir=$work/run/$1 port
  port=$(free_port)
  mkdir -p "$dir"
  local store=""
  [ "$2" != sled ] && store="store = \"$2\""
  cat > "$dir/helloword.toml" <<EOF
[server]
listen = "127.0.0.1:$port"
[storage]
data_dir = "$work/run/data"
$store
[plugins]
dir = "$work/plugins"
watch_interval_ms = 0
[secrets]
shopify_client_secret = { value = "$secret" }
EOF
  target/release/helloword serve --config "$dir/helloword.toml" >"$dir/log" 2>&1 &
  pids+=($!)
  for _ in $(seq 300); do curl -sf "127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.1; done
  ports+=("$port")
}

# Run wrk against each port at once, 64 connections split among them; prints the sum.
load() {
  local n=$# c=$((64 / $#)) i=0 runs=()
  # Warm up first (pool slots, caches, the case's ticket).
  for port in "$@"; do
    wrk -t1 -c"$c" -d"${WARMUP:-3}s" -s host/benches/wrk/shopify.lua \
      "http://127.0.0.1:$port/hooks/shopify" >/dev/null &
    runs+=($!)
  done
  wait "${runs[@]}"
  runs=()
  for port in "$@"; do
    wrk -t1 -c"$c" -d"${seconds}s" --latency -s host/benches/wrk/shopify.lua \
      "http://127.0.0.1:$port/hooks/shopify" > "$work/wrk.$i" &
    runs+=($!)
    i=$((i + 1))
  done
  wait "${runs[@]}"
  cat "$work"/wrk.* | awk -v n="$n" '
    /Requests\/sec/ { rps += $2 }
    / 99%/ { v = $2; unit = v; sub(/[0-9.]+/, "", unit); sub(/[a-z]+$/, "", v);
             ms = (unit == "us") ? v / 1000 : (unit == "s") ? v * 1000 : v; if (ms > p99) p99 = ms }
    /Non-2xx/ { bad += $4 }
    END { printf "%9.0f deliveries/s   worst p99 %6.1f ms   non-2xx %d\n", rps, p99, bad }'
  rm -f "$work"/wrk.*
}

stop_all() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do while kill -0 "$p" 2>/dev/null; do sleep 0.1; done; done
  pids=()
  ports=()
  rm -rf "$work/run"
}

echo "== sled, 1 gateway"
start 0 sled
load "${ports[@]}"
stop_all

for count in ${COUNTS:-1 2 3}; do
  db=bench_$count
  psql -q -h 127.0.0.1 -p "$pg_port" -U postgres -d postgres -c "CREATE DATABASE $db"
  url="postgres://postgres@127.0.0.1:$pg_port/$db"
  for i in $(seq "$count"); do start "$i" "$url"; done
  echo "== PostgreSQL, $count gateway(s)"
  load "${ports[@]}"
  stop_all
done
