"""The tampering checks (``tests/fixtures/audit_tamper.py``) on a Postgres instance's
trail: the instance (Dagster's tables and ``ql_audit``) in a schema of its own in the
``test`` database on 127.0.0.1, dropped afterwards."""

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from quantumlayer_cli.audit_trail import cli_audit_log
from quantumlayer_dagster.audit.chain import verify_chain
from quantumlayer_dagster.audit.record import AuditEvent
from quantumlayer_dagster.audit.sql_log import SqlAuditLog
from quantumlayer_dagster.settings import Settings
from tests.fixtures.audit_tamper import TamperChecks, Trail
from tests.fixtures.postgres import PG_HOST, PG_PORT, PG_USER

pytestmark = pytest.mark.server
DATABASE = "test"

INSTANCE = """\
telemetry:
  enabled: false
storage:
  postgres:
    postgres_db:
      hostname: {host}
      port: {port}
      username: {user}
      password: unused-with-trust-auth
      db_name: {db}
      scheme: postgresql+psycopg2
      params:
        options: -csearch_path={schema}
"""


@pytest.fixture
def trail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Trail]:
    schema = f"ql_audit_test_{secrets.token_hex(4)}"
    admin = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=DATABASE)
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute(f"CREATE SCHEMA {schema}")
    home = tmp_path / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text(
        INSTANCE.format(host=PG_HOST, port=PG_PORT, user=PG_USER, db=DATABASE, schema=schema)
    )
    monkeypatch.setenv("QL_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(home))

    def execute(sql: str) -> None:
        with admin.cursor() as cur:
            cur.execute(f"SET search_path TO {schema}")
            cur.execute(sql)

    url = f"postgresql://{PG_USER}@{PG_HOST}:{PG_PORT}/{DATABASE}?options=-csearch_path%3D{schema}"
    try:
        yield Trail(log=cli_audit_log(Settings.from_env()), execute=execute, url=url)
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
        admin.close()


class TestOnPostgres(TamperChecks):
    pass


def test_the_platform_role_keeps_appending_after_update_and_delete_are_revoked():
    """The README's hardening: another role owns the table, the platform's role keeps only
    SELECT and INSERT; appends and verify still work, an UPDATE or DELETE is refused."""
    tag = secrets.token_hex(4)
    schema, app, owner = f"ql_audit_test_{tag}", f"ql_audit_app_{tag}", f"ql_audit_own_{tag}"
    admin = psycopg2.connect(host=PG_HOST, port=PG_PORT, user=PG_USER, dbname=DATABASE)
    admin.autocommit = True
    url = f"postgresql://{app}@{PG_HOST}:{PG_PORT}/{DATABASE}"
    table = f"{schema}.ql_audit"
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE SCHEMA {schema}")
            cur.execute(f"CREATE ROLE {app} LOGIN")
            cur.execute(f"CREATE ROLE {owner} NOLOGIN")
            cur.execute(f"GRANT USAGE, CREATE ON SCHEMA {schema} TO {app}")
        SqlAuditLog(url, table).append(AuditEvent(action="launch", actor="cli"))
        with admin.cursor() as cur:
            cur.execute(f"ALTER TABLE {table} OWNER TO {owner}")
            cur.execute(f"GRANT SELECT, INSERT ON {table} TO {app}")
            cur.execute(f"REVOKE UPDATE, DELETE, TRUNCATE ON {table} FROM {app}")
        log = SqlAuditLog(url, table)  # a new process's first use: the table exists
        record = log.append(AuditEvent(action="fetch", actor="cli"))
        assert record is not None and record.seq == 2
        assert verify_chain(log.rows(), log.seq_of).ok
        for statement in (f"UPDATE {table} SET tenant = 'x'", f"DELETE FROM {table}"):
            conn = psycopg2.connect(url)
            with pytest.raises(psycopg2.errors.InsufficientPrivilege), conn, conn.cursor() as cur:
                cur.execute(statement)
            conn.close()
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
            cur.execute(f"DROP ROLE IF EXISTS {app}")
            cur.execute(f"DROP ROLE IF EXISTS {owner}")
        admin.close()
