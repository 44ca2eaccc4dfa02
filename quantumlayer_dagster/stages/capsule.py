"""Packaging: the quality gates and LLM totals of a request, its capsule's files laid out
from the artifacts, and the deterministic archive."""

import hashlib
import json
from dataclasses import dataclass

from quantumlayer_dagster.artifacts.capsule import CapsuleManifest, FunctionExamples, GateResult
from quantumlayer_dagster.artifacts.code import CodeTree, tree_digest
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.docs import Docs
from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt
from quantumlayer_dagster.artifacts.frd import FRD
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.performance import PerformanceReport
from quantumlayer_dagster.artifacts.request import PromptRequest
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.artifacts.serialization import artifact_to_json
from quantumlayer_dagster.artifacts.structure import ProjectStructure
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.artifacts.validation import ValidationReport
from quantumlayer_dagster.packaging.archive import build_capsule, complete_manifest
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.quality.gates import GateThresholds
from quantumlayer_dagster.supply_chain.sbom import cyclonedx_sbom


@dataclass(frozen=True)
class CapsuleInputs:
    """Every artifact the capsule packages, judges or totals: one per earlier stage."""

    prompt_request: PromptRequest
    enhanced_prompt: EnhancedPrompt
    frd: FRD
    requirements_spec: RequirementsSpec
    project_structure: ProjectStructure
    code_tree: CodeTree
    semantic_validation: ValidationReport
    dependency_manifest: DependencyManifest
    test_plan: TestPlan
    test_suite: TestSuite
    security_report: SecurityReport
    performance_report: PerformanceReport
    docs: Docs


@dataclass(frozen=True)
class PackagedCapsule:
    """The archive's bytes, its manifest (with every file's sha256) and digest, and the
    gates and LLM totals it records."""

    data: bytes
    manifest: CapsuleManifest
    sha256: str
    file_count: int
    gates: list[GateResult]
    usage: LLMUsage


class CapsuleRefused(Exception):
    """A gate judged a different tree from the one the capsule would package; the message
    names the gate and what to do."""


def judged_validation(validation: ValidationReport, suite: TestSuite) -> ValidationReport:
    """The validation report of the sources the capsule packages: the test suite's
    re-validation when a test repair replaced code, else semantic validation's.

    Raises CapsuleRefused naming the gate when ``code_parses`` (that report) or
    ``tests_pass`` (the final test run) judged a tree other than the one to be packaged."""
    judged = suite.code_validation or validation
    checks = [
        ("code_parses", judged.tree_sha256, tree_digest(suite.project.sources)),
        ("tests_pass", suite.tested_sha256, tree_digest(suite.project.all_files)),
    ]
    for gate, seen, packaged in checks:
        if not seen:
            raise CapsuleRefused(
                f"gate {gate} recorded no tree digest (made by an older version): "
                "re-materialize the request's assets"
            )
        if seen != packaged:
            raise CapsuleRefused(
                f"gate {gate} judged tree {seen[:12]} but the capsule would package "
                f"{packaged[:12]}: re-materialize semantic_validation and test_suite"
            )
    return judged


def attempt_totals(code: CodeTree, suite: TestSuite) -> dict[str, int]:
    """How much generation took: candidate bodies (each best-of-n reply is one) and the
    repairs among them, LLM attempts at whole files (a Node project), and test-repair
    rounds (for ``capsule.json``)."""
    attempts = [a for f in code.files for a in f.attempts]
    bodies = [a for b in code.bodies for a in b.attempts]
    return {
        "body_candidates": len(bodies),
        "body_repairs": sum(1 for a in bodies if a.round > 1),
        "code_file_attempts": len(attempts),
        "code_repairs": sum(1 for a in attempts if a.sent_back and a.phase == "write"),
        "test_repair_rounds": len(suite.repairs),
    }


def function_examples(code: CodeTree, suite: TestSuite) -> list[FunctionExamples]:
    """Per function the model wrote, whether its examples pass: as code generation left
    it, or as the test repair left it when that judged the function again."""
    final = {f"{b.path}::{b.qualname}": b for b in code.bodies}
    final |= {f"{b.path}::{b.qualname}": b for b in suite.repaired_bodies}
    return [
        FunctionExamples(
            path=b.path,
            qualname=b.qualname,
            written=b.written,
            examples_passed=b.examples_passed,
            examples_total=len(b.examples),
        )
        for b in final.values()
    ]


