"""Stage 9-11 assets: tests run in the sandbox, security scan, performance analysis."""

from collections.abc import Iterator

import dagster as dg

from assets.declare import request_asset
from assets.metadata import check_result, markdown, stage_output, timed
from quantumlayer_dagster.artifacts.code import CodeTree
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.stages.performance_report import analyze_performance
from quantumlayer_dagster.stages.security_report import scan_security
from quantumlayer_dagster.stages.test_suite import build_test_suite
from quantumlayer_dagster.supply_chain.npm_dependencies import npm_packages
from resources.llm import LLMResource
from resources.node_tools import NodeToolsResource
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
    quality_gates: QualityGatesResource,
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
            types=quality_gates.thresholds().types,
        )
    run = suite.run
    yield stage_output(
        suite,
        t,
        suite.llm,
        test_files=len(suite.project.tests),
        passed=run.passed,
        failed=run.failed,
        errors=run.errors,
        timed_out=run.timed_out,
        test_run_s=run.duration_s,
        isolation=run.isolation,
        sandbox_mode=run.isolation_mode or "not run",
        sandbox_limit=run.limit or "none",
        coverage_percent=_coverage_value(run.coverage.percent),
        repair_rounds=len(suite.repairs),
        repairs=markdown(suite.repairs_markdown()),
        report=markdown(run.markdown()),
    )
    yield check_result(
        gates.tests_pass(run, sandbox.isolation, tree_sha256=suite.tested_sha256),
        passed=run.passed,
        failed=run.failed,
        errors=run.errors,
        repair_rounds=len(suite.repairs),
    )


def _coverage_value(percent: float | None) -> dg.MetadataValue:
    """Line coverage as a number, or the text "not measured" (never a made-up 0)."""
    return (
        dg.MetadataValue.float(float(percent))
        if percent is not None
        else dg.MetadataValue.text("not measured")
    )


@request_asset(
    "gates",
    {"bandit", "eslint", "pip-audit"},
    blocking_checks=["no_high_severity_findings", "no_known_vulnerable_pins", "no_server_errors"],
)
def security_report(
    test_suite: TestSuite,
    dependency_manifest: DependencyManifest,
    quality_gates: QualityGatesResource,
    node_tools: NodeToolsResource,
    sandbox: SandboxResource,
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Stage 10: bandit (Python), ESLint's security rules (JS/TS) and the secrets detector
    on the generated code and tests, pip-audit on the pinned PyPI dependencies (npm ones:
    not covered, reported as not run), and a generated HTTP service started in the sandbox
    and attacked (schemathesis and our probes). The first two gates block the capsule when
    they fail; ``no_server_errors`` warns unless ``server_errors_blocking`` is set."""
    from quantumlayer_dagster.supply_chain.vulnerability_audit import manifest_pins  # pip-audit

    npm = dependency_manifest.ecosystem == "npm"
    with timed() as t:
        report = scan_security(
            test_suite.project.all_files,
            requirements=None if npm else manifest_pins(dependency_manifest),
            advisories=None if npm else quality_gates.advisories(),
            npm_packages=npm_packages(dependency_manifest) if npm else None,
            node_tools=node_tools.configured(),
            sandbox=sandbox.sandbox() if quality_gates.dast else None,
            dast=quality_gates.dast_options(),
        )
    dast = report.dast
    yield stage_output(
        report,
        t,
        files_scanned=len(report.scanned),
        findings=len(report.findings),
        high=report.high_severity_count,
        not_run="; ".join(report.not_run.values()) or "none",
        secrets=sum(f.tool == "secrets" for f in report.findings),
        dependencies_audited=len(report.audit.audited),
        vulnerable_pins=report.vulnerable_pin_count,
        advisory_source=report.audit.source or "none",
        dast=dast.summary() if dast is not None else "not asked for",
        dast_cases=dast.cases if dast is not None else 0,
        server_errors=len(dast.server_errors) if dast is not None else 0,
        report=markdown(report.markdown()),
    )
    threshold = quality_gates.severity_threshold
    gate = gates.no_high_severity_findings(report, quality_gates.max_high_severity, threshold)
    yield check_result(gate, high=report.high_severity_count)
    pins = gates.no_known_vulnerable_pins(report, quality_gates.max_vulnerable_pins)
    yield check_result(pins, vulnerable_pins=report.vulnerable_pin_count)
    server = gates.no_server_errors(report, quality_gates.server_errors_blocking)
    yield check_result(server, server_errors=len(dast.server_errors) if dast else 0)


@request_asset("gates", {"radon"}, checks=["complexity_budget"])
def performance_report(
    test_suite: TestSuite, quality_gates: QualityGatesResource
) -> Iterator[dg.Output | dg.AssetCheckResult]:
    """Stage 11: radon complexity, maintainability, raw and Halstead metrics; hotspots."""
    durations = {
        f"{c.classname}::{c.name}" if c.classname else c.name: c.duration_s
        for c in test_suite.run.tests
    }
    with timed() as t:
        report = analyze_performance(
            test_suite.project.sources,
            test_durations=durations,
            test_paths=[f.path for f in test_suite.project.tests],
        )
    yield stage_output(
        report,
        t,
        functions=len(report.functions),
        max_complexity=report.max_complexity,
        average_complexity=dg.MetadataValue.float(round(report.average_complexity, 2)),
        suggestions=len(report.suggestions),
        report=markdown(report.markdown()),
    )
    gate = gates.complexity_budget(report, quality_gates.max_complexity)
    yield check_result(gate, max_complexity=report.max_complexity)
