"""The asset functions called directly with ``dg.build_asset_context`` and test resources, on
the word-count artifacts: the metadata a person reads in the UI and the asset checks each
yields, passing and failing, without running a job.

The word-count artifacts up to the code tree come from the stage functions answered by the
scripted LLM (a test double at the hosted-provider edge). The test suite is built from the
word-count test files with the run the whole-graph test observes (3 passed), not run here:
running generated tests is the sandbox's business (``test_test_run.py``)."""

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from pydantic import BaseModel

from assets.code import DependencyPolicyConfig, dependency_manifest, semantic_validation
from assets.delivery import docs
from assets.quality import performance_report, security_report
from quantumlayer_dagster.analysis.node_tools import CHECKOUT_NODE_TOOLS
from quantumlayer_dagster.artifacts.brief import Brief
from quantumlayer_dagster.artifacts.code import CodeTree, ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.dependencies import Dependency, DependencyManifest
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.artifacts.serialization import artifact_to_json
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.artifacts.testing import TestCaseResult, TestRun
from quantumlayer_dagster.generation.render_tests import render_pytest_files
from quantumlayer_dagster.llm.client import LiteLLMClient
from quantumlayer_dagster.llm.config import load_llm_config
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.llm.structured_output import strip_fence
from quantumlayer_dagster.stages.dependency_manifest import resolve_dependencies
from quantumlayer_dagster.stages.enhanced_prompt import enhance_prompt
from quantumlayer_dagster.stages.frd import write_frd
from quantumlayer_dagster.stages.project_structure import plan_structure
from quantumlayer_dagster.stages.requirements_spec import parse_requirements
from quantumlayer_dagster.store.keys import asset_key
from quantumlayer_dagster.store.local_dir import LocalDirStore
from quantumlayer_dagster.supply_chain.package_index import PackageIndex
from quantumlayer_dagster.testing.planned_tests import planned_tests
from resources.artifact_store import ArtifactStoreResource
from resources.llm import LLMResource
from resources.node_tools import NodeToolsResource
from resources.package_index import PackageIndexResource
from resources.quality_gates import QualityGatesResource
from resources.sandbox import SandboxResource
from tests.conftest import SCRIPTED_CONFIG
from tests.fixtures import wordcount, wordcount_stages
from tests.fixtures.advisories import SNAPSHOT, needs_snapshot

RID = wordcount_stages.REQUEST_ID
PLAN_WITHOUT_CASES = TestPlan(
    request_id=RID,
    brief=Brief(
        request_id=RID,
        title="Word counter",
        summary="",
        language="python",
        options=RequestOptions(),
    ),
    cases=[],
)
"""A test plan with no case: the suite holds the tests of the planned examples."""
needs_node_tools = pytest.mark.skipif(
    not (CHECKOUT_NODE_TOOLS / "eslint").is_file(), reason="run `make node-tools` first"
)
GATES = QualityGatesResource()
AWS_KEY = "AKIA" + "Z7QW3RTY5UIO9PLK"  # in two parts: this file holds no scannable key
TANGLED = '''\
def grade(score: int) -> str:
    """A letter for a score."""
    if score > 90:
        return "A"
    if score > 80:
        return "B"
    if score > 70:
        return "C"
    if score > 60:
        return "D"
    return "F"
'''


@pytest.fixture(scope="module")
def scripted_config_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("llm") / "llm.scripted.yaml"
    path.write_text(SCRIPTED_CONFIG)
    return path


@pytest.fixture(scope="module")
def artifacts(
    scripted_config_file: Path, tmp_path_factory: pytest.TempPathFactory
) -> dict[str, BaseModel]:
    """asset name -> the word-count request's artifact, through the code tree, with its
    dependency manifest and test suite."""
    register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
    llm = LiteLLMClient(load_llm_config(scripted_config_file))
    request = wordcount_stages.prompt_request()
    frd = write_frd(enhance_prompt(request, llm), llm)
    spec = parse_requirements(frd, llm)
    structure = plan_structure(spec, llm)
    code = wordcount_stages.written_code_tree(structure)
    manifest = resolve_dependencies(
        code.files,
        code.package,
        spec.libraries,
        index=PackageIndex(tmp_path_factory.mktemp("index") / "cache.json", online=False),
    )
    return {
        "prompt_request": request,
        "frd": frd,
        "requirements_spec": spec,
        "project_structure": structure,
        "code_tree": code,
        "dependency_manifest": manifest,
        "test_suite": suite_of(code),
    }


