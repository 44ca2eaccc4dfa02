"""The stage registry and the Definitions agree: the assets, their order, code versions,
artifact models, partitioning and job all come from the one registry."""

import importlib
from importlib import resources

import dagster as dg
import pytest

from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.prompts import Template, load_template
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages import registry
from quantumlayer_dagster.stages.registry import (
    ASSET_NAMES,
    JOB_NAME,
    PARTITIONS,
    STAGES,
    all_code_versions,
    stage,
)


@pytest.fixture
def assets(settings: Settings) -> list[dg.AssetsDefinition]:
    defs = build_definitions(settings)
    return [a for a in defs.assets or [] if isinstance(a, dg.AssetsDefinition)]


def test_the_definitions_hold_exactly_the_registry_stages_in_pipeline_order(assets):
    assert [a.key.to_user_string() for a in assets] == list(ASSET_NAMES)


def test_each_asset_carries_its_stage_code_version(assets):
    versions = {a.key.to_user_string(): a.code_versions_by_key[a.key] for a in assets}
    assert versions == all_code_versions()


def test_each_asset_outputs_its_stage_artifact_model(assets):
    for asset in assets:
        out = asset.op.output_def_named(asset.get_output_name_for_asset_key(asset.key))
        assert out.dagster_type.typing_type is stage(asset.key.to_user_string()).model


def test_each_input_is_annotated_with_the_upstream_stage_model(assets):
    """The IO manager loads an input as its annotation: it must be the model the upstream
    stage stored, or the artifact would be read as something else."""
    for asset in assets:
        for name, key in asset.keys_by_input_name.items():
            annotated = asset.op.ins[name].dagster_type.typing_type
            assert annotated is stage(key.to_user_string()).model, (asset.key, name)


def test_every_asset_is_on_the_registry_partitioning_and_in_the_registry_job(settings):
    defs = build_definitions(settings)
    graph = defs.resolve_asset_graph()
    for key in graph.get_all_asset_keys():
        partitions = graph.get(key).partitions_def
        assert isinstance(partitions, dg.DynamicPartitionsDefinition)
        assert partitions.name == PARTITIONS
    job = defs.resolve_job_def(JOB_NAME)
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == set(ASSET_NAMES)


def test_each_stage_has_its_module_which_labels_llm_calls_with_the_stage_name():
    """The LLM config picks models and the budget counts calls by this label."""
    for spec in STAGES:
        module = importlib.import_module(f"quantumlayer_dagster.stages.{spec.name}")
        assert getattr(module, "STAGE", spec.name) == spec.name


def test_every_prompt_template_belongs_to_a_stage():
    """A template no stage lists would change no code version when edited."""
    shipped = {
        f.name.removesuffix(".txt")
        for f in resources.files("quantumlayer_dagster.prompts").iterdir()
        if f.name.endswith(".txt")
    }
    assert shipped == {t for s in STAGES for t in s.templates}


def test_a_template_edit_changes_the_stage_code_version(monkeypatch):
    before = stage("frd").code_version
    original = load_template("frd")
    edited = Template(original.name, original.system + " Answer briefly.", original.user)
    monkeypatch.setattr(
        registry, "load_template", lambda name: edited if name == "frd" else load_template(name)
    )
    after = stage("frd").code_version
    assert after != before and after.split("-")[0] == before.split("-")[0] == "v1"
    assert stage("docs").code_version == all_code_versions()["docs"]  # other stages unchanged


def test_a_stage_without_templates_is_versioned_by_its_logic_alone():
    assert stage("semantic_validation").code_version == f"v{stage('semantic_validation').logic}"


def test_an_unknown_stage_is_named_with_the_known_ones():
    with pytest.raises(KeyError, match="no stage 'capsules'; the stages are prompt_request"):
        stage("capsules")
