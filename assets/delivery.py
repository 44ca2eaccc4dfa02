"""Stage 12 and packaging assets: the docs and the capsule (verified right after writing)."""

from collections.abc import Iterator

import dagster as dg
from pydantic import BaseModel

from assets.declare import request_asset
from assets.metadata import check_result, markdown, stage_output, timed
from quantumlayer_dagster.artifacts.capsule import Capsule, GateResult
from quantumlayer_dagster.artifacts.code import CodeTree
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.docs import Docs
from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt
from quantumlayer_dagster.artifacts.frd import FRD
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.artifacts.performance import PerformanceReport
from quantumlayer_dagster.artifacts.request import PromptRequest
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.artifacts.structure import ProjectStructure
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.artifacts.validation import ValidationReport
from quantumlayer_dagster.memory.remember import remember_request, request_outcome
from quantumlayer_dagster.packaging.archive import verify_capsule
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.stages.docs import write_docs
from quantumlayer_dagster.stages.packaging import (
    CapsuleRefused,
    attempt_totals,
    capsule_entries,
    judged_validation,
    package_capsule,
)
from quantumlayer_dagster.stages.versions import all_code_versions
from quantumlayer_dagster.store.keys import capsule_key
from resources.artifact_store import ArtifactStoreResource
from resources.llm import LLMResource
from resources.memory import VectorMemoryResource
from resources.quality_gates import QualityGatesResource

# Earlier LLM stages (besides enhanced_prompt) whose usage the capsule totals; read from the
# store, since the capsule's lineage (its direct inputs) is kept to the design's graph.
_EARLIER_LLM_ARTIFACTS: dict[str, type[BaseModel]] = {
    "frd": FRD,
    "requirements_spec": RequirementsSpec,
    "project_structure": ProjectStructure,
    "code_tree": CodeTree,
    "test_plan": TestPlan,
}


@request_asset("delivery", {"llm", "markdown"})
def docs(
    frd: FRD, test_suite: TestSuite, dependency_manifest: DependencyManifest, llm: LLMResource
) -> dg.Output[Docs]:
    """Stage 12: README and API reference of the generated project."""
    with timed() as t:
        result = write_docs(frd, test_suite, dependency_manifest, llm.client)
    return stage_output(
        result,
        t.seconds,
        result.llm,
        files=", ".join(sorted(result.files)),
        readme=markdown(result.files["README.md"]),
    )


@request_asset("delivery", {"tar"}, checks=["capsule_verifies"])
def capsule(
    context: dg.AssetExecutionContext,
    semantic_validation: ValidationReport,
    test_suite: TestSuite,
    security_report: SecurityReport,
    performance_report: PerformanceReport,
    docs: Docs,
    artifact_store: ArtifactStoreResource,
    quality_gates: QualityGatesResource,
    memory: VectorMemoryResource,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Packaging: a deterministic .tar.gz of project, tests, reports and docs, with
    capsule.json listing a sha256 per file; verified from the store after writing. The
    request's brief and outcome are then recorded in the vector memory."""
    rid = context.partition_key
    store = artifact_store.store()
    # Read from the store, not as inputs: the capsule's inputs stay the design's graph.
    dependencies = artifact_store.load_artifact(rid, "dependency_manifest", DependencyManifest)
    # enhanced_prompt is read typed: its brief also goes to the vector memory.
    enhanced = artifact_store.load_artifact(rid, "enhanced_prompt", EnhancedPrompt)
    earlier = [enhanced] + [
        artifact_store.load_artifact(rid, name, model)
        for name, model in _EARLIER_LLM_ARTIFACTS.items()
    ]
    try:
        # the validation of the very tree packaged; refuses when a gate saw another one
        judged = judged_validation(semantic_validation, test_suite)
    except CapsuleRefused as exc:
        raise dg.Failure(description=f"capsule refused: {exc}") from None
    gate_results = [
        gates.code_parses(judged),
        gates.dependencies_resolved(dependencies),
        gates.licences_allowed(dependencies),
        gates.tests_pass(test_suite.run, test_suite.tested_sha256),
        gates.no_high_severity_findings(
            security_report, quality_gates.max_high_severity, quality_gates.severity_threshold
        ),
        gates.no_known_vulnerable_pins(security_report, quality_gates.max_vulnerable_pins),
        gates.complexity_budget(performance_report, quality_gates.max_complexity),
    ]
    with timed() as t:
        usage = LLMUsage()
        for artifact in [*earlier, test_suite, docs]:
            usage = usage.add(artifact.llm)  # type: ignore[attr-defined]
        request = artifact_store.load_artifact(rid, "prompt_request", PromptRequest)
        entries = capsule_entries(
            judged,
            test_suite,
            security_report,
            performance_report,
            docs,
            dependencies,
        )
        code = next(a for a in earlier if isinstance(a, CodeTree))
        data, manifest, digest = package_capsule(
            rid,
            request.prompt_sha256,
            entries,
            usage,
            all_code_versions(),
            gate_results,
            attempt_totals(code, test_suite),
        )
        key = capsule_key(rid)
        location = store.put_bytes(key, data)
        verification = verify_capsule(store.get_bytes(key))
    result = Capsule(
        request_id=rid,
        key=key,
        location=location,
        sha256=digest,
        size_bytes=len(data),
        manifest=manifest,
        verification=verification,
    )
    verified = GateResult(name="capsule_verifies", passed=verification.ok)
    outcome = request_outcome([*gate_results, verified], key, usage.models)
    memory_problem = remember_request(memory.memory(), enhanced, outcome)
    if memory_problem:
        context.log.warning(memory_problem)
    yield stage_output(
        result,
        t.seconds,
        capsule=dg.MetadataValue.path(location),
        sha256=digest,
        size_bytes=len(data),
        files=len(entries),
        tokens_in=usage.tokens_in,
        tokens_out=usage.tokens_out,
        cost_usd=dg.MetadataValue.float(round(usage.cost_usd, 6)),
        gates=markdown(_gates_markdown(gate_results)),
        memory=memory_problem or ("recorded" if memory.enabled else "off"),
    )
    yield check_result(
        GateResult(
            name="capsule_verifies",
            passed=verification.ok,
            detail=f"{verification.checked} files verified"
            if verification.ok
            else "; ".join(verification.problems[:5]),
        ),
        checked=verification.checked,
    )


def _gates_markdown(results: list[GateResult]) -> str:
    rows = [[g.name, "pass" if g.passed else "FAIL", markdown_cell(g.detail)] for g in results]
    return markdown_table(["gate", "result", "detail"], rows)
