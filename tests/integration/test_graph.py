"""The whole asset graph for one request partition, on the scripted LLM (a test double for
the hosted-provider edge); everything else is real: Dagster, SQLite instance, artifact
store, tree-sitter, sandboxed pytest, bandit, radon, capsule."""

import json
import tarfile

import dagster as dg
import pytest

from quantumlayer_dagster.artifacts.capsule import Capsule
from quantumlayer_dagster.artifacts.code import CodeTree
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.docs import Docs
from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt
from quantumlayer_dagster.artifacts.frd import FRD
from quantumlayer_dagster.artifacts.performance import PerformanceReport
from quantumlayer_dagster.artifacts.request import PromptRequest, RequestOptions
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.artifacts.structure import ProjectStructure
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.artifacts.validation import ValidationReport
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.packaging.archive import verify_capsule
from quantumlayer_dagster.stages.versions import ASSET_NAMES
from quantumlayer_dagster.store.keys import asset_key, capsule_key
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.fixtures import wordcount
from tests.fixtures.pipeline_run import run_wordcount

pytestmark = pytest.mark.slow

DESIGN_GRAPH = {
    "prompt_request": set(),
    "enhanced_prompt": {"prompt_request"},
    "frd": {"enhanced_prompt"},
    "requirements_spec": {"frd"},
    "project_structure": {"requirements_spec"},
    "code_tree": {"project_structure"},
    "semantic_validation": {"code_tree"},
    "dependency_manifest": {"requirements_spec", "code_tree"},
    "test_plan": {"frd", "requirements_spec"},
    "test_suite": {"test_plan", "code_tree", "dependency_manifest"},
    "security_report": {"test_suite", "dependency_manifest"},
    "performance_report": {"test_suite"},
    "docs": {"frd", "test_suite", "dependency_manifest"},
    "capsule": {
        "semantic_validation",
        "test_suite",
        "security_report",
        "performance_report",
        "docs",
    },
}

ARTIFACT_MODELS = {
    "prompt_request": PromptRequest,
    "enhanced_prompt": EnhancedPrompt,
    "frd": FRD,
    "requirements_spec": RequirementsSpec,
    "project_structure": ProjectStructure,
    "code_tree": CodeTree,
    "semantic_validation": ValidationReport,
    "dependency_manifest": DependencyManifest,
    "test_plan": TestPlan,
    "test_suite": TestSuite,
    "security_report": SecurityReport,
    "performance_report": PerformanceReport,
    "docs": Docs,
    "capsule": Capsule,
}


def load(store, rid, name, model):  # type: ignore[no-untyped-def]
    return model.model_validate_json(store.get_bytes(asset_key(rid, name)))


@pytest.fixture
def run(settings, instance, register_script):  # type: ignore[no-untyped-def]
    """Run the job for one new request; returns (outcome, store, provider)."""

    def go(**script):  # type: ignore[no-untyped-def]
        provider = register_script(**script)
        outcome = run_wordcount(settings, instance)
        return outcome, LocalDirStore(settings.artifacts_dir), provider

    return go


