"""Uploads photos with tuspy, the tus project's own Python client, as a
phone would: 64 KiB parts, sha256 checksums off (so a part cut midway
keeps what arrived), retrying each part after reading the offset back
with HEAD. Prints each upload's URL, one per line, in the order given.

usage: tus_client.py ENDPOINT TOKEN FILE...
"""
import os
import sys

import requests
from tusclient import client
from tusclient.exceptions import TusCommunicationError


def upload(endpoint, token, path):
    tus = client.TusClient(endpoint, headers={"Authorization": f"Bearer {token}"})
    uploader = tus.uploader(
        path,
        chunk_size=64 * 1024,
        metadata={"filename": os.path.basename(path), "filetype": "image/jpeg", "kind": "photo"},
        retries=200,
        retry_delay=0,
    )
    # tuspy retries a failed PATCH itself; a creation or HEAD broken off by
    # the network raises instead, so those are retried here.
    for _ in range(200):
        try:
            uploader.upload()
            return uploader.url
        except (requests.exceptions.ConnectionError, TusCommunicationError):
            continue
    raise SystemExit(f"{path}: gave up")


def main():
    endpoint, token, *files = sys.argv[1:]
    for f in files:
        print(upload(endpoint, token, f), flush=True)


if __name__ == "__main__":
    main()
