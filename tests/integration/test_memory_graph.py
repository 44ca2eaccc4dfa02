"""Vector memory across runs of the whole graph (scripted LLM at the provider edge; real
Dagster, real MiniLM embeddings, real Qdrant local mode in the test's home folder)."""

import json

import dagster as dg
import pytest

from quantumlayer_cli.local_run import run_request
from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.memory.embedder import MiniLMEmbedder
from quantumlayer_dagster.memory.qdrant_memory import QdrantMemory
from quantumlayer_dagster.store.keys import asset_key, capsule_key
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fixtures import wordcount
from tests.fixtures.pipeline_run import run_wordcount

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]


def metadata(instance, name):  # type: ignore[no-untyped-def]
    event = instance.get_latest_materialization_event(dg.AssetKey(name))
    return {k: v.value for k, v in event.asset_materialization.metadata.items()}


def test_a_second_request_is_briefed_with_the_first_and_names_it(
    settings, instance, register_script
) -> None:
    assert settings.memory_enabled and settings.memory_dir.is_relative_to(settings.home)
    definitions = build_definitions(settings)
    store = LocalDirStore(settings.artifacts_dir)

    register_script()
    first = run_request(
        settings, wordcount.PROMPT, RequestOptions(), definitions=definitions, instance=instance
    )
    assert first.success, first.failure
    assert metadata(instance, "enhanced_prompt")["similar_requests"] == "none"
    assert metadata(instance, "capsule")["memory"] == "recorded"
    first_brief = EnhancedPrompt.model_validate_json(
        store.get_bytes(asset_key(first.request_id, "enhanced_prompt"))
    )

    provider = register_script()
    second = run_request(
        settings, wordcount.PROMPT, RequestOptions(), definitions=definitions, instance=instance
    )
    assert second.success, second.failure

    meta = metadata(instance, "enhanced_prompt")
    assert meta["memory"] == "on"
    assert meta["similar_requests"].startswith(f"{first.request_id} (")
    assert f"| {first.request_id} |" in meta["similar_requests_table"]
    brief = EnhancedPrompt.model_validate_json(
        store.get_bytes(asset_key(second.request_id, "enhanced_prompt"))
    )
    [past] = brief.past_requests
    assert past.request_id == first.request_id and past.score > 0.5
    assert past.outcome.capsule_key == capsule_key(first.request_id)
    assert past.outcome.gates_passed == first.gates_passed
    [sent] = provider.requests_for("enhanced_prompt")
    assert (
        json.dumps(first_brief.memory_text().replace("\n", " "), ensure_ascii=False)
        in (sent.messages[-1]["content"])
    )

    # Both requests are now remembered, each once.
    memory = QdrantMemory(MiniLMEmbedder(), path=settings.memory_dir)
    assert memory.count() == 2


def test_with_memory_off_nothing_is_recalled_or_recorded(
    settings, instance, register_script
) -> None:
    settings = settings.model_copy(update={"memory_enabled": False})
    register_script()
    outcome = run_wordcount(settings, instance)
    assert outcome.success, outcome.failure
    assert metadata(instance, "enhanced_prompt")["memory"] == "off"
    assert metadata(instance, "capsule")["memory"] == "off"
    assert not settings.memory_dir.exists()
