"""Outages survived through the real platform: ``dagster-daemon`` on Postgres (the sensor,
the run queue, run workers), a burst of uploads, and one failure injected in the middle.
Each test ends with the same invariants: every upload moved out of ``incoming/`` has exactly
one request (or a reason), each request ended with a capsule or a named failure, and every
capsule written verifies (or, written without its record, is never trusted).

Faults are injected from outside the processes, as a real outage would be: a TCP proxy in
front of Postgres, a private Postgres cluster really restarted (the machine's own server on
5432 is shared and never touched), an HTTP proxy in front of the S3 server, a tmpfs that
fills up, an LLM endpoint that resets every connection. The LLM is the scripted test double
except where the endpoint itself is the fault."""

import contextlib
import json
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from quantumlayer_cli.submit_command import upload_key
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.store.artifact_store import ArtifactStore
from quantumlayer_dagster.store.local_dir import LocalDirStore
from quantumlayer_dagster.store.minio_store import MinioStore
from tests.fixtures import wordcount
from tests.fixtures.burst import upload_burst, wait_until_all_ended
from tests.fixtures.dagster_servers import (
    DagsterHome,
    make_home,
    shipped_postgres_instance_yaml,
    start_daemon,
    stop_session,
)
from tests.fixtures.outages import (
    DeadEndpoint,
    PrivatePostgres,
    S3Outage,
    TcpProxy,
    assert_each_upload_is_one_request,
    assert_every_capsule_verifies,
    assert_moved_uploads_have_a_run_or_a_reason,
    failure_cause,
    report,
    serving,
)
from tests.fixtures.postgres import PostgresDatabase, fresh_postgres_database
from tests.fixtures.s3_server import S3Server

pytestmark = [pytest.mark.slow, pytest.mark.server, pytest.mark.timeout(1500)]
OUTAGE_S = 60
BURST = 2
END_TIMEOUT_S = 900
RUNNING = (dg.DagsterRunStatus.STARTING, dg.DagsterRunStatus.STARTED)


def wait_for(condition, timeout_s: float, what: str, log: Path) -> None:  # type: ignore[no-untyped-def]
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            pytest.fail(f"{what} not within {timeout_s}s; daemon log:\n{log.read_text()[-3000:]}")
        time.sleep(1)


@contextlib.contextmanager
def observed(
    db: PostgresDatabase, monkeypatch: pytest.MonkeyPatch, home: DagsterHome
) -> Iterator[dg.DagsterInstance]:
    """The platform's instance as the test reads it: straight to the database, not through
    whatever the platform's processes go through."""
    for name, value in db.env().items():
        monkeypatch.setenv(name, value)
    instance = dg.DagsterInstance.from_config(str(home.dagster_home))
    try:
        yield instance
    finally:
        instance.dispose()


def outage_instance_yaml() -> str:
    """The shipped Postgres config, with a run stuck ``STARTING`` by an outage failed (and
    retried) after 90 s instead of 300 s, checked every 10 s instead of 120 s: the same
    behaviour, sooner."""
    shipped = shipped_postgres_instance_yaml()
    faster = shipped.replace("start_timeout_seconds: 300", "start_timeout_seconds: 90").replace(
        "run_monitoring:\n  enabled: true\n",
        "run_monitoring:\n  enabled: true\n  poll_interval_seconds: 10\n",
    )
    assert "start_timeout_seconds: 90" in faster and "poll_interval_seconds: 10" in faster
    return faster


def platform_home(root: Path, db_env: dict[str, str], **env: str) -> DagsterHome:
    return make_home(
        root,
        instance_yaml=outage_instance_yaml(),
        extra_env={**db_env, "QL_UPLOAD_POLL_S": "1", **env},
    )


def local_settings(home: DagsterHome, ql_home: Path | None = None) -> Settings:
    return Settings(home=ql_home or home.root, llm_config=Path(home.env["QL_LLM_CONFIG"]))


def upload(prompts: Path | MinioStore, count: int) -> list[tuple[str, float]]:
    """``count`` uploads, as ``quantumlayer submit`` puts them, into a folder or a bucket."""
    if isinstance(prompts, Path):
        return upload_burst(prompts, wordcount.PROMPT, count)
    made = []
    for i in range(count):
        key = upload_key(Path(f"burst-{i:03d}.txt"))
        prompts.put_bytes(key, wordcount.PROMPT.encode())
        made.append((key, time.time()))
    return made


