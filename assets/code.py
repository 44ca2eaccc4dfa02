"""Stage 5-7 assets: code generation, semantic validation (a blocking gate), dependencies
(licence and resolution checks)."""

from collections import Counter
from collections.abc import Iterator

import dagster as dg
from pydantic import Field

from assets.declare import request_asset
from assets.metadata import check_result, markdown, stage_output, timed
from quantumlayer_dagster.artifacts.bodies import bodies_markdown, examples_markdown
from quantumlayer_dagster.artifacts.code import CodeTree, SourceFile
from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.structure import ProjectStructure
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.stages.code_tree import generate_code
from quantumlayer_dagster.stages.dependency_manifest import resolve_dependencies
from quantumlayer_dagster.stages.semantic_validation import validate_code
from quantumlayer_dagster.supply_chain.licences import LicencePolicy
from quantumlayer_dagster.supply_chain.sbom import cyclonedx_sbom
from resources.llm import LLMResource
from resources.node_tools import NodeToolsResource
from resources.package_index import PackageIndexResource
from resources.quality_gates import QualityGatesResource
from resources.sandbox import SandboxResource


@request_asset("code", {"llm", "python"})
def code_tree(
    context: dg.AssetExecutionContext,
    project_structure: ProjectStructure,
    llm: LLMResource,
    sandbox: SandboxResource,
    quality_gates: QualityGatesResource,
) -> dg.Output[CodeTree]:
    """Stage 5: a Python project's modules rendered from the planned interfaces, each
    function body written by the LLM (candidates judged by their examples in the sandbox,
    failing ones sent back with the failing call); a Node project's files written whole
    by the LLM, dependencies first. Both checked with semantic validation's blocking checks
    (mypy's too when `types_blocking` is set); every candidate and attempt shown."""
    with timed() as t:
        result = generate_code(
            project_structure,
            llm.client,
            sandbox.sandbox(),
            progress=context.log.info,
            types=quality_gates.thresholds().types,
        )
    rows = [
        [f"`{f.path}`", str(f.line_count), str(len(f.attempts) or "-"), _last_check(f)]
        for f in result.files
    ]
    bodies = result.bodies
    return stage_output(
        result,
        t,
        result.llm,
        file_count=len(result.files),
        lines=result.line_count,
        repairs=result.repair_count,
        functions=len(bodies),
        functions_written=sum(1 for b in bodies if b.written),
        functions_passing_examples=sum(1 for b in bodies if b.examples_pass),
        examples_passed=f"{sum(b.examples_passed for b in bodies)}/"
        f"{sum(len(b.examples) for b in bodies)}",
        files=markdown(markdown_table(["file", "lines", "attempts", "last check result"], rows)),
        examples=markdown(examples_markdown(bodies)),
        attempts=markdown(bodies_markdown(bodies) if bodies else result.attempts_markdown()),
    )


def _last_check(f: SourceFile) -> str:
    errors = f.kept_attempt.errors if f.kept_attempt else []
    return markdown_cell(errors[0]) if errors else "passes"


@request_asset("gates", {"python"}, blocking_checks=["code_parses"])
def semantic_validation(
    project_structure: ProjectStructure,
    code_tree: CodeTree,
    quality_gates: QualityGatesResource,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Stage 6: tree-sitter report on every file plus Python compile, name, import and
    call checks (the same ones code generation repairs against), mypy's type check
    (warnings unless `types_blocking` is set) and conformance to the planned structure.
    The blocking check `code_parses` stops packaging when any file has an error."""
    plan = project_structure
    with timed() as t:
        report = validate_code(
            code_tree.files,
            planned_paths=[f.path for f in plan.files],
            declared=plan.libraries,
            types=quality_gates.thresholds().types,
        )
    kinds = Counter(i.kind for i in report.issues if i.severity == "error")
    warned = Counter(i.kind for i in report.issues if i.severity == "warning")
    yield stage_output(
        report,
        t,
        files_validated=report.files_validated,
        files_not_validated=len(report.files_not_validated),
        errors=report.error_count,
        warnings=report.warning_count,
        errors_by_kind=", ".join(f"{k}: {n}" for k, n in sorted(kinds.items())) or "none",
        warnings_by_kind=", ".join(f"{k}: {n}" for k, n in sorted(warned.items())) or "none",
        type_issues=sum(1 for i in report.issues if i.kind == "type"),
        report=markdown(report.markdown()),
    )
    yield check_result(
        gates.code_parses(report),
        errors=report.error_count,
        not_validated=", ".join(report.files_not_validated) or "none",
    )


class DependencyPolicyConfig(dg.Config):
    """Licence policy (SPDX id prefixes; deny wins; anything else is flagged) and whether
    versions of distributions not installed here are asked of the package index (answers
    cached where the ``package_index`` resource says: ``$QL_HOME/cache/package-index.json``)."""

    licence_allow: list[str] = Field(default_factory=lambda: LicencePolicy().allow)
    licence_deny: list[str] = Field(default_factory=lambda: LicencePolicy().deny)
    index_online: bool = True


@request_asset("code", {"python"}, checks=["licences_allowed", "dependencies_resolved"])
def dependency_manifest(
    config: DependencyPolicyConfig,
    package_index: PackageIndexResource,
    node_tools: NodeToolsResource,
    requirements_spec: RequirementsSpec,
    code_tree: CodeTree,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Stage 7: third-party imports mapped to pinned distributions with their licences
    judged by the policy; the project's requirements and a CycloneDX SBOM. A Node project's
    come from its package.json, versions and licences from the installed npm packages."""
    policy = LicencePolicy(allow=config.licence_allow, deny=config.licence_deny)
    index = package_index.index(online=config.index_online)
    with timed() as t:
        manifest = resolve_dependencies(
            code_tree.files,
            code_tree.package,
            declared=requirements_spec.libraries,
            policy=policy,
            index=index,
            language=requirements_spec.brief.options.language,
            node_modules=node_tools.node_modules(),
        )
    sbom = cyclonedx_sbom(manifest)
    yield stage_output(
        manifest,
        t,
        ecosystem=manifest.ecosystem,
        dependencies=len(manifest.dependencies),
        manifest_problems="; ".join(manifest.problems) or "none",
        unresolved=len(manifest.unresolved),
        unpinned=len(manifest.unpinned),
        licence_problems=len(manifest.licence_problems),
        declared_unused=", ".join(manifest.declared_unused) or "none",
        requirements_txt=markdown(f"```\n{manifest.requirements_txt()}```"),
        sbom_components=len(sbom["components"]),
        report=markdown(manifest.markdown()),
    )
    yield check_result(gates.licences_allowed(manifest), problems=len(manifest.licence_problems))
    yield check_result(
        gates.dependencies_resolved(manifest),
        unresolved=len(manifest.unresolved),
        unpinned=len(manifest.unpinned),
    )
