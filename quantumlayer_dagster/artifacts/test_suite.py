"""Stage 9: generated tests, the repairs made when they failed, and the final sandboxed run."""

from typing import Literal

from pydantic import Field

from quantumlayer_dagster.artifacts.bodies import FunctionBody
from quantumlayer_dagster.artifacts.code import ProjectTree
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.artifacts.testing import Outcome, TestRun
from quantumlayer_dagster.artifacts.validation import ValidationReport
from quantumlayer_dagster.model import Model


class FailureSent(Model):
    """One failing test as it was shown to the LLM."""

    test: str
    outcome: Outcome
    message: str


class RepairAttempt(Model):
    """One round of the repair loop: what went to the LLM, what it changed, what followed."""

    attempt: int
    failures_sent: list[FailureSent]
    file_changed: str | None = None
    changed_kind: Literal["code", "test"] | None = None
    reason: str = ""
    """The LLM's one-sentence reason for the change."""
    error: str | None = None
    """Why the attempt changed nothing (no acceptable reply, reply did not parse)."""
    passed: int = 0
    failed: int = 0
    errors: int = 0
    tests_removed: int = 0
    """How many fewer tests ran after the change: a "repair" that deletes failing tests
    shows here instead of passing for a fix."""
    result: str = ""
    """The test run's summary after the change."""


class TestSuite(Model):
    """Stage 9 artifact: the project with its tests, and the sandboxed test run.

    Later stages (security, performance, docs, capsule) read the project from here, since it
    is the version the tests were run against: after repairs, sources may differ from the
    code_tree artifact."""

    __test__ = False

    request_id: str
    project: ProjectTree
    requirements_txt: str
    run: TestRun
    case_count: int
    untraced_targets: list[str] = Field(default_factory=list)
    """Test-plan targets that no generated module defines (their tests will fail)."""
    repairs: list[RepairAttempt] = Field(default_factory=list)
    """Every repair attempt, in order; empty when the first run passed."""
    repaired_bodies: list[FunctionBody] = Field(default_factory=list)
    """The bodies whose tests failed, as the engine judged and repaired them (a Python
    project); each with the examples and cases it passes after the repair."""
    first_run_summary: str = ""
    """The first run's summary, before any repair."""
    code_validation: ValidationReport | None = None
    """Semantic validation of the sources again, when a repair replaced a code file: the
    report the ``code_parses`` gate must use for this tree (None: unchanged sources)."""
    tested_sha256: str = ""
    """``tree_digest`` of the project (sources and tests) the final run tested."""
    llm: LLMUsage = Field(default_factory=LLMUsage)

    def repairs_markdown(self) -> str:
        """The repair attempts as a table (round, failures sent, file changed, result)."""
        if not self.repairs:
            return f"No repair needed or possible. First run: {self.first_run_summary}"
        rows = [
            [
                str(a.attempt),
                markdown_cell(", ".join(f.test for f in a.failures_sent), 120),
                f"`{a.file_changed}` ({a.changed_kind})" if a.file_changed else "none",
                markdown_cell(a.error or _removed(a.tests_removed) + a.result, 200),
            ]
            for a in self.repairs
        ]
        table = markdown_table(["round", "failures sent", "file changed", "result"], rows)
        return f"First run: {markdown_cell(self.first_run_summary, 300)}\n\n{table}"


def _removed(count: int) -> str:
    return f"{count} tests removed; " if count else ""
