"""Stage 9-11 assets: tests run in the sandbox, security scan, performance analysis."""

from collections.abc import Iterator

import dagster as dg

from assets.declare import request_asset
from assets.metadata import check_result, markdown, stage_output, timed
from quantumlayer_dagster import gates
from quantumlayer_dagster.artifacts.code import CodeTree
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.stages.performance_report import analyze_performance
from quantumlayer_dagster.stages.security_report import scan_security
from quantumlayer_dagster.stages.test_suite import build_test_suite
from resources.llm import LLMResource
from resources.quality_gates import QualityGatesResource
from resources.sandbox import SandboxResource


@request_asset("gates", {"llm", "pytest"}, checks=["tests_pass"])
def test_suite(
    context: dg.AssetExecutionContext,
    test_plan: TestPlan,
    code_tree: CodeTree,
    dependency_manifest: DependencyManifest,
    llm: LLMResource,
    sandbox: SandboxResource,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Stage 9: pytest files written from the plan, run in the sandbox on a throwaway copy."""
    with timed() as t:
        suite = build_test_suite(
            test_plan,
            code_tree,
            dependency_manifest,
            llm.client,
            sandbox.sandbox(),
            max_repairs=sandbox.test_repairs,
            progress=context.log.info,
        )
    run = suite.run
    yield stage_output(
        suite,
        t.seconds,
        suite.llm,
        test_files=len(suite.project.tests),
        passed=run.passed,
        failed=run.failed,
        errors=run.errors,
        timed_out=run.timed_out,
        test_run_s=run.duration_s,
        isolation=run.isolation,
        sandbox_mode="bwrap" if run.isolation.startswith("bwrap") else "process-only",
        coverage_percent=_coverage_value(run.coverage.percent),
        repair_rounds=len(suite.repairs),
        repairs=markdown(suite.repairs_markdown()),
        report=markdown(run.markdown()),
    )
    yield check_result(
        gates.tests_pass(run),
        passed=run.passed,
        failed=run.failed,
        errors=run.errors,
        repair_rounds=len(suite.repairs),
    )


def _coverage_value(percent: float | None) -> dg.MetadataValue:
    """Line coverage as a number, or the text "not measured" (never a made-up 0)."""
    return (
        dg.MetadataValue.float(percent)
        if percent is not None
        else dg.MetadataValue.text("not measured")
    )


@request_asset("gates", {"bandit"}, checks=["no_high_severity_findings"])
def security_report(
    test_suite: TestSuite,
    dependency_manifest: DependencyManifest,
    quality_gates: QualityGatesResource,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Stage 10: bandit on the generated code and tests."""
    with timed() as t:
        report = scan_security(test_suite.project.all_files)
    yield stage_output(
        report,
        t.seconds,
        files_scanned=len(report.scanned),
        findings=len(report.findings),
        high=report.high_severity_count,
        dependencies_declared=len(dependency_manifest.dependencies),
        report=markdown(report.markdown()),
    )
    gate = gates.no_high_severity_findings(report, quality_gates.max_high_severity)
    yield check_result(gate, high=report.high_severity_count)


@request_asset("gates", {"radon"}, checks=["complexity_budget"])
def performance_report(
    test_suite: TestSuite, quality_gates: QualityGatesResource
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Stage 11: radon complexity, maintainability, raw and Halstead metrics; hotspots."""
    durations = {t.name: t.duration_s for t in test_suite.run.tests}
    with timed() as t:
        report = analyze_performance(test_suite.project.sources, test_durations=durations)
    yield stage_output(
        report,
        t.seconds,
        functions=len(report.functions),
        max_complexity=report.max_complexity,
        average_complexity=dg.MetadataValue.float(round(report.average_complexity, 2)),
        suggestions=len(report.suggestions),
        report=markdown(report.markdown()),
    )
    gate = gates.complexity_budget(report, quality_gates.max_complexity)
    yield check_result(gate, max_complexity=report.max_complexity)
