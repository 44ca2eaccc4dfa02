"""Stage 10 artifact: static security findings (bandit) with the SARIF log for the capsule."""

from typing import Any, Literal

from pydantic import BaseModel, Field, computed_field

from quantumlayer_dagster.markdown import markdown_cell, markdown_table

Level = Literal["LOW", "MEDIUM", "HIGH"]
_SEVERITY_ORDER = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}


class Finding(BaseModel):
    """One finding of a security tool at a file location (1-based line and column)."""

    tool: str = "bandit"
    rule_id: str
    test_name: str = ""
    severity: Level
    confidence: Level
    cwe: int | None = None
    path: str
    line: int
    column: int | None = None
    message: str
    snippet: str = ""

    def describe(self) -> str:
        """``path:line [SEVERITY] rule message``."""
        return f"{self.path}:{self.line} [{self.severity}] {self.rule_id} {self.message}"


class ScanError(BaseModel):
    """A file the tool could not analyse (usually a syntax error), with its reason."""

    path: str
    reason: str


class SecurityReport(BaseModel):
    """Findings of the security scan (stage 10 output).

    ``suppressed`` holds findings left out by policy (``assert`` in test files, which is
    how tests are written); they stay in the SARIF log marked as suppressed.
    """

    tool_version: str = ""
    scanned: list[str] = Field(default_factory=list)
    not_scanned: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    suppressed: list[Finding] = Field(default_factory=list)
    errors: list[ScanError] = Field(default_factory=list)
    sarif: dict[str, Any] = Field(default_factory=dict)
    duration_s: float = 0.0

    @computed_field  # type: ignore[prop-decorator]
    @property
    def severity_counts(self) -> dict[str, int]:
        """Findings per severity, always with the keys HIGH, MEDIUM and LOW."""
        counts = dict.fromkeys(_SEVERITY_ORDER, 0)
        for f in self.findings:
            counts[f.severity] += 1
        return counts

    @computed_field  # type: ignore[prop-decorator]
    @property
    def high_severity_count(self) -> int:
        return self.severity_counts["HIGH"]

    def markdown(self) -> str:
        """Counts by severity, then a table of findings (most severe first), errors and skips."""
        counts = self.severity_counts
        if not self.scanned:
            head = "**Nothing scanned**: the project has no Python files."
        elif not self.findings:
            head = f"**No findings** in {len(self.scanned)} Python file(s)."
        else:
            head = (
                f"**{len(self.findings)} finding(s)** in {len(self.scanned)} Python file(s): "
                f"{counts['HIGH']} high, {counts['MEDIUM']} medium, {counts['LOW']} low."
            )
        lines = [head]
        if self.findings:
            ordered = sorted(
                self.findings, key=lambda f: (_SEVERITY_ORDER[f.severity], f.path, f.line)
            )
            rows = [
                [
                    f.severity,
                    f.confidence,
                    f.rule_id,
                    f"`{markdown_cell(f.path)}`",
                    str(f.line),
                    f"CWE-{f.cwe}" if f.cwe else "",
                    markdown_cell(f.message),
                ]
                for f in ordered
            ]
            header = ["severity", "confidence", "rule", "path", "line", "CWE", "message"]
            lines += ["", markdown_table(header, rows)]
        if self.errors:
            lines += ["", "Files bandit could not analyse:"]
            lines += [f"- `{e.path}`: {markdown_cell(e.reason)}" for e in self.errors]
        if self.suppressed:
            lines += ["", f"{len(self.suppressed)} `assert` finding(s) in test files suppressed."]
        if self.not_scanned:
            shown = ", ".join(f"`{p}`" for p in self.not_scanned[:20])
            more = len(self.not_scanned) - 20
            lines += [
                "",
                "Not scanned (not Python): " + shown + (f" and {more} more" if more > 0 else ""),
            ]
        return "\n".join(lines)
