#!/usr/bin/env bash
# Resumable-upload benchmark: a ~4 MB phone-sized JPEG sent by tus in
# 256 KiB parts (with and without sha256 checksums) against the plain
# `POST /photos` of the same bytes, in one run, through HTTP to a release
# build; the ratio is the price of resumability.
#   RUNS=7 scripts/bench-uploads.sh
# Needs vips (Debian's libvips-tools, installed if missing) to make the photo.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/anhuan-target}"
command -v vips >/dev/null || { apt-get update -qq && apt-get install -y -qq libvips-tools; }
cargo build --release --locked -q
BIN="$CARGO_TARGET_DIR/release/anhuan"
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# A 12 MP JPEG of blurred noise at q92: about the size a phone writes.
vips gaussnoise "$work/n.v" 4032 3024 --mean 128 --sigma 40
vips gaussblur "$work/n.v" "$work/b.v" 1.4
vips copy "$work/b.v" "$work/photo.jpg[Q=92]"

port=$((20000 + RANDOM % 20000))
env ANHUAN_BIND="127.0.0.1:$port" ANHUAN_DATA_DIR="$work/data" ANHUAN_BOOTSTRAP_PASSWORD=bench-password \
  ANHUAN_LOG_LEVEL=warn "$BIN" serve >"$work/server.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"bench-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
echo "anhuan tus upload vs plain POST /photos ($(nproc) cores, release build)"
python3 scripts/bench_uploads.py "http://127.0.0.1:$port" "$token" "$work/photo.jpg"
