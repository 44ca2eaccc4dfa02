"""A TypeScript and a JavaScript request through the whole asset graph on the scripted LLM
(a test double for the hosted-provider edge); everything else is real: Dagster, the artifact
store, tree-sitter, our ``tsc``, ``node --test`` in the bubblewrap sandbox, the capsule.

Each request runs once for the module; the tests read what it left."""

import json
import tarfile
from collections.abc import Iterator
from dataclasses import dataclass

import pytest

from quantumlayer_cli.local_run import RunOutcome, local_instance, run_request
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
from quantumlayer_dagster.packaging.archive import verify_capsule
from quantumlayer_dagster.stages.registry import stage
from quantumlayer_dagster.store.keys import asset_key, capsule_key
from quantumlayer_dagster.store.local_dir import LocalDirStore
from tests.conftest import scripted_settings
from tests.fixtures.node_requests import JAVASCRIPT, TYPESCRIPT, NodeRequest

pytestmark = [pytest.mark.sandbox, pytest.mark.slow]  # node --test runs under bwrap

CODE_GATES = ("code_parses", "tests_pass", "capsule_verifies")


@dataclass
class NodeRun:
    outcome: RunOutcome
    store: LocalDirStore

    def load(self, name: str):  # type: ignore[no-untyped-def]
        raw = self.store.get_bytes(asset_key(self.outcome.request_id, name))
        return stage(name).model.model_validate_json(raw)

    def capsule_files(self) -> dict[str, bytes]:
        with tarfile.open(self.outcome.capsule_path) as tar:
            return {
                m.name: tar.extractfile(m).read()  # type: ignore[union-attr]
                for m in tar.getmembers()
                if m.isfile()
            }


def _run(request: NodeRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeRun]:
    settings = scripted_settings(tmp_path_factory.mktemp(request.language))
    register_scripted_provider(request.stages, files=request.files)
    instance = local_instance(settings)
    try:
        outcome = run_request(
            settings,
            request.prompt,
            RequestOptions(language=request.language),  # type: ignore[arg-type]
            definitions=build_definitions(settings),
            instance=instance,
        )
        yield NodeRun(outcome, LocalDirStore(settings.artifacts_dir))
    finally:
        instance.dispose()


@pytest.fixture(scope="module")
def typescript_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeRun]:
    yield from _run(TYPESCRIPT, tmp_path_factory)


@pytest.fixture(scope="module")
def javascript_run(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NodeRun]:
    yield from _run(JAVASCRIPT, tmp_path_factory)


def _code_gates(outcome: RunOutcome) -> dict[str, bool]:
    return {g.name: g.passed for g in outcome.gates if g.name in CODE_GATES}


def test_typescript_request_passes_validation_tests_and_packaging(typescript_run):
    outcome = typescript_run.outcome
    assert outcome.success, outcome.failure
    assert _code_gates(outcome) == dict.fromkeys(CODE_GATES, True)


def test_typescript_plan_is_a_node_package_with_our_config_files(typescript_run):
    structure = typescript_run.load("project_structure")
    assert [(f.path, f.kind) for f in structure.files] == [
        ("package.json", "config"),
        ("src/index.ts", "module"),
        ("src/strings.ts", "module"),
        ("tsconfig.json", "config"),
    ]
    code = typescript_run.load("code_tree")
    package = json.loads(code.file("package.json").content)
    assert package["type"] == "module" and package["name"] == "textkit"
    tsconfig = json.loads(code.file("tsconfig.json").content)
    assert tsconfig["compilerOptions"]["module"] == "NodeNext"


def test_typescript_is_judged_by_tsc_and_tested_by_node_in_the_sandbox(typescript_run):
    report = typescript_run.load("semantic_validation")
    assert report.valid and report.files_validated == 2
    assert sorted(report.files_not_validated) == ["package.json", "tsconfig.json"]
    suite = typescript_run.load("test_suite")
    run = suite.run
    assert (run.runner, run.passed, run.failed, run.isolation_mode) == ("node", 3, 0, "bwrap")
    assert [f.path for f in suite.project.tests] == [
        "tests/f1_slugifies_a_title.test.ts",
        "tests/f2_capitalizes_a_word.test.ts",
    ]


def test_typescript_capsule_holds_the_package_and_verifies(typescript_run):
    outcome = typescript_run.outcome
    data = typescript_run.store.get_bytes(capsule_key(outcome.request_id))
    assert verify_capsule(data).ok
    files = typescript_run.capsule_files()
    for path in (
        "project/package.json",
        "project/tsconfig.json",
        "project/src/strings.ts",
        "project/src/index.ts",
        "project/tests/f1_slugifies_a_title.test.ts",
        "reports/validation.json",
        "reports/junit.xml",
        "capsule.json",
    ):
        assert path in files, path
    assert b"node --test" in files["project/README.md"]
    assert b"npm install" in files["project/README.md"]


def test_typescript_capsule_has_an_npm_sbom_and_eslint_security_results(typescript_run):
    files = typescript_run.capsule_files()
    sbom = json.loads(files["reports/sbom.cdx.json"])
    purls = {c["purl"] for c in sbom["components"]}
    assert {p.split("@")[0] for p in purls} >= {"pkg:npm/typescript", "pkg:npm/%40types/node"}
    sarif = json.loads(files["reports/security.sarif.json"])
    assert "ESLint" in [run["tool"]["driver"]["name"] for run in sarif["runs"]]
    gates = {g.name: g for g in typescript_run.outcome.gates}
    assert gates["no_high_severity_findings"].passed
    # no offline npm advisories: the audit gate fails, as a warning that does not stop the run
    audit = gates["no_known_vulnerable_pins"]
    assert not audit.passed and not audit.stops
    assert "npm audit not run" in audit.detail


def test_javascript_request_passes_validation_tests_and_packaging(javascript_run):
    outcome = javascript_run.outcome
    assert outcome.success, outcome.failure
    assert _code_gates(outcome) == dict.fromkeys(CODE_GATES, True)
    structure = javascript_run.load("project_structure")
    assert "tsconfig.json" not in [f.path for f in structure.files]
    suite = javascript_run.load("test_suite")
    assert (suite.run.runner, suite.run.passed, suite.run.failed) == ("node", 3, 0)
    data = javascript_run.store.get_bytes(capsule_key(outcome.request_id))
    assert verify_capsule(data).ok
    files = javascript_run.capsule_files()
    assert {"project/package.json", "project/src/count.js", "project/src/cli.js"} <= set(files)
    assert json.loads(files["project/package.json"])["scripts"] == {"test": "node --test"}