def test_graph_has_the_design_assets_and_dependencies_on_one_partitioning(settings):
    graph = build_definitions(settings).resolve_asset_graph()
    deps = {
        key.to_user_string(): {p.to_user_string() for p in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }
    assert deps == DESIGN_GRAPH
    assert set(ASSET_NAMES) == set(DESIGN_GRAPH) == set(ARTIFACT_MODELS)
    for key in graph.get_all_asset_keys():
        partitions = graph.get(key).partitions_def
        assert isinstance(partitions, dg.DynamicPartitionsDefinition)
        assert partitions.name == "requests"


def test_job_selects_the_whole_graph(settings):
    job = build_definitions(settings).resolve_job_def("generate_project")
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == set(DESIGN_GRAPH)


def test_whole_graph_materializes_every_asset_for_the_partition(run, instance):
    outcome, store, _ = run()
    assert outcome.success, outcome.failure
    rid = outcome.request_id
    for name in DESIGN_GRAPH:
        assert json.loads(store.get_bytes(asset_key(rid, name)))  # JSON, not pickle
        event = instance.get_latest_materialization_event(dg.AssetKey(name))
        assert event is not None and event.run_id == outcome.run_id
        assert event.asset_materialization.partition == rid
    assert {g.name: g.passed for g in outcome.gates} == {
        "code_parses": True,
        "licences_allowed": True,
        "dependencies_resolved": True,
        "tests_pass": True,
        "no_high_severity_findings": True,
        "no_known_vulnerable_pins": True,
        "complexity_budget": True,
        "capsule_verifies": True,
    }


def test_every_asset_holds_its_stage_content(run):
    outcome, store, _ = run()
    rid = outcome.request_id
    a = {name: load(store, rid, name, model) for name, model in ARTIFACT_MODELS.items()}
    assert a["prompt_request"].prompt == wordcount.PROMPT
    assert a["enhanced_prompt"].title == wordcount.ENHANCED_PROMPT["title"]
    assert [f.id for f in a["frd"].features] == ["F1", "F2"]
    assert a["requirements_spec"].traceability == {"AC1": "F1", "AC2": "F1", "AC3": "F2"}
    assert [f.path for f in a["project_structure"].files] == [
        "wordcount/__init__.py",
        "wordcount/counter.py",
    ]
    assert a["code_tree"].file("wordcount/counter.py").content.startswith('"""Count words')
    assert a["semantic_validation"].valid and a["semantic_validation"].files_validated == 2
    assert a["dependency_manifest"].dependencies == []  # standard library only
    assert [c.criterion_id for c in a["test_plan"].cases] == ["AC1", "AC2", "AC3"]
    assert (a["test_suite"].run.passed, a["test_suite"].run.failed) == (3, 0)
    assert "wordcount/counter.py" in a["security_report"].scanned
    assert {f.name for f in a["performance_report"].functions} == {"count_words", "top_words"}
    assert a["docs"].files["README.md"].startswith("# Word counter")
    assert a["capsule"].verification.ok and a["capsule"].manifest.request_id == rid


def test_artifacts_carry_their_lineage_forward(run):
    outcome, store, _ = run()
    rid = outcome.request_id
    frd = load(store, rid, "frd", FRD)
    structure = load(store, rid, "project_structure", ProjectStructure)
    code = load(store, rid, "code_tree", CodeTree)
    suite = load(store, rid, "test_suite", TestSuite)
    capsule = load(store, rid, "capsule", Capsule)
    assert frd.request_id == rid and frd.brief.title == wordcount.ENHANCED_PROMPT["title"]
    assert [f.path for f in code.files] == [f.path for f in structure.files]
    assert suite.project.sources == code.files
    assert {f"project/{f.path}" for f in suite.project.all_files} <= set(capsule.manifest.files)
    assert {"reports/sbom.cdx.json", "reports/dependencies.json"} <= set(capsule.manifest.files)
    assert capsule.manifest.tokens_in > 0 and capsule.manifest.models == ["scripted/fixture"]


def test_each_step_loaded_exactly_its_upstream_assets(run, instance):
    outcome, _, _ = run()
    loaded: dict[str, set[str]] = {name: set() for name in DESIGN_GRAPH}
    for record in instance.all_logs(outcome.run_id, of_type=dg.DagsterEventType.LOADED_INPUT):
        data = record.dagster_event.event_specific_data
        loaded[record.step_key].add(data.upstream_step_key)
    assert loaded == DESIGN_GRAPH


def test_materialization_metadata_is_readable(run, instance):
    outcome, _, _ = run()
    assert outcome.success, outcome.failure
    frd_meta = instance.get_latest_materialization_event(
        dg.AssetKey("frd")
    ).asset_materialization.metadata
    assert frd_meta["tokens_in"].value > 0 and frd_meta["tokens_out"].value > 0
    assert frd_meta["duration_s"].value >= 0
    assert "| AC1 | F1 |" in frd_meta["criteria"].value
    security_meta = instance.get_latest_materialization_event(
        dg.AssetKey("security_report")
    ).asset_materialization.metadata
    assert isinstance(security_meta["report"], dg.MarkdownMetadataValue)


def test_capsule_is_verified_and_deterministic(run, settings, instance):
    outcome, store, _ = run()
    rid = outcome.request_id
    first = store.get_bytes(capsule_key(rid))
    assert verify_capsule(first).ok
    with tarfile.open(outcome.capsule_path) as tar:
        manifest = json.load(tar.extractfile("capsule.json"))
    assert manifest["request_id"] == rid and manifest["files"]
    # Every gate the run evaluated before packaging is recorded in capsule.json.
    assert {g["name"]: g["passed"] for g in manifest["gates"]} == {
        g.name: g.passed for g in outcome.gates if g.name != "capsule_verifies"
    }
    # The gates that judge code name the tree they judged, and it is the one packaged.
    judged = {g["name"]: g["tree_sha256"] for g in manifest["gates"]}
    assert judged["code_parses"] and judged["tests_pass"]
    assert manifest["attempts"] == {
        "code_file_attempts": 1,
        "code_repairs": 0,
        "project_pass_repairs": 0,
        "test_repair_rounds": 0,
    }
    job = build_definitions(settings).resolve_job_def("generate_project")
    again = job.execute_in_process(
        instance=instance, partition_key=rid, asset_selection=[dg.AssetKey("capsule")]
    )
    assert again.success
    assert store.get_bytes(capsule_key(rid)) == first


def test_code_that_never_parses_stops_at_the_blocking_gate(run):
    broken = {"code_tree": {"wordcount/counter.py": wordcount.COUNTER_PY_BROKEN}}
    outcome, store, provider = run(files={**wordcount.FILE_REPLIES, **broken})
    assert not outcome.success
    assert outcome.failure.startswith("gate code_parses failed")
    assert len(provider.requests_for("code_tree")) == RequestOptions().max_repair_attempts
    assert not store.exists(capsule_key(outcome.request_id))


def test_a_stage_that_gets_no_valid_answer_fails_the_run_with_its_name(run):
    stages = {**wordcount.STAGE_REPLIES, "frd": "this is not JSON"}
    outcome, store, _ = run(stages=stages)
    assert not outcome.success
    assert outcome.failure.startswith("stage frd failed: ")
    assert "FRDDraft" in outcome.failure
    assert not store.exists(asset_key(outcome.request_id, "frd"))
