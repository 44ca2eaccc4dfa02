"""The audit table: append-only, hash-chained, in the Dagster instance's Postgres or in an
SQLite file beside a local instance (as the spend ledger, ``store/spend_ledger_sql.py``).

Appending reads the head of the chain and inserts the next record in one transaction that
holds the table's lock: on Postgres a transaction-scoped advisory lock on the table's name,
taken by every appender in every process; on SQLite ``BEGIN IMMEDIATE`` (the database's
write lock). Sequence numbers are the head's plus one inside that lock, so a rolled-back
append leaves no gap: a gap means a record was removed. This module has no UPDATE and no
DELETE statement; the chain, not the table's permissions, is what makes tampering
detectable (``chain.py``). A connection is opened per operation, as the ledger does.
"""

import re
import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from quantumlayer_dagster.audit.log import AuditUnavailable
from quantumlayer_dagster.audit.record import (
    COLUMNS,
    GENESIS,
    AuditEvent,
    AuditRecord,
    format_time,
    record_digest,
)

DEFAULT_TABLE = "ql_audit"
AUDIT_FILE = "ql_audit.db"
"""The SQLite file of a local instance's trail, in the instance's folder."""
SQLITE_TIMEOUT_S = 30.0
STORED = ("seq", *COLUMNS, "prev_digest", "digest")
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,50}(\.[a-z_][a-z0-9_]{0,50})?")


