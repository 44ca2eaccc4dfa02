"""Packaging from the capsule's inputs: the gates it records, the LLM use it totals and the
files it packs, computed by the stage function (the asset only stores and verifies).

The LLM stages' artifacts come from the word-count conversation on the scripted provider
(a test double at the hosted-provider edge); the later reports are built by hand."""

import pytest

from quantumlayer_dagster.artifacts.capsule import CapsuleVerification
from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile, tree_digest
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.docs import Docs
from quantumlayer_dagster.artifacts.llm_usage import LLMCall, LLMUsage
from quantumlayer_dagster.artifacts.performance import FunctionComplexity, PerformanceReport
from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.artifacts.validation import ValidationReport
from quantumlayer_dagster.packaging.archive import verify_capsule
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.quality.gates import GateThresholds
from quantumlayer_dagster.stages.capsule import CapsuleInputs, package_request
from quantumlayer_dagster.stages.enhanced_prompt import enhance_prompt
from quantumlayer_dagster.stages.frd import write_frd
from quantumlayer_dagster.stages.project_structure import plan_structure
from quantumlayer_dagster.stages.requirements_spec import parse_requirements
from quantumlayer_dagster.stages.test_plan import plan_tests
from tests.fixtures import wordcount_stages

VERSIONS = {"capsule": "v1"}


def usage(stage: str, tokens_in: int, model: str = "scripted/fixture") -> LLMUsage:
    return LLMUsage(calls=[LLMCall(stage=stage, model=model, tokens_in=tokens_in, tokens_out=1)])


@pytest.fixture
def inputs(scripted_llm) -> CapsuleInputs:  # type: ignore[no-untyped-def]
    llm, _ = scripted_llm
    request = wordcount_stages.prompt_request()
    enhanced = enhance_prompt(request, llm)
    frd = write_frd(enhanced, llm)
    spec = parse_requirements(frd, llm)
    structure = plan_structure(spec, llm)
    code = wordcount_stages.written_code_tree(structure)
    test_file = SourceFile(path="tests/test_counter.py", content="def test_x():\n    pass\n")
    run = TestRun(
        passed=1, exit_code=0, summary="1 passed", junit_xml="<testsuites/>", isolation_mode="bwrap"
    )
    return CapsuleInputs(
        prompt_request=request,
        enhanced_prompt=enhanced,
        frd=frd,
        requirements_spec=spec,
        project_structure=structure,
        code_tree=code,
        semantic_validation=ValidationReport(tree_sha256=tree_digest(code.files)),
        dependency_manifest=DependencyManifest(package=code.package),
        test_plan=plan_tests(frd, spec, structure, llm),
        test_suite=TestSuite(
            request_id=request.request_id,
            project=ProjectTree(package=code.package, sources=code.files, tests=[test_file]),
            requirements_txt="",
            run=run,
            case_count=1,
            llm=usage("test_suite", 1000, model="other/model"),
            tested_sha256=tree_digest([*code.files, test_file]),
        ),
        security_report=SecurityReport(),
        performance_report=PerformanceReport(
            functions=[
                FunctionComplexity(
                    path="wordcount/counter.py",
                    name="count_words",
                    kind="function",
                    line=1,
                    end_line=4,
                    complexity=5,
                    rank="A",
                )
            ]
        ),
        docs=Docs(request_id=request.request_id, files={"README.md": "# Word counter\n"}),
    )


def test_the_capsule_totals_the_llm_use_of_every_llm_stage(inputs):
    stages = [
        inputs.enhanced_prompt,
        inputs.frd,
        inputs.requirements_spec,
        inputs.project_structure,
        inputs.code_tree,
        inputs.test_plan,
        inputs.test_suite,
        inputs.docs,
    ]
    manifest = package_request(inputs, GateThresholds(), VERSIONS).manifest
    assert inputs.frd.llm.tokens_in > 0
    assert manifest.tokens_in == sum(s.llm.tokens_in for s in stages)
    assert manifest.tokens_out == sum(s.llm.tokens_out for s in stages)
    assert manifest.models == ["other/model", "scripted/fixture"]


def test_the_capsule_records_every_gate_judged_with_the_thresholds(inputs):
    within = package_request(inputs, GateThresholds(max_complexity=5), VERSIONS)
    over = package_request(inputs, GateThresholds(max_complexity=4), VERSIONS)
    assert [g.name for g in within.manifest.gates] == [
        "code_parses",
        "dependencies_resolved",
        "licences_allowed",
        "tests_pass",
        "no_high_severity_findings",
        "no_known_vulnerable_pins",
        "no_server_errors",
        "complexity_budget",
    ]
    assert within.manifest.gates_passed
    [failed] = [g for g in over.manifest.gates if not g.passed]
    assert failed.name == "complexity_budget" and "count_words (5)" in failed.detail


def test_the_capsule_packs_the_project_and_every_report_and_verifies(inputs):
    packaged = package_request(inputs, GateThresholds(), VERSIONS)
    files = set(packaged.manifest.files)
    assert {
        "project/wordcount/counter.py",
        "project/tests/test_counter.py",
        "project/README.md",
        "reports/junit.xml",
        "reports/dependencies.json",
        "reports/sbom.cdx.json",
        "reports/security.sarif.json",
    } <= files
    assert packaged.file_count == len(files)
    verification = verify_capsule(packaged.data)
    assert verification.ok, verification.problems
    assert packaged.manifest.request_id == inputs.prompt_request.request_id
    assert packaged.manifest.prompt_sha256 == inputs.prompt_request.prompt_sha256
    assert packaged.manifest.stage_versions == VERSIONS


def test_the_same_inputs_give_the_same_capsule(inputs):
    first = package_request(inputs, GateThresholds(), VERSIONS)
    again = package_request(inputs, GateThresholds(), VERSIONS)
    assert (first.sha256, first.data) == (again.sha256, again.data)


def test_capsule_verifies_gate_names_what_failed(inputs):
    data = package_request(inputs, GateThresholds(), VERSIONS).data
    good = gates.capsule_verifies(verify_capsule(data))
    assert (
        good.passed and good.detail == f"{len(verify_capsule(data).manifest.files)} files verified"
    )
    problems = [f"project/f{i}.py: sha256 mismatch" for i in range(7)]
    bad = gates.capsule_verifies(CapsuleVerification(ok=False, problems=problems))
    assert not bad.passed
    assert bad.detail == "; ".join(problems[:5])  # the first five, readable in one line
