"""The API key configured for the LLM never appears in logs, captured output, the event log,
asset metadata, cached replies (artifact store and Redis) or the capsule, even after
failures whose error bodies echo it back (the fake server's 401 and 500 do)."""

import io
import logging
import os
import tarfile
import uuid
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest
from dagster_shared.serdes import serialize_value

from quantumlayer_cli.local_run import RunOutcome, run_request
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.llm.response_cache import REDIS_PREFIX
from quantumlayer_dagster.settings import Settings
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fixtures import wordcount
from tests.fixtures.fake_llm import SECRET_KEY, llm_config_yaml

pytestmark = [pytest.mark.sandbox, pytest.mark.server, pytest.mark.slow]

REDIS_URL_ENV = "QL_TEST_REDIS_URL"
REDIS_URL = "redis://127.0.0.1:6379/11"

SECRET_PARTS = (SECRET_KEY, SECRET_KEY.rsplit("-", 1)[1])
"""The key, and its random tail alone (a provider may echo the key partly masked)."""


def _leaks(text: str | bytes) -> list[str]:
    data = text if isinstance(text, bytes) else text.encode("utf-8", "replace")
    return [part for part in SECRET_PARTS if part.encode() in data]


@pytest.fixture
def settings(fake_settings: Settings, fake_openai: FakeOpenAIServer) -> Settings:
    """The fake server, replies cached in the artifact store."""
    fake_settings.llm_config.write_text(llm_config_yaml(fake_openai.base_url, cache="store"))
    return fake_settings


@pytest.fixture(autouse=True)
def everything_logged(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Capture every log record, debug included (litellm logs requests at debug)."""
    caplog.set_level(logging.DEBUG)
    yield


def _run(settings: Settings, instance: dg.DagsterInstance, prompt: str) -> RunOutcome:
    return run_request(
        settings,
        prompt,
        RequestOptions(),
        definitions=build_definitions(settings),
        instance=instance,
    )


def _runs_with_echoed_failures(
    settings: Settings, instance: dg.DagsterInstance, server: FakeOpenAIServer
) -> list[RunOutcome]:
    """One good run, then one failing on a 500 and one on a 401 (new prompts, so the cache
    cannot answer them), each error body holding the key."""
    outcomes = [_run(settings, instance, wordcount.PROMPT)]
    assert outcomes[0].success, outcomes[0].failure
    for fault in ("500", "401"):
        server.fail(fault, "enhanced_prompt", times=None)
        outcomes.append(_run(settings, instance, f"{wordcount.PROMPT} Case {fault}."))
        server.clear_faults()
        assert not outcomes[-1].success
        assert outcomes[-1].failure.startswith("stage enhanced_prompt failed: ")
    # The key really was sent, and the faults really happened: the greps below are not empty.
    assert {r.headers.get("authorization") for r in server.requests} == {f"Bearer {SECRET_KEY}"}
    assert {r.fault for r in server.requests} >= {"500", "401"}
    return outcomes


def _event_log_leaks(instance: dg.DagsterInstance) -> dict[str, list[str]]:
    found = {}
    for run in instance.get_runs():
        for record in instance.all_logs(run.run_id):
            if leaks := _leaks(serialize_value(record)):
                found[f"{run.run_id}/{record.step_key}/{record.dagster_event_type}"] = leaks
        if leaks := _leaks(serialize_value(run)):
            found[f"run {run.run_id}"] = leaks
    return found


def _metadata_leaks(instance: dg.DagsterInstance) -> dict[str, list[str]]:
    found = {}
    for key in instance.get_asset_keys():
        event = instance.get_latest_materialization_event(key)
        if event is None or event.asset_materialization is None:
            continue
        for name, value in event.asset_materialization.metadata.items():
            if leaks := _leaks(repr(value.value)):
                found[f"{key.to_user_string()}.{name}"] = leaks
    return found


def _file_leaks(root: Path) -> dict[str, list[str]]:
    """Every file under ``root`` (the store with its cache entries, the instance's SQLite
    and compute logs), and every member of every capsule, unpacked."""
    found = {}
    for path in sorted(p for p in root.rglob("*") if p.is_file()):
        data = path.read_bytes()
        if leaks := _leaks(data):
            found[str(path.relative_to(root))] = leaks
        if path.name.endswith(".tar.gz"):
            found.update(_capsule_leaks(path, data))
    return found


def _capsule_leaks(path: Path, data: bytes) -> dict[str, list[str]]:
    found = {}
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        for member in tar.getmembers():
            handle = tar.extractfile(member) if member.isfile() else None
            if handle is not None and (leaks := _leaks(handle.read())):
                found[f"{path.name}!{member.name}"] = leaks
    return found


def test_the_key_is_nowhere_after_good_and_failed_runs(
    settings: Settings,
    instance: dg.DagsterInstance,
    fake_openai: FakeOpenAIServer,
    caplog: pytest.LogCaptureFixture,
    capfd: pytest.CaptureFixture[str],
) -> None:
    outcomes = _runs_with_echoed_failures(settings, instance, fake_openai)
    assert any((settings.artifacts_dir / "tenants").rglob("*.tar.gz")), (
        "the good run built no capsule"
    )
    assert any((settings.artifacts_dir / "llm-cache").glob("*")), "no reply was cached"

    assert not [o.failure for o in outcomes if _leaks(o.failure or "")]
    assert not _leaks(caplog.text)
    captured = capfd.readouterr()
    assert not _leaks(captured.out) and not _leaks(captured.err)
    assert _event_log_leaks(instance) == {}
    assert _metadata_leaks(instance) == {}
    assert _file_leaks(settings.home) == {}


@pytest.fixture
def redis_settings(
    tmp_path: Path,
    fake_openai: FakeOpenAIServer,
    fake_llm_key: str,
    monkeypatch: pytest.MonkeyPatch,
) -> Settings:
    """The fake server with the reply cache in the real Redis at 127.0.0.1:6379."""
    monkeypatch.setenv(REDIS_URL_ENV, REDIS_URL)
    config = tmp_path / "llm.redis.yaml"
    config.write_text(
        llm_config_yaml(
            fake_openai.base_url,
            # Entries expire: the test leaves nothing behind for long in the shared Redis.
            cache={"backend": "redis", "redis_url_env": REDIS_URL_ENV, "ttl_s": 3600},
        )
    )
    return Settings(
        home=tmp_path / "home", llm_config=config, test_timeout_s=60, memory_enabled=False
    )


def test_the_key_is_not_in_replies_cached_in_redis(
    redis_settings: Settings, fake_openai: FakeOpenAIServer, caplog: pytest.LogCaptureFixture
) -> None:
    import redis

    from quantumlayer_cli.local_run import local_instance

    instance = local_instance(redis_settings)
    try:
        # A prompt of its own, so this run's first reply is a cache miss written now.
        outcome = _run(redis_settings, instance, f"{wordcount.PROMPT} Run {uuid.uuid4().hex}.")
    finally:
        instance.dispose()
    assert outcome.success, outcome.failure
    assert fake_openai.count("enhanced_prompt") == 1
    assert not _leaks(caplog.text)
    client = redis.Redis.from_url(os.environ[REDIS_URL_ENV])
    keys = list(client.scan_iter(match=f"{REDIS_PREFIX}*", count=500))
    assert keys, "nothing was cached in Redis"
    assert [k for k in keys if _leaks(client.get(k) or b"") or _leaks(k)] == []
