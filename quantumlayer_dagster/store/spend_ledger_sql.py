"""The LLM spend ledger (``llm/spend_ledger.py``) in SQL: the Dagster instance's Postgres for
steps in separate pods, or an SQLite file for the processes of one machine.

Every row carries its request's tenant, so the same table answers both budgets: the
request's (its rows) and the tenant's window (the tenant's rows reserved in the window).

Atomicity: on Postgres transaction-scoped advisory locks on the tenant, then on the request
id, serialise the sum-check-insert of one tenant's requests across every connection (always
in that order, so two reservations never wait on each other); on SQLite ``BEGIN IMMEDIATE``
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
from quantumlayer_dagster.llm.tenant_budget import TenantLimits, TenantSpendRefused, TenantWindow
from quantumlayer_dagster.tenants import DEFAULT_TENANT, check_tenant

_TABLE = """CREATE TABLE IF NOT EXISTS ql_llm_spend (
    entry VARCHAR(64) PRIMARY KEY,
    request_id VARCHAR(200) NOT NULL,
    tokens BIGINT NOT NULL,
    usd DOUBLE PRECISION NOT NULL,
    settled INTEGER NOT NULL,
    reserved_at VARCHAR(40) NOT NULL
)"""
_INDEX = "CREATE INDEX IF NOT EXISTS ql_llm_spend_request ON ql_llm_spend (request_id)"
# Added to ledgers made before tenants: their rows were all the shared tenant's.
_TENANT_COLUMN = "tenant VARCHAR(63) NOT NULL DEFAULT 'shared'"
_TENANT_INDEX = (
    "CREATE INDEX IF NOT EXISTS ql_llm_spend_tenant ON ql_llm_spend (tenant, reserved_at)"
)
_SCHEMA_LOCK = 0x514C5350  # "QLSP": one advisory lock for creating the table
SQLITE_TIMEOUT_S = 30.0


class SqlSpendLedger:
    """One request's spend ledger in a ``postgresql://`` database or an SQLite file; with a
    ``tenant_window``, every reservation is also checked against the tenant's window."""

    def __init__(
        self,
        url: str,
        request_id: str,
        tenant: str = DEFAULT_TENANT,
        tenant_window: TenantWindow | None = None,
    ):
        self.request_id = request_id
        self.tenant = check_tenant(tenant)
        if tenant_window is not None and tenant_window.tenant != self.tenant:
            raise ValueError(f"the window of {tenant_window.tenant!r} is not {tenant!r}'s")
        self.tenant_window = tenant_window
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
        return f"SqlSpendLedger({kind}, {self.request_id}, {self.tenant})"

    @property
    def enforces_tenant_budget(self) -> bool:
        return self.tenant_window is not None

    def reserve(self, estimate: Spend, max_tokens: int | None, max_usd: float | None) -> str:
        """The request's limits (None: unlimited) are checked first, then the tenant's
        window: SpendRefused, or TenantSpendRefused naming the tenant, window and limit."""
        entry = uuid.uuid4().hex
        now = datetime.now(UTC)
        with self._locked() as cur:
            spent = self._total(cur)
            over_tokens = max_tokens is not None and spent.tokens + estimate.tokens > max_tokens
            over_usd = max_usd is not None and spent.usd + estimate.usd > max_usd
            if over_tokens or over_usd:
                raise SpendRefused(spent)
            if self.tenant_window is not None:
                start, end = self.tenant_window.bounds(now)
                in_window = self._tenant_total(cur, start)
                if self.tenant_window.over(in_window, estimate):
                    raise TenantSpendRefused(self.tenant_window, in_window, estimate, start, end)
            cur.execute(
                self._sql(
                    "INSERT INTO ql_llm_spend (entry, request_id, tokens, usd, settled, "
                    "reserved_at, tenant) VALUES (?, ?, ?, ?, 0, ?, ?)"
                ),
                (
                    entry,
                    self.request_id,
                    estimate.tokens,
                    estimate.usd,
                    _stamp(now),
                    self.tenant,
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

    def tenant_total(self, now: datetime | None = None) -> Spend:
        """What the tenant's requests reserved or spent in the window ``now`` falls in (no
        window configured: a day)."""
        window = self.tenant_window or TenantWindow(self.tenant, 24 * 3600, _NO_LIMITS)
        start, _ = window.bounds(now or datetime.now(UTC))
        with self._locked() as cur:
            return self._tenant_total(cur, start)

    def _tenant_total(self, cur: Any, start: datetime) -> Spend:
        cur.execute(
            self._sql(
                "SELECT COALESCE(SUM(tokens), 0), COALESCE(SUM(usd), 0) FROM ql_llm_spend "
                "WHERE tenant = ? AND reserved_at >= ?"
            ),
            (self.tenant, _stamp(start)),
        )
        tokens, usd = cur.fetchone()
        return Spend(int(tokens), float(usd))

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
                    cur.execute(
                        f"ALTER TABLE ql_llm_spend ADD COLUMN IF NOT EXISTS {_TENANT_COLUMN}"
                    )
                    cur.execute(_TENANT_INDEX)
                # The tenant first, then the request: every reservation takes them in order.
                cur.execute(
                    "SELECT pg_advisory_xact_lock(hashtext(%s))", (f"tenant:{self.tenant}",)
                )
                cur.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", (self.request_id,))
                yield cur
            self._ready = True
        finally:
            conn.close()

    def _sqlite_locked(self) -> Iterator[Any]:
        conn = sqlite3.connect(self._dsn, timeout=SQLITE_TIMEOUT_S, isolation_level=None)
        try:
            cur = conn.cursor()
            cur.execute("BEGIN IMMEDIATE")
            if not self._ready:
                # Inside the write lock, so two processes never both add the tenant column.
                cur.execute(_TABLE)
                cur.execute(_INDEX)
                columns = {row[1] for row in cur.execute("PRAGMA table_info(ql_llm_spend)")}
                if "tenant" not in columns:
                    cur.execute(f"ALTER TABLE ql_llm_spend ADD COLUMN {_TENANT_COLUMN}")
                cur.execute(_TENANT_INDEX)
            try:
                yield cur
            except BaseException:
                conn.rollback()
                raise
            conn.commit()
            self._ready = True
        finally:
            conn.close()


_NO_LIMITS = TenantLimits()


def _stamp(moment: datetime) -> str:
    """A UTC time as stored in ``reserved_at``: fixed width, so text order is time order."""
    return moment.astimezone(UTC).isoformat(timespec="microseconds")
