#!/usr/bin/env bash
# Change-feed benchmark: 100k changes (findings written straight into the
# SQLite file, so the triggers log them as any write would) paged through
# `GET /api/v1/sync` over HTTP against a release build, next to a raw
# SQLite loop over the same log and rows (the floor: no HTTP, no JSON, no
# scope rules), in one run.
#   CHANGES=100000 scripts/bench-sync.sh
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/anhuan-target}"
cargo build --release --locked -q
BIN="$CARGO_TARGET_DIR/release/anhuan"
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

port=$((20000 + RANDOM % 20000))
env ANHUAN_BIND="127.0.0.1:$port" ANHUAN_DATA_DIR="$work/data" ANHUAN_BOOTSTRAP_PASSWORD=bench-password \
  ANHUAN_LOG_LEVEL=warn "$BIN" serve >"$work/server.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
echo "anhuan /sync vs a raw SQLite loop ($(nproc) cores, release build)"
python3 scripts/bench_sync.py "http://127.0.0.1:$port" "$work/data/anhuan.db"
