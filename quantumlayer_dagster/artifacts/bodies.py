"""What the generation engine did for each function body: every candidate with its verdict,
and the examples the kept body passes."""

from pydantic import Field

from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.model import Model


class ExampleResult(Model):
    """One example run against the kept body."""

    call: str
    expected: str
    """The literal it should return, or ``raises Name``."""
    passed: bool
    detail: str


class BodyAttempt(Model):
    """One candidate body: the round it came in (1: the first request; later: repairs,
    ``sent_back`` holding what the model was told), its best-of-n number, why it could not
    be used (``findings``: refused splice or blocking checks) or how many examples it
    passed, and whether it was kept."""

    round: int
    candidate: int | None = None
    sent_back: list[str] = Field(default_factory=list)
    findings: list[str] = Field(default_factory=list)
    examples_passed: int = 0
    examples_total: int = 0
    first_failure: str = ""
    kept: bool = False

    @property
    def usable(self) -> bool:
        return not self.findings


class FunctionBody(Model):
    """One function (or method) of the project whose body the model wrote."""

    path: str
    qualname: str
    examples: list[ExampleResult] = Field(default_factory=list)
    attempts: list[BodyAttempt] = Field(default_factory=list)
    written: bool = False
    """False when no candidate could be used: the placeholder body was left."""

    @property
    def examples_passed(self) -> int:
        return sum(1 for e in self.examples if e.passed)

    @property
    def examples_pass(self) -> bool:
        """Written, and every example passes (vacuously true without examples)."""
        return self.written and all(e.passed for e in self.examples)


def bodies_markdown(bodies: list[FunctionBody]) -> str:
    """Every candidate of every function: round, candidate, what was sent back, the verdict
    and whether it was kept, for the Dagster UI."""
    rows = [
        [
            f"`{markdown_cell(b.path)}::{markdown_cell(b.qualname)}`",
            str(a.round),
            str(a.candidate or "-"),
            markdown_cell(a.sent_back[0])
            + (f" (+{len(a.sent_back) - 1})" if len(a.sent_back) > 1 else "")
            if a.sent_back
            else "-",
            markdown_cell(a.findings[0])
            if a.findings
            else f"{a.examples_passed}/{a.examples_total} examples"
            + (f": {markdown_cell(a.first_failure)}" if a.first_failure else ""),
            "yes" if a.kept else "",
        ]
        for b in bodies
        for a in b.attempts
    ]
    if not rows:
        return "No function body was asked of the model."
    return markdown_table(["function", "round", "candidate", "sent back", "verdict", "kept"], rows)


def examples_markdown(bodies: list[FunctionBody]) -> str:
    """Per function: whether it was written and how many of its examples pass."""
    rows = [
        [
            f"`{markdown_cell(b.path)}::{markdown_cell(b.qualname)}`",
            "yes" if b.written else "no (placeholder left)",
            f"{b.examples_passed}/{len(b.examples)}",
            markdown_cell(next((f"{e.call}: {e.detail}" for e in b.examples if not e.passed), ""))
            or "-",
        ]
        for b in bodies
    ]
    if not rows:
        return "No function body was asked of the model."
    return markdown_table(["function", "written", "examples passed", "first failing example"], rows)
