"""The response cache: a request answered once is not paid again (also by a new process),
only valid replies are kept, and neither digest nor entry holds the API key."""

from pathlib import Path

import pytest
from pydantic import BaseModel

from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.llm.response_cache import ResponseCache, request_digest
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.store.llm_cache import StoreResponseCache
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fixtures.llm_client import client_from_yaml

SECRET = "sk-test-cache-SECRET-99aa88bb"
CONFIG = """
groups:
  scripted:
    max_tokens: 64
    deployments:
      - model: scripted/cached
        api_key_env: QL_TEST_CACHE_KEY
        input_cost_per_token: 0.001
        output_cost_per_token: 0.001
default: scripted
"""


class Feature(BaseModel):
    title: str
    priority: int


def client(tmp_path: Path, cache: ResponseCache) -> LiteLLMClient:
    return client_from_yaml(tmp_path, CONFIG, {"QL_TEST_CACHE_KEY": SECRET}, cache=cache)


def ask(text: str = "write it") -> list[dict[str, str]]:
    return [{"role": "user", "content": text}]


def store_cache(tmp_path: Path) -> StoreResponseCache:
    return StoreResponseCache(LocalDirStore(tmp_path / "artifacts"))


def test_a_repeated_request_is_answered_from_the_store_by_a_new_client(tmp_path):
    provider = register_scripted_provider({"frd": '{"title": "Login", "priority": 1}'})
    first, first_calls = client(tmp_path, store_cache(tmp_path)).complete_json(
        "frd", ask(), Feature
    )
    again, calls = client(tmp_path, store_cache(tmp_path)).complete_json("frd", ask(), Feature)
    assert again == first
    assert len(provider.requests) == 1
    [call] = calls
    assert call.cached and call.cost_usd == 0.0
    assert first_calls[0].cost_usd > 0
    assert call.tokens_out == first_calls[0].tokens_out


def test_cache_entries_live_under_llm_cache_and_never_hold_the_key(tmp_path):
    register_scripted_provider({"docs": "a document"})
    client(tmp_path, store_cache(tmp_path)).complete_text("docs", ask())
    entries = list((tmp_path / "artifacts" / "llm-cache").glob("*.json"))
    assert len(entries) == 1
    assert SECRET not in entries[0].read_text()
    assert "a document" in entries[0].read_text()


def test_an_invalid_json_reply_is_not_cached_but_its_repair_is(tmp_path):
    provider = register_scripted_provider(
        {"frd": ['{"title": "Login"}', '{"title": "Login", "priority": 2}']}
    )
    client(tmp_path, store_cache(tmp_path)).complete_json("frd", ask(), Feature)
    assert len(provider.requests) == 2
    value, calls = client(tmp_path, store_cache(tmp_path)).complete_json("frd", ask(), Feature)
    assert value.priority == 2
    assert len(provider.requests) == 2, "the valid answer is kept for the original request"
    assert [c.cached for c in calls] == [True]


def test_replies_that_never_validate_leave_nothing_in_the_cache(tmp_path):
    register_scripted_provider({"frd": "not json"})
    with pytest.raises(LLMStageError):
        client(tmp_path, store_cache(tmp_path)).complete_json("frd", ask(), Feature)
    assert not (tmp_path / "artifacts" / "llm-cache").exists()


def test_a_text_reply_the_stage_does_not_accept_is_not_cached(tmp_path):
    provider = register_scripted_provider({"code_tree": "def broken(:"})
    for _ in range(2):
        client(tmp_path, store_cache(tmp_path)).complete_text(
            "code_tree", ask(), acceptable=lambda text: "(:" not in text
        )
    assert len(provider.requests) == 2


def test_an_empty_reply_is_not_cached(tmp_path):
    provider = register_scripted_provider({"docs": ""})
    for _ in range(2):
        client(tmp_path, store_cache(tmp_path)).complete_text("docs", ask())
    assert len(provider.requests) == 2


def test_the_digest_covers_model_messages_and_parameters():
    base = request_digest("g", ["m"], ask("a"), {"max_tokens": 5, "temperature": 0.1})
    assert base == request_digest("g", ["m"], ask("a"), {"temperature": 0.1, "max_tokens": 5})
    others = [
        request_digest("h", ["m"], ask("a"), {"max_tokens": 5, "temperature": 0.1}),
        request_digest("g", ["n"], ask("a"), {"max_tokens": 5, "temperature": 0.1}),
        request_digest("g", ["m"], ask("b"), {"max_tokens": 5, "temperature": 0.1}),
        request_digest("g", ["m"], ask("a"), {"max_tokens": 6, "temperature": 0.1}),
        request_digest("g", ["m"], ask("a"), {"max_tokens": 5, "temperature": 0.2}),
        request_digest(
            "g", ["m"], ask("a"), {"max_tokens": 5, "temperature": 0.1, "response_format": {}}
        ),
    ]
    assert base not in others and len(set(others)) == len(others)


def test_a_damaged_entry_costs_one_new_call_not_a_failed_run(tmp_path):
    provider = register_scripted_provider({"docs": "fresh"})
    client(tmp_path, store_cache(tmp_path)).complete_text("docs", ask())
    [entry] = (tmp_path / "artifacts" / "llm-cache").glob("*.json")
    entry.write_text("{broken")
    text, call = client(tmp_path, store_cache(tmp_path)).complete_text("docs", ask())
    assert (text, call.cached, len(provider.requests)) == ("fresh", False, 2)
