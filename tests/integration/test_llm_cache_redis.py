"""The response cache on the real Redis at 127.0.0.1:6379: entries survive a new client,
expire after ttl_s, and hold no API key. Each test uses its own key prefix and removes it."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis

from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import load_llm_config
from quantumlayer_dagster.llm.response_cache import (
    RedisResponseCache,
    build_response_cache,
)
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider

pytestmark = pytest.mark.server

REDIS_URL = "redis://127.0.0.1:6379/0"
SECRET = "sk-test-redis-SECRET-4d3c2b1a"
CONFIG = """
groups:
  scripted:
    deployments:
      - model: scripted/redis
        api_key_env: QL_TEST_REDIS_KEY
default: scripted
cache:
  backend: redis
  redis_url_env: QL_TEST_REDIS_URL
  ttl_s: 600
"""
ENV = {"QL_TEST_REDIS_KEY": SECRET, "QL_TEST_REDIS_URL": REDIS_URL}


@pytest.fixture
def prefix() -> Iterator[str]:
    """A key prefix of this test alone; its keys are deleted afterwards."""
    name = f"ql-test:{uuid.uuid4().hex}:"
    yield name
    server = redis.Redis.from_url(REDIS_URL)
    for key in server.scan_iter(f"{name}*"):
        server.delete(key)


def redis_client(tmp_path: Path, prefix: str) -> LiteLLMClient:
    path = tmp_path / "llm.yaml"
    path.write_text(CONFIG)
    config = load_llm_config(path, env=ENV)
    cache = RedisResponseCache(REDIS_URL, prefix=prefix, ttl_s=config.cache.ttl_s)
    return LiteLLMClient(config, cache=cache, env=ENV)


def ask() -> list[dict[str, str]]:
    return [{"role": "user", "content": "the readme please"}]


def test_the_config_builds_a_redis_cache_from_the_named_variable(tmp_path):
    path = tmp_path / "llm.yaml"
    path.write_text(CONFIG)
    cache = build_response_cache(load_llm_config(path, env=ENV).cache, None, ENV)
    assert isinstance(cache, RedisResponseCache)
    assert cache.ttl_s == 600


def test_a_reply_cached_in_redis_answers_a_new_client_without_a_request(tmp_path, prefix):
    provider = register_scripted_provider({"docs": "the readme"})
    redis_client(tmp_path, prefix).complete_text("docs", ask())
    text, call = redis_client(tmp_path, prefix).complete_text("docs", ask())
    assert (text, call.cached, call.cost_usd) == ("the readme", True, 0.0)
    assert len(provider.requests) == 1


def test_redis_entries_expire_and_hold_no_key(tmp_path, prefix):
    register_scripted_provider({"docs": "the readme"})
    redis_client(tmp_path, prefix).complete_text("docs", ask())
    server = redis.Redis.from_url(REDIS_URL)
    [key] = list(server.scan_iter(f"{prefix}*"))
    assert 0 < server.ttl(key) <= 600
    value = server.get(key)
    assert value is not None and SECRET.encode() not in value


def test_an_unreachable_redis_costs_a_call_not_the_run(tmp_path, prefix):
    provider = register_scripted_provider({"docs": "still answered"})
    path = tmp_path / "llm.yaml"
    path.write_text(CONFIG)
    cache = RedisResponseCache("redis://127.0.0.1:9/0", prefix=prefix)
    llm = LiteLLMClient(load_llm_config(path, env=ENV), cache=cache, env=ENV)
    text, call = llm.complete_text("docs", ask())
    assert (text, call.cached, len(provider.requests)) == ("still answered", False, 1)
