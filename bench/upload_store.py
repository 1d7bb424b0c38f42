"""Upload and download throughput and peak Python memory of the object stores.

    python -m bench.upload_store [--mb 200]

Runs the local-directory store in a temporary directory and the S3 store against a throwaway SeaweedFS
server on 127.0.0.1 (the one the tests use). Peak memory should stay near a few S3 parts whatever the size.
"""

from __future__ import annotations

import argparse
import hashlib
import tempfile
import time
import tracemalloc
from pathlib import Path

from contest.storage import ObjectStore, store_from_url
from tests.plugins.s3server import S3Server

MiB = 1024 * 1024


class Zeros:
    """A stream of ``total`` bytes made on demand, so the source itself holds no memory."""

    def __init__(self, total: int) -> None:
        self.left = total
        self.block = bytes(MiB)

    def read(self, n: int = -1) -> bytes:
        n = min(self.left, MiB if n < 0 else n, MiB)
        self.left -= n
        return self.block[:n]


def measure(name: str, store: ObjectStore, total: int) -> None:
    tracemalloc.start()
    started = time.perf_counter()
    stored = store.put(Zeros(total), content_type="video/mp4")
    upload = time.perf_counter() - started
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()

    started = time.perf_counter()
    digest = hashlib.sha256()
    with store.open(stored.key) as reader:
        for chunk in reader:
            digest.update(chunk)
    download = time.perf_counter() - started
    assert digest.hexdigest() == stored.sha256
    store.delete(stored.key)
    mb = total / MiB
    print(
        f"{name:6} {mb:7.0f} MiB  upload {mb / upload:7.1f} MiB/s  download {mb / download:7.1f} MiB/s"
        f"  peak {peak / MiB:5.1f} MiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=int, default=200, help="size of the generated upload in MiB")
    args = parser.parse_args()
    total = args.mb * MiB

    with tempfile.TemporaryDirectory() as tmp:
        measure("local", store_from_url(Path(tmp, "objects").as_uri()), total)
        server = S3Server(Path(tmp, "s3"))
        server.start()
        try:
            print(f"SeaweedFS ready in {server.startup_seconds:.1f} s")
            measure("s3", store_from_url(server.new_bucket_url()), total)
        finally:
            server.stop()


if __name__ == "__main__":
    main()