def suite_of(code: CodeTree, extra_sources: list[SourceFile] | None = None) -> TestSuite:
    """The word-count tests our code renders for ``code`` (plus ``extra_sources``),
    recorded as all passing."""
    tests, rendered = render_pytest_files(planned_tests(code, PLAN_WITHOUT_CASES), {})
    results = [
        TestCaseResult(name=r.name, classname=r.path[:-3].replace("/", "."), outcome="passed")
        for r in rendered
    ]
    run = TestRun(passed=len(results), exit_code=0, summary=f"{len(results)} passed", tests=results)
    project = ProjectTree(
        package=code.package, sources=[*code.files, *(extra_sources or [])], tests=tests
    )
    return TestSuite(
        request_id=RID, project=project, requirements_txt="", run=run, case_count=len(results)
    )


def invoke(
    asset: dg.AssetsDefinition, artifacts: dict[str, Any], **resources: Any
) -> list[dg.Output | dg.AssetCheckResult]:
    """Call ``asset``'s function for the word-count partition with exactly the inputs it
    declares, taken from ``artifacts`` by asset name; returns what it yielded or returned."""
    inputs = {
        name: artifacts[key.to_user_string()] for name, key in asset.keys_by_input_name.items()
    }
    with dg.build_asset_context(resources=resources, partition_key=RID) as context:
        result = asset(context, **inputs)
        return list(result) if isinstance(result, Iterator) else [result]


def split(
    results: list[dg.Output | dg.AssetCheckResult],
) -> tuple[dict[str, Any], dict[str, dg.AssetCheckResult]]:
    """(the output's metadata as plain values, check name -> check result)."""
    [output] = [r for r in results if isinstance(r, dg.Output)]
    checks = {r.check_name: r for r in results if isinstance(r, dg.AssetCheckResult)}
    assert all(name is not None for name in checks)
    metadata = {k: getattr(v, "value", v) for k, v in output.metadata.items()}
    return metadata, checks  # type: ignore[return-value]


def store_with(root: Path, artifacts: dict[str, BaseModel]) -> ArtifactStoreResource:
    """A local artifact store holding ``artifacts`` for the word-count request."""
    store = LocalDirStore(root)
    for name, artifact in artifacts.items():
        store.put_bytes(asset_key(RID, name), artifact_to_json(artifact))
    return ArtifactStoreResource(root=str(root), prompts_root=str(root / "prompts"))


def test_semantic_validation_reports_every_file_and_passes_code_parses(artifacts, tmp_path):
    store = store_with(tmp_path / "artifacts", artifacts)
    metadata, checks = split(
        invoke(semantic_validation, artifacts, artifact_store=store, quality_gates=GATES)
    )
    assert (metadata["files_validated"], metadata["errors"]) == (2, 0)
    assert metadata["files_not_validated"] == 0
    assert metadata["errors_by_kind"] == "none"
    assert isinstance(metadata["duration_s"], float)  # every stage carries its duration
    assert metadata["report"].startswith("**Valid**: no errors found.")
    assert "files: 2 (2 validated)" in metadata["report"]
    assert list(checks) == ["code_parses"]
    assert checks["code_parses"].passed
    assert checks["code_parses"].metadata["errors"].value == 0


def test_semantic_validation_fails_code_parses_naming_the_broken_file(artifacts, tmp_path):
    code = artifacts["code_tree"]
    broken = strip_fence(wordcount.BODY_BROKEN)
    files = [
        f.model_copy(update={"content": broken}) if f.path == "wordcount/counter.py" else f
        for f in code.files
    ]
    broken_tree = code.model_copy(update={"files": files})
    given = {**artifacts, "code_tree": broken_tree}
    store = store_with(tmp_path / "artifacts", given)
    metadata, checks = split(
        invoke(semantic_validation, given, artifact_store=store, quality_gates=GATES)
    )
    assert metadata["errors"] >= 1
    assert "syntax" in metadata["errors_by_kind"]
    gate = checks["code_parses"]
    assert not gate.passed
    assert "wordcount/counter.py" in (gate.description or "")
    assert gate.metadata["errors"].value == metadata["errors"]
    assert metadata["report"].startswith("**Invalid**: 1 error(s).")
    assert "| error | `wordcount/counter.py` | 1 | 1 | syntax |" in metadata["report"]


