"""The per-request budget: a call that could take the request over its tokens or USD is
refused before it is sent, with the stage and the fix named; earlier stages count."""

import json
from pathlib import Path

import pytest

from quantumlayer_dagster.artifacts.llm_usage import LLMCall, LLMUsage
from quantumlayer_dagster.llm.budget import BudgetExceeded, RequestBudget
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import BudgetSettings
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.stages.registry import PARTITIONS
from quantumlayer_dagster.store.keys import asset_key
from quantumlayer_dagster.store.local_dir import LocalDirStore
from quantumlayer_dagster.store.request_usage import stored_request_usage
from tests.fixtures.llm_client import client_from_yaml

CONFIG = """
groups:
  scripted:
    max_tokens: 60
    deployments:
      - model: scripted/budgeted
        input_cost_per_token: 0.001
        output_cost_per_token: 0.002
default: scripted
cache:
  backend: none
budget:
{budget}
"""
REQUEST = "r20260101000000-00000000"


def client(tmp_path: Path, budget: str, budget_obj: RequestBudget | None = None) -> LiteLLMClient:
    return client_from_yaml(tmp_path, CONFIG.format(budget=budget), budget=budget_obj)


def ask() -> list[dict[str, str]]:
    return [{"role": "user", "content": "four words of prompt"}]  # 20 chars: 5 tokens estimated


def test_a_call_that_could_pass_the_token_budget_is_refused_before_it_is_sent(tmp_path):
    provider = register_scripted_provider({"frd": "two words"})
    llm = client(tmp_path, "  max_tokens: 70")
    llm.complete_text("frd", ask())  # estimate 5 + 60 = 65 <= 70; spends 4 + 2 = 6
    with pytest.raises(BudgetExceeded) as caught:
        llm.complete_text("frd", ask())  # 6 spent + 65 > 70
    assert len(provider.requests) == 1
    message = str(caught.value)
    assert message.startswith("stage frd: LLM budget exceeded: 6 tokens spent")
    assert "may use 65 more, over budget.max_tokens=70" in message
    assert "raise budget.max_tokens in the LLM config" in message


def test_the_usd_budget_is_checked_with_the_configured_prices(tmp_path):
    provider = register_scripted_provider({"docs": "x"})
    # 5 prompt tokens x 0.001 + 60 x 0.002 = $0.125 estimated
    with pytest.raises(BudgetExceeded) as caught:
        client(tmp_path, "  max_usd: 0.1").complete_text("docs", ask())
    assert provider.requests == []
    assert "stage docs: LLM budget exceeded: $0.0000 spent" in str(caught.value)
    assert "may cost $0.1250 more, over budget.max_usd=0.1" in str(caught.value)
    assert "raise budget.max_usd" in str(caught.value)


def test_no_budget_means_no_limit(tmp_path):
    provider = register_scripted_provider({"frd": "two words"})
    llm = client(tmp_path, "  max_tokens: null\n  max_usd: null")
    # Each call may use 65 tokens and $0.125 (see above): five are far over the limits the
    # other tests set, and every one is sent and paid for.
    calls = [llm.complete_text("frd", ask())[1] for _ in range(5)]
    assert len(provider.requests) == 5
    assert sum(c.tokens_in + c.tokens_out for c in calls) == 5 * 6
    assert sum(c.cost_usd for c in calls) == pytest.approx(5 * (4 * 0.001 + 2 * 0.002))


def test_usage_stored_by_earlier_stages_of_the_request_counts(tmp_path):
    store = LocalDirStore(tmp_path / "store")
    earlier = LLMUsage(calls=[LLMCall(stage="frd", model="m", tokens_in=30, tokens_out=20)])
    store.put_bytes(asset_key(REQUEST, "frd"), json.dumps({"llm": earlier.model_dump()}).encode())
    provider = register_scripted_provider({"docs": "ok"})
    budget = RequestBudget(BudgetSettings(max_tokens=100), stored_request_usage(store, REQUEST))
    with pytest.raises(BudgetExceeded) as caught:
        client(tmp_path, "  max_tokens: 100", budget).complete_text("docs", ask())
    assert "50 tokens spent by this request" in str(caught.value)
    assert provider.requests == []


def test_cached_calls_and_the_stage_itself_are_not_counted_from_the_store(tmp_path):
    store = LocalDirStore(tmp_path / "store")
    cached = LLMCall(stage="frd", model="m", tokens_in=500, tokens_out=500, cached=True)
    paid = LLMCall(stage="frd", model="m", tokens_in=7, tokens_out=3)
    record = {"llm": LLMUsage(calls=[cached, paid]).model_dump()}
    store.put_bytes(asset_key(REQUEST, "frd"), json.dumps(record).encode())
    store.put_bytes(asset_key(REQUEST, "docs"), json.dumps(record).encode())
    earlier = stored_request_usage(store, REQUEST)
    assert earlier(set()).tokens_in == 14
    assert earlier({"docs"}).tokens_in == 7, "a stage running now counts its own calls instead"


def test_a_run_stopped_by_the_budget_records_the_stage_and_its_attempts(tmp_path):
    import dagster as dg

    from assets.declare import request_asset

    register_scripted_provider({"frd": "ok"})
    llm = client(tmp_path, "  max_usd: 0.01")

    @request_asset("planning", {"llm"})
    def frd() -> str:
        return llm.complete_text("frd", ask())[0]

    instance = dg.DagsterInstance.ephemeral()
    instance.add_dynamic_partitions(PARTITIONS, [REQUEST])
    result = dg.materialize([frd], instance=instance, partition_key=REQUEST, raise_on_error=False)
    [failure] = result.get_step_failure_events()
    user_failure = failure.step_failure_data.user_failure_data
    assert user_failure is not None
    assert (user_failure.description or "").startswith("stage frd: LLM budget exceeded")
    assert user_failure.metadata["stage"].value == "frd"
