"""The graph runs once on a Postgres-backed Dagster instance configured by the shipped
top-level ``dagster.yaml`` (``DAGSTER_PG_*`` variables), against the real server at
127.0.0.1:5432, in a fresh database dropped afterwards."""

import shutil

import dagster as dg
import psycopg2
import pytest
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

from quantumlayer_dagster.stages.registry import ASSET_NAMES, PARTITIONS
from tests.fixtures.dagster_servers import ROOT
from tests.fixtures.pipeline_run import run_wordcount

pytestmark = [pytest.mark.sandbox, pytest.mark.server, pytest.mark.slow]


def test_the_graph_runs_once_on_the_postgres_instance(
    postgres_database, settings, register_script, tmp_path, monkeypatch
):
    register_script()
    database = postgres_database
    for name, value in database.env().items():
        monkeypatch.setenv(name, value)
    dagster_home = tmp_path / "dagster"
    dagster_home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    instance = dg.DagsterInstance.from_config(str(dagster_home))
    try:
        assert isinstance(instance.run_storage, PostgresRunStorage)
        assert isinstance(instance.event_log_storage, PostgresEventLogStorage)
        outcome = run_wordcount(settings, instance)
        assert outcome.success, outcome.failure
        assert outcome.request_id in instance.get_dynamic_partitions(PARTITIONS)
    finally:
        instance.dispose()

    # Read back from Postgres itself, not through Dagster: the run and one materialization
    # per asset for this request's partition are rows in the test database.
    with (
        psycopg2.connect(
            host=database.host, port=database.port, user=database.user, dbname=database.name
        ) as conn,
        conn.cursor() as cur,
    ):
        cur.execute("SELECT status FROM runs WHERE run_id = %s", (outcome.run_id,))
        assert cur.fetchall() == [("SUCCESS",)]
        cur.execute(
            "SELECT asset_key FROM event_logs WHERE run_id = %s AND partition = %s "
            "AND dagster_event_type = 'ASSET_MATERIALIZATION'",
            (outcome.run_id, outcome.request_id),
        )
        materialized = sorted(row[0] for row in cur.fetchall())
    assert materialized == sorted(f'["{name}"]' for name in ASSET_NAMES)
