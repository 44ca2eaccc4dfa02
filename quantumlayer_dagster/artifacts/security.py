"""Stage 10 artifact: security findings (bandit for Python, ESLint with
eslint-plugin-security for JavaScript/TypeScript, the secrets detector), known-vulnerable
dependency pins (pip-audit) and the SARIF log and pip-audit JSON for the capsule."""

from typing import Any, Literal

from pydantic import Field, computed_field

from quantumlayer_dagster.artifacts.dast import DastReport
from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.model import Model

Level = Literal["LOW", "MEDIUM", "HIGH"]
_SEVERITY_ORDER = {"HIGH": 0, "MEDIUM": 1, "LOW": 2}


class Finding(Model):
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
    reproduction: str = ""
    """For a finding of the running service: the request that shows it (a curl command)."""

    def describe(self) -> str:
        """``path:line [SEVERITY] rule message``."""
        return f"{self.path}:{self.line} [{self.severity}] {self.rule_id} {self.message}"

    def sarif_result(self) -> dict[str, Any]:
        """This finding as a SARIF 2.1.0 ``result`` (HIGH an error, MEDIUM a warning, LOW a
        note), for the runs our own scanners write (ESLint's, the secrets detector's)."""
        level = {"HIGH": "error", "MEDIUM": "warning", "LOW": "note"}[self.severity]
        region = {
            "startLine": self.line,
            "startColumn": self.column or 1,
            "snippet": {"text": self.snippet},
        }
        return {
            "ruleId": self.rule_id,
            "level": level,
            "message": {"text": self.message},
            "locations": [
                {"physicalLocation": {"artifactLocation": {"uri": self.path}, "region": region}}
            ],
            "properties": {"issue_severity": self.severity, "issue_confidence": self.confidence},
        }


class ScanError(Model):
    """A file the tool could not analyse (usually a syntax error), with its reason."""

    path: str
    reason: str


class Vulnerability(Model):
    """A known vulnerability of one pinned dependency, as pip-audit reports it."""

    package: str
    version: str
    id: str
    aliases: list[str] = Field(default_factory=list)
    fix_versions: list[str] = Field(default_factory=list)
    description: str = ""


class AuditSkip(Model):
    """A dependency pip-audit could not check (not pinned, unparsable line), with why."""

    package: str
    reason: str


class DependencyAudit(Model):
    """pip-audit's answer for the project's pinned dependencies.

    ``source`` names the advisory data read (local OSV directory and snapshot, or osv.dev);
    ``error`` is set, and nothing else, when no audit could run. ``pip_audit_json`` is the
    report in pip-audit's own ``--format json`` shape."""

    source: str = ""
    audited: list[str] = Field(default_factory=list)
    vulnerabilities: list[Vulnerability] = Field(default_factory=list)
    skipped: list[AuditSkip] = Field(default_factory=list)
    error: str | None = None
    not_covered: str | None = None
    """Set when no advisory data covers the project's ecosystem (npm offline): the audit
    did not run, which fails its gate as a warning without stopping the run."""
    pip_audit_json: dict[str, Any] = Field(default_factory=dict)

    @property
    def vulnerable_packages(self) -> list[str]:
        """``name==version`` of every pin with at least one known vulnerability."""
        return sorted({f"{v.package}=={v.version}" for v in self.vulnerabilities})

    def markdown(self) -> str:
        """A table of vulnerable pins with their fixes, then what was skipped."""
        if self.error:
            return f"**Dependency audit did not run**: {markdown_cell(self.error, 300)}"
        if not self.audited and not self.skipped:
            return "**No pinned dependencies** to audit."
        head = (
            f"**{len(self.vulnerabilities)} known vulnerabilit(ies)** in "
            f"{len(self.vulnerable_packages)} of {len(self.audited)} pinned dependencies "
            f"({markdown_cell(self.source, 200)})."
        )
        lines = [head]
        if self.vulnerabilities:
            rows = [
                [
                    markdown_cell(v.package),
                    markdown_cell(v.version),
                    markdown_cell(v.id),
                    markdown_cell(", ".join(sorted(v.aliases))),
                    markdown_cell(", ".join(v.fix_versions) or "none"),
                ]
                for v in self.vulnerabilities
            ]
            header = ["package", "version", "advisory", "aliases", "fixed in"]
            lines += ["", markdown_table(header, rows)]
        if self.skipped:
            lines += ["", "Not audited:"]
            lines += [
                f"- `{markdown_cell(s.package)}`: {markdown_cell(s.reason)}" for s in self.skipped
            ]
        return "\n".join(lines)


class SecurityReport(Model):
    """Findings of the security scan (stage 10 output).

    ``suppressed`` holds findings left out by policy (``assert`` in test files, which is
    how tests are written); they stay in the SARIF log marked as suppressed. ``not_run``
    names each linter that should have scanned files but could not run, with the reason:
    its files are unscanned, which the findings gate never counts as clean.
    """

    tool_version: str = ""
    scanned: list[str] = Field(default_factory=list)
    not_scanned: list[str] = Field(default_factory=list)
    findings: list[Finding] = Field(default_factory=list)
    suppressed: list[Finding] = Field(default_factory=list)
    errors: list[ScanError] = Field(default_factory=list)
    not_run: dict[str, str] = Field(default_factory=dict)
    sarif: dict[str, Any] = Field(default_factory=dict)
    audit: DependencyAudit = Field(default_factory=DependencyAudit)
    dast: DastReport | None = None
    """The dynamic test of the running service (None: not asked for); its failures are
    also in ``findings`` (tools ``schemathesis`` and ``dast``) and in the SARIF log."""
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

    @computed_field  # type: ignore[prop-decorator]
    @property
    def vulnerable_pin_count(self) -> int:
        """How many pinned dependencies have at least one known vulnerability."""
        return len(self.audit.vulnerable_packages)

    def count_at_or_above(self, level: Level) -> int:
        """Findings whose severity is ``level`` or worse."""
        return sum(_SEVERITY_ORDER[f.severity] <= _SEVERITY_ORDER[level] for f in self.findings)

    def markdown(self) -> str:
        """Counts by severity, then a table of findings (most severe first), errors and skips."""
        counts = self.severity_counts
        if not self.scanned:
            head = "**Nothing scanned** by a code linter."
        elif not self.findings:
            head = f"**No findings** in {len(self.scanned)} file(s)."
        else:
            head = (
                f"**{len(self.findings)} finding(s)** in {len(self.scanned)} file(s): "
                f"{counts['HIGH']} high, {counts['MEDIUM']} medium, {counts['LOW']} low."
            )
        head = (
            "".join(
                f"**{tool} did not run**: {markdown_cell(reason, 300)}\n\n"
                for tool, reason in sorted(self.not_run.items())
            )
            + head
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
            lines += ["", "Files a linter could not analyse:"]
            lines += [f"- `{e.path}`: {markdown_cell(e.reason)}" for e in self.errors]
        if self.suppressed:
            lines += ["", f"{len(self.suppressed)} `assert` finding(s) in test files suppressed."]
        if self.not_scanned:
            shown = ", ".join(f"`{p}`" for p in self.not_scanned[:20])
            more = len(self.not_scanned) - 20
            lines += [
                "",
                "Not scanned by a code linter (neither Python nor JavaScript/TypeScript): "
                + shown
                + (f" and {more} more" if more > 0 else ""),
            ]
        lines += ["", "Dependencies:", "", self.audit.markdown()]
        if self.dast is not None:
            lines += ["", self.dast.markdown()]
        return "\n".join(lines)
