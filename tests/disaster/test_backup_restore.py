"""A lost deployment comes back from its backup: a deployment on Postgres with a finished
request, a failed one and one half-way through (its run executing while the backup is
taken) is backed up with ``quantumlayer backup``, and restored with ``quantumlayer restore``
into a fresh deployment in another folder with another Postgres database. There, the runs,
partitions and materializations are those of the source, the capsule verifies, the memory
recalls the finished request, the spend ledger and the audit trail (its chain intact) came
along, and both unfinished requests are re-executed from failure to verified capsules.

Only the LLM is a test double (the scripted provider); Dagster, Postgres, pg_dump, the
stores, Qdrant's local mode, MiniLM and the sandbox are real. The test never counts LLM
calls: it holds the first call of one stage, whatever the stages ask."""

import os
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest

from quantumlayer_cli import main
from quantumlayer_cli.fetch_command import fetch_capsule
from quantumlayer_cli.local_run import run_request
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.audit.chain import verify_chain
from quantumlayer_dagster.audit.sql_log import SqlAuditLog
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.llm.litellm_offline import litellm
from quantumlayer_dagster.llm.scripted_provider import (
    SCRIPTED_PROVIDER,
    ScriptedProvider,
    register_scripted_provider,
)
from quantumlayer_dagster.llm.spend_ledger import Spend
from quantumlayer_dagster.memory.qdrant_memory import QdrantMemory
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages.registry import JOB_NAME, PARTITIONS
from quantumlayer_dagster.store.spend_ledger_sql import SqlSpendLedger
from tests.conftest import SCRIPTED_CONFIG
from tests.fixtures import wordcount
from tests.fixtures.dagster_servers import shipped_postgres_instance_yaml
from tests.fixtures.memory import WORD_FREQUENCY_PROMPT, minilm  # noqa: F401 (fixture)
from tests.fixtures.postgres import PostgresDatabase, fresh_postgres_database

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.sandbox, pytest.mark.timeout(1200)]

HELD_STAGE = "docs"
"""The half-done request's run waits inside this stage's first LLM call while the backup is
taken: everything before it is materialized, nothing after it."""
PARTITION_TAG = "dagster/partition"
IN_PROCESS = {"loggers": {"console": {"config": {"log_level": "CRITICAL"}}}}