@pytest.mark.parametrize("blocking", [False, True], ids=["warning", "blocking"])
def test_semantic_validation_lists_type_issues_in_its_report(artifacts, tmp_path, blocking):
    code = artifacts["code_tree"]
    typed = SourceFile(path="wordcount/typed.py", content='def f() -> int:\n    return "a"\n')
    given = {**artifacts, "code_tree": code.model_copy(update={"files": [*code.files, typed]})}
    store = store_with(tmp_path / "artifacts", given)
    gates = QualityGatesResource(types_blocking=blocking)

    metadata, checks = split(
        invoke(semantic_validation, given, artifact_store=store, quality_gates=gates)
    )

    severity = "error" if blocking else "warning"
    assert metadata["type_issues"] == 1
    assert "type: 1" in metadata["errors_by_kind" if blocking else "warnings_by_kind"]
    assert (
        f"| {severity} | `wordcount/typed.py` | 2 | 12 | type | Incompatible return value type "
        '(got "str", expected "int") [return-value] |'
    ) in metadata["report"]
    assert checks["code_parses"].passed is not blocking


@needs_snapshot
def test_security_report_of_clean_code_passes_both_blocking_gates(artifacts):
    gates = QualityGatesResource(advisory_db=str(SNAPSHOT))
    metadata, checks = split(
        invoke(
            security_report,
            artifacts,
            quality_gates=gates,
            node_tools=NodeToolsResource(),
            sandbox=SandboxResource(),
        )
    )
    assert metadata["files_scanned"] == 3  # two sources, one rendered test file
    assert (metadata["findings"], metadata["high"], metadata["secrets"]) == (0, 0, 0)
    assert (metadata["dependencies_audited"], metadata["vulnerable_pins"]) == (0, 0)
    assert isinstance(metadata["report"], str) and metadata["report"]
    assert {name: c.passed for name, c in checks.items()} == {
        "no_high_severity_findings": True,
        "no_known_vulnerable_pins": True,
        "no_server_errors": True,
    }


@needs_snapshot
def test_security_report_fails_on_a_hard_coded_key_and_a_vulnerable_pin(artifacts):
    leaky = SourceFile(path="wordcount/settings.py", content=f'AWS_ACCESS_KEY_ID = "{AWS_KEY}"\n')
    pinned = Dependency(
        import_name="requests", distribution="requests", version="2.19.0", resolved=True
    )
    given = {
        **artifacts,
        "test_suite": suite_of(artifacts["code_tree"], [leaky]),
        "dependency_manifest": DependencyManifest(package="wordcount", dependencies=[pinned]),
    }
    gates = QualityGatesResource(advisory_db=str(SNAPSHOT))
    metadata, checks = split(
        invoke(
            security_report,
            given,
            quality_gates=gates,
            node_tools=NodeToolsResource(),
            sandbox=SandboxResource(),
        )
    )
    assert (metadata["high"], metadata["secrets"]) == (1, 1)
    assert (metadata["dependencies_audited"], metadata["vulnerable_pins"]) == (1, 1)
    assert AWS_KEY not in str(metadata)
    high = checks["no_high_severity_findings"]
    assert not high.passed and "aws-access-key-id" in (high.description or "")
    assert high.metadata["high"].value == 1
    pins = checks["no_known_vulnerable_pins"]
    assert not pins.passed and "requests" in (pins.description or "")
    assert pins.metadata["vulnerable_pins"].value == 1


def test_performance_report_measures_the_generated_functions_within_budget(artifacts):
    metadata, checks = split(
        invoke(performance_report, artifacts, quality_gates=QualityGatesResource())
    )
    assert metadata["functions"] == 2  # count_words and top_words
    assert metadata["max_complexity"] == 1
    assert metadata["average_complexity"] == 1.0
    assert list(checks) == ["complexity_budget"]
    assert checks["complexity_budget"].passed
    assert checks["complexity_budget"].metadata["max_complexity"].value == 1


