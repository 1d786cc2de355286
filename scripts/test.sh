#!/usr/bin/env bash
# Runs the whole suite: unit tests and the HTTP integration suite on
# SQLite, then the integration suite again on PostgreSQL when one is
# reachable at ANHUAN_TEST_POSTGRES_URL
# (default postgres://postgres@127.0.0.1:5432/test). Each integration test
# creates and drops its own database there.
#   REQUIRE_POSTGRES=1  fail instead of skipping PostgreSQL
#   CARGO_FEATURES=...  extra cargo features (e.g. heic)
#   ANHUAN_TEST_S3_ENDPOINT=http://127.0.0.1:PORT  also run the photo tests
#       against that S3-compatible server (bucket ANHUAN_TEST_S3_BUCKET,
#       default anhuan-test); REQUIRE_S3=1 fails when it is not set
#   REQUIRE_PHOTO_FIXTURES=1  fail instead of skipping the team's real-camera
#       photos (../shared/fixtures/photos, or ANHUAN_FIXTURES); the rest of
#       the suite makes its own photos and needs nothing outside the clone
#   REQUIRE_BROWSER=1  fail instead of skipping the console's browser test
#       (tests/browser.rs: Debian chromium + chromium-driver)
#   REQUIRE_TUS_CLIENT=1  fail instead of skipping the real tus client test;
#       the suite installs tuspy (the tus project's Python client, from PyPI)
#       into a venv under /var/tmp/anhuan-ci/tus (ANHUAN_TUS_VENV)
#   REQUIRE_SMTP=1  fail instead of skipping the e-mail test; the suite
#       installs aiosmtpd (a real SMTP server, from PyPI) into a venv under
#       /var/tmp/anhuan-ci/smtp (ANHUAN_SMTP_VENV) and starts it per test
#   REQUIRE_OPENPYXL=1  fail when openpyxl (from PyPI, into a venv under
#       /var/tmp/anhuan-ci/openpyxl, ANHUAN_OPENPYXL_VENV) cannot be had to
#       read the major-hazard report back
set -euo pipefail
cd "$(dirname "$0")/.."

PG_URL="${ANHUAN_TEST_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"
# The S3 endpoint is used only by the dedicated photo run below; the main
# runs test the default local photo folder.
S3_ENDPOINT="${ANHUAN_TEST_S3_ENDPOINT:-}"
unset ANHUAN_TEST_S3_ENDPOINT
FEATURES=()
if [[ -n "${CARGO_FEATURES:-}" ]]; then FEATURES=(--features "$CARGO_FEATURES"); fi

pg_reachable() {
  # host and port from postgres://user[:pw]@host[:port]/db
  local rest="${PG_URL#*://}"; rest="${rest#*@}"; rest="${rest%%/*}"
  local host="${rest%%:*}" port=5432
  [[ "$rest" == *:* ]] && port="${rest##*:}"
  timeout 3 bash -c "exec 3<>/dev/tcp/${host}/${port}" 2>/dev/null
}

PHOTO_FIXTURES="${ANHUAN_FIXTURES:-../shared/fixtures/photos}"
if [[ ! -f "$PHOTO_FIXTURES/MANIFEST.json" ]]; then
  if [[ "${REQUIRE_PHOTO_FIXTURES:-0}" == "1" ]]; then
    echo "ERROR: no real photo fixtures at $PHOTO_FIXTURES (MANIFEST.json) and REQUIRE_PHOTO_FIXTURES=1" >&2
    exit 1
  fi
  PHOTO_FIXTURES_SKIPPED=1
fi
photo_banner() {
  [[ -n "${PHOTO_FIXTURES_SKIPPED:-}" ]] || return 0
  cat >&2 <<MSG

################################################################
##  WARNING: REAL PHOTO FIXTURES SKIPPED                       ##
##  No MANIFEST.json at ${PHOTO_FIXTURES}
##  The suite ran on photos it makes itself; the team's real-  ##
##  camera photos were not tried. Set ANHUAN_FIXTURES=DIR;     ##
##  REQUIRE_PHOTO_FIXTURES=1 fails.                            ##
################################################################

MSG
}
photo_banner

# python_tool VENV PIP_SPEC MODULE VAR: the Python tools a test drives
# (a real SMTP server, the tus client, openpyxl), each installed once into
# its own venv outside the clone. Exports VAR=the venv's python when the
# module imports; answers 1 (and the caller decides) when it cannot.
python_tool() {
  local venv="$1" spec="$2" module="$3" var="$4"
  if [[ ! -x "$venv/bin/python" ]] || ! "$venv/bin/python" -c "import $module" 2>/dev/null; then
    mkdir -p "$(dirname "$venv")"
    { python3 -m venv "$venv" && "$venv/bin/pip" install -q "$spec"; } \
      || echo "note: could not install $spec into $venv" >&2
  fi
  "$venv/bin/python" -c "import $module" 2>/dev/null || return 1
  export "$var=$venv/bin/python"
}
# require_tool NAME VENV REQUIRE_VAR: fail when a required tool is missing.
require_tool() {
  if [[ "${!3:-0}" == "1" ]]; then
    echo "ERROR: no $1 in $2 and $3=1" >&2
    exit 1
  fi
}

