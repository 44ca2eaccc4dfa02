"""A TypeScript and a JavaScript request through the whole asset graph on the scripted LLM
(a test double for the hosted-provider edge); everything else is real: Dagster, the artifact
store, tree-sitter, our ``tsc``, the engine's examples and ``node --test`` in the bubblewrap
sandbox, the capsule. The plan's interfaces are rendered by our code, the model writes only
the bodies (one refused by ``tsc`` and repaired; one repaired by the test suite), and the
tests are rendered from the planned examples and cases.

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


def test_typescript_modules_are_ours_with_the_bodies_the_model_wrote(typescript_run):
    code = typescript_run.load("code_tree")
    index = code.file("src/index.ts").content
    assert 'import { capitalize, slugify } from "./strings.js";' in index
    assert "export function shortSlug(title: string, max: number): string {" in index
    assert "@example shortSlug('Hello big world', 9) // => 'hello-big'" in index
    assert [(b.qualname, b.written, b.examples_pass) for b in code.bodies] == [
        ("shortSlug", True, True),
        ("slugify", True, True),
        ("capitalize", True, True),
    ]
    # the first slugify returned a number: tsc's finding went back, the repair was kept
    first, repaired = next(b for b in code.bodies if b.qualname == "slugify").attempts
    assert "TS2322" in first.findings[0] and not first.kept
    assert repaired.kept and repaired.examples_passed == 1


def test_typescript_is_judged_by_tsc_and_tested_by_node_in_the_sandbox(typescript_run):
    report = typescript_run.load("semantic_validation")
    assert report.valid and report.files_validated == 2
    assert sorted(report.files_not_validated) == ["package.json", "tsconfig.json"]
    suite = typescript_run.load("test_suite")
    run = suite.run
    assert (run.runner, run.passed, run.failed, run.isolation_mode) == ("node", 6, 0, "bwrap")
    assert [f.path for f in suite.project.tests] == [
        "tests/index.test.ts",
        "tests/strings.test.ts",
    ]
    assert suite.repairs == []


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
        "project/tests/strings.test.ts",
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
    data = javascript_run.store.get_bytes(capsule_key(outcome.request_id))
    assert verify_capsule(data).ok
    files = javascript_run.capsule_files()
    assert {"project/package.json", "project/src/count.js", "project/src/report.js"} <= set(files)
    assert json.loads(files["project/package.json"])["scripts"] == {"test": "node --test"}
    functions = json.loads(files["capsule.json"])["functions"]
    # countWords: its two examples and the case that failed (the other case repeats one)
    assert [(f["qualname"], f["examples_passed"]) for f in functions] == [
        ("countWords", 3),
        ("topWords", 2),
        ("Report.line", 1),
    ]


def test_javascript_modules_carry_jsdoc_types_and_a_class_keeps_its_fields(javascript_run):
    code = javascript_run.load("code_tree")
    count = code.file("src/count.js").content
    assert " * @param {string} text\n * @returns {Record<string, number>}\n" in count
    assert "@example topWords('a', -1) // throws RangeError" in count
    report = code.file("src/report.js").content
    assert "  constructor(text) {\n    this.text = text;\n  }" in report
    assert all(b.examples_pass for b in code.bodies)


def test_a_body_failing_a_planned_case_is_repaired_by_the_test_suite(javascript_run):
    suite = javascript_run.load("test_suite")
    assert suite.first_run_summary.startswith("7 passed, 1 failed")
    assert (suite.run.runner, suite.run.passed, suite.run.failed) == ("node", 8, 0)
    [repair] = suite.repairs
    assert repair.file_changed == "src/count.js" and repair.changed_kind == "code"
    assert "countWords('Hi, hi!')" in repair.failures_sent[0].test
    assert [b.qualname for b in suite.repaired_bodies] == ["countWords"]
    count = next(f for f in suite.project.sources if f.path == "src/count.js")
    assert "toLowerCase()" in count.content
    assert suite.code_validation is not None and suite.code_validation.valid
