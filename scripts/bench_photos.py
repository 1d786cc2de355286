#!/usr/bin/env python3
"""Photo ingest benchmark (driven by scripts/bench-photos.sh).

Side by side on the same files in one run:
  * median ingest time per photo through HTTP (upload -> 201: hash, EXIF,
    one decode, display 2048 + thumbnail 320, three blob writes, one row)
  * `vipsthumbnail --size 2048` making the display copy alone (reference)
  * throughput with 1, 2 and 4 concurrent clients
  * peak RSS of the server (VmHWM) after 16 concurrent uploads
Every upload gets unique bytes (a random tail after the JPEG end marker)
so the retry shortcut never hides the work.
"""
import json, os, statistics, subprocess, sys, tempfile, threading, time, urllib.request

base, token, pid, files = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4:]
RUNS = int(os.environ.get("RUNS", "5"))

def unique(data):
    return data + os.urandom(16)

def upload(data):
    req = urllib.request.Request(base + "/api/v1/photos", data=data, method="POST",
                                 headers={"authorization": "Bearer " + token, "content-type": "image/jpeg"})
    t0 = time.perf_counter()
    with urllib.request.urlopen(req, timeout=120) as r:
        body = r.read()
        assert r.status == 201, (r.status, body[:200])
    return time.perf_counter() - t0

def vips(path, out):
    t0 = time.perf_counter()
    subprocess.run(["vipsthumbnail", path, "--size", "2048", "-o", out + "[Q=85]"], check=True)
    return time.perf_counter() - t0

blobs = {f: open(f, "rb").read() for f in files}
rows = []
with tempfile.TemporaryDirectory() as tmp:
    for f in files:
        out = os.path.join(tmp, "out.jpg")
        vips(f, out)  # warm the page cache and the binary
        upload(unique(blobs[f]))
        ours = statistics.median(upload(unique(blobs[f])) for _ in range(RUNS))
        ref = statistics.median(vips(f, out) for _ in range(RUNS))
        rows.append((os.path.basename(f), len(blobs[f]), ours * 1000, ref * 1000))

print(f"{'photo':34} {'MB':>5} {'anhuan ingest':>14} {'vipsthumbnail':>14} {'ratio':>6}")
for name, size, ours, ref in rows:
    print(f"{name:34} {size/1e6:5.1f} {ours:11.0f} ms {ref:11.0f} ms {ours/ref:6.2f}")
med_ours = statistics.median(r[2] for r in rows)
med_ref = statistics.median(r[3] for r in rows)
print(f"{'median over photos':34} {'':5} {med_ours:11.0f} ms {med_ref:11.0f} ms {med_ours/med_ref:6.2f}")

def throughput(clients, per_client=6):
    work = [unique(blobs[files[i % len(files)]]) for i in range(clients * per_client)]
    lock = threading.Lock()
    def run():
        while True:
            with lock:
                if not work:
                    return
                data = work.pop()
            upload(data)
    t0 = time.perf_counter()
    ts = [threading.Thread(target=run) for _ in range(clients)]
    [t.start() for t in ts]
    [t.join() for t in ts]
    return clients * per_client / (time.perf_counter() - t0)

print()
for c in (1, 2, 4):
    print(f"throughput with {c} client(s): {throughput(c):5.2f} photos/s")

def rss(field):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith(field):
            return int(line.split()[1]) / 1024
before = rss("VmRSS:")
ts = [threading.Thread(target=upload, args=(unique(blobs[files[i % len(files)]]),)) for i in range(16)]
[t.start() for t in ts]
[t.join() for t in ts]
print(f"\nserver RSS before the burst {before:.0f} MB; peak (VmHWM) after 16 concurrent uploads {rss('VmHWM:'):.0f} MB")