class HoldingProvider(ScriptedProvider):
    """The scripted replies, except that the first call of ``stage`` waits for ``release``."""

    def __init__(self, stage: str) -> None:
        super().__init__(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
        self.stage = stage
        self.reached = threading.Event()
        self.release = threading.Event()

    def completion(self, *args: Any, **kwargs: Any) -> Any:
        metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
        if metadata.get("ql_stage") == self.stage and not self.release.is_set():
            self.reached.set()
            self.release.wait(timeout=600)
        return super().completion(*args, **kwargs)


def install(provider: ScriptedProvider) -> None:
    others = [i for i in litellm.custom_provider_map if i["provider"] != SCRIPTED_PROVIDER]
    litellm.custom_provider_map = [
        *others,
        {"provider": SCRIPTED_PROVIDER, "custom_handler": provider},
    ]


def generate_project() -> dg.JobDefinition:
    """The job of the deployment the environment describes, for ``execute_job``."""
    return build_definitions(Settings.from_env()).resolve_job_def(JOB_NAME)


def point_at(monkeypatch: pytest.MonkeyPatch, home: Path, db: PostgresDatabase) -> Settings:
    """Make ``home`` (instance on ``db``) the deployment the environment describes."""
    (home / "dagster").mkdir(parents=True, exist_ok=True)
    (home / "dagster" / "dagster.yaml").write_text(shipped_postgres_instance_yaml())
    config = home / "llm.scripted.yaml"
    # No reply cache: the stage held or left unscripted must really be asked.
    config.write_text(SCRIPTED_CONFIG + "cache: {backend: none}\n")
    for name, value in {
        **db.env(),
        "QL_HOME": str(home),
        "DAGSTER_HOME": str(home / "dagster"),
        "QL_LLM_CONFIG": str(config),
        "QL_TEST_TIMEOUT_S": "60",
        "QL_MEMORY": "on",
        "QL_MEMORY_EMBEDDING_SERVICE": "process",
        "QL_STORE": "local",
    }.items():
        monkeypatch.setenv(name, value)
    return Settings.from_env()


@pytest.fixture
def databases() -> Iterator[tuple[PostgresDatabase, PostgresDatabase]]:
    with fresh_postgres_database() as source, fresh_postgres_database() as target:
        yield source, target


def materialized(instance: dg.DagsterInstance) -> set[tuple[str, str, str]]:
    """(run id, asset, partition) of every materialization the instance recorded."""
    found = set()
    for run in instance.get_runs():
        for record in instance.get_records_for_run(
            run.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
        ).records:
            event = record.event_log_entry.dagster_event
            assert event is not None and event.asset_key is not None
            found.add((run.run_id, event.asset_key.to_user_string(), event.partition or ""))
    return found


def url(db: PostgresDatabase) -> str:
    return f"postgresql://{db.user}@{db.host}:{db.port}/{db.name}"


def audit_trail(db: PostgresDatabase) -> list[tuple[str, str | None, str]]:
    """The audit trail beside Dagster's tables (``ql_audit``), checked: (action, request,
    digest) of every record."""
    log = SqlAuditLog(url(db))
    assert verify_chain(log.rows(), log.seq_of).ok
    return [(r["action"], r["request_id"], r["digest"]) for r in log.rows()]


def test_a_lost_deployment_comes_back_from_its_backup(
    databases: tuple[PostgresDatabase, PostgresDatabase],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    minilm: Any,  # noqa: F811 (loaded once for the session, before the runs need it)
) -> None:
    source_db, target_db = databases
    settings = point_at(monkeypatch, tmp_path / "source", source_db)
    instance = dg.DagsterInstance.from_config(os.environ["DAGSTER_HOME"])
    definitions = build_definitions(settings)

    def run() -> Any:
        return run_request(
            settings, wordcount.PROMPT, RequestOptions(), definitions=definitions, instance=instance
        )

    register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
    finished = run()
    assert finished.success and finished.capsule_path
    no_docs = {k: v for k, v in wordcount.STAGE_REPLIES.items() if k != HELD_STAGE}
    register_scripted_provider(no_docs, files=wordcount.FILE_REPLIES)
    failed = run()
    assert not failed.success and HELD_STAGE in (failed.failure or "")

    holding = HoldingProvider(HELD_STAGE)
    install(holding)
    half: dict[str, Any] = {}
    worker = threading.Thread(target=lambda: half.update(outcome=run()), daemon=True)
    worker.start()
    backups = tmp_path / "backups"
    try:
        assert holding.reached.wait(timeout=600), "the half-done request never reached its stage"
        [in_flight] = instance.get_runs(dg.RunsFilter(statuses=[dg.DagsterRunStatus.STARTED]))
        before = {r.run_id: r.status for r in instance.get_runs()}
        materialized_before = materialized(instance)
        partitions_before = set(instance.get_dynamic_partitions(PARTITIONS))
        SqlSpendLedger(url(source_db), finished.request_id).reserve(Spend(1234, 0.5), None, None)
        audit_before = audit_trail(source_db)
        assert ("capsule_write", finished.request_id) in [r[:2] for r in audit_before]
        assert main(["backup", str(backups), "--keep", "3"]) == 0
    finally:
        holding.release.set()
        worker.join(timeout=600)
        instance.dispose()
    [backup] = list(backups.iterdir())

    target_settings = point_at(monkeypatch, tmp_path / "target", target_db)
    assert main(["restore", str(backup)]) == 0
    restored = dg.DagsterInstance.from_config(os.environ["DAGSTER_HOME"])
    try:
        after = {r.run_id: r.status for r in restored.get_runs()}
        assert after == {**before, in_flight.run_id: dg.DagsterRunStatus.FAILURE}
        assert materialized(restored) == materialized_before
        assert set(restored.get_dynamic_partitions(PARTITIONS)) == partitions_before
        spent = SqlSpendLedger(url(target_db), finished.request_id).total()
        assert spent.tokens >= 1234
        assert audit_trail(target_db) == audit_before

        saved, checked = fetch_capsule(finished.request_id, tmp_path / "out", target_settings)
        assert saved.exists() and checked > 0

        memory = QdrantMemory(minilm, path=target_settings.memory_dir)
        recalled = memory.similar(WORD_FREQUENCY_PROMPT, limit=3, min_score=0.3)
        assert finished.request_id in [p.request_id for p in recalled]

        register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
        job = dg.reconstructable(generate_project)
        for run_id, request_id in (
            (in_flight.run_id, in_flight.tags[PARTITION_TAG]),
            (failed.run_id, failed.request_id),
        ):
            again = dg.execute_job(
                job,
                restored,
                IN_PROCESS,
                tags={PARTITION_TAG: request_id},
                reexecution_options=dg.ReexecutionOptions.from_failure(run_id, restored),
            )
            assert again.success, request_id
            fetch_capsule(request_id, tmp_path / "out", target_settings)
    finally:
        restored.dispose()
