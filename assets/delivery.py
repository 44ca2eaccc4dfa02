"""Stage 12 and packaging assets: the docs and the capsule (verified right after writing)."""

from collections.abc import Iterator
from dataclasses import replace

import dagster as dg

from assets.audit_trail import record_run_action
from assets.declare import request_asset
from assets.metadata import check_result, markdown, stage_output, timed
from quantumlayer_dagster.artifacts.capsule import Capsule, GateResult
from quantumlayer_dagster.artifacts.code import CodeTree
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.docs import Docs
from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt
from quantumlayer_dagster.artifacts.frd import FRD
from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.artifacts.performance import PerformanceReport
from quantumlayer_dagster.artifacts.request import PromptRequest
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.artifacts.serialization import artifact_to_json
from quantumlayer_dagster.artifacts.structure import ProjectStructure
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.artifacts.validation import ValidationReport
from quantumlayer_dagster.memory.remember import remember_request, request_outcome
from quantumlayer_dagster.observability.tracing import current_trace_id
from quantumlayer_dagster.packaging.archive import verify_capsule
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.stages.capsule import CapsuleInputs, CapsuleRefused, package_request
from quantumlayer_dagster.stages.docs import write_docs
from quantumlayer_dagster.stages.registry import all_code_versions
from quantumlayer_dagster.store.keys import capsule_key, tenant_capsule_record_key
from resources.artifact_store import ArtifactStoreResource
from resources.llm import LLMResource
from resources.memory import VectorMemoryResource
from resources.quality_gates import QualityGatesResource
from resources.sandbox import SandboxResource


@request_asset("delivery", {"llm", "markdown"})
def docs(
    frd: FRD, test_suite: TestSuite, dependency_manifest: DependencyManifest, llm: LLMResource
) -> dg.Output[Docs]:
    """Stage 12: README and API reference of the generated project."""
    with timed() as t:
        result = write_docs(frd, test_suite, dependency_manifest, llm.client)
    return stage_output(
        result,
        t,
        result.llm,
        files=", ".join(sorted(result.files)),
        readme=markdown(result.files["README.md"]),
    )


@request_asset("delivery", {"tar"}, checks=["capsule_verifies"])
def capsule(
    context: dg.AssetExecutionContext,
    prompt_request: PromptRequest,
    enhanced_prompt: EnhancedPrompt,
    frd: FRD,
    requirements_spec: RequirementsSpec,
    project_structure: ProjectStructure,
    code_tree: CodeTree,
    semantic_validation: ValidationReport,
    dependency_manifest: DependencyManifest,
    test_plan: TestPlan,
    test_suite: TestSuite,
    security_report: SecurityReport,
    performance_report: PerformanceReport,
    docs: Docs,
    artifact_store: ArtifactStoreResource,
    quality_gates: QualityGatesResource,
    memory: VectorMemoryResource,
    sandbox: SandboxResource,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Packaging: a deterministic .tar.gz of project, tests, reports and docs, with
    capsule.json listing a sha256 per file, the request's gates and LLM totals; verified
    from the store after writing. Every artifact it packages, judges or totals is an input.
    The request's brief and outcome are then recorded in the vector memory."""
    inputs = CapsuleInputs(
        prompt_request=prompt_request,
        enhanced_prompt=enhanced_prompt,
        frd=frd,
        requirements_spec=requirements_spec,
        project_structure=project_structure,
        code_tree=code_tree,
        semantic_validation=semantic_validation,
        dependency_manifest=dependency_manifest,
        test_plan=test_plan,
        test_suite=test_suite,
        security_report=security_report,
        performance_report=performance_report,
        docs=docs,
    )
    store = artifact_store.store()
    with timed() as t:
        thresholds = replace(quality_gates.thresholds(), required_isolation=sandbox.isolation)
        try:
            packaged = package_request(inputs, thresholds, all_code_versions(), current_trace_id())
        except CapsuleRefused as exc:
            raise dg.Failure(description=f"capsule refused: {exc}") from None
        tenant = prompt_request.options.tenant
        key = capsule_key(context.partition_key, tenant)
        location = store.put_bytes(key, packaged.data)
        record_run_action(
            context,
            "capsule_write",
            tenant,
            subject=key,
            digests={"capsule": packaged.sha256, "prompt": prompt_request.prompt_sha256},
        )
        verification = verify_capsule(store.get_bytes(key))
    verified = gates.capsule_verifies(verification)
    usage = packaged.usage
    outcome = request_outcome([*packaged.gates, verified], key, usage.models)
    memory_problem = remember_request(memory.memory(), enhanced_prompt, outcome)
    if memory_problem:
        context.log.warning(memory_problem)
    record = Capsule(
        request_id=context.partition_key,
        tenant=tenant,
        key=key,
        location=location,
        sha256=packaged.sha256,
        size_bytes=len(packaged.data),
        manifest=packaged.manifest,
        verification=verification,
    )
    # Beside the archive, for a tenant's credential, which may read nothing under requests/.
    store.put_bytes(
        tenant_capsule_record_key(context.partition_key, tenant), artifact_to_json(record)
    )
    yield stage_output(
        record,
        t,
        capsule=dg.MetadataValue.path(location),
        sha256=packaged.sha256,
        size_bytes=len(packaged.data),
        files=packaged.file_count,
        tokens_in=usage.tokens_in,
        tokens_out=usage.tokens_out,
        cost_usd=dg.MetadataValue.float(round(usage.cost_usd, 6)),
        gates=markdown(_gates_markdown(packaged.gates)),
        memory=memory_problem or ("recorded" if memory.enabled else "off"),
    )
    yield check_result(verified, checked=verification.checked)


def _gates_markdown(results: list[GateResult]) -> str:
    rows = [[g.name, "pass" if g.passed else "FAIL", markdown_cell(g.detail)] for g in results]
    return markdown_table(["gate", "result", "detail"], rows)
