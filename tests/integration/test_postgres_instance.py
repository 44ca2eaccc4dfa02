"""The graph runs once on a Postgres-backed Dagster instance configured by the shipped
top-level ``dagster.yaml`` (``DAGSTER_PG_*`` variables), against the real server at
127.0.0.1:5432, in a fresh database dropped afterwards; what one request writes to the
instance and how many connections it opens are counted, not timed."""

import shutil
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import psycopg2
import pytest
import sqlalchemy
from dagster_postgres import PostgresEventLogStorage, PostgresRunStorage

from quantumlayer_cli.local_run import RunOutcome
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.stages.registry import ASSET_NAMES, PARTITIONS
from tests.conftest import scripted_settings
from tests.fixtures import wordcount
from tests.fixtures.dagster_servers import ROOT
from tests.fixtures.pipeline_run import run_wordcount
from tests.fixtures.postgres import PostgresDatabase

pytestmark = [pytest.mark.sandbox, pytest.mark.server, pytest.mark.slow]

EVENT_LOG_ROWS_PER_REQUEST = 204
"""Rows one word-count request adds to ``event_logs`` with the in-process executor (issue
23, on the body-filling engine of issue 18): Dagster's step, input, output, materialization
and check events, our progress lines, and one step-telemetry observation per step (issue 19,
for the metrics exporter). More means something started writing events nobody
asked for; a change to the graph or the word-count script that adds events on purpose
raises it with the reason."""
CONNECTIONS_PER_REQUEST = 50
"""Connections the run opens to Postgres: 37 measured with one pool per process (issue 23:
the instance's three storages check their tables at start, queries nested in a query take
a second connection); dagster-postgres as shipped opened about 1,000, one per query."""


@dataclass
class PostgresRun:
    database: PostgresDatabase
    outcome: RunOutcome
    storage: tuple[object, object]
    """(run storage, event log storage) of the instance the run used."""
    connections: int
    """Database connections opened while the request ran."""


@pytest.fixture(scope="module")
def postgres_run(
    postgres_database: PostgresDatabase, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[PostgresRun]:
    """The word-count request through the whole graph once, on the shipped Postgres config."""
    root = tmp_path_factory.mktemp("postgres")
    settings = scripted_settings(root)
    register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
    dagster_home = root / "dagster"
    dagster_home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", dagster_home / "dagster.yaml")
    opened = []

    def count(*_: object) -> None:
        opened.append(1)

    with pytest.MonkeyPatch.context() as env:
        for name, value in postgres_database.env().items():
            env.setenv(name, value)
        instance = dg.DagsterInstance.from_config(str(dagster_home))
        storage = (instance.run_storage, instance.event_log_storage)
        sqlalchemy.event.listen(sqlalchemy.engine.Engine, "connect", count)
        try:
            outcome = run_wordcount(settings, instance)
        finally:
            sqlalchemy.event.remove(sqlalchemy.engine.Engine, "connect", count)
            instance.dispose()
    yield PostgresRun(postgres_database, outcome, storage, len(opened))


def _query(database: PostgresDatabase, sql: str, *args: object) -> list[tuple]:
    """Read from Postgres itself, not through Dagster."""
    with (
        psycopg2.connect(
            host=database.host, port=database.port, user=database.user, dbname=database.name
        ) as conn,
        conn.cursor() as cur,
    ):
        cur.execute(sql, args)
        return cur.fetchall()


def test_the_graph_runs_once_on_the_postgres_instance(postgres_run):
    run_storage, event_log_storage = postgres_run.storage
    assert isinstance(run_storage, PostgresRunStorage)
    assert isinstance(event_log_storage, PostgresEventLogStorage)
    outcome = postgres_run.outcome
    assert outcome.success, outcome.failure
    partitions = _query(
        postgres_run.database,
        "SELECT partition FROM dynamic_partitions WHERE partitions_def_name = %s",
        PARTITIONS,
    )
    assert (outcome.request_id,) in partitions
    # The run and one materialization per asset for this request's partition are rows.
    status = _query(
        postgres_run.database, "SELECT status FROM runs WHERE run_id = %s", outcome.run_id
    )
    assert status == [("SUCCESS",)]
    materialized = _query(
        postgres_run.database,
        "SELECT asset_key FROM event_logs WHERE run_id = %s AND partition = %s "
        "AND dagster_event_type = 'ASSET_MATERIALIZATION'",
        outcome.run_id,
        outcome.request_id,
    )
    assert sorted(row[0] for row in materialized) == sorted(f'["{name}"]' for name in ASSET_NAMES)


def test_a_request_writes_no_more_event_log_rows_than_counted(postgres_run):
    [(rows,)] = _query(
        postgres_run.database,
        "SELECT count(*) FROM event_logs WHERE run_id = %s",
        postgres_run.outcome.run_id,
    )
    assert 0 < rows <= EVENT_LOG_ROWS_PER_REQUEST


def test_a_request_reuses_its_database_connections(postgres_run):
    assert 0 < postgres_run.connections <= CONNECTIONS_PER_REQUEST
