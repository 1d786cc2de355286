#!/usr/bin/env bash
# Cold-start benchmark: time from launching `anhuan serve` to the first
# 200 from /readyz, on an empty data folder (create + migrate the SQLite
# file, load the checklists, hash the bootstrap password) and on an
# existing one (warm), and on PostgreSQL when reachable. Reference in the
# same run: the same binary answering `anhuan --version` (process start
# alone).
#   RUNS=10 scripts/bench-startup.sh
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS="${RUNS:-10}"
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/anhuan-target}"
cargo build --release --locked -q
BIN="$CARGO_TARGET_DIR/release/anhuan"
PG_URL="${ANHUAN_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

now_ms() { date +%s%3N; }

# start_once DATA_DIR [DATABASE_URL] -> prints ms to /readyz 200
start_once() {
  local dir="$1" db="${2:-}" port=$((20000 + RANDOM % 20000))
  local t0 t1 pid
  t0=$(now_ms)
  env ANHUAN_BIND="127.0.0.1:$port" ANHUAN_DATA_DIR="$dir" ANHUAN_BOOTSTRAP_PASSWORD=bench-password \
    ANHUAN_LOG_LEVEL=warn ${db:+DATABASE_URL="$db"} "$BIN" serve >/dev/null 2>&1 &
  pid=$!
  until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null 2>&1; do
    kill -0 "$pid" 2>/dev/null || { echo "server died" >&2; return 1; }
    sleep 0.005
  done
  t1=$(now_ms)
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true
  echo $((t1 - t0))
}

stats() { sort -n | awk '{a[NR]=$1} END {printf "median %d ms, min %d ms, max %d ms (n=%d)\n", a[int((NR+1)/2)], a[1], a[NR], NR}'; }

echo "anhuan cold start to /readyz 200 ($(nproc) cores, release build)"
printf '%-44s' "reference: process start (anhuan --version)"
for _ in $(seq "$RUNS"); do t0=$(now_ms); "$BIN" --version >/dev/null; echo $(( $(now_ms) - t0 )); done | stats

printf '%-44s' "SQLite, empty data folder (cold)"
for _ in $(seq "$RUNS"); do d=$(mktemp -d); start_once "$d"; rm -rf "$d"; done | stats

warm=$(mktemp -d); start_once "$warm" >/dev/null
printf '%-44s' "SQLite, existing data folder (warm)"
for _ in $(seq "$RUNS"); do start_once "$warm"; done | stats
rm -rf "$warm"

if command -v psql >/dev/null && psql "$PG_URL" -Atc 'select 1' >/dev/null 2>&1; then
  printf '%-44s' "PostgreSQL, empty database (cold)"
  for i in $(seq "$RUNS"); do
    name="anhuan_bench_$$_$i"
    psql "$PG_URL" -qAtc "create database $name" >/dev/null
    d=$(mktemp -d); start_once "$d" "${PG_URL%/*}/$name"; rm -rf "$d"
    psql "$PG_URL" -qAtc "drop database $name with (force)" >/dev/null
  done | stats
else
  echo "PostgreSQL not reachable at $PG_URL: skipped"
fi
