"""The Router built from the config: fallbacks, the answering deployment on record, the
stage and file headers, and API keys masked in errors and logs."""

import logging
from pathlib import Path

import pytest

from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import load_llm_config
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.llm.request_tags import file_line
from quantumlayer_dagster.llm.router import build_router
from tests.fixtures.llm_client import client_from_yaml
from tests.fixtures.llm_providers import FailingProvider, RecordingProvider, install

SECRET = "sk-test-router-SECRET-0a1b2c3d4e5f"

CONFIG = """
groups:
  primary:
    max_tokens: 32
    deployments:
      - model: failing/primary-model
        api_key_env: QL_TEST_ROUTER_KEY
  backup:
    max_tokens: 32
    deployments:
      - model: recording/backup-model
default: primary
fallbacks:
  primary: [backup]
retries:
  internal_server_error: 0
  default: 0
cooldown:
  allowed_fails: 100
cache:
  backend: none
"""


@pytest.fixture(autouse=True)
def providers() -> None:
    """Both providers exist before any Router is built (it checks every model string)."""
    install("failing", FailingProvider(500))
    install("recording", RecordingProvider())


def client(tmp_path: Path, text: str = CONFIG) -> LiteLLMClient:
    return client_from_yaml(tmp_path, text, {"QL_TEST_ROUTER_KEY": SECRET})


def ask(text: str = "x") -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def test_router_has_one_deployment_per_config_entry_named_by_group_and_index(tmp_path):
    path = tmp_path / "llm.yaml"
    path.write_text(CONFIG)
    config = load_llm_config(path, env={"QL_TEST_ROUTER_KEY": SECRET})
    router = build_router(config, env={"QL_TEST_ROUTER_KEY": SECRET})
    ids = sorted(d["model_info"]["id"] for d in router.registry().all())
    assert ids == ["backup/0", "primary/0"]


def test_a_failing_group_falls_back_and_the_call_names_who_answered(tmp_path):
    failing = install("failing", FailingProvider(500))
    install("recording", RecordingProvider("from backup"))
    text, call = client(tmp_path).complete_text("docs", ask())
    assert text == "from backup"
    assert failing.calls == 1
    assert (call.group, call.deployment, call.model) == (
        "primary",
        "backup/0",
        "recording/backup-model",
    )
    assert call.fallbacks == 1


def test_every_request_carries_the_stage_and_file_headers(tmp_path):
    install("failing", FailingProvider(500))
    recording = install("recording", RecordingProvider())
    client(tmp_path).complete_text("code_tree", ask(f"write\n{file_line('pkg/app.py')}"))
    assert recording.headers[-1]["X-QuantumLayer-Stage"] == "code_tree"
    assert recording.headers[-1]["X-QuantumLayer-File"] == "pkg/app.py"


def test_a_provider_echoing_the_key_is_masked_in_the_error_and_the_logs(tmp_path, caplog):
    install("failing", FailingProvider(400, echo=f"bad key {SECRET}"))
    no_fallback = CONFIG.replace("fallbacks:\n  primary: [backup]\n", "")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(LLMStageError) as caught:
        client(tmp_path, no_fallback).complete_text("frd", ask())
    assert "stage frd: model failing/primary-model: request failed" in str(caught.value)
    assert SECRET not in str(caught.value)
    assert all(SECRET not in (c.error or "") for c in caught.value.calls)
    assert SECRET not in caplog.text


@pytest.mark.slow
def test_an_unreachable_group_fails_naming_the_stage_and_the_fix(tmp_path):
    text = """
groups:
  local:
    timeout_s: 5
    deployments:
      - model: openai/smollm2
        api_base: http://127.0.0.1:9/v1
default: local
retries: {default: 0}
"""
    with pytest.raises(LLMStageError) as caught:
        client(tmp_path, text).complete_text("docs", ask())
    assert str(caught.value).startswith("stage docs: model openai/smollm2 at http://127.0.0.1:9")
    assert "quantumlayer llm serve" in caught.value.reason
