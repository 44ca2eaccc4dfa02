"""The quality gates: each turns an artifact into a pass/fail result with its reason.

Asset checks and the capsule's ``capsule.json`` both use these, so the UI and the capsule
can never disagree about a gate."""

from dataclasses import dataclass

from quantumlayer_dagster.analysis.type_check import TypeCheck
from quantumlayer_dagster.artifacts.capsule import CapsuleVerification, GateResult
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.performance import PerformanceReport
from quantumlayer_dagster.artifacts.security import Level, SecurityReport
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.artifacts.validation import ValidationReport
from quantumlayer_dagster.sandbox.models import ISOLATION_RANK, IsolationMode

DEFAULT_MAX_COMPLEXITY = 15
"""Cyclomatic complexity budget per function: radon rank C starts at 11, D at 21."""


@dataclass(frozen=True)
class GateThresholds:
    """How much each gate tolerates: the highest cyclomatic complexity of a function, the
    security findings at ``severity_threshold`` or worse, the pins known vulnerable, and
    whether mypy's findings are errors that stop ``code_parses`` (and go back to the model
    while code is written) or warnings."""

    max_complexity: int = DEFAULT_MAX_COMPLEXITY
    max_high_severity: int = 0
    severity_threshold: Level = "HIGH"
    max_vulnerable_pins: int = 0
    required_isolation: IsolationMode = "bwrap"
    """The least isolation the instance accepts for the generated tests' run."""
    types_blocking: bool = False
    server_errors_blocking: bool = False
    """Whether ``no_server_errors`` stops the run when it fails (default: a warning)."""

    @property
    def types(self) -> TypeCheck:
        """How semantic validation and code generation treat type findings."""
        return "block" if self.types_blocking else "warn"


def code_parses(report: ValidationReport) -> GateResult:
    return GateResult(
        name="code_parses",
        tree_sha256=report.tree_sha256,
        passed=report.valid,
        detail=(
            f"{report.files_validated} files parse"
            if report.valid
            else f"{report.error_count} errors, first: {report.issues[0].describe()}"
            if report.issues
            else f"{report.error_count} errors"
        ),
    )


def tests_pass(
    run: TestRun, required_isolation: IsolationMode = "bwrap", *, tree_sha256: str = ""
) -> GateResult:
    """Passes only for a clean run (exit 0, tests ran, none failed or errored) whose tests
    ran with at least ``required_isolation`` (the instance's setting); ``tree_sha256`` is
    the digest of the project the run tested."""
    ran = run.isolation_mode
    if ran is None or ISOLATION_RANK[ran] < ISOLATION_RANK[required_isolation]:
        return GateResult(
            name="tests_pass",
            passed=False,
            detail=f"tests ran with isolation {ran or 'none'}, this instance requires "
            f"{required_isolation}: {run.summary}",
            tree_sha256=tree_sha256,
        )
    return GateResult(name="tests_pass", passed=run.ok, detail=run.summary, tree_sha256=tree_sha256)


def no_high_severity_findings(
    report: SecurityReport, allowed: int = 0, threshold: Level = "HIGH"
) -> GateResult:
    """Passes while at most ``allowed`` findings (bandit, ESLint and secrets) are at
    ``threshold`` severity or worse, and never when a linter that had files to scan did not
    run: unscanned code is not clean code."""
    if report.not_run:
        reasons = "; ".join(f"{reason}" for _, reason in sorted(report.not_run.items()))
        return GateResult(
            name="no_high_severity_findings",
            passed=False,
            detail=f"not run: {reasons}",
        )
    count = report.count_at_or_above(threshold)
    worst = sorted(
        (f for f in report.findings if f.severity == "HIGH"), key=lambda f: (f.path, f.line)
    )
    first = f"; first: {worst[0].describe()}" if worst and count > allowed else ""
    scope = "high-severity" if threshold == "HIGH" else f"{threshold.lower()}-or-worse"
    return GateResult(
        name="no_high_severity_findings",
        passed=count <= allowed,
        detail=f"{count} {scope} findings (allowed {allowed}), {len(report.findings)} in all"
        + first,
    )


