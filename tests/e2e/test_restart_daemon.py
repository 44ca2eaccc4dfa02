"""Nothing is lost when the platform's processes die mid-burst: a burst of uploads on the
shipped Postgres instance, ``kill -9`` of ``dagster-daemon`` while runs are queued and
running, a new daemon, then ``kill -9`` of the new daemon's code server; every upload still
ends with exactly one request (its run, plus at most a retry of a crashed run) and either a
capsule or a named failure. The LLM is the scripted test double (the test-only code
location); Dagster, Postgres, the sensor, the queue and the run workers are real."""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from tests.fixtures import wordcount
from tests.fixtures.burst import UPLOAD_TAG, upload_burst, wait_until_all_ended
from tests.fixtures.dagster_servers import (
    DagsterHome,
    code_servers_of,
    make_home,
    shipped_postgres_instance_yaml,
    start_daemon,
    stop_session,
)
from tests.fixtures.postgres import fresh_postgres_database

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.timeout(2400)]
BURST = 6
END_TIMEOUT_S = 1500


@pytest.fixture
def platform(tmp_path) -> Iterator[tuple[DagsterHome, dg.DagsterInstance]]:
    with fresh_postgres_database() as db:
        home = make_home(
            tmp_path / "home",
            instance_yaml=shipped_postgres_instance_yaml(),
            extra_env={**db.env(), "QL_UPLOAD_POLL_S": "1"},
        )
        saved = {k: os.environ.get(k) for k in db.env()}
        os.environ.update(db.env())
        instance = dg.DagsterInstance.from_config(str(home.dagster_home))
        try:
            yield home, instance
        finally:
            instance.dispose()
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def _runs(instance: dg.DagsterInstance, *statuses: dg.DagsterRunStatus) -> list[dg.DagsterRun]:
    runs = instance.get_runs(dg.RunsFilter(statuses=list(statuses) or None))
    return [r for r in runs if UPLOAD_TAG in r.tags]


def _wait_for(condition, timeout_s: float, what: str, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {timeout_s}s; daemon log:\n{log.read_text()[-3000:]}")
        time.sleep(1)


def test_a_burst_survives_kill_9_of_the_daemon_and_its_code_server(platform, tmp_path):
    home, instance = platform
    logs = [home.root / "daemon-1.log", home.root / "daemon-2.log"]
    first = start_daemon(home, logs[0])
    second = None
    try:
        uploads = upload_burst(home.root / "prompts", wordcount.PROMPT, BURST)
        running = (dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED)
        _wait_for(lambda: _runs(instance, *running), 600, "a run starting", logs[0])
        os.kill(first.pid, signal.SIGKILL)
        first.wait(timeout=30)

        second = start_daemon(home, logs[1])
        _wait_for(lambda: code_servers_of(second.pid), 300, "the new daemon's code server", logs[1])
        _wait_for(
            lambda: (
                len(_runs(instance)) > len(_runs(instance, dg.DagsterRunStatus.QUEUED))
                and len(_runs(instance)) >= BURST
            ),
            600,
            "every upload to have a run",
            logs[1],
        )
        for pid in code_servers_of(second.pid):
            os.kill(pid, signal.SIGKILL)

        found = wait_until_all_ended(instance, home.artifacts, uploads, END_TIMEOUT_S)
    finally:
        stop_session(first)
        if second is not None:
            stop_session(second)

    report = "\n".join(
        f"{o.upload_key}: runs={[(r.run_id[:8], r.status.value) for r in o.runs]} "
        f"capsule={o.capsule} failure={o.failure}"
        for o in found
    )
    assert all(o.runs for o in found), f"lost uploads:\n{report}"
    assert all(o.ended for o in found), f"requests that never ended:\n{report}"
    assert all(o.requests == 1 for o in found), f"duplicated requests:\n{report}"
    assert all(o.capsule or o.failure for o in found), f"ended with neither:\n{report}"
    assert all(len(o.runs) <= 2 for o in found), f"retried more than once:\n{report}"
