"""Packaging: lay out the capsule's files from the artifacts and build the archive."""

import hashlib
import json

from quantumlayer_dagster.artifacts.capsule import CapsuleManifest, GateResult
from quantumlayer_dagster.artifacts.code import CodeTree, tree_digest
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.docs import Docs
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.performance import PerformanceReport
from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.artifacts.serialization import artifact_to_json
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.artifacts.validation import ValidationReport
from quantumlayer_dagster.packaging.archive import build_capsule, complete_manifest
from quantumlayer_dagster.supply_chain.sbom import cyclonedx_sbom


def capsule_entries(
    validation: ValidationReport,
    suite: TestSuite,
    security: SecurityReport,
    performance: PerformanceReport,
    docs: Docs,
    dependencies: DependencyManifest | None = None,
) -> dict[str, bytes]:
    """Capsule path -> bytes: the project (sources, tests, requirements, docs) under
    ``project/`` and every report under ``reports/``, with the dependency manifest and its
    CycloneDX SBOM when ``dependencies`` is given."""
    entries = {f"project/{f.path}": f.content.encode() for f in suite.project.all_files}
    entries["project/requirements.txt"] = suite.requirements_txt.encode()
    entries.update({f"project/{name}": text.encode() for name, text in docs.files.items()})
    entries.update(
        {
            "reports/validation.json": artifact_to_json(validation),
            "reports/test_run.json": artifact_to_json(suite.run),
            "reports/junit.xml": suite.run.junit_xml.encode(),
            "reports/security.json": artifact_to_json(security),
            "reports/bandit.sarif.json": _sarif_bytes(security),
            "reports/pip-audit.json": json.dumps(security.audit.pip_audit_json, indent=2).encode(),
            "reports/performance.json": artifact_to_json(performance),
        }
    )
    if dependencies is not None:
        entries["reports/dependencies.json"] = artifact_to_json(dependencies)
        sbom = cyclonedx_sbom(dependencies)
        entries["reports/sbom.cdx.json"] = json.dumps(sbom, indent=2, sort_keys=True).encode()
    return entries


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
    """How much generation took: LLM attempts at code files, repairs of them while written
    and in the project pass, and test-repair rounds (for ``capsule.json``)."""
    attempts = [a for f in code.files for a in f.attempts]
    return {
        "code_file_attempts": len(attempts),
        "code_repairs": sum(1 for a in attempts if a.sent_back and a.phase == "write"),
        "project_pass_repairs": sum(1 for a in attempts if a.phase == "project"),
        "test_repair_rounds": len(suite.repairs),
    }


def _sarif_bytes(security: SecurityReport) -> bytes:
    return json.dumps(security.sarif, indent=2, sort_keys=True).encode()


def package_capsule(
    request_id: str,
    prompt_sha256: str,
    entries: dict[str, bytes],
    usage: LLMUsage,
    stage_versions: dict[str, str],
    gate_results: list[GateResult],
    attempts: dict[str, int] | None = None,
) -> tuple[bytes, CapsuleManifest, str]:
    """Build the deterministic archive; return (bytes, its manifest, its sha256)."""
    manifest = CapsuleManifest(
        request_id=request_id,
        prompt_sha256=prompt_sha256,
        models=usage.models,
        tokens_in=usage.tokens_in,
        tokens_out=usage.tokens_out,
        cost_usd=round(usage.cost_usd, 6),
        stage_versions=stage_versions,
        gates=gate_results,
        attempts=attempts or {},
        files={},
    )
    data = build_capsule(entries, manifest)
    return data, complete_manifest(entries, manifest), hashlib.sha256(data).hexdigest()
