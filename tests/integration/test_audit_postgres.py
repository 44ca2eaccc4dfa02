"""The tampering checks (``tests/fixtures/audit_tamper.py``) on a Postgres instance's
trail: the instance (Dagster's tables and ``ql_audit``) in a schema of its own in the
``test`` database on 127.0.0.1, dropped afterwards."""

import secrets
from collections.abc import Iterator
from pathlib import Path

import psycopg2
import pytest

from quantumlayer_cli.audit_trail import cli_audit_log
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