def request_gates(
    inputs: CapsuleInputs, judged: ValidationReport, thresholds: GateThresholds
) -> list[GateResult]:
    """Every quality gate of the request, judged before packaging, in the order
    ``capsule.json`` lists them (the asset checks judge the same gates the same way);
    ``judged`` is the validation of the very tree packaged (``judged_validation``)."""
    security = inputs.security_report
    suite = inputs.test_suite
    return [
        gates.code_parses(judged),
        gates.dependencies_resolved(inputs.dependency_manifest),
        gates.licences_allowed(inputs.dependency_manifest),
        gates.tests_pass(suite.run, thresholds.required_isolation, tree_sha256=suite.tested_sha256),
        gates.no_high_severity_findings(
            security, thresholds.max_high_severity, thresholds.severity_threshold
        ),
        gates.no_known_vulnerable_pins(security, thresholds.max_vulnerable_pins),
        gates.no_server_errors(security, thresholds.server_errors_blocking),
        gates.complexity_budget(inputs.performance_report, thresholds.max_complexity),
    ]


def request_usage(inputs: CapsuleInputs) -> LLMUsage:
    """Every LLM call of the request: the usage of each stage that asked the LLM."""
    usage = LLMUsage()
    for stage_usage in (
        inputs.enhanced_prompt.llm,
        inputs.frd.llm,
        inputs.requirements_spec.llm,
        inputs.project_structure.llm,
        inputs.code_tree.llm,
        inputs.test_plan.llm,
        inputs.test_suite.llm,
        inputs.docs.llm,
    ):
        usage = usage.add(stage_usage)
    return usage


def package_request(
    inputs: CapsuleInputs,
    thresholds: GateThresholds,
    stage_versions: dict[str, str],
    trace_id: str = "",
) -> PackagedCapsule:
    """The request's capsule: its files laid out from ``inputs``, its gates judged with
    ``thresholds``, its LLM use and generation attempts totalled, the code
    ``stage_versions`` it was built from and the ``trace_id`` of the run that built it.
    Raises CapsuleRefused when a gate judged a tree other than the one packaged."""
    judged = judged_validation(inputs.semantic_validation, inputs.test_suite)
    entries = capsule_entries(inputs, judged)
    results = request_gates(inputs, judged, thresholds)
    usage = request_usage(inputs)
    manifest = CapsuleManifest(
        request_id=inputs.prompt_request.request_id,
        prompt_sha256=inputs.prompt_request.prompt_sha256,
        models=usage.models,
        tokens_in=usage.tokens_in,
        tokens_out=usage.tokens_out,
        cost_usd=round(usage.cost_usd, 6),
        stage_versions=stage_versions,
        gates=results,
        attempts=attempt_totals(inputs.code_tree, inputs.test_suite),
        functions=function_examples(inputs.code_tree, inputs.test_suite),
        trace_id=trace_id,
        files={},
    )
    data = build_capsule(entries, manifest)
    return PackagedCapsule(
        data=data,
        manifest=complete_manifest(entries, manifest),
        sha256=hashlib.sha256(data).hexdigest(),
        file_count=len(entries),
        gates=results,
        usage=usage,
    )


def capsule_entries(inputs: CapsuleInputs, judged: ValidationReport) -> dict[str, bytes]:
    """Capsule path -> bytes: the project (sources, tests, requirements, docs) under
    ``project/`` and every report under ``reports/``, the dependency manifest and its
    CycloneDX SBOM among them."""
    suite, security = inputs.test_suite, inputs.security_report
    dependencies = inputs.dependency_manifest
    entries = {f"project/{f.path}": f.content.encode() for f in suite.project.all_files}
    entries["project/requirements.txt"] = suite.requirements_txt.encode()
    entries.update({f"project/{name}": text.encode() for name, text in inputs.docs.files.items()})
    entries.update(
        {
            "reports/validation.json": artifact_to_json(judged),
            "reports/test_run.json": artifact_to_json(suite.run),
            "reports/junit.xml": suite.run.junit_xml.encode(),
            "reports/security.json": artifact_to_json(security),
            "reports/security.sarif.json": _json_bytes(security.sarif, sort_keys=True),
            "reports/pip-audit.json": _json_bytes(security.audit.pip_audit_json),
            "reports/performance.json": artifact_to_json(inputs.performance_report),
            "reports/dependencies.json": artifact_to_json(dependencies),
            "reports/sbom.cdx.json": _json_bytes(cyclonedx_sbom(dependencies), sort_keys=True),
        }
    )
    return entries


def _json_bytes(value: object, *, sort_keys: bool = False) -> bytes:
    return json.dumps(value, indent=2, sort_keys=sort_keys).encode()
