"""The whole asset graph for one request partition, on the scripted LLM (a test double for
the hosted-provider edge); everything else is real: Dagster, SQLite instance, artifact
store, tree-sitter, sandboxed pytest, bandit, radon, capsule.

The word-count request runs once for the module (``wordcount_run``) and the tests read what
it left; only the failure scenarios run the graph again, each with its own replies."""

import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass

import dagster as dg
import pytest

from quantumlayer_cli.local_run import RunOutcome, local_instance
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.packaging.archive import verify_capsule
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages.registry import ASSET_NAMES, JOB_NAME, PARTITIONS, stage
from quantumlayer_dagster.store.keys import asset_key, capsule_key
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.conftest import scripted_settings
from tests.fixtures import wordcount
from tests.fixtures.design_graph import DESIGN_CHECKS, DESIGN_GRAPH
from tests.fixtures.pipeline_run import run_wordcount

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]  # test_suite runs pytest under bwrap


def load(store, rid, name):  # type: ignore[no-untyped-def]
    return stage(name).model.model_validate_json(store.get_bytes(asset_key(rid, name)))


@dataclass
class GraphRun:
    """The module's one run of the whole graph, and where it left its records."""

    settings: Settings
    instance: dg.DagsterInstance
    outcome: RunOutcome
    store: LocalDirStore

    @property
    def rid(self) -> str:
        return self.outcome.request_id


@pytest.fixture(scope="module")
def wordcount_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[GraphRun]:
    """The word-count request through the whole graph, once for this module."""
    settings = scripted_settings(tmp_path_factory.mktemp("graph"))
    register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
    instance = local_instance(settings)
    try:
        outcome = run_wordcount(settings, instance)
        assert outcome.success, outcome.failure
        yield GraphRun(settings, instance, outcome, LocalDirStore(settings.artifacts_dir))
    finally:
        instance.dispose()


@pytest.fixture
def run(settings, instance, register_script):  # type: ignore[no-untyped-def]
    """Run the job for one new request with the given replies (a failure scenario of its
    own); returns (outcome, store, provider)."""

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
    assert set(ASSET_NAMES) == set(DESIGN_GRAPH)
    for key in graph.get_all_asset_keys():
        partitions = graph.get(key).partitions_def
        assert isinstance(partitions, dg.DynamicPartitionsDefinition)
        assert partitions.name == PARTITIONS


def test_the_gates_are_the_design_checks(settings):
    graph = build_definitions(settings).resolve_asset_graph()
    checks: dict[str, list[tuple[str, bool]]] = {}
    for key in graph.asset_check_keys:
        spec = graph.get_check_spec(key)
        checks.setdefault(key.asset_key.to_user_string(), []).append((key.name, spec.blocking))
    assert {a: sorted(c) for a, c in checks.items()} == {
        a: sorted(c) for a, c in DESIGN_CHECKS.items()
    }


def test_job_selects_the_whole_graph(settings):
    job = build_definitions(settings).resolve_job_def(JOB_NAME)
    assert {k.to_user_string() for k in job.asset_layer.executable_asset_keys} == set(DESIGN_GRAPH)


def test_whole_graph_materializes_every_asset_for_the_partition(wordcount_run):
    outcome, store, rid = wordcount_run.outcome, wordcount_run.store, wordcount_run.rid
    for name in DESIGN_GRAPH:
        assert json.loads(store.get_bytes(asset_key(rid, name)))  # JSON, not pickle
    events = wordcount_run.instance.all_logs(
        outcome.run_id, of_type=dg.DagsterEventType.ASSET_MATERIALIZATION
    )
    materialized = [
        (e.dagster_event.asset_key.to_user_string(), e.dagster_event.partition) for e in events
    ]
    assert sorted(materialized) == sorted((name, rid) for name in DESIGN_GRAPH)
    assert {g.name: g.passed for g in outcome.gates} == {
        "code_parses": True,
        "licences_allowed": True,
        "dependencies_resolved": True,
        "tests_pass": True,
        "no_high_severity_findings": True,
        "no_known_vulnerable_pins": True,
        "no_server_errors": True,
        "complexity_budget": True,
        "capsule_verifies": True,
    }


def test_every_asset_holds_its_stage_content(wordcount_run):
    store, rid = wordcount_run.store, wordcount_run.rid
    a = {name: load(store, rid, name) for name in ASSET_NAMES}
    assert a["prompt_request"].prompt == wordcount.PROMPT
    assert a["enhanced_prompt"].title == wordcount.ENHANCED_PROMPT["title"]
    assert [f.id for f in a["frd"].features] == ["F1", "F2"]
    assert a["requirements_spec"].traceability == {"AC1": "F1", "AC2": "F1", "AC3": "F2"}
    assert [f.path for f in a["project_structure"].files] == [
        "wordcount/__init__.py",
        "wordcount/counter.py",
    ]
    counter = a["code_tree"].file("wordcount/counter.py").content
    assert counter.startswith('"""Count words') and "def count_words(text: str)" in counter
    assert [(b.qualname, b.examples_pass) for b in a["code_tree"].bodies] == [
        ("count_words", True),
        ("top_words", True),
    ]
    assert a["semantic_validation"].valid and a["semantic_validation"].files_validated == 2
    assert a["dependency_manifest"].dependencies == []  # standard library only
    assert [c.criterion_id for c in a["test_plan"].cases] == ["AC1", "AC2", "AC3"]
    # two planned examples of count_words, one of top_words, three test-plan cases
    assert (a["test_suite"].run.passed, a["test_suite"].run.failed) == (6, 0)
    assert "wordcount/counter.py" in a["security_report"].scanned
    assert {f.name for f in a["performance_report"].functions} == {"count_words", "top_words"}
    assert a["docs"].files["README.md"].startswith("# Word counter")
    assert a["capsule"].verification.ok and a["capsule"].manifest.request_id == rid


