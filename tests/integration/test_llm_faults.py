"""Faults of an OpenAI-compatible provider, served by a real HTTP server on 127.0.0.1 (the
fake in ``tests/fakes``): each is retried, falls back, is repaired, or fails the stage with
one line naming the stage and the fault, and no failed stage leaves an artifact behind.

Single stages are driven through the LLM client; the run-level assertions use the graph."""

import re
from pathlib import Path

import pytest

from quantumlayer_cli.local_run import run_request
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import load_llm_config
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.sandbox import Sandbox
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.store.keys import asset_key, request_prefix
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fakes.faults import ALL_FAULTS, CONTENT_FAULTS
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fixtures import wordcount, wordcount_stages
from tests.fixtures.fake_llm import KEY_ENV, llm_config_yaml

pytestmark = pytest.mark.server

FAULT_NAMED = {
    "429": r"rate ?limit",
    "401": r"authentication failed",
    "500": r"internal ?server ?error",
    "503": r"service ?unavailable",
    "reset": r"connection reset",
    "timeout": r"no reply within timeout_s",
    "truncated": r"complete message body|truncated|incomplete",
    "malformed_json": r"invalid json",
    "wrong_shape": r"field required",
    "empty": r"empty",
}
"""What the one-line reason must say for each fault (case-insensitive)."""

RUN_FAULTS = ("500", "reset", "timeout", "wrong_shape")
"""One fault of each kind for the (slower) run-level tests: an error status whose body
echoes the key, a broken connection, no answer, bad content. Every fault is covered by the
stage-level tests."""


@pytest.fixture
def settings(fake_settings: Settings) -> Settings:
    """The graph on the fake server (``instance`` in conftest uses these settings)."""
    return fake_settings


@pytest.fixture
def client(settings: Settings, fake_llm_key: str) -> LiteLLMClient:
    env = {KEY_ENV: fake_llm_key}  # what LLMResource passes in from its dg.EnvVar
    return LiteLLMClient(load_llm_config(settings.llm_config, env=env), env=env)


def _one_line_naming(reason: str, stage: str, fault: str) -> None:
    assert "\n" not in reason, reason
    assert stage in reason, reason
    assert re.search(FAULT_NAMED[fault], reason, re.IGNORECASE), reason


# -- single stages through the client ------------------------------------------------------


TRANSIENT = ("429", "500", "503", "reset", "timeout", "truncated")
"""Faults a retry can get past (the config retries each kind once, authentication never)."""


