#!/usr/bin/env python3
"""Resumable-upload benchmark (driven by scripts/bench-uploads.sh).

The same photo, each time with a unique 16-byte tail (so the retry
shortcut never answers), sent:
  * plainly: one `POST /photos` with the image as the body (reference)
  * by tus: `POST /uploads`, then `PATCH` parts of 256 KiB, each on its
    own connection as a phone on a bad network would open them
  * by tus with `Upload-Checksum: sha256` on every part
Median wall time of RUNS each, interleaved so drift hits all alike.
"""
import base64, hashlib, http.client, os, statistics, sys, time, urllib.parse

base, token, path = sys.argv[1], sys.argv[2], sys.argv[3]
RUNS = int(os.environ.get("RUNS", "7"))
PART = 256 * 1024
host = urllib.parse.urlparse(base).netloc
auth = {"authorization": "Bearer " + token}

def request(method, url, body=None, headers=None):
    c = http.client.HTTPConnection(host, timeout=120)
    c.request(method, url, body=body, headers={**auth, **(headers or {})})
    r = c.getresponse()
    data = r.read()
    c.close()
    return r, data

def plain(data):
    t0 = time.perf_counter()
    r, body = request("POST", "/api/v1/photos", data, {"content-type": "image/jpeg"})
    assert r.status == 201, (r.status, body[:200])
    return time.perf_counter() - t0

def tus(data, checksum):
    t0 = time.perf_counter()
    meta = "kind " + base64.b64encode(b"photo").decode()
    r, body = request("POST", "/api/v1/uploads", None,
                      {"tus-resumable": "1.0.0", "upload-length": str(len(data)), "upload-metadata": meta})
    assert r.status == 201, (r.status, body[:200])
    url = r.getheader("location")
    offset = 0
    while offset < len(data):
        part = data[offset:offset + PART]
        h = {"tus-resumable": "1.0.0", "upload-offset": str(offset),
             "content-type": "application/offset+octet-stream"}
        if checksum:
            h["upload-checksum"] = "sha256 " + base64.b64encode(hashlib.sha256(part).digest()).decode()
        r, body = request("PATCH", url, part, h)
        assert r.status == 204, (r.status, body[:200])
        offset = int(r.getheader("upload-offset"))
    assert r.getheader("upload-result", "").startswith("/api/v1/photos/")
    return time.perf_counter() - t0

photo = open(path, "rb").read()
unique = lambda: photo + os.urandom(16)
plain(unique()); tus(unique(), False)  # warm up
times = {"plain": [], "tus": [], "tus+sha256": []}
for _ in range(RUNS):
    times["plain"].append(plain(unique()))
    times["tus"].append(tus(unique(), False))
    times["tus+sha256"].append(tus(unique(), True))
ref = statistics.median(times["plain"])
parts = -(-len(photo) // PART)
print(f"photo: {len(photo)/1e6:.1f} MB, {parts} parts of 256 KiB, median of {RUNS}")
print(f"{'way':28} {'median':>10} {'ratio':>6}")
for name, label in (("plain", "POST /photos (reference)"), ("tus", "tus, 256 KiB parts"),
                    ("tus+sha256", "tus, parts with sha256")):
    m = statistics.median(times[name])
    print(f"{label:28} {m*1000:7.0f} ms {m/ref:6.2f}")
