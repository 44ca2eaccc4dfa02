"""Through ``dagster-daemon`` on Postgres with the S3 store (moto's server): every upload
moved out of ``incoming/`` has a run or a rejection reason, including the same content
uploaded twice under the same name (S3 gives both the same etag) and hostile names.
Runs are queued with a concurrency limit of 0: the test needs their records, not their work."""

import time
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from quantumlayer_dagster.intake.uploads import REASON_SUFFIX
from quantumlayer_dagster.store.minio_store import MinioStore
from tests.fixtures.dagster_servers import (
    make_home,
    running_daemon,
    shipped_postgres_instance_yaml,
)
from tests.fixtures.postgres import PostgresDatabase, fresh_postgres_database
from tests.fixtures.s3_server import S3Server

pytestmark = [pytest.mark.server, pytest.mark.slow]  # daemon, Postgres, moto
PROMPT = b"Build a command-line tool that counts the words in a text file.\n"
WAIT_S = 180


@pytest.fixture
def database() -> Iterator[PostgresDatabase]:
    with fresh_postgres_database() as db:
        yield db


def wait_until_incoming_is_empty(prompts: MinioStore, log: Path) -> None:
    deadline = time.monotonic() + WAIT_S
    while prompts.list_keys("incoming/") and time.monotonic() < deadline:
        time.sleep(1)
    assert prompts.list_keys("incoming/") == [], log.read_text(errors="replace")[-4000:]


def test_every_upload_moved_out_of_incoming_has_a_run_or_a_reason(
    database: PostgresDatabase,
    s3_server: S3Server,
    bucket_name: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    instance_yaml = shipped_postgres_instance_yaml().replace(
        "max_concurrent_runs: 4", "max_concurrent_runs: 0"
    )
    assert "max_concurrent_runs: 0" in instance_yaml
    s3_env = {
        "QL_STORE": "minio",
        "QL_S3_ENDPOINT": s3_server.endpoint,
        "QL_S3_BUCKET": bucket_name,
        "QL_PROMPTS_BUCKET": f"{bucket_name}-prompts",
        "QL_S3_ACCESS_KEY": "test-access",
        "QL_S3_SECRET_KEY": "test-secret",
    }
    home = make_home(
        tmp_path / "home",
        instance_yaml=instance_yaml,
        extra_env={**database.env(), **s3_env, "QL_UPLOAD_POLL_S": "1"},
    )
    for name, value in database.env().items():
        monkeypatch.setenv(name, value)
    prompts = MinioStore(s3_server.connection(), f"{bucket_name}-prompts")
    prompts.ensure_bucket()
    MinioStore(s3_server.connection(), bucket_name).ensure_bucket()
    with running_daemon(home) as log:
        prompts.put_bytes("incoming/same.txt", PROMPT)
        wait_until_incoming_is_empty(prompts, log)
        prompts.put_bytes("incoming/same.txt", PROMPT)  # same name, same content, same etag
        prompts._client.put_object(  # names our writer refuses, as another client may
            prompts.bucket, "incoming/-rf my prompt.txt", __import__("io").BytesIO(PROMPT), 64
        )
        prompts.put_bytes("incoming/empty.txt", b"")
        wait_until_incoming_is_empty(prompts, log)
        time.sleep(2)  # the tick that moved them also submitted the runs before it

    instance = dg.DagsterInstance.from_config(str(home.dagster_home))
    try:
        launched = prompts.list_keys("launched/")
        request_ids = {key.split("/")[1] for key in launched}
        assert len(launched) == len(request_ids) == 3, launched
        for rid in request_ids:
            runs = instance.get_runs(dg.RunsFilter(tags={"dagster/partition": rid}))
            assert len(runs) == 1, (rid, log.read_text(errors="replace")[-4000:])
        rejected = prompts.list_keys("rejected/")
        assert rejected == ["rejected/empty.txt", f"rejected/empty.txt{REASON_SUFFIX}"]
    finally:
        instance.dispose()
