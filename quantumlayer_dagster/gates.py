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
    total = run.passed + run.failed + run.errors
    passed = total > 0 and run.failed == 0 and run.errors == 0 and not run.timed_out
    if run.timed_out:
        detail = f"timed out after {run.duration_s:.0f} s"
    elif total == 0:
        detail = "no tests ran"
    else:
        detail = f"{run.passed} passed, {run.failed} failed, {run.errors} errors of {total}"
    return GateResult(name="tests_pass", passed=passed, detail=detail)


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