class SqlAuditLog:
    """The audit table ``table`` in a ``postgresql://`` database or an SQLite file."""

    def __init__(self, url: str, table: str = DEFAULT_TABLE):
        if not _IDENTIFIER.fullmatch(table):
            raise ValueError(f"{table!r} is not a table name ([schema.]name, lowercase)")
        self.table = table
        self.postgres = url.startswith(("postgresql", "postgres:"))
        if self.postgres:
            # The instance's SQLAlchemy URL may name the driver; libpq wants the plain form.
            self._dsn = "postgresql://" + url.split("://", 1)[1]
        else:
            self._dsn = url.removeprefix("sqlite:///")
        self._ready = False

    def __repr__(self) -> str:
        # The Postgres URL may carry a password.
        return f"SqlAuditLog({self.where}, {self.table})"

    @property
    def where(self) -> str:
        return "postgres" if self.postgres else f"sqlite {self._dsn}"

    def append(self, event: AuditEvent) -> AuditRecord | None:
        records = self.extend([event])
        return records[0] if records else None

    def extend(self, events: Iterable[AuditEvent]) -> list[AuditRecord]:
        """Append ``events`` in order in one transaction; events whose ``event_key`` is
        already recorded are left out. Returns the records stored."""
        stored: list[AuditRecord] = []
        with self._locked() as cur:
            cur.execute(
                self._sql(f"SELECT seq, digest FROM {self.table} ORDER BY seq DESC LIMIT 1")
            )
            head = cur.fetchone()
            seq, prev = (int(head[0]), str(head[1])) if head else (0, GENESIS)
            for event in events:
                if event.event_key is not None and self._has_key(cur, event.event_key):
                    continue
                row = event.row()
                digest = record_digest(row, prev)
                seq += 1
                values = {"seq": seq, **row, "prev_digest": prev, "digest": digest}
                marks = ", ".join("?" for _ in STORED)
                cur.execute(
                    self._sql(f"INSERT INTO {self.table} ({', '.join(STORED)}) VALUES ({marks})"),
                    tuple(values[c] for c in STORED),
                )
                stored.append(AuditRecord.from_row(values))
                prev = digest
        return stored

    def rows(
        self, tenant: str | None = None, since: datetime | None = None
    ) -> Iterator[dict[str, Any]]:
        """Every stored row in sequence order, as its raw column values (what ``chain``
        re-walks; a tampered row may no longer be a valid record), optionally only one
        tenant's or those at or after ``since``."""
        where, params = [], []
        if tenant is not None:
            where.append("tenant = ?")
            params.append(tenant)
        if since is not None:
            where.append("at >= ?")
            params.append(format_time(since))
        clause = f" WHERE {' AND '.join(where)}" if where else ""
        query = self._sql(f"SELECT {', '.join(STORED)} FROM {self.table}{clause} ORDER BY seq")
        with self._reading(stream=True) as cur:
            cur.execute(query, tuple(params))
            while batch := cur.fetchmany(1000):
                for values in batch:
                    yield dict(zip(STORED, values, strict=True))

    def records(
        self, tenant: str | None = None, since: datetime | None = None
    ) -> Iterator[AuditRecord]:
        for row in self.rows(tenant, since):
            yield AuditRecord.from_row(row)

    def seq_of(self, digest: str) -> int | None:
        """The sequence number of the record whose stored digest is ``digest``, if any."""
        with self._reading() as cur:
            cur.execute(self._sql(f"SELECT seq FROM {self.table} WHERE digest = ?"), (digest,))
            found = cur.fetchone()
        return int(found[0]) if found else None

    def _has_key(self, cur: Any, key: str) -> bool:
        cur.execute(self._sql(f"SELECT 1 FROM {self.table} WHERE event_key = ?"), (key,))
        return cur.fetchone() is not None

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self.postgres else statement

    def _schema(self) -> list[str]:
        name = self.table.replace(".", "_")
        big = "BIGINT" if self.postgres else "INTEGER"
        return [
            f"""CREATE TABLE IF NOT EXISTS {self.table} (
                seq {big} PRIMARY KEY,
                version INTEGER NOT NULL,
                at VARCHAR(40) NOT NULL,
                action VARCHAR(32) NOT NULL,
                tenant VARCHAR(63) NOT NULL,
                actor VARCHAR(64) NOT NULL,
                user_name VARCHAR(128),
                credential VARCHAR(64),
                client VARCHAR(255),
                request_id VARCHAR(64),
                run_id VARCHAR(64),
                subject TEXT,
                reason TEXT,
                digests TEXT NOT NULL,
                event_key VARCHAR(200) UNIQUE,
                prev_digest VARCHAR(64) NOT NULL,
                digest VARCHAR(64) NOT NULL UNIQUE
            )""",
            f"CREATE INDEX IF NOT EXISTS {name}_tenant_at ON {self.table} (tenant, at)",
            f"CREATE INDEX IF NOT EXISTS {name}_at ON {self.table} (at)",
        ]

    @contextmanager
    def _locked(self) -> Iterator[Any]:
        """A cursor in a transaction holding the table's append lock; committed on success."""
        with self._cursor(lock=True, stream=False) as cur:
            yield cur

    @contextmanager
    def _reading(self, stream: bool = False) -> Iterator[Any]:
        """A cursor in a read transaction; ``stream``: rows come from the server in batches
        (a Postgres server-side cursor), so a long trail is never held in memory whole."""
        with self._cursor(lock=False, stream=stream) as cur:
            yield cur

    @contextmanager
    def _cursor(self, lock: bool, stream: bool) -> Iterator[Any]:
        """A cursor of either database; its driver's errors become AuditUnavailable."""
        try:
            if self.postgres:
                with self._postgres(lock=lock, stream=stream) as cur:
                    yield cur
            else:
                with self._sqlite(lock=lock) as cur:
                    yield cur
        except (sqlite3.Error, OSError) as exc:
            raise self._unavailable(exc) from None
        except Exception as exc:
            if type(exc).__module__.startswith("psycopg2"):
                raise self._unavailable(exc) from None
            raise

    def _unavailable(self, exc: BaseException) -> AuditUnavailable:
        detail = (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        fix = (
            "check that the instance's Postgres is reachable (DAGSTER_PG_* in dagster.yaml)"
            if self.postgres
            else f"check that {Path(self._dsn).parent} exists and is writable"
        )
        return AuditUnavailable(f"audit trail ({self.where}) unavailable: {detail}; {fix}")

    def _ensure_table(self) -> None:
        """Create the table once per process, in its own transaction: a reader left open
        (``rows`` is a generator) never holds the lock an appender or a lookup waits for."""
        if self._ready:
            return
        if self.postgres:
            import psycopg2

            conn = psycopg2.connect(self._dsn)
            try:
                with conn, conn.cursor() as cur:
                    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.table,))
                    # Created only when missing: a deployment may give the table to another
                    # owner and leave the platform's role only SELECT and INSERT on it.
                    cur.execute("SELECT to_regclass(%s)", (self.table,))
                    if cur.fetchone()[0] is None:
                        for statement in self._schema():
                            cur.execute(statement)
            finally:
                conn.close()
        else:
            Path(self._dsn).parent.mkdir(parents=True, exist_ok=True)
            conn_lite = sqlite3.connect(self._dsn, timeout=SQLITE_TIMEOUT_S)
            try:
                with conn_lite:
                    for statement in self._schema():
                        conn_lite.execute(statement)
            finally:
                conn_lite.close()
        self._ready = True

    @contextmanager
    def _postgres(self, lock: bool, stream: bool = False) -> Iterator[Any]:
        import psycopg2

        self._ensure_table()
        conn = psycopg2.connect(self._dsn)
        try:
            with conn, conn.cursor(name="ql_audit_rows" if stream else None) as cur:
                if lock:  # one lock per table: every append, in every process
                    cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.table,))
                yield cur
        finally:
            conn.close()

    @contextmanager
    def _sqlite(self, lock: bool) -> Iterator[Any]:
        self._ensure_table()
        conn = sqlite3.connect(self._dsn, timeout=SQLITE_TIMEOUT_S, isolation_level=None)
        try:
            cur = conn.cursor()
            cur.execute("BEGIN IMMEDIATE" if lock else "BEGIN")
            try:
                yield cur
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            conn.close()
