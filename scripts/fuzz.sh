#!/usr/bin/env bash
# An outside fuzzer against a live server: schemathesis (PyPI) reads the
# spec the server serves and sends generated requests to every operation
# with every check on (server errors, response schema, content type,
# status-code and header conformance, negative-data rejection, auth),
# for a bounded run. Fails on any failure.
#
# The server is this checkout's `anhuan serve`, on a free loopback port,
# with a throw-away data folder (SQLite) and a random bootstrap password.
# The fuzzer runs as `admin` and never logs itself out or changes its own
# account (logout and update_user are excluded, as a user of it would).
#
# Knobs: FUZZ_MAX_EXAMPLES (per operation, default 40), FUZZ_MAX_TIME
# (seconds, default 240), FUZZ_BIN (a built binary; default: build the
# debug one into CARGO_TARGET_DIR).
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-/var/tmp/anhuan-ci-target}"
VENV="${ANHUAN_FUZZ_VENV:-/var/tmp/anhuan-ci/spec-tools}"
if [[ ! -x "$VENV/bin/schemathesis" ]]; then
  mkdir -p "$(dirname "$VENV")"
  [[ -x "$VENV/bin/pip" ]] || python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q schemathesis==4.32.5
fi

bin="${FUZZ_BIN:-}"
if [[ -z "$bin" ]]; then
  feats=()
  [[ -n "${CARGO_FEATURES:-}" ]] && feats=(--features "$CARGO_FEATURES")
  cargo build --locked --bin anhuan "${feats[@]}"
  bin="$CARGO_TARGET_DIR/debug/anhuan"
fi

data="$(mktemp -d /tmp/anhuan-fuzz.XXXXXX)"
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
password="fuzz-$(python3 -c 'import secrets; print(secrets.token_hex(12))')"
base="http://127.0.0.1:$port"
log="$data/server.log"
env -i PATH="$PATH" ANHUAN_DATA_DIR="$data" ANHUAN_BIND="127.0.0.1:$port" \
  ANHUAN_BOOTSTRAP_PASSWORD="$password" ANHUAN_LOG_LEVEL=warn \
  "$bin" serve >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -sf "$base/healthz" >/dev/null 2>&1 && break
  kill -0 "$server" 2>/dev/null || { cat "$log"; echo "fuzz: server did not start" >&2; exit 1; }
  sleep 0.5
done
token="$(curl -sf -X POST "$base/api/v1/auth/login" -H 'content-type: application/json' \
  -d "{\"username\":\"admin\",\"password\":\"$password\"}" |
  python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')"

rc=0
# Run from the throw-away folder: schemathesis keeps a cache in its
# working directory, which must not land in the clone.
config="$PWD/scripts/schemathesis.toml"
hooks="$PWD/scripts/schemathesis_hooks.py"
(cd "$data" && SCHEMATHESIS_HOOKS="$hooks" "$VENV/bin/schemathesis" --config-file "$config" \
  run "$base/api-docs/openapi.json" \
  --checks all \
  -H "Authorization: Bearer $token" \
  --exclude-operation-id logout \
  --exclude-operation-id update_user \
  --max-examples "${FUZZ_MAX_EXAMPLES:-40}" \
  --max-time "${FUZZ_MAX_TIME:-240}" \
  --request-timeout 30 \
  --workers 2 \
  --seed "${FUZZ_SEED:-17}" \
  --generation-database none \
  --no-color) || rc=$?

if ! kill -0 "$server" 2>/dev/null; then
  echo "fuzz: the server died during the run" >&2
  rc=1
fi
# (actix logs a client's malformed header at ERROR level; that is the
# client's fault and answered 400, so only panics count here.)
if grep -qE 'panicked' "$log"; then
  echo "fuzz: the server panicked:" >&2
  grep -E -A3 'panicked' "$log" | head -20 >&2
  rc=1
fi
exit "$rc"
