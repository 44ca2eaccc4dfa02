"""The result of running a project's tests in the sandbox (JUnit XML, parsed)."""

from typing import Literal

from pydantic import Field, computed_field

from quantumlayer_dagster.model import Model

Outcome = Literal["passed", "failed", "error", "skipped"]
Runner = Literal["pytest", "node"]
MARKDOWN_FAILURE_ROWS = 25


class TestCaseResult(Model):
    """One test case as reported in the JUnit XML."""

    __test__ = False

    name: str
    classname: str = ""
    outcome: Outcome
    duration_s: float = 0.0
    message: str = ""
    """Failure, error or skip text (truncated); empty for a pass."""


class FileCoverage(Model):
    """Line coverage of one source file, as coverage.py measured it in the sandbox."""

    path: str
    statements: int = Field(ge=0)
    covered: int = Field(ge=0)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def percent(self) -> float:
        return round(100.0 * self.covered / self.statements, 1) if self.statements else 100.0


class CoverageReport(Model):
    """Line coverage of the project's source files (tests excluded).

    ``percent`` is computed here from the per-file counts, not taken from the report's own
    total, so a report edited inside the sandbox must at least be self-consistent."""

    files: list[FileCoverage] = Field(default_factory=list)
    error: str | None = None
    """Why there is no (usable) coverage, e.g. the runner does not measure it."""
    refused: bool = False
    """The report was there but untrustworthy (malformed, nested too deeply, inconsistent):
    the test run is then not ok."""

    @property
    def statements(self) -> int:
        return sum(f.statements for f in self.files)

    @property
    def covered(self) -> int:
        return sum(f.covered for f in self.files)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def percent(self) -> float | None:
        if self.error is not None or not self.files:
            return None
        total = self.statements
        return round(100.0 * self.covered / total, 1) if total else 100.0


class TestRun(Model):
    """Counts, per-test results and evidence of one sandboxed pytest run.

    Counts come from the JUnit XML. When there is no usable XML (timeout, crash, collection
    failure before the report) ``junit_error`` says why and ``ok`` is False."""

    __test__ = False

    passed: int = 0
    failed: int = 0
    errors: int = 0
    skipped: int = 0
    timed_out: bool = False
    exit_code: int | None = None
    duration_s: float = 0.0
    isolation: str = ""
    summary: str = ""
    """One line a person can read: what happened, in words."""
    tests: list[TestCaseResult] = Field(default_factory=list)
    failures: list[TestCaseResult] = Field(default_factory=list)
    junit_xml: str = ""
    junit_error: str | None = None
    output_tail: str = ""
    output_truncated: bool = False
    runner: Runner = "pytest"
    killed_reason: str | None = None
    """Why the sandbox ended the run: the limit reached, a signal, or why it never ran."""
    limit: Literal["wall", "cpu", "memory", "processes", "output", "disk"] | None = None
    """The sandbox limit that stopped or cut the run."""
    isolation_mode: Literal["bwrap", "process", "k8s-job"] | None = None
    """How the tests were isolated; None when they did not run in a sandbox."""
    coverage: CoverageReport = Field(default_factory=CoverageReport)
    report_warnings: list[str] = Field(default_factory=list)
    """Where the report disagrees with the runner's exit code or printed summary. The
    report is written inside the sandbox, so tested code could forge it; a disagreement
    means it did (or the runner crashed), and the run is not ok."""

    @property
    def total(self) -> int:
        return self.passed + self.failed + self.errors + self.skipped

    @property
    def ok(self) -> bool:
        """True only for a clean run: exit 0, tests ran, none failed or errored."""
        return (
            self.exit_code == 0
            and not self.timed_out
            and self.junit_error is None
            and self.passed > 0
            and self.failed == 0
            and self.errors == 0
            and not self.report_warnings
        )

    def markdown(self) -> str:
        """Counts, outcome and a failures table, for Dagster UI metadata."""
        lines = [
            f"**{'PASSED' if self.ok else 'NOT PASSED'}**: {self.summary}",
            "",
            "| passed | failed | errors | skipped | exit code | duration |",
            "|---:|---:|---:|---:|---:|---:|",
            f"| {self.passed} | {self.failed} | {self.errors} | {self.skipped} "
            f"| {'timeout' if self.timed_out else self.exit_code} | {self.duration_s:.1f}s |",
            "",
            f"Isolation: {self.isolation}",
            f"Line coverage: {_coverage_text(self.coverage)}",
        ]
        lines += [f"Report warning: {w}" for w in self.report_warnings]
        if self.failures:
            lines += ["", "| test | outcome | message |", "|---|---|---|"]
            for case in self.failures[:MARKDOWN_FAILURE_ROWS]:
                test = _cell(f"{case.classname}::{case.name}" if case.classname else case.name)
                lines.append(f"| `{test}` | {case.outcome} | {_cell(_gist(case.message), 300)} |")
            if len(self.failures) > MARKDOWN_FAILURE_ROWS:
                lines.append(f"\n... and {len(self.failures) - MARKDOWN_FAILURE_ROWS} more")
        return "\n".join(lines)


def _coverage_text(report: CoverageReport) -> str:
    if report.percent is None:
        return f"not measured ({report.error or 'no source files measured'})"
    return f"{report.percent:.1f}% ({report.covered}/{report.statements} lines)"


def _gist(message: str) -> str:
    """pytest's ``E`` lines (the assertion or exception) when present, else the message."""
    e_lines = [line[1:].strip() for line in message.splitlines() if line.startswith("E ")]
    return " ".join(e_lines) or message


def _cell(text: str, limit: int = 200) -> str:
    """Text safe for one Markdown table cell."""
    flat = " ".join(text.split()).replace("|", "\\|").replace("`", "'")
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"
