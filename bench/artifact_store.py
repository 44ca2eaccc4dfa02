"""Benchmark: the artifact stores and one prompt-sensor tick, local folder vs MinIO (moto's
S3 server on 127.0.0.1 in a subprocess: the protocol path, not MinIO's own speed).

Prints ``name: value`` lines: p50/p95 milliseconds of put and get of a 20 KB JSON artifact
on each store, and the wall time of one sensor scan taking 50 uploads (validate, write the
submission) plus the next scan moving them to launched/, against the baseline of the bare
listing of those 50 uploads on the same store.

    .venv/bin/python bench/artifact_store.py [--ops 100]
"""

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quantumlayer_dagster.intake.uploads import scan_uploads  # noqa: E402
from quantumlayer_dagster.store.local_dir import LocalDirStore  # noqa: E402
from quantumlayer_dagster.store.minio_store import MinioStore  # noqa: E402
from tests.fixtures.s3_server import start_s3_server, stop_s3_server  # noqa: E402

ARTIFACT = b'{"files": {"a.py": "' + b"x" * 20_000 + b'"}}'
PROMPT = b"Build a command-line tool that counts the words in a text file. Variant %d.\n"


def _ms(samples: list[float], q: int) -> float:
    return round(statistics.quantiles(samples, n=100)[q - 1] * 1000, 2)


def _store_ops(name: str, store: LocalDirStore | MinioStore, ops: int) -> None:
    puts, gets = [], []
    for i in range(ops):
        key = f"requests/r20260101000000-{i:08x}/code_tree.json"
        t = time.perf_counter()
        store.put_bytes(key, ARTIFACT)
        puts.append(time.perf_counter() - t)
        t = time.perf_counter()
        store.get_bytes(key)
        gets.append(time.perf_counter() - t)
    for op, samples in (("put", puts), ("get", gets)):
        print(f"{name}_{op}_p50_ms: {_ms(samples, 50)}")
        print(f"{name}_{op}_p95_ms: {_ms(samples, 95)}")


def _sensor(
    name: str,
    inbox: LocalDirStore | MinioStore,
    artifacts: LocalDirStore | MinioStore,
    uploads: int,
) -> None:
    for i in range(uploads):
        inbox.put_bytes(f"incoming/p{i:03d}.txt", PROMPT % i)
    t = time.perf_counter()
    inbox.list_objects("incoming/")
    listing = time.perf_counter() - t
    t = time.perf_counter()
    first = scan_uploads(inbox, artifacts, None, batch=uploads)
    take = time.perf_counter() - t
    t = time.perf_counter()
    scan_uploads(inbox, artifacts, first.cursor, batch=uploads)
    settle = time.perf_counter() - t
    assert len(first.launches) == uploads
    print(f"{name}_list_{uploads}_uploads_ms: {round(listing * 1000, 1)}")
    print(f"{name}_sensor_take_{uploads}_uploads_ms: {round(take * 1000, 1)}")
    print(f"{name}_sensor_move_{uploads}_launched_ms: {round(settle * 1000, 1)}")
    print(f"{name}_sensor_take_vs_listing_ratio: {round(take / listing, 1)}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--ops", type=int, default=100)
    parser.add_argument("--uploads", type=int, default=50)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="ql-bench-store-"))
    _store_ops("local", LocalDirStore(tmp / "artifacts"), args.ops)
    _sensor("local", LocalDirStore(tmp / "prompts"), LocalDirStore(tmp / "artifacts"), args.uploads)
    server = start_s3_server()
    try:
        conn = server.connection()
        _store_ops("minio", MinioStore(conn, "bench-artifacts"), args.ops)
        _sensor(
            "minio", MinioStore(conn, "bench-prompts"), MinioStore(conn, "bench-artifacts"),
            args.uploads,
        )  # fmt: skip
    finally:
        stop_s3_server(server)


if __name__ == "__main__":
    main()