def test_performance_report_fails_the_budget_naming_the_function_over_it(artifacts):
    given = {
        **artifacts,
        "test_suite": suite_of(
            artifacts["code_tree"], [SourceFile(path="wordcount/grades.py", content=TANGLED)]
        ),
    }
    gates = QualityGatesResource(max_complexity=3)
    metadata, checks = split(invoke(performance_report, given, quality_gates=gates))
    assert (metadata["functions"], metadata["max_complexity"]) == (3, 5)
    gate = checks["complexity_budget"]
    assert not gate.passed
    assert "grade (5)" in (gate.description or "")
    assert gate.metadata["max_complexity"].value == 5


def test_docs_carry_the_readme_and_the_llm_use(artifacts, scripted_config_file):
    provider = register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
    llm = LLMResource(config_path=str(scripted_config_file))
    metadata, checks = split(invoke(docs, artifacts, llm=llm))
    assert checks == {}
    assert metadata["files"] == "API.md, README.md"
    assert metadata["readme"].startswith("# Word counter")
    assert metadata["models"] == "scripted/fixture"
    assert metadata["llm_calls"] == len(provider.requests_for("docs")) == 1
    assert metadata["tokens_in"] > 0 and metadata["tokens_out"] > 0
    assert metadata["llm_failed_attempts"] == 0


NODE_FILES = [
    SourceFile(
        path="package.json",
        content='{"name": "greet", "devDependencies": {"typescript": "^5.0.0"}}',
    ),
    SourceFile(
        path="src/greet.ts",
        content='import chalk from "chalk";\nexport const greet = (n: string) => chalk.bold(n);\n',
    ),
]


def node_request(artifacts: dict[str, Any]) -> dict[str, Any]:
    """The word-count artifacts turned into a TypeScript request with a tiny Node tree."""
    spec = artifacts["requirements_spec"]
    options = spec.brief.options.model_copy(update={"language": "typescript"})
    brief = spec.brief.model_copy(update={"options": options})
    code = CodeTree(package="greet", files=NODE_FILES)
    return {
        **artifacts,
        "requirements_spec": spec.model_copy(update={"brief": brief}),
        "code_tree": code,
        "test_suite": suite_of(code).model_copy(
            update={"project": ProjectTree(package="greet", sources=NODE_FILES, tests=[])}
        ),
    }


@needs_node_tools
def test_dependency_manifest_of_a_typescript_request_reads_package_json(artifacts, tmp_path):
    given = node_request(artifacts)
    inputs = {
        name: given[key.to_user_string()]
        for name, key in dependency_manifest.keys_by_input_name.items()
    }
    resources = {
        "package_index": PackageIndexResource(cache_file=str(tmp_path / "cache.json")),
        "node_tools": NodeToolsResource(),
    }
    with dg.build_asset_context(resources=resources, partition_key=RID) as context:
        config = DependencyPolicyConfig(index_online=False)
        metadata, checks = split(list(dependency_manifest(context, config=config, **inputs)))
    assert (metadata["ecosystem"], metadata["dependencies"], metadata["unresolved"]) == (
        "npm",
        2,
        1,
    )
    assert metadata["sbom_components"] == 1
    assert (
        "| `typescript` | typescript | 5.9.3 (installed, declared ^5.0.0) |" in metadata["report"]
    )
    resolved = checks["dependencies_resolved"]
    assert not resolved.passed and "unresolved: chalk" in (resolved.description or "")
    assert checks["licences_allowed"].passed  # typescript: Apache-2.0 from the tools folder


@needs_node_tools
@needs_snapshot
def test_security_report_of_a_typescript_request_lints_and_does_not_claim_an_npm_audit(
    artifacts,
):
    given = node_request(artifacts)
    given["dependency_manifest"] = DependencyManifest(
        package="greet",
        ecosystem="npm",
        dependencies=[
            Dependency(
                import_name="typescript",
                distribution="typescript",
                version="5.9.3",
                resolved=True,
            )
        ],
    )
    gates = QualityGatesResource(advisory_db=str(SNAPSHOT))
    results = invoke(
        security_report,
        given,
        quality_gates=gates,
        node_tools=NodeToolsResource(),
        sandbox=SandboxResource(),
    )
    metadata, checks = split(results)
    assert metadata["files_scanned"] == 1 and metadata["not_run"] == "none"
    assert checks["no_high_severity_findings"].passed
    pins = checks["no_known_vulnerable_pins"]
    assert not pins.passed and "PyPI advisories only" in (pins.description or "")
