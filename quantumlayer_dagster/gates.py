"""The quality gates: each turns an artifact into a pass/fail result with its reason.

Asset checks and the capsule's ``capsule.json`` both use these, so the UI and the capsule
can never disagree about a gate."""

from quantumlayer_dagster.artifacts.capsule import GateResult
from quantumlayer_dagster.artifacts.performance import PerformanceReport
from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.artifacts.validation import ValidationReport


def code_parses(report: ValidationReport) -> GateResult:
    return GateResult(
        name="code_parses",
        passed=report.valid,
        detail=(
            f"{report.files_validated} files parse"
            if report.valid
            else f"{report.error_count} errors, first: {report.issues[0].describe()}"
            if report.issues
            else f"{report.error_count} errors"
        ),
    )


def tests_pass(run: TestRun) -> GateResult:
    """Passes only for a clean run (exit 0, tests ran, none failed or errored)."""
    return GateResult(name="tests_pass", passed=run.ok, detail=run.summary)


def no_high_severity_findings(report: SecurityReport, allowed: int = 0) -> GateResult:
    high = report.high_severity_count
    return GateResult(
        name="no_high_severity_findings",
        passed=high <= allowed,
        detail=f"{high} high-severity findings (allowed {allowed}), {len(report.findings)} in all",
    )


def complexity_budget(report: PerformanceReport, max_complexity: int) -> GateResult:
    worst = report.hotspots[0].location() if report.hotspots else "no functions"
    return GateResult(
        name="complexity_budget",
        passed=report.max_complexity <= max_complexity,
        detail=f"max complexity {report.max_complexity} (budget {max_complexity}) at {worst}",
    )
