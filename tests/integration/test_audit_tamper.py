"""The tampering checks (``tests/fixtures/audit_tamper.py``) on a local instance's trail:
an SQLite file beside the instance."""

import sqlite3
from pathlib import Path

import pytest

from quantumlayer_cli.audit_trail import cli_audit_log
from quantumlayer_dagster.audit.sql_log import AUDIT_FILE
from quantumlayer_dagster.settings import Settings
from tests.fixtures.audit_tamper import TamperChecks, Trail


@pytest.fixture
def trail(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Trail:
    monkeypatch.setenv("QL_HOME", str(tmp_path))
    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "dagster"))
    log = cli_audit_log(Settings.from_env())
    path = tmp_path / "dagster" / AUDIT_FILE

    def execute(sql: str) -> None:
        with sqlite3.connect(path) as conn:
            conn.execute(sql)

    return Trail(log=log, execute=execute, url=str(path))


class TestOnSqlite(TamperChecks):
    pass
