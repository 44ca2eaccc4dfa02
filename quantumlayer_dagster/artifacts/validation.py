"""Stage 6 artifacts: syntax issues found by tree-sitter and the semantic validation report."""

from typing import Literal

from pydantic import Field, computed_field

from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.model import Model

Severity = Literal["error", "warning"]
IssueKind = Literal["syntax", "compile", "name", "import", "call", "structure", "type"]

MARKDOWN_MAX_ROWS = 50
"""Most issue rows shown in a Markdown summary; the rest are counted."""


class SyntaxIssue(Model):
    """One ERROR or MISSING node of a tree-sitter parse; line and column are 1-based."""

    path: str
    line: int
    column: int
    message: str
    snippet: str = ""

    def describe(self) -> str:
        """``path:line:col message``, the form fed back to the LLM in repair prompts."""
        return f"{self.path}:{self.line}:{self.column} {self.message}"

    def __str__(self) -> str:
        return self.describe()


class ValidationIssue(Model):
    """A problem found in one file (or a structural one about the tree); positions 1-based."""

    path: str
    line: int | None = None
    column: int | None = None
    severity: Severity = "error"
    kind: IssueKind
    message: str
    snippet: str = ""
    code: str | None = None
    """The checker's own name for the problem, where it has one (mypy's error code)."""

    @classmethod
    def from_syntax(cls, issue: SyntaxIssue) -> "ValidationIssue":
        return cls(
            path=issue.path,
            line=issue.line,
            column=issue.column,
            kind="syntax",
            message=issue.message,
            snippet=issue.snippet,
        )

    def describe(self) -> str:
        """``path:line:col message [code]`` (line, column and code omitted when unknown)."""
        where = self.path
        if self.line is not None:
            where += f":{self.line}" + (f":{self.column}" if self.column is not None else "")
        return f"{where} {self.text}"

    @property
    def text(self) -> str:
        """The message with the checker's code after it: ``message [code]``."""
        return f"{self.message} [{self.code}]" if self.code else self.message

    def __str__(self) -> str:
        return self.describe()


class FileValidation(Model):
    """Whether one file could be checked (a grammar exists) and how many errors it has."""

    path: str
    language: str | None
    validated: bool
    error_count: int = 0
    warning_count: int = 0


class ValidationReport(Model):
    """Per-file validation status plus every issue found (stage 6 output)."""

    files: list[FileValidation] = Field(default_factory=list)
    issues: list[ValidationIssue] = Field(default_factory=list)
    tree_sha256: str = ""
    """``tree_digest`` of the files judged: the capsule packages only this tree."""

    @computed_field  # type: ignore[prop-decorator]
    @property
    def valid(self) -> bool:
        """True when no issue has error severity (warnings and unvalidated files allowed)."""
        return self.error_count == 0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def error_count(self) -> int:
        return sum(1 for i in self.issues if i.severity == "error")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def warning_count(self) -> int:
        return sum(1 for i in self.issues if i.severity == "warning")

    @computed_field  # type: ignore[prop-decorator]
    @property
    def files_validated(self) -> int:
        return sum(1 for f in self.files if f.validated)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def files_not_validated(self) -> list[str]:
        """Paths with no grammar: they were not checked and are not counted as valid."""
        return [f.path for f in self.files if not f.validated]

    def markdown(self) -> str:
        """A summary for the Dagster UI: verdict, counts, then a capped table of issues."""
        if not self.files:
            verdict = "**No files to validate**: the code tree is empty."
        elif self.valid:
            verdict = "**Valid**: no errors found."
        else:
            verdict = f"**Invalid**: {self.error_count} error(s)."
        lines = [
            verdict,
            "",
            f"- files: {len(self.files)} ({self.files_validated} validated)",
            f"- errors: {self.error_count}, warnings: {self.warning_count}",
        ]
        if self.files_not_validated:
            shown = ", ".join(f"`{p}`" for p in self.files_not_validated[:20])
            more = len(self.files_not_validated) - 20
            lines.append(
                f"- not validated (no grammar): {shown}" + (f" and {more} more" if more > 0 else "")
            )
        if self.issues:
            rows = [
                [
                    markdown_cell(i.severity),
                    f"`{markdown_cell(i.path)}`",
                    str(i.line or ""),
                    str(i.column or ""),
                    i.kind,
                    markdown_cell(i.text),
                ]
                for i in self.issues
            ]
            lines += [
                "",
                markdown_table(
                    ["severity", "path", "line", "col", "kind", "message"], rows, MARKDOWN_MAX_ROWS
                ),
            ]
        return "\n".join(lines)
