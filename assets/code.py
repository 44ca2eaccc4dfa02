"""Stage 5-7 assets: code generation, semantic validation (a blocking gate), dependencies."""

from collections.abc import Iterator

import dagster as dg

from assets.declare import request_asset
from assets.metadata import check_result, markdown, stage_output, timed
from quantumlayer_dagster import gates
from quantumlayer_dagster.artifacts.code import CodeTree, SourceFile
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.structure import ProjectStructure
from quantumlayer_dagster.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.stages.code_tree import generate_code
from quantumlayer_dagster.stages.dependency_manifest import resolve_dependencies
from quantumlayer_dagster.stages.semantic_validation import validate_code
from resources.llm import LLMResource


@request_asset("code", {"llm", "python"})
def code_tree(
    context: dg.AssetExecutionContext, project_structure: ProjectStructure, llm: LLMResource
) -> dg.Output[CodeTree]:
    """Stage 5: every planned file written by the LLM and parse-repaired."""
    with timed() as t:
        result = generate_code(project_structure, llm.client, progress=context.log.info)
    rows = [
        [f"`{f.path}`", str(f.line_count), str(len(f.attempts) or "-"), _last_parse(f)]
        for f in result.files
    ]
    return stage_output(
        result,
        t.seconds,
        result.llm,
        file_count=len(result.files),
        lines=result.line_count,
        files=markdown(markdown_table(["file", "lines", "attempts", "last parse result"], rows)),
    )


def _last_parse(f: SourceFile) -> str:
    errors = f.attempts[-1].errors if f.attempts else []
    return markdown_cell(errors[0]) if errors else "parses"


@request_asset("gates", {"python"}, blocking_checks=["code_parses"])
def semantic_validation(code_tree: CodeTree) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Stage 6: tree-sitter report on every file plus Python compile checks. The blocking
    check `code_parses` stops packaging when any file has an error."""
    with timed() as t:
        report = validate_code(code_tree.files)
    yield stage_output(
        report,
        t.seconds,
        files_validated=report.files_validated,
        files_not_validated=len(report.files_not_validated),
        errors=report.error_count,
        report=markdown(report.markdown()),
    )
    yield check_result(
        gates.code_parses(report),
        errors=report.error_count,
        not_validated=", ".join(report.files_not_validated) or "none",
    )


@request_asset("code", {"python"})
def dependency_manifest(
    requirements_spec: RequirementsSpec, code_tree: CodeTree
) -> dg.Output[DependencyManifest]:
    """Stage 7: third-party imports mapped to distributions; the project's requirements."""
    with timed() as t:
        manifest = resolve_dependencies(
            code_tree.files, code_tree.package, declared=requirements_spec.libraries
        )
    return stage_output(
        manifest,
        t.seconds,
        dependencies=len(manifest.dependencies),
        unresolved=len(manifest.unresolved),
        declared_unused=", ".join(manifest.declared_unused) or "none",
        requirements_txt=markdown(f"```\n{manifest.requirements_txt()}```"),
        report=markdown(manifest.markdown()),
    )