def burst_through_an_outage(
    home: DagsterHome,
    instance: dg.DagsterInstance,
    outage,  # type: ignore[no-untyped-def]
    recover,  # type: ignore[no-untyped-def]
    prompts: Path | MinioStore,
    wait_s: float = OUTAGE_S,
    store: ArtifactStore | None = None,
) -> tuple[list, Path]:  # type: ignore[type-arg]
    """Start the daemon, upload a burst, run ``outage()`` once a run executes, ``recover()``
    ``wait_s`` later, upload one more (intake must have recovered), wait for all to end."""
    log = home.root / "daemon.log"
    daemon = start_daemon(home, log)
    try:
        uploads = upload(prompts, BURST)
        wait_for(
            lambda: instance.get_runs(dg.RunsFilter(statuses=list(RUNNING))),
            600,
            "a run executing",
            log,
        )
        outage()
        time.sleep(wait_s)
        recover()
        uploads += upload(prompts, 1)
        found = wait_until_all_ended(instance, store or home.artifacts, uploads, END_TIMEOUT_S)
    finally:
        stop_session(daemon)
    return found, log


def test_postgres_unreachable_for_a_minute_mid_burst_loses_and_repeats_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with fresh_postgres_database() as db, TcpProxy((db.host, db.port)) as proxy:
        home = platform_home(tmp_path / "home", {**db.env(), "DAGSTER_PG_PORT": str(proxy.port)})
        with observed(db, monkeypatch, home) as instance:
            found, _log = burst_through_an_outage(
                home, instance, proxy.down, proxy.up, home.root / "prompts"
            )
            assert proxy.refused > 0, "the outage was never noticed"
            assert_each_upload_is_one_request(found)
            assert found[-1].capsule, f"the sensor did not recover:\n{report(found)}"
            assert_moved_uploads_have_a_run_or_a_reason(
                LocalDirStore(home.root / "prompts"), instance
            )
            assert_every_capsule_verifies(
                found, LocalDirStore(home.artifacts), local_settings(home), tmp_path / "out"
            )


def test_postgres_restarted_mid_burst_loses_and_repeats_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A cluster of our own: the machine's server on 5432 is shared and never restarted.
    cluster = PrivatePostgres(Path(tempfile.mkdtemp(prefix="ql-pg-"))).start()
    try:
        cluster.create_database("quantumlayer")
        db = PostgresDatabase(name="quantumlayer", port=cluster.port)
        home = platform_home(tmp_path / "home", db.env())
        with observed(db, monkeypatch, home) as instance:
            found, _log = burst_through_an_outage(
                home, instance, cluster.restart, lambda: None, home.root / "prompts", wait_s=0
            )
            assert_each_upload_is_one_request(found)
            assert found[-1].capsule, f"the sensor did not recover:\n{report(found)}"
            assert_moved_uploads_have_a_run_or_a_reason(
                LocalDirStore(home.root / "prompts"), instance
            )
            assert_every_capsule_verifies(
                found, LocalDirStore(home.artifacts), local_settings(home), tmp_path / "out"
            )
    finally:
        cluster.stop()
        shutil.rmtree(cluster.folder, ignore_errors=True)


def test_object_store_failing_for_a_minute_fails_runs_naming_it_and_no_half_capsule(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    s3_server: S3Server,
    bucket_name: str,
) -> None:
    prompts_bucket = f"{bucket_name}-prompts"
    prompts = MinioStore(s3_server.connection(), prompts_bucket)
    artifacts = MinioStore(s3_server.connection(), bucket_name)
    for store in (prompts, artifacts):
        store.ensure_bucket()
    with fresh_postgres_database() as db, serving(S3Outage(s3_server.endpoint)) as outage:
        s3 = {
            "QL_STORE": "minio",
            "QL_S3_ENDPOINT": outage.endpoint,
            "QL_S3_BUCKET": bucket_name,
            "QL_PROMPTS_BUCKET": prompts_bucket,
            "QL_S3_ACCESS_KEY": "test-access",
            "QL_S3_SECRET_KEY": "test-secret",
        }
        home = platform_home(tmp_path / "home", db.env(), **s3)
        for name, value in s3.items():
            monkeypatch.setenv(name, value)
        with observed(db, monkeypatch, home) as instance:
            found, _log = burst_through_an_outage(
                home,
                instance,
                lambda: outage.start(error_s=OUTAGE_S / 2, hang_s=OUTAGE_S / 2),
                lambda: None,
                prompts,
                store=artifacts,
            )
            assert outage.faults > 0
            assert_each_upload_is_one_request(found)
            assert found[-1].capsule, f"intake did not recover:\n{report(found)}"
            for o in found:
                if o.failure:
                    cause = failure_cause(instance, o)
                    assert outage.endpoint in cause, f"not naming the store: {cause}"
            assert_moved_uploads_have_a_run_or_a_reason(prompts, instance)
            monkeypatch.setenv("QL_S3_ENDPOINT", s3_server.endpoint)
            assert_every_capsule_verifies(found, artifacts, Settings.from_env(), tmp_path / "out")