def test_artifacts_carry_their_lineage_forward(wordcount_run):
    store, rid = wordcount_run.store, wordcount_run.rid
    frd = load(store, rid, "frd")
    structure = load(store, rid, "project_structure")
    code = load(store, rid, "code_tree")
    suite = load(store, rid, "test_suite")
    capsule = load(store, rid, "capsule")
    assert frd.request_id == rid and frd.brief.title == wordcount.ENHANCED_PROMPT["title"]
    assert [f.path for f in code.files] == [f.path for f in structure.files]
    assert suite.project.sources == code.files
    assert {f"project/{f.path}" for f in suite.project.all_files} <= set(capsule.manifest.files)
    assert {"reports/sbom.cdx.json", "reports/dependencies.json"} <= set(capsule.manifest.files)
    assert capsule.manifest.tokens_in > 0 and capsule.manifest.models == ["scripted/fixture"]


def test_each_step_loaded_exactly_its_upstream_assets(wordcount_run):
    run_id, instance = wordcount_run.outcome.run_id, wordcount_run.instance
    loaded: dict[str, set[str]] = {name: set() for name in DESIGN_GRAPH}
    for record in instance.all_logs(run_id, of_type=dg.DagsterEventType.LOADED_INPUT):
        data = record.dagster_event.event_specific_data
        loaded[record.step_key].add(data.upstream_step_key)
    assert loaded == DESIGN_GRAPH


def test_materialization_metadata_is_readable(wordcount_run):
    instance, run_id = wordcount_run.instance, wordcount_run.outcome.run_id
    frd_meta = instance.get_latest_materialization_event(
        dg.AssetKey("frd")
    ).asset_materialization.metadata
    assert frd_meta["tokens_in"].value > 0 and frd_meta["tokens_out"].value > 0
    stats = instance.get_run_stats(run_id)
    assert stats.start_time is not None and stats.end_time is not None
    assert 0 < frd_meta["duration_s"].value < stats.end_time - stats.start_time
    assert "| AC1 | F1 |" in frd_meta["criteria"].value
    security_meta = instance.get_latest_materialization_event(
        dg.AssetKey("security_report")
    ).asset_materialization.metadata
    assert isinstance(security_meta["report"], dg.MarkdownMetadataValue)


def test_capsule_is_verified_and_deterministic(wordcount_run):
    # Materializes the capsule once more: the other tests read the run's own events.
    settings, instance, outcome = (
        wordcount_run.settings,
        wordcount_run.instance,
        wordcount_run.outcome,
    )
    store, rid = wordcount_run.store, wordcount_run.rid
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
        "body_candidates": 2,
        "body_repairs": 0,
        "code_file_attempts": 0,
        "code_repairs": 0,
        "test_repair_rounds": 0,
    }
    assert [
        (f["qualname"], f["examples_passed"], f["examples_total"]) for f in manifest["functions"]
    ] == [
        ("count_words", 2, 2),
        ("top_words", 1, 1),
    ]
    job = build_definitions(settings).resolve_job_def(JOB_NAME)
    again = job.execute_in_process(
        instance=instance, partition_key=rid, asset_selection=[dg.AssetKey("capsule")]
    )
    assert again.success
    assert store.get_bytes(capsule_key(rid)) == first


def test_a_body_that_never_parses_leaves_its_placeholder_and_the_capsule_says_so(run):
    code = {**wordcount.FILE_REPLIES["code_tree"], wordcount.COUNT_WORDS: wordcount.BODY_BROKEN}
    repairs = {wordcount.COUNT_WORDS: wordcount.BODY_BROKEN}
    outcome, _, provider = run(
        files={**wordcount.FILE_REPLIES, "code_tree": code, "test_suite": repairs}
    )
    # the tree is ours, so it parses whatever the model wrote; the tests say what is missing
    gates = {g.name: g.passed for g in outcome.gates}
    assert gates["code_parses"] and gates["dependencies_resolved"] and not gates["tests_pass"]
    asked = [r for r in provider.requests_for("code_tree") if r.file == wordcount.COUNT_WORDS]
    assert len(asked) == RequestOptions().max_repair_attempts
    # the failing tests sent count_words back (test_repairs rounds), never top_words
    assert {r.file for r in provider.requests_for("test_suite")} == {wordcount.COUNT_WORDS}
    with tarfile.open(outcome.capsule_path) as tar:
        manifest = json.load(tar.extractfile("capsule.json"))
    written = {f["qualname"]: f["written"] for f in manifest["functions"]}
    assert written == {"count_words": False, "top_words": True}


def test_a_stage_that_gets_no_valid_answer_fails_the_run_with_its_name(run):
    stages = {**wordcount.STAGE_REPLIES, "frd": "this is not JSON"}
    outcome, store, _ = run(stages=stages)
    assert not outcome.success
    assert outcome.failure.startswith("stage frd failed: ")
    assert "FRDDraft" in outcome.failure
    assert not store.exists(asset_key(outcome.request_id, "frd"))
