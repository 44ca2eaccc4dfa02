"""The LLM spend ledger (``llm/spend_ledger.py``) in SQL: the Dagster instance's Postgres for
steps in separate pods, or an SQLite file for the processes of one machine.

Atomicity: on Postgres a transaction-scoped advisory lock on the request id serialises the
sum-check-insert of one request across every connection; on SQLite ``BEGIN IMMEDIATE``
takes the database's write lock for the same steps. A connection is opened per operation,
so the ledger is safe to share between threads and costs nothing while idle.
"""

import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from quantumlayer_dagster.llm.spend_ledger import Spend, SpendRefused

_TABLE = """CREATE TABLE IF NOT EXISTS ql_llm_spend (
    entry VARCHAR(64) PRIMARY KEY,
    request_id VARCHAR(200) NOT NULL,
    tokens BIGINT NOT NULL,
    usd DOUBLE PRECISION NOT NULL,
    settled INTEGER NOT NULL,
    reserved_at VARCHAR(40) NOT NULL
)"""
_INDEX = "CREATE INDEX IF NOT EXISTS ql_llm_spend_request ON ql_llm_spend (request_id)"
_SCHEMA_LOCK = 0x514C5350  # "QLSP": one advisory lock for creating the table
SQLITE_TIMEOUT_S = 30.0


class SqlSpendLedger:
    """One request's spend ledger in a ``postgresql://`` database or an SQLite file."""

    def __init__(self, url: str, request_id: str):
        self.request_id = request_id
        self._postgres = url.startswith(("postgresql", "postgres:"))
        if self._postgres:
            # The instance's SQLAlchemy URL may name the driver; libpq wants the plain form.
            self._dsn = "postgresql://" + url.split("://", 1)[1]
        else:
            self._dsn = url.removeprefix("sqlite:///")
            Path(self._dsn).parent.mkdir(parents=True, exist_ok=True)
        self._ready = False

    def __repr__(self) -> str:
        # The Postgres URL may carry a password.
        kind = "postgres" if self._postgres else f"sqlite {self._dsn}"
        return f"SqlSpendLedger({kind}, {self.request_id})"

    def reserve(self, estimate: Spend, max_tokens: int | None, max_usd: float | None) -> str:
        entry = uuid.uuid4().hex
        with self._locked() as cur:
            spent = self._total(cur)
            over_tokens = max_tokens is not None and spent.tokens + estimate.tokens > max_tokens
            over_usd = max_usd is not None and spent.usd + estimate.usd > max_usd
            if over_tokens or over_usd:
                raise SpendRefused(spent)
            cur.execute(
                self._sql("INSERT INTO ql_llm_spend VALUES (?, ?, ?, ?, 0, ?)"),
                (
                    entry,
                    self.request_id,
                    estimate.tokens,
                    estimate.usd,
                    datetime.now(UTC).isoformat(),
                ),
            )
        return entry

    def settle(self, entry: str, cost: Spend) -> None:
        with self._locked() as cur:
            cur.execute(
                self._sql(
                    "UPDATE ql_llm_spend SET tokens = ?, usd = ?, settled = 1 WHERE entry = ?"
                ),
                (cost.tokens, cost.usd, entry),
            )

    def total(self) -> Spend:
        with self._locked() as cur:
            return self._total(cur)

    def _total(self, cur: Any) -> Spend:
        cur.execute(
            self._sql(
                "SELECT COALESCE(SUM(tokens), 0), COALESCE(SUM(usd), 0) FROM ql_llm_spend "
                "WHERE request_id = ?"
            ),
            (self.request_id,),
        )
        tokens, usd = cur.fetchone()
        return Spend(int(tokens), float(usd))

    def _sql(self, statement: str) -> str:
        return statement.replace("?", "%s") if self._postgres else statement

    @contextmanager
    def _locked(self) -> Iterator[Any]:
        """A cursor inside a transaction holding the request's lock; committed on success."""
        if self._postgres:
            yield from self._postgres_locked()
        else:
            yield from self._sqlite_locked()

    def _postgres_locked(self) -> Iterator[Any]:
        import psycopg2

        conn = psycopg2.connect(self._dsn)
        try:
            with conn, conn.cursor() as cur:
                if not self._ready:
                    cur.execute("SELECT pg_advisory_xact_lock(%s)", (_SCHEMA_LOCK,))
                    cur.execute(_TABLE)
                    cur.execute(_INDEX)
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.request_id,))
                yield cur
            self._ready = True
        finally:
            conn.close()

    def _sqlite_locked(self) -> Iterator[Any]:
        conn = sqlite3.connect(self._dsn, timeout=SQLITE_TIMEOUT_S, isolation_level=None)
        try:
            cur = conn.cursor()
            if not self._ready:
                cur.execute(_TABLE)
                cur.execute(_INDEX)
                self._ready = True
            cur.execute("BEGIN IMMEDIATE")
            try:
                yield cur
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
        finally:
            conn.close()
