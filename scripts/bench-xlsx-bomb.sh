#!/usr/bin/env bash
# The XLSX bomb benchmark (issue 17): starts a server on a fresh data
# folder, uploads one ~1 MiB .xlsx whose shared strings inflate to 1 GiB
# to an env-audit import, and prints the answer, the time it took, and
# the server's resident memory before and after (VmRSS, and VmHWM: the
# peak since start).
#
#   scripts/bench-xlsx-bomb.sh              # release build
#   PROFILE=debug scripts/bench-xlsx-bomb.sh
#   BENCH_BIN=/path/to/anhuan scripts/bench-xlsx-bomb.sh
#
# Needs curl, jq and python3 (Linux: reads /proc/PID/status).
set -euo pipefail
cd "$(dirname "$0")/.."

PROFILE=${PROFILE:-release}
TARGET=${CARGO_TARGET_DIR:-target}
if [[ -z "${BENCH_BIN:-}" ]]; then
  if [[ $PROFILE == release ]]; then cargo build --release --quiet; else cargo build --quiet; fi
  BENCH_BIN="$TARGET/$PROFILE/anhuan"
fi

work=$(mktemp -d)
server=""
cleanup() {
  if [[ -n $server ]]; then kill "$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

bomb="$work/bomb.xlsx"
python3 - "$bomb" <<'PY'
import sys, zipfile
path = sys.argv[1]
ns = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
rel = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
parts = {
  '[Content_Types].xml': '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>',
  '_rels/.rels': f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="xl/workbook.xml"/></Relationships>',
  'xl/workbook.xml': f'<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="{ns}" xmlns:r="{rel}"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>',
  'xl/_rels/workbook.xml.rels': f'<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    f'<Relationship Id="rId1" Type="{rel}/worksheet" Target="worksheets/sheet1.xml"/>'
    f'<Relationship Id="rId2" Type="{rel}/sharedStrings" Target="sharedStrings.xml"/></Relationships>',
  'xl/worksheets/sheet1.xml': f'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="{ns}"><sheetData><row r="1"><c r="A1" t="s"><v>0</v></c></row></sheetData></worksheet>',
}
with zipfile.ZipFile(path, 'w', zipfile.ZIP_DEFLATED, compresslevel=9) as z:
    for name, text in parts.items():
        z.writestr(name, text)
    with z.open('xl/sharedStrings.xml', 'w', force_zip64=False) as f:
        f.write(f'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="{ns}" count="1" uniqueCount="1"><si><t>'.encode())
        chunk = b'A' * (1 << 20)
        for _ in range(1024):  # 1 GiB of text in one shared string
            f.write(chunk)
        f.write(b'</t></si></sst>')
PY

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
base="http://127.0.0.1:$port"
ANHUAN_DATA_DIR="$work/data" ANHUAN_BIND="127.0.0.1:$port" ANHUAN_BOOTSTRAP_PASSWORD='bench-admin-password' \
  ANHUAN_LOG_LEVEL=warn "$BENCH_BIN" serve >"$work/server.log" 2>&1 &
server=$!
for _ in $(seq 1 300); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.2; done
curl -sf "$base/healthz" >/dev/null || { echo "server did not start:"; cat "$work/server.log"; exit 1; }

J='content-type: application/json'
login() { curl -sf -X POST "$base/api/v1/auth/login" -H "$J" -d "{\"username\":\"$1\",\"password\":\"$2\"}" | jq -r .token; }
admin=$(login admin bench-admin-password)
curl -sf -X POST "$base/api/v1/users" -H "authorization: Bearer $admin" -H "$J" \
  -d '{"username":"bench.officer","password":"bench-officer-password","role":"safety_officer","display_name":"基准"}' >/dev/null
officer=$(login bench.officer bench-officer-password)
batch=$(curl -sf -X POST "$base/api/v1/env-audits" -H "authorization: Bearer $officer" -H "$J" \
  -d '{"level":"central","name":"基准督察","document_number":"渝督改〔2026〕1号","received_date":"2026-03-15","default_deadline":"2027-06-30"}' | jq -r .id)

mem() { awk -v k="$1" '$1 == k":" {print $2}' "/proc/$server/status"; }
rss0=$(mem VmRSS); hwm0=$(mem VmHWM)
answer=$(curl -s -o "$work/answer.json" -w '%{http_code} %{time_total}' -X POST "$base/api/v1/env-audits/$batch/import" \
  -H "authorization: Bearer $officer" \
  -H 'content-type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet' \
  --data-binary @"$bomb")
rss1=$(mem VmRSS); hwm1=$(mem VmHWM)

printf 'bomb: %s bytes, shared strings inflate to %s bytes\n' "$(stat -c %s "$bomb")" "$((1024 * 1024 * 1024))"
printf 'answer: HTTP %s in %s s (%s)\n' "${answer% *}" "${answer#* }" "$(jq -r '.code + ": " + (.errors[0].message // .detail)' "$work/answer.json" 2>/dev/null | head -c 200)"
printf 'server RSS before: %s kB (peak %s kB)\n' "$rss0" "$hwm0"
printf 'server RSS after:  %s kB (peak %s kB); peak rose by %s kB\n' "$rss1" "$hwm1" "$((hwm1 - hwm0))"
