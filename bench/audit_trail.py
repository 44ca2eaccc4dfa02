"""Benchmark: the audit trail's hash-chained appends and its verify, on SQLite (a local
instance's file) and Postgres (127.0.0.1:5432, database ``test``, a schema made for the run
and dropped after).

Prints ``name: value`` lines. Appends per second, one record per transaction and a new
connection each (as the CLI, the sensor and a run append: the table's lock, the head read,
the digest, the insert), against the baseline of the same rows inserted the same way into
a plain table without the chain; appends per second in batches of 50 (``extend``, as one
sensor tick); and the seconds ``verify_chain`` takes over N records, against the baseline
of reading the same rows without checking them.

    .venv/bin/python bench/audit_trail.py [--appends 300] [--records 20000] [--no-postgres]
"""

import argparse
import secrets
import sqlite3
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from quantumlayer_dagster.audit.chain import verify_chain  # noqa: E402
from quantumlayer_dagster.audit.content import sha256_hex  # noqa: E402
from quantumlayer_dagster.audit.record import AuditEvent  # noqa: E402
from quantumlayer_dagster.audit.sql_log import STORED, SqlAuditLog  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/test"
BATCH = 50


def _event(i: int) -> AuditEvent:
    return AuditEvent(
        action="launch",
        actor="sensor prompt_uploads",
        request_id=f"r20261206093000-{i:08x}",
        subject=f"launched/r20261206093000-{i:08x}/prompt.txt",
        digests={"prompt": sha256_hex(str(i))},
    )


def _rate(n: int, fn: Callable[[int], None]) -> float:
    t = time.perf_counter()
    for i in range(n):
        fn(i)
    return round(n / (time.perf_counter() - t), 1)


def _plain_sqlite(path: str) -> Callable[[int], None]:
    columns = [c for c in STORED if c != "seq"]
    with sqlite3.connect(path) as conn:
        conn.execute(f"CREATE TABLE plain (seq INTEGER PRIMARY KEY, {', '.join(columns)})")

    def insert(i: int) -> None:
        row = {**_event(i).row(), "prev_digest": "", "digest": ""}
        conn = sqlite3.connect(path, isolation_level=None)
        try:
            conn.execute("BEGIN")
            marks = ", ".join("?" * len(columns))
            conn.execute(
                f"INSERT INTO plain ({', '.join(columns)}) VALUES ({marks})",
                tuple(row[c] for c in columns),
            )
            conn.execute("COMMIT")
        finally:
            conn.close()

    return insert


def _plain_postgres(url: str, schema: str) -> Callable[[int], None]:
    import psycopg2

    columns = [c for c in STORED if c != "seq"]
    conn = psycopg2.connect(url)
    with conn, conn.cursor() as cur:
        cur.execute(
            f"CREATE TABLE {schema}.plain (seq BIGSERIAL PRIMARY KEY, "
            f"{', '.join(f'{c} TEXT' for c in columns)})"
        )
    conn.close()

    def insert(i: int) -> None:
        row = {**_event(i).row(), "prev_digest": "", "digest": ""}
        conn = psycopg2.connect(url)
        try:
            with conn, conn.cursor() as cur:
                cur.execute(
                    f"INSERT INTO {schema}.plain ({', '.join(columns)}) "
                    f"VALUES ({', '.join(['%s'] * len(columns))})",
                    tuple(str(row[c]) if row[c] is not None else None for c in columns),
                )
        finally:
            conn.close()

    return insert


def _measure(name: str, log: SqlAuditLog, plain: Callable[[int], None], args: Any) -> None:
    log.seq_of("0" * 64)  # the table exists before timing
    print(f"{name}_append_per_s: {_rate(args.appends, lambda i: log.append(_event(i)))}")
    print(f"{name}_plain_insert_per_s: {_rate(args.appends, plain)}")
    batches = max(1, args.appends // BATCH)
    t = time.perf_counter()
    for b in range(batches):
        log.extend(_event(args.appends + b * BATCH + i) for i in range(BATCH))
    rate = round(batches * BATCH / (time.perf_counter() - t), 1)
    print(f"{name}_append_batched_{BATCH}_per_s: {rate}")
    # Fill up to --records with large batches, then time the re-walk against a bare read.
    have = args.appends + batches * BATCH
    while have < args.records:
        take = min(1000, args.records - have)
        log.extend(_event(have + i) for i in range(take))
        have += take
    t = time.perf_counter()
    rows = sum(1 for _ in log.rows())
    read_s = time.perf_counter() - t
    t = time.perf_counter()
    verdict = verify_chain(log.rows(), log.seq_of)
    verify_s = time.perf_counter() - t
    assert verdict.ok and verdict.count == rows, verdict
    print(f"{name}_records: {rows}")
    print(f"{name}_verify_s: {verify_s:.3f}")
    print(f"{name}_read_only_s: {read_s:.3f}")
    print(f"{name}_verify_per_record_us: {verify_s / rows * 1e6:.1f}")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--appends", type=int, default=300)
    parser.add_argument("--records", type=int, default=20000)
    parser.add_argument("--no-postgres", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="ql-audit-bench-") as tmp:
        log = SqlAuditLog(str(Path(tmp) / "ql_audit.db"))
        _measure("sqlite", log, _plain_sqlite(str(Path(tmp) / "plain.db")), args)
    if args.no_postgres:
        return
    import psycopg2

    schema = f"ql_audit_bench_{secrets.token_hex(4)}"
    admin = psycopg2.connect(PG)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    try:
        log = SqlAuditLog(PG, table=f"{schema}.ql_audit")
        _measure("postgres", log, _plain_postgres(PG, schema), args)
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP SCHEMA {schema} CASCADE")
        admin.close()


if __name__ == "__main__":
    main()
