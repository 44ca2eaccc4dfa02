"""Fair share through the real daemon and run queue on Postgres, with the shipped instance
config (``dagster.yaml``: 4 runs at a time, at most 2 of one tenant): a burst of uploads from
one tenant is launched first and fills that tenant's share; a second tenant's uploads,
arriving after, start while the first tenant's runs are still queued. The code location holds
each run open (``tests/fixtures/fair_share_location.py``), so only queueing is paid for."""

import time
from collections.abc import Callable, Iterator
from pathlib import Path

import dagster as dg
import pytest
import yaml

from quantumlayer_dagster.tenants import TENANT_TAG
from tests.fixtures.burst import upload_burst
from tests.fixtures.dagster_servers import (
    WORKSPACE,
    make_home,
    running_daemon,
    shipped_postgres_instance_yaml,
)
from tests.fixtures.fair_share_location import release_file
from tests.fixtures.postgres import PostgresDatabase, fresh_postgres_database

pytestmark = [pytest.mark.server, pytest.mark.slow]  # daemon, Postgres
PROMPT = "Build a command-line tool that counts the words in a text file.\n"
WAIT_S = 150
BURST = 5
QUEUED = dg.DagsterRunStatus.QUEUED
IN_PROGRESS = {
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.NOT_STARTED,
}


@pytest.fixture
def database() -> Iterator[PostgresDatabase]:
    with fresh_postgres_database() as db:
        yield db


def statuses(instance: dg.DagsterInstance, tenant: str) -> list[dg.DagsterRunStatus]:
    runs = instance.get_runs(dg.RunsFilter(tags={TENANT_TAG: tenant}))
    return [run.status for run in runs]


def wait_for(instance: dg.DagsterInstance, log: Path, what: str, done: Callable[[], bool]) -> None:
    deadline = time.monotonic() + WAIT_S
    while not done():
        if time.monotonic() > deadline:
            runs = {t: statuses(instance, t) for t in ("acme", "globex")}
            pytest.fail(f"{what} not seen in {WAIT_S}s: {runs}\n{log.read_text()[-3000:]}")
        time.sleep(0.5)


def test_a_second_tenants_runs_start_while_the_first_tenants_burst_is_still_queued(
    database: PostgresDatabase, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    instance_yaml = shipped_postgres_instance_yaml()
    runs = yaml.safe_load(instance_yaml)["concurrency"]["runs"]
    [tenant_limit] = [t for t in runs["tag_concurrency_limits"] if t["key"] == TENANT_TAG]
    share, total = tenant_limit["limit"], runs["max_concurrent_runs"]
    assert share < total and share < BURST  # the burst outgrows its tenant's share
    home = make_home(
        tmp_path / "home",
        instance_yaml=instance_yaml,
        extra_env={**database.env(), "QL_UPLOAD_POLL_S": "1"},
    )
    home.workspace.write_text(WORKSPACE.replace("scripted_location", "fair_share_location"))
    for name, value in database.env().items():
        monkeypatch.setenv(name, value)
    instance = dg.DagsterInstance.from_config(str(home.dagster_home))
    try:
        with running_daemon(home) as log:
            upload_burst(home.root / "prompts", PROMPT, BURST, tenant="acme")

            def acme_fills_its_share() -> bool:
                acme = statuses(instance, "acme")
                in_progress = sum(s in IN_PROGRESS for s in acme)
                return len(acme) == BURST and in_progress == share

            wait_for(instance, log, "acme's share of runs started", acme_fills_its_share)
            time.sleep(3)  # a few dequeue passes: the queue has free slots, yet acme waits
            acme = statuses(instance, "acme")
            assert sum(s in IN_PROGRESS for s in acme) == share
            assert acme.count(QUEUED) == BURST - share

            upload_burst(home.root / "prompts", PROMPT, 2, tenant="globex")

            def globex_started() -> bool:
                globex = statuses(instance, "globex")
                return len(globex) == 2 and all(s in IN_PROGRESS for s in globex)

            wait_for(instance, log, "globex's runs started", globex_started)
            # ... while the first tenant's burst is still queued behind its own runs.
            assert statuses(instance, "acme").count(QUEUED) == BURST - share
            release_file(home.root).touch()
    finally:
        instance.dispose()
