"""The response cache cannot be poisoned across deployments: two deployments with the same
model string but another endpoint (``api_base``) or other extra parameters never share
entries, so a reply from one (say, a test server) is never served as the other's."""

from pathlib import Path

import pytest

from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import load_llm_config
from quantumlayer_dagster.store.llm_cache import StoreResponseCache
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fakes.openai_server import FakeOpenAIServer
from tests.fixtures.fake_llm import llm_config_yaml

pytestmark = pytest.mark.server  # two fake OpenAI-compatible servers

ASK = [{"role": "user", "content": "Summarise the request in one line."}]


def client(tmp_path: Path, name: str, config_yaml: str, cache: StoreResponseCache) -> LiteLLMClient:
    path = tmp_path / f"{name}.yaml"
    path.write_text(config_yaml)
    return LiteLLMClient(load_llm_config(path, env={}), cache=cache, env={})


def test_a_reply_cached_from_one_endpoint_is_not_served_for_another_with_the_same_model(
    tmp_path: Path,
) -> None:
    cache = StoreResponseCache(LocalDirStore(tmp_path / "store"))
    with (
        FakeOpenAIServer(replies={"docs": "poisoned reply"}) as attacker,
        FakeOpenAIServer(replies={"docs": "genuine reply"}) as genuine,
    ):
        first = client(tmp_path, "a", llm_config_yaml(attacker.base_url, key_env=None), cache)
        second = client(tmp_path, "b", llm_config_yaml(genuine.base_url, key_env=None), cache)
        assert first.complete_text("docs", ASK)[0] == "poisoned reply"
        text, call = second.complete_text("docs", ASK)
        assert text == "genuine reply"
        assert not call.cached
        assert genuine.count("docs") == 1
        # The same deployment still hits its own entry.
        again, hit = first.complete_text("docs", ASK)
        assert again == "poisoned reply" and hit.cached


def test_deployments_differing_only_in_extra_parameters_do_not_share_entries(
    tmp_path: Path,
) -> None:
    cache = StoreResponseCache(LocalDirStore(tmp_path / "store"))
    with FakeOpenAIServer(replies={"docs": ["v1 reply", "v2 reply"]}) as server:
        plain = llm_config_yaml(server.base_url, key_env=None)
        versioned = plain.replace(
            f"api_base: {server.base_url}",
            f"api_base: {server.base_url}\n      extra:\n        api_version: '2025-01-01'",
        )
        assert versioned != plain
        client(tmp_path, "a", plain, cache).complete_text("docs", ASK)
        _, call = client(tmp_path, "b", versioned, cache).complete_text("docs", ASK)
        assert not call.cached
        assert server.count("docs") == 2
