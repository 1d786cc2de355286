#!/usr/bin/env bash
# Photo ingest benchmark: anhuan's upload pipeline through HTTP against
# `vipsthumbnail --size 2048` on the same files, in one run; throughput at
# 1/2/4 clients; peak server RSS with 16 concurrent uploads.
#   RUNS=5 scripts/bench-photos.sh
# Needs vipsthumbnail (installed from Debian's libvips-tools if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/anhuan-target}"
command -v vipsthumbnail >/dev/null || { apt-get update -qq && apt-get install -y -qq libvips-tools; }
cargo build --release --locked -q
BIN="$CARGO_TARGET_DIR/release/anhuan"
FIX="$(pwd)/../shared/fixtures/photos"
work=$(mktemp -d)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# Two generated 12 MP JPEGs (smooth content plus noise, q90), like a phone photo.
for i in 1 2; do
  vips gaussnoise "$work/n$i.v" 4032 3024 --mean 128 --sigma 40
  vips gaussblur "$work/n$i.v" "$work/b$i.v" 1.2
  vips copy "$work/b$i.v" "$work/gen12mp_$i.jpg[Q=90]"
done
files=("$FIX/xiaomi_mi9t_orient6.jpg" "$FIX/galaxy_note3_gps.jpg" "$FIX/iphone6plus_gps.jpg" \
       "$FIX/iphone6_gps.jpg" "$FIX/motog_no_orientation_tag.jpg" "$FIX/canon_a85_orient8.jpg" \
       "$work/gen12mp_1.jpg" "$work/gen12mp_2.jpg")

port=$((20000 + RANDOM % 20000))
env ANHUAN_BIND="127.0.0.1:$port" ANHUAN_DATA_DIR="$work/data" ANHUAN_BOOTSTRAP_PASSWORD=bench-password \
  ANHUAN_LOG_LEVEL=warn "$BIN" serve >"$work/server.log" 2>&1 &
pid=$!
until curl -sf "http://127.0.0.1:$port/readyz" >/dev/null; do sleep 0.05; done
token=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' \
  -d '{"username":"admin","password":"bench-password"}' | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
echo "anhuan photo ingest vs vipsthumbnail ($(nproc) cores, release build, $(vipsthumbnail --version | head -1))"
python3 scripts/bench_photos.py "http://127.0.0.1:$port" "$token" "$pid" "${files[@]}"