@pytest.mark.parametrize("fault", TRANSIENT)
def test_a_passing_fault_is_retried_and_the_stage_succeeds(
    fault: str, client: LiteLLMClient, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.fail(fault, "frd", times=1)
    frd = wordcount_stages.frd(client)
    assert [f.name for f in frd.features] == ["Count words", "Top words"]
    assert [r.fault for r in fake_openai.requests_for("frd")] == [fault, None]


def test_a_rate_limit_is_retried_no_sooner_than_retry_after(
    client: LiteLLMClient, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.retry_after_s = 2
    fake_openai.fail("429", "frd", times=1)
    wordcount_stages.frd(client)
    limited, retried = fake_openai.requests_for("frd")
    assert limited.answered_at is not None
    assert retried.received_at - limited.answered_at >= 2 * 0.95


@pytest.mark.parametrize("fault", (*TRANSIENT, "401"))
def test_a_deployment_that_keeps_failing_falls_back_to_the_backup_group(
    fault: str,
    tmp_path: Path,
    fake_llm_key: str,
    fake_openai: FakeOpenAIServer,
    fake_openai_backup: FakeOpenAIServer,
) -> None:
    config = tmp_path / "llm.fallback.yaml"
    config.write_text(llm_config_yaml(fake_openai.base_url, fallback=fake_openai_backup.base_url))
    env = {KEY_ENV: fake_llm_key}
    client = LiteLLMClient(load_llm_config(config, env=env), env=env)
    fake_openai.fail(fault, "frd", times=None)
    frd = wordcount_stages.frd(client)
    assert [f.name for f in frd.features] == ["Count words", "Top words"]
    assert {r.fault for r in fake_openai.requests_for("frd")} == {fault}
    assert [r.fault for r in fake_openai_backup.requests_for("frd")] == [None]


@pytest.mark.parametrize("fault", sorted(CONTENT_FAULTS))
def test_a_bad_reply_gets_a_repair_prompt_carrying_the_error(
    fault: str, client: LiteLLMClient, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.fail(fault, "frd", times=1)
    frd = wordcount_stages.frd(client)
    assert [f.name for f in frd.features] == ["Count words", "Top words"]
    first, repair = fake_openai.requests_for("frd")
    assert first.fault == fault and repair.fault is None
    last_message = repair.body["messages"][-1]
    assert last_message["role"] == "user" and "not valid" in last_message["content"]
    assert re.search(FAULT_NAMED[fault], last_message["content"], re.IGNORECASE)
    assert [c.error is None for c in frd.llm.calls] == [False, True]


@pytest.mark.parametrize("fault", ALL_FAULTS)
def test_a_permanent_fault_fails_the_stage_with_one_line_naming_stage_and_fault(
    fault: str, client: LiteLLMClient, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.fail(fault, "frd", times=None)
    with pytest.raises(LLMStageError) as raised:
        wordcount_stages.frd(client)
    assert raised.value.stage == "frd"
    _one_line_naming(str(raised.value), "frd", fault)
    assert raised.value.calls and all(c.error for c in raised.value.calls)


@pytest.mark.sandbox
def test_a_per_body_empty_reply_is_asked_again_for_that_body_only(
    client: LiteLLMClient, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.fail("empty", "code_tree", file=wordcount.COUNT_WORDS, times=1)
    tree = wordcount_stages.code_tree(client, Sandbox())
    assert all(b.examples_pass for b in tree.bodies)
    assert fake_openai.calls_per_file("code_tree") == {
        wordcount.COUNT_WORDS: 2,
        wordcount.TOP_WORDS: 1,
    }


# -- the run: a failed stage names itself and the fault, and leaves nothing behind --------


def _run(settings: Settings, instance: object) -> tuple[object, LocalDirStore]:
    outcome = run_request(
        settings,
        wordcount.PROMPT,
        RequestOptions(),
        definitions=build_definitions(settings),
        instance=instance,  # type: ignore[arg-type]
    )
    return outcome, LocalDirStore(settings.artifacts_dir)


def _stored_assets(settings: Settings, request_id: str) -> set[str]:
    """Every file under the request's prefix in the store, temporary ones included."""
    root = settings.artifacts_dir / request_prefix(request_id)
    return {p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()}


@pytest.mark.slow
@pytest.mark.parametrize("fault", RUN_FAULTS)
def test_a_run_failing_on_a_fault_names_stage_and_fault_and_keeps_no_partial_artifact(
    fault: str, settings: Settings, instance: object, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.fail(fault, "requirements_spec", times=None)
    outcome, store = _run(settings, instance)
    assert not outcome.success  # type: ignore[attr-defined]
    failure: str = outcome.failure  # type: ignore[attr-defined]
    assert failure.startswith("stage requirements_spec failed: "), failure
    _one_line_naming(failure, "requirements_spec", fault)
    rid: str = outcome.request_id  # type: ignore[attr-defined]
    assert _stored_assets(settings, rid) == {
        "submission.json",
        "prompt_request.json",
        "enhanced_prompt.json",
        "frd.json",
    }
    assert not store.exists(asset_key(rid, "requirements_spec"))


@pytest.mark.slow
def test_a_permanent_fault_on_one_body_fails_code_tree_and_writes_no_code_tree(
    settings: Settings, instance: object, fake_openai: FakeOpenAIServer
) -> None:
    fake_openai.fail("500", "code_tree", file=wordcount.COUNT_WORDS, times=None)
    outcome, store = _run(settings, instance)
    failure: str = outcome.failure  # type: ignore[attr-defined]
    assert failure.startswith("stage code_tree failed: "), failure
    _one_line_naming(failure, "code_tree", "500")
    rid: str = outcome.request_id  # type: ignore[attr-defined]
    assert "project_structure.json" in _stored_assets(settings, rid)
    assert not store.exists(asset_key(rid, "code_tree"))
    assert not any(name.startswith("code_tree") for name in _stored_assets(settings, rid))
