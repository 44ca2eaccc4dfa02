"""Independent LLM calls of one stage run concurrently within the configured bound (every
function body of a request at once), a failed request leaves the others cached for the
re-run, and LLM-bound assets share one Dagster concurrency pool."""

from pathlib import Path

import dagster as dg
import pytest
import yaml

from assets import ALL_ASSETS
from quantumlayer_dagster.generation.complete_file import complete_file
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.sandbox import Sandbox
from quantumlayer_dagster.store.llm_cache import StoreResponseCache
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fixtures.llm_client import client_from_yaml
from tests.fixtures.llm_providers import RecordingProvider, install

ROOT = Path(__file__).resolve().parents[2]
NAMES = [f"f{i}" for i in range(4)]
STUBS = "".join(f"def {n}(x: int) -> int:\n    ...\n\n\n" for n in NAMES)
"""Four stubs without examples: each body is judged by the blocking checks alone, so no
sandbox run is needed."""
CONFIG = """
groups:
  g:
    structured_output: json_schema
    deployments:
      - model: {model}
default: g
concurrency:
  max_parallel_calls: {parallel}
cache:
  backend: none
"""


def client(tmp_path: Path, model: str, parallel: int, cache=None) -> LiteLLMClient:  # type: ignore[no-untyped-def]
    return client_from_yaml(tmp_path, CONFIG.format(model=model, parallel=parallel), cache=cache)


def test_bodies_are_written_concurrently_up_to_the_bound_each_in_its_place(tmp_path):
    # Each request waits until a second one is in flight: serial calls would time out.
    provider = install("recording", RecordingProvider("return x\n", parties=2))
    done = complete_file(STUBS, "m.py", client(tmp_path, "recording/writer", 2), Sandbox())
    assert provider.most_in_flight == 2
    assert done.source.count("    return x\n") == 4 and "..." not in done.source
    assert sorted(c.file or "" for c in done.calls) == [f"m.py::{n}" for n in NAMES]


def test_one_call_at_a_time_when_the_bound_is_one(tmp_path):
    provider = install("recording", RecordingProvider("return x\n"))
    complete_file(STUBS, "m.py", client(tmp_path, "recording/writer", 1), Sandbox())
    assert provider.most_in_flight == 1


def test_a_failed_request_fails_the_stage_but_the_others_are_not_paid_again(tmp_path):
    cache = StoreResponseCache(LocalDirStore(tmp_path / "artifacts"))
    replies = {f"m.py::{n}": f"def {n}(x):\n    return x\n" for n in NAMES}
    missing = dict(replies)
    del missing["m.py::f2"]  # the provider has no answer for f2: its request fails
    register_scripted_provider({}, files={"code_tree": missing})
    with pytest.raises(LLMStageError) as caught:
        complete_file(STUBS, "m.py", client(tmp_path, "scripted/writer", 2, cache), Sandbox())
    assert "no reply for stage 'code_tree', file 'm.py::f2'" in caught.value.reason
    assert len(caught.value.calls) == 4

    provider = register_scripted_provider({}, files={"code_tree": replies})
    done = complete_file(STUBS, "m.py", client(tmp_path, "scripted/writer", 2, cache), Sandbox())
    assert [r.file for r in provider.requests] == ["m.py::f2"]
    assert [c.cached for c in done.calls].count(True) == 3


def test_llm_bound_assets_and_only_they_are_in_the_llm_pool():
    pools = {
        key.to_user_string(): asset.op.pool
        for asset in ALL_ASSETS
        if isinstance(asset, dg.AssetsDefinition)
        for key in asset.keys
    }
    llm_assets = {"enhanced_prompt", "frd", "requirements_spec", "project_structure"}
    llm_assets |= {"code_tree", "test_plan", "test_suite", "docs"}
    assert {name for name, pool in pools.items() if pool == "llm"} == llm_assets


@pytest.mark.parametrize(
    "config",
    ["dagster.yaml", "quantumlayer_dagster/config/dagster.local.yaml"],
)
def test_instance_configs_limit_the_pool(config):
    pools = yaml.safe_load((ROOT / config).read_text())["concurrency"]["pools"]
    assert pools["default_limit"] >= 1


def test_cluster_instance_limits_the_pool():
    """In a cluster the Dagster chart writes the instance config from deploy/values.yaml."""
    concurrency = yaml.safe_load((ROOT / "deploy/values.yaml").read_text())["concurrency"]
    assert concurrency["enabled"] is True
    assert concurrency["pools"]["defaultLimit"] >= 1