def no_known_vulnerable_pins(report: SecurityReport, allowed: int = 0) -> GateResult:
    """Passes while at most ``allowed`` pinned dependencies have a known vulnerability.
    Fails when the audit could not run: no answer is not a clean answer."""
    audit = report.audit
    if audit.not_covered:
        # Not a verdict on the code: no advisory data for its ecosystem. It fails, never
        # passes, but does not stop the run (a warning in the UI, FAIL in capsule.json).
        return GateResult(
            name="no_known_vulnerable_pins",
            passed=False,
            detail=f"dependency audit did not run: {audit.not_covered}",
            stops=False,
        )
    if audit.error:
        return GateResult(
            name="no_known_vulnerable_pins",
            passed=False,
            detail=f"dependency audit did not run: {audit.error}",
        )
    vulnerable = audit.vulnerable_packages
    shown = ", ".join(vulnerable[:5]) + (
        f" and {len(vulnerable) - 5} more" if len(vulnerable) > 5 else ""
    )
    return GateResult(
        name="no_known_vulnerable_pins",
        passed=len(vulnerable) <= allowed,
        detail=f"{len(vulnerable)} of {len(audit.audited)} pins known vulnerable "
        f"(allowed {allowed})" + (f": {shown}" if vulnerable else ""),
    )


def no_server_errors(report: SecurityReport, blocking: bool = False) -> GateResult:
    """Passes when the dynamic test of the running service found no server error (a 5xx
    answer, or a service that never started) or the project is not an HTTP service; fails
    when a service was found but could not be tested (untested is not clean). A failure
    stops the run only when ``blocking`` (``QualityGatesResource.server_errors_blocking``)."""
    dast = report.dast
    if dast is None:
        return GateResult(
            name="no_server_errors", passed=True, detail="dynamic test not asked for", stops=False
        )
    if dast.target is None and not dast.not_run:
        return GateResult(name="no_server_errors", passed=True, detail=dast.summary())
    if dast.not_run:
        return GateResult(
            name="no_server_errors",
            passed=False,
            detail=f"dynamic test did not run: {dast.not_run}",
            stops=blocking,
        )
    errors = dast.server_errors
    first = ""
    if errors:
        worst = errors[0]
        shown = worst.request.curl if worst.request else worst.message.splitlines()[0]
        first = f"; first: {worst.operation} {worst.title} ({shown[:200]})"
    return GateResult(
        name="no_server_errors",
        passed=not errors,
        detail=f"{len(errors)} server error(s) in {dast.summary()}" + first,
        stops=blocking,
    )


def complexity_budget(report: PerformanceReport, max_complexity: int) -> GateResult:
    """Passes while no function's cyclomatic complexity is over ``max_complexity``."""
    worst = report.hotspots[0].location() if report.hotspots else "no functions"
    over = [f for f in report.functions if f.complexity > max_complexity]
    names = ", ".join(f"{f.name} ({f.complexity})" for f in over[:5])
    return GateResult(
        name="complexity_budget",
        passed=not over,
        detail=f"max complexity {report.max_complexity} (budget {max_complexity}) at {worst}"
        + (f"; {len(over)} over budget: {names}" if over else ""),
    )


def licences_allowed(manifest: DependencyManifest) -> GateResult:
    """Passes when every dependency's licence is allowed by the manifest's licence policy
    (a denied or unknown licence fails, naming each)."""
    problems = manifest.licence_problems
    total = sum(1 for d in manifest.dependencies if d.distribution)
    return GateResult(
        name="licences_allowed",
        passed=not problems,
        detail=f"{total} dependencies, all licences allowed"
        if not problems
        else f"{len(problems)} of {total} not allowed: " + "; ".join(problems),
    )


def dependencies_resolved(manifest: DependencyManifest) -> GateResult:
    """Passes when every third-party import maps to a distribution with a pinned version."""
    unresolved = [f"{d.import_name} ({d.reason})" for d in manifest.dependencies if not d.resolved]
    unpinned = [
        f"{d.distribution} ({d.version_reason})"
        for d in manifest.dependencies
        if d.distribution and not d.version
    ]
    problems = [f"unresolved: {u}" for u in unresolved] + [f"unpinned: {u}" for u in unpinned]
    return GateResult(
        name="dependencies_resolved",
        passed=not problems,
        detail=f"{len(manifest.dependencies)} dependencies, all resolved and pinned"
        if not problems
        else "; ".join(problems),
    )


def capsule_verifies(verification: CapsuleVerification) -> GateResult:
    """Passes when the stored capsule's files all match the sha256 in its ``capsule.json``
    (and nothing is missing, unlisted or unsafe); else names the first problems."""
    return GateResult(
        name="capsule_verifies",
        passed=verification.ok,
        detail=f"{verification.checked} files verified"
        if verification.ok
        else "; ".join(verification.problems[:5]),
    )
