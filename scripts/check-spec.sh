#!/usr/bin/env bash
# The checked-in OpenAPI description (api-spec/openapi.json) is valid and
# usable by third-party tools: it passes openapi-spec-validator, and
# openapi-python-client generates a client with a function for every
# operation and says nothing (no warning, no skipped endpoint). Fails on
# any error or warning. The tools live in a venv outside the clone,
# installed from PyPI on first use (pinned: a new release cannot turn CI
# red on its own). The spec's agreement with the code is the drift test
# (`cargo test --test api ops::`).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
spec="$root/api-spec/openapi.json"
VENV="${ANHUAN_SPEC_TOOLS_VENV:-/var/tmp/anhuan-ci/spec-tools}"
TOOLS=(openapi-spec-validator==0.9.0 openapi-python-client==0.29.1 ruff==0.17.6)
if ! "$VENV/bin/python" -c 'import openapi_spec_validator' >/dev/null 2>&1 \
  || [[ ! -x "$VENV/bin/openapi-python-client" || ! -x "$VENV/bin/ruff" ]]; then
  mkdir -p "$(dirname "$VENV")"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q "${TOOLS[@]}"
fi
# openapi-python-client formats the client with ruff, found on PATH.
export PATH="$VENV/bin:$PATH"

echo "== openapi-spec-validator"
"$VENV/bin/openapi-spec-validator" "$spec"

echo "== openapi-python-client generate"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
log="$work/generate.log"
# The generator models raw bodies as application/octet-stream only; the
# photo endpoints' image/* bodies, the notice PDFs and the stored
# documents are raw bytes just the same, as are tus parts
# (application/offset+octet-stream), by its documented `content_type_overrides`.
cat >"$work/config.yaml" <<'YAML'
content_type_overrides:
  image/*: application/octet-stream
  image/jpeg: application/octet-stream
  application/pdf: application/octet-stream
  application/vnd.openxmlformats-officedocument.wordprocessingml.document: application/octet-stream
  application/vnd.openxmlformats-officedocument.spreadsheetml.sheet: application/octet-stream
  application/ofd: application/octet-stream
  application/offset+octet-stream: application/octet-stream
YAML
if ! (cd "$work" && openapi-python-client generate --path "$spec" --meta none \
  --config "$work/config.yaml" --output-path "$work/client") >"$log" 2>&1; then
  cat "$log"
  echo "check-spec: openapi-python-client failed" >&2
  exit 1
fi
# Anything it reports besides its success line is a warning (it prints
# "Warning(s) encountered" and skips what it cannot model).
if grep -qiE 'warning|error|skipp|unable|could not|unsupported' "$log"; then
  cat "$log"
  echo "check-spec: openapi-python-client reported problems" >&2
  exit 1
fi

# One generated function module per operationId, none missing.
"$VENV/bin/python" - "$spec" "$work/client" <<'PY'
import json, pathlib, re, sys

spec = json.load(open(sys.argv[1]))
client = pathlib.Path(sys.argv[2])
methods = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}
ops = [op["operationId"] for item in spec["paths"].values()
       for m, op in item.items() if m in methods]
dups = sorted({o for o in ops if ops.count(o) > 1})
if dups:
    sys.exit(f"check-spec: operationId used more than once: {dups}")
snake = lambda s: re.sub(r"[^a-z0-9]+", "_", re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", s).lower()).strip("_")
made = {p.stem for p in client.glob("api/**/*.py") if p.stem != "__init__"}
missing = sorted(o for o in ops if snake(o) not in made)
if missing:
    sys.exit(f"check-spec: no client function for: {missing}")
print(f"check-spec: {len(ops)} operations, a client function for each")
PY