# The e-mail test talks to aiosmtpd on loopback.
SMTP_VENV="${ANHUAN_SMTP_VENV:-/var/tmp/anhuan-ci/smtp}"
if ! python_tool "$SMTP_VENV" aiosmtpd==1.4.6 aiosmtpd ANHUAN_TEST_AIOSMTPD_PYTHON; then
  require_tool aiosmtpd "$SMTP_VENV" REQUIRE_SMTP
  SMTP_SKIPPED=1
fi
smtp_banner() {
  [[ -n "${SMTP_SKIPPED:-}" ]] || return 0
  cat >&2 <<MSG

################################################################
##  WARNING: E-MAIL TEST SKIPPED                               ##
##  aiosmtpd could not be installed into ${SMTP_VENV}
##  (python3 -m venv + pip): e-mail was not sent to a real     ##
##  SMTP server. REQUIRE_SMTP=1 fails.                         ##
################################################################

MSG
}

# The resumable-upload test drives tuspy through a connection-cutting proxy.
TUS_VENV="${ANHUAN_TUS_VENV:-/var/tmp/anhuan-ci/tus}"
if ! python_tool "$TUS_VENV" tuspy==1.1.0 tusclient ANHUAN_TEST_TUSPY_PYTHON; then
  require_tool tuspy "$TUS_VENV" REQUIRE_TUS_CLIENT
  echo "WARNING: tuspy could not be installed into $TUS_VENV: the real tus client test is skipped" >&2
fi

# The major-hazard report is read back with openpyxl, as its readers would.
XLSX_VENV="${ANHUAN_OPENPYXL_VENV:-/var/tmp/anhuan-ci/openpyxl}"
if ! python_tool "$XLSX_VENV" openpyxl==3.1.5 openpyxl ANHUAN_TEST_OPENPYXL_PYTHON; then
  require_tool openpyxl "$XLSX_VENV" REQUIRE_OPENPYXL
  echo "WARNING: openpyxl could not be installed into $XLSX_VENV: the report is read by calamine only" >&2
fi

echo "=== anhuan tests: unit + integration on SQLite ==="
cargo test --locked "${FEATURES[@]}" --all-targets

if pg_reachable; then
  echo "=== anhuan tests: integration on PostgreSQL (${PG_URL%%@*}@…) ==="
  ANHUAN_TEST_DATABASE_URL="$PG_URL" cargo test --locked "${FEATURES[@]}" --test api
else
  if [[ "${REQUIRE_POSTGRES:-0}" == "1" ]]; then
    echo "ERROR: PostgreSQL is not reachable at $PG_URL and REQUIRE_POSTGRES=1" >&2
    exit 1
  fi
  cat >&2 <<MSG

################################################################
##  WARNING: PostgreSQL SKIPPED                                ##
##  Nothing answered at ${PG_URL}
##  Only the SQLite backend was tested. Start PostgreSQL or   ##
##  set ANHUAN_TEST_POSTGRES_URL; REQUIRE_POSTGRES=1 fails.    ##
################################################################

MSG
fi
if [[ -n "$S3_ENDPOINT" ]]; then
  echo "=== anhuan tests: photo and upload tests on S3 (${S3_ENDPOINT}) ==="
  ANHUAN_TEST_S3_ENDPOINT="$S3_ENDPOINT" cargo test --locked "${FEATURES[@]}" --test api -- photos:: uploads::
  if pg_reachable; then
    ANHUAN_TEST_S3_ENDPOINT="$S3_ENDPOINT" ANHUAN_TEST_DATABASE_URL="$PG_URL" \
      cargo test --locked "${FEATURES[@]}" --test api -- photos:: uploads::
  fi
elif [[ "${REQUIRE_S3:-0}" == "1" ]]; then
  echo "ERROR: REQUIRE_S3=1 but ANHUAN_TEST_S3_ENDPOINT is not set" >&2
  exit 1
else
  echo "note: S3 photo-store tests skipped (set ANHUAN_TEST_S3_ENDPOINT, e.g. a local moto or s3s-fs server)" >&2
fi
# The browser walk (tests/browser.rs) needs Debian's chromium and
# chromium-driver; without them it passes after a banner (captured by cargo,
# so it is repeated here). REQUIRE_BROWSER=1 makes it fail instead.
if ! command -v chromedriver >/dev/null 2>&1 || ! command -v chromium >/dev/null 2>&1; then
  if [[ "${REQUIRE_BROWSER:-0}" == "1" ]]; then
    echo "ERROR: chromium/chromedriver not installed and REQUIRE_BROWSER=1" >&2
    exit 1
  fi
  cat >&2 <<MSG

################################################################
##  WARNING: BROWSER TESTS SKIPPED                             ##
##  chromium / chromedriver not found: the console was not     ##
##  tested in a real browser. apt-get install chromium         ##
##  chromium-driver; REQUIRE_BROWSER=1 fails.                  ##
################################################################

MSG
fi
photo_banner
smtp_banner
echo "=== anhuan tests: done ==="