def test_a_full_disk_fails_runs_naming_the_folder_and_leaves_nothing_corrupt(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(disk)], capture_output=True
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode().strip()}")
    try:
        with fresh_postgres_database() as db:
            home = platform_home(tmp_path / "home", db.env(), QL_HOME=str(disk))
            with observed(db, monkeypatch, home) as instance:
                log = home.root / "daemon.log"
                daemon = start_daemon(home, log)
                try:
                    uploads = upload_burst(disk / "prompts", wordcount.PROMPT, 2)
                    fill(disk, leave_bytes=96 * 1024)
                    found = wait_until_all_ended(
                        instance, disk / "artifacts", uploads, END_TIMEOUT_S
                    )
                    full = [o for o in found if o.failure]
                    assert full, f"nothing failed on a full disk:\n{report(found)}"
                    for o in full:
                        cause = failure_cause(instance, o)
                        assert str(disk) in cause and "no space" in cause, cause
                    assert not list(disk.rglob("*.part")), "half-written files were left"
                    for path in (disk / "artifacts").rglob("*.json"):
                        json.loads(path.read_bytes())  # every artifact a later run could read
                    (disk / "filler").unlink()
                    uploads += upload_burst(disk / "prompts", wordcount.PROMPT, 1)
                    found = wait_until_all_ended(
                        instance, disk / "artifacts", uploads, END_TIMEOUT_S
                    )
                finally:
                    stop_session(daemon)
                assert_each_upload_is_one_request(found)
                assert found[-1].capsule, f"no capsule once space was freed:\n{report(found)}"
                assert_every_capsule_verifies(
                    found,
                    LocalDirStore(disk / "artifacts"),
                    local_settings(home, disk),
                    tmp_path / "out",
                )
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def fill(disk: Path, leave_bytes: int) -> None:
    """Fill the file system of ``disk`` until ``leave_bytes`` are free."""
    stat = os.statvfs(disk)
    free = stat.f_bavail * stat.f_frsize
    with (disk / "filler").open("wb") as out:
        out.write(b"\0" * max(0, free - leave_bytes))


def test_an_llm_endpoint_gone_for_the_whole_run_fails_it_once_naming_the_endpoint(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    dead = DeadEndpoint()
    config = tmp_path / "llm.yaml"
    config.write_text(
        "groups:\n"
        "  remote:\n"
        "    structured_output: json_schema\n"
        "    max_tokens: 512\n"
        "    timeout_s: 20\n"
        "    deployments:\n"
        "      - model: openai/gpt-4o-mini\n"
        f"        api_base: http://127.0.0.1:{dead.port}/v1\n"
        "        api_key_env: QL_TEST_GONE_KEY\n"
        "default: remote\n"
        "cache: {backend: none}\n"
    )
    try:
        with fresh_postgres_database() as db:
            home = platform_home(
                tmp_path / "home", db.env(), QL_LLM_CONFIG=str(config), QL_TEST_GONE_KEY="sk-test"
            )
            with observed(db, monkeypatch, home) as instance:
                log = home.root / "daemon.log"
                daemon = start_daemon(home, log)
                try:
                    uploads = upload_burst(home.root / "prompts", wordcount.PROMPT, 1)
                    [outcome] = wait_until_all_ended(
                        instance, home.artifacts, uploads, END_TIMEOUT_S
                    )
                finally:
                    stop_session(daemon)
        assert len(outcome.runs) == 1, f"the run was retried:\n{report([outcome])}"
        assert outcome.failure and f"127.0.0.1:{dead.port}" in outcome.failure, report([outcome])
        # one stage asked, with the config's bounded retries: no storm
        assert 1 <= dead.connections <= 6, dead.connections
    finally:
        dead.close()
