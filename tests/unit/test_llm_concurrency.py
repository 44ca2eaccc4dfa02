"""Independent LLM calls of one stage run concurrently within the configured bound, the
result keeps the planned order, a failed file leaves the others cached for the re-run, and
LLM-bound assets share one Dagster concurrency pool."""

from pathlib import Path

import dagster as dg
import pytest
import yaml

from assets import ALL_ASSETS
from quantumlayer_dagster.artifacts.structure import PlannedFile
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.stages.code_tree import generate_code
from quantumlayer_dagster.store.llm_cache import StoreResponseCache
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fixtures import wordcount, wordcount_stages
from tests.fixtures.llm_client import client_from_yaml
from tests.fixtures.llm_providers import RecordingProvider, install

ROOT = Path(__file__).resolve().parents[2]
MODULES = [f"wordcount/m{i}.py" for i in range(4)]
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


def four_modules(tmp_path: Path):  # type: ignore[no-untyped-def]
    """The word-count structure with four modules to write."""
    register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
    planner = client(tmp_path, "scripted/planner", 1)
    structure = wordcount_stages.project_structure(planner)
    files = [PlannedFile(path="wordcount/__init__.py", purpose="marks", kind="package_marker")]
    files += [PlannedFile(path=p, purpose=f"module {p}") for p in MODULES]
    return structure.model_copy(update={"files": files})


def test_files_are_written_concurrently_up_to_the_bound_in_planned_order(tmp_path):
    structure = four_modules(tmp_path)
    # Each request waits until a second one is in flight: serial calls would time out.
    provider = install("recording", RecordingProvider("x = 1\n", parties=2))
    tree = generate_code(structure, client(tmp_path, "recording/writer", 2))
    assert provider.most_in_flight == 2
    assert [f.path for f in tree.files] == ["wordcount/__init__.py", *MODULES]
    assert sorted(c.file or "" for c in tree.llm.calls) == MODULES


def test_one_call_at_a_time_when_the_bound_is_one(tmp_path):
    structure = four_modules(tmp_path)
    provider = install("recording", RecordingProvider("x = 1\n"))
    generate_code(structure, client(tmp_path, "recording/writer", 1))
    assert provider.most_in_flight == 1


def test_a_failed_file_fails_the_stage_but_the_others_are_not_paid_again(tmp_path):
    structure = four_modules(tmp_path)
    cache = StoreResponseCache(LocalDirStore(tmp_path / "artifacts"))
    replies = {p: "x = 1\n" for p in MODULES}
    provider = register_scripted_provider({}, files={"code_tree": {**replies, MODULES[2]: ""}})
    with pytest.raises(LLMStageError) as caught:
        generate_code(structure, client(tmp_path, "scripted/writer", 2, cache))
    assert caught.value.reason.startswith(f"{MODULES[2]}: no usable file")
    assert len(caught.value.calls) == 3 + 3, "three files once, the empty one three times"

    provider = register_scripted_provider({}, files={"code_tree": replies})
    tree = generate_code(structure, client(tmp_path, "scripted/writer", 2, cache))
    assert [r.file for r in provider.requests] == [MODULES[2]]
    assert [c.cached for c in tree.llm.calls].count(True) == 3


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
