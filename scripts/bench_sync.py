#!/usr/bin/env python3
"""Change-feed benchmark (driven by scripts/bench-sync.sh).

Setup over HTTP: two enterprises, an inspector, one finding as a template.
Then CHANGES findings are copied from it inside the SQLite file in one
transaction; the database's triggers write their change-log rows.

Measured, median of RUNS, interleaved:
  * raw loop (reference): Python's sqlite3 pages the log by seq, 500 rows a
    time, and loads those findings' rows: what the feed reads, no more;
  * /sync as the park (admin), limit 500 and 1000: every change with its
    record as JSON over HTTP;
  * /sync as another enterprise's user: none of the 100k is theirs, so
    one call must answer "nothing" and move its cursor past them all.
"""
import http.client, json, os, sqlite3, statistics, sys, time, urllib.parse, uuid

base, db_path = sys.argv[1], sys.argv[2]
CHANGES = int(os.environ.get("CHANGES", "100000"))
RUNS = int(os.environ.get("RUNS", "3"))
host = urllib.parse.urlparse(base).netloc
conn = http.client.HTTPConnection(host, timeout=300)

def call(method, path, token=None, body=None):
    h = {"content-type": "application/json"}
    if token:
        h["authorization"] = "Bearer " + token
    conn.request(method, path, body=json.dumps(body) if body is not None else None, headers=h)
    r = conn.getresponse()
    data = r.read()
    assert r.status < 300, (method, path, r.status, data[:300])
    return json.loads(data) if data else None

def login(user, password):
    return call("POST", "/api/v1/auth/login", body={"username": user, "password": password})["token"]

admin = login("admin", "bench-password")
ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]
def credit_code(n):  # GB 32100-2015: 17 characters and their check character
    first = f"91500114{n:09d}"
    total = sum(ALPHABET.index(c) * w for c, w in zip(first, WEIGHTS))
    return first + ALPHABET[(31 - total % 31) % 31]
def enterprise(name, n):
    return call("POST", "/api/v1/enterprises", admin, {"name": name, "credit_code": credit_code(n),
                "industry": "aluminium", "address": "黔江高新区"})["id"]
e = enterprise("基准企业甲", 1)
f = enterprise("基准企业乙", 2)
for role, extra in (("inspector", {}), ("enterprise", {"enterprise_id": f})):
    call("POST", "/api/v1/users", admin, {"username": "b-" + role, "password": "bench-password-1",
         "role": role, "display_name": "基准", **extra})
insp = login("b-inspector", "bench-password-1")
other = login("b-enterprise", "bench-password-1")
template = str(uuid.uuid4())
call("PUT", f"/api/v1/findings/{template}", insp, {"enterprise_id": e, "category": "safety",
     "level": "general", "description": "液氨储罐区围堰排水阀常开", "photo_ids": []})

db = sqlite3.connect(db_path, timeout=30)
cols = [r[1] for r in db.execute("PRAGMA table_info(findings)")]
t0 = time.perf_counter()
with db:
    db.execute("CREATE TEMP TABLE n (i INTEGER PRIMARY KEY)")
    db.execute(f"WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < {CHANGES}) "
               "INSERT INTO n SELECT i FROM c")
    picked = ", ".join("lower(printf('%08x-%04x-4%03x-8%03x-%012x', n.i, 0, 0, 0, n.i))" if c == "id"
                       else f"f.{c}" for c in cols)
    db.execute(f"INSERT INTO findings ({', '.join(cols)}) SELECT {picked} FROM findings f, n "
               "WHERE f.id = ?", (template,))
total = db.execute("SELECT count(*) FROM change_log").fetchone()[0]
print(f"setup: {CHANGES} findings copied in {time.perf_counter() - t0:.1f} s; change log {total} rows")

def raw_loop():
    t0 = time.perf_counter()
    seq, n = 0, 0
    while True:
        rows = db.execute("SELECT seq, entity, entity_id FROM change_log WHERE txid = 0 AND seq > ? "
                          "ORDER BY txid, seq LIMIT 500", (seq,)).fetchall()
        if not rows:
            break
        ids = [r[2] for r in rows if r[1] == "finding"]
        got = db.execute(f"SELECT * FROM findings WHERE id IN ({','.join('?' * len(ids))})", ids).fetchall()
        n += len(got)
        seq = rows[-1][0]
    return time.perf_counter() - t0, n

def sync(token, limit):
    t0 = time.perf_counter()
    cursor, n, pages = "", 0, 0
    while True:
        page = call("GET", f"/api/v1/sync?limit={limit}&cursor={cursor}", token)
        pages += 1
        n += sum(1 for c in page["changes"] if c["type"] == "finding")
        cursor = page["next_cursor"]
        if not page["has_more"]:
            return time.perf_counter() - t0, n, pages

raw_loop(); sync(admin, 1000)  # warm caches
times = {k: [] for k in ("raw", "s500", "s1000", "other")}
for _ in range(RUNS):
    t, n = raw_loop(); times["raw"].append(t); assert n >= CHANGES, n
    t, n, p500 = sync(admin, 500); times["s500"].append(t); assert n >= CHANGES, n
    t, n, p1000 = sync(admin, 1000); times["s1000"].append(t); assert n >= CHANGES, n
    t, n, pother = sync(other, 1000); times["other"].append(t); assert n == 0 and pother == 1, (n, pother)
ref = statistics.median(times["raw"])
print(f"median of {RUNS}")
print(f"{'way':44} {'median':>9} {'per 1k':>9} {'ratio':>7}")
for key, label in (("raw", "raw SQLite loop, 500 a page (reference)"),
                   ("s500", f"/sync as the park, limit 500 ({p500} pages)"),
                   ("s1000", f"/sync as the park, limit 1000 ({p1000} pages)"),
                   ("other", "/sync, another enterprise (1 call)")):
    m = statistics.median(times[key])
    print(f"{label:44} {m:8.2f}s {m / CHANGES * 1000 * 1000:7.1f}ms {m / ref:7.1f}")
