"""Shared fixtures: the scripted LLM (a test double at the hosted-provider edge), settings
pointing at a temporary home, and Definitions built from them."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

from quantumlayer_dagster.settings import Settings
from tests.fixtures import wordcount

pytest_plugins = [
    "tests.fixtures.fake_llm",
    "tests.fixtures.s3_server",
    "tests.fixtures.upload_stores",
]

SCRIPTED_CONFIG = """\
groups:
  scripted:
    structured_output: json_schema
    max_tokens: 512
    deployments:
      - model: scripted/fixture
default: scripted
"""


@pytest.fixture
def scripted_config(tmp_path: Path) -> Path:
    """An LLM config file whose one model is the scripted provider."""
    path = tmp_path / "llm.scripted.yaml"
    path.write_text(SCRIPTED_CONFIG)
    return path


@pytest.fixture
def register_script() -> Callable[..., object]:
    """Install a scripted provider with the given replies (word-count fixtures by default)."""
    from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider

    def install(stages=None, files=None, **kw):  # type: ignore[no-untyped-def]
        return register_scripted_provider(
            wordcount.STAGE_REPLIES if stages is None else stages,
            files=wordcount.FILE_REPLIES if files is None else files,
            **kw,
        )

    return install


@pytest.fixture
def scripted_llm(scripted_config: Path, register_script):  # type: ignore[no-untyped-def]
    """(client, provider): a LiteLLMClient answering the word-count conversation."""
    from quantumlayer_dagster.llm.client import LiteLLMClient
    from quantumlayer_dagster.llm.config import load_llm_config

    provider = register_script()
    return LiteLLMClient(load_llm_config(scripted_config)), provider


@pytest.fixture
def settings(tmp_path: Path, scripted_config: Path) -> Settings:
    return Settings(home=tmp_path / "home", llm_config=scripted_config, test_timeout_s=60)


@pytest.fixture
def instance(settings: Settings) -> Iterator[object]:
    from quantumlayer_cli.local_run import local_instance

    inst = local_instance(settings)
    yield inst
    inst.dispose()
