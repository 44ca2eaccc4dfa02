"""Stage 10: security scan of the generated code: bandit (Python), ESLint with
eslint-plugin-security (JavaScript/TypeScript, ``analysis.eslint_security``), hard-coded
secrets (every file), and known vulnerabilities of the pinned dependencies (pip-audit; npm
packages are not covered by the offline advisory snapshot and are reported so).

Bandit runs in a subprocess on a fresh copy of the Python files, so a file that crashes
or hangs the analyser cannot take the pipeline with it; it runs isolated from that copy
(``sandbox.tool_process``: ``python -I``, an empty working folder, a scrubbed environment),
so a generated ``bandit/`` or ``yaml.py`` is read, never imported. One invocation writes
SARIF, which carries everything the report needs (rule, severity, confidence, CWE,
location, snippet and per-file errors); a second JSON run would double the cost.
"""

import json
import re
import subprocess
import tempfile
import time
from collections.abc import Collection
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from quantumlayer_dagster.analysis.eslint_security import eslint_security
from quantumlayer_dagster.analysis.secret_scan import redact, scan_secrets, secrets_sarif_run
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.security import (
    DependencyAudit,
    Finding,
    Level,
    ScanError,
    SecurityReport,
)
from quantumlayer_dagster.dast.options import DastOptions
from quantumlayer_dagster.dast.rules import dast_findings
from quantumlayer_dagster.dast.rules import sarif_run as dast_sarif_run
from quantumlayer_dagster.dast.run import attack_service
from quantumlayer_dagster.sandbox.tool_process import run_python_tool
from quantumlayer_dagster.testing.tree_writer import write_source_files

if TYPE_CHECKING:  # pip-audit loads where the audit runs, not at import
    from pip_audit._service.interface import VulnerabilityService

    from quantumlayer_dagster.sandbox import CodeSandbox

BANDIT_TIMEOUT_S = 120.0
"""Wall-clock limit for one bandit run over a whole project."""

_CWE_TAG = re.compile(r"external/cwe/cwe-(\d+)$")
NPM_NOT_COVERED = (
    "npm audit not run: the offline advisory snapshot (QL_ADVISORY_DB) holds PyPI advisories "
    "only, so no npm package can be checked for known vulnerabilities"
)


def scan_security(
    files: list[SourceFile],
    requirements: list[str] | None = None,
    advisories: "VulnerabilityService | None" = None,
    timeout_s: float = BANDIT_TIMEOUT_S,
    *,
    npm_packages: list[str] | None = None,
    node_tools: str | None = None,
    sandbox: "CodeSandbox | None" = None,
    dast: DastOptions | None = None,
    planned_schema: dict[str, Any] | None = None,
) -> SecurityReport:
    """Scan ``files``: bandit on the Python ones, ESLint's security rules on the JS/TS ones
    (from ``node_tools``, ``QL_NODE_TOOLS``), the secrets detector on all of them, and
    pip-audit on ``requirements`` (requirements.txt lines) against ``advisories``; for a
    Node project ``npm_packages`` (``name@version``) replaces ``requirements``.

    ``# nosec`` and ``eslint-disable`` comments are ignored: the code is untrusted and must
    not silence its own findings. ``assert`` findings (B101) in test files are moved to
    ``suppressed``. The SARIF log holds one run per tool (bandit, ESLint when there are
    JS/TS files, then the secrets detector). Raises RuntimeError when bandit fails
    (timeout, crash, unreadable output); exit code 1 only means that findings exist. An
    ESLint that cannot run is recorded in ``not_run`` (the findings gate then fails).

    With a ``sandbox``, an HTTP service in ``files`` is also started there and attacked
    (``dast.run.attack_service``, bounded by ``dast``; ``planned_schema`` is the plan's
    OpenAPI document, when it has one): its failures join ``findings`` and the SARIF log,
    and ``dast`` holds the whole dynamic test.
    """
    started = time.monotonic()
    secrets, secret_values = scan_secrets(files)
    audit = (
        _npm_audit(npm_packages) if npm_packages is not None else _audit(requirements, advisories)
    )
    # bandit quotes string literals (B105 messages, snippets): no secret leaves in full
    report = bandit_report(files, timeout_s, secret_values)
    lint = eslint_security(files, timeout_s, secret_values, node_tools)
    if lint.scanned or lint.not_run:
        report.sarif["runs"].append(lint.sarif_run)
    report.sarif["runs"].append(secrets_sarif_run(secrets))
    dynamic, dynamic_findings = None, []
    if sandbox is not None:
        dynamic = attack_service(files, sandbox, options=dast, planned_schema=planned_schema)
        dynamic_findings = dast_findings(dynamic, {f.path for f in files})
        report.sarif["runs"].append(dast_sarif_run(dynamic, dynamic_findings))
    scanned = sorted(report.scanned + lint.scanned)
    return report.model_copy(
        update={
            "scanned": scanned,
            "not_scanned": sorted({f.path for f in files} - set(scanned)),
            "findings": sorted(
                report.findings + lint.findings + secrets + dynamic_findings,
                key=lambda f: (f.path, f.line, f.rule_id),
            ),
            "errors": report.errors + lint.errors,
            "not_run": {"eslint": lint.not_run} if lint.not_run else {},
            "audit": audit,
            "dast": dynamic,
            "duration_s": round(time.monotonic() - started, 3),
        }
    )


def _npm_audit(packages: list[str]) -> DependencyAudit:
    """No npm advisory source is available offline: any npm package makes the audit one
    that did not run (never a clean one); a project with none has nothing to audit."""
    if not packages:
        return DependencyAudit(source="npm: no packages declared")
    shown = ", ".join(packages[:10]) + (
        f" and {len(packages) - 10} more" if len(packages) > 10 else ""
    )
    return DependencyAudit(
        source="npm: no offline advisory data",
        not_covered=f"{NPM_NOT_COVERED} ({len(packages)} not audited: {shown})",
    )


def _audit(
    requirements: list[str] | None, advisories: "VulnerabilityService | None"
) -> DependencyAudit:
    if requirements is None:
        return DependencyAudit()
    if advisories is None:
        return DependencyAudit(error="no advisory source configured: set QL_ADVISORY_DB")
    from quantumlayer_dagster.supply_chain.vulnerability_audit import audit_requirements

    return audit_requirements(requirements, advisories)


def bandit_report(
    files: list[SourceFile],
    timeout_s: float = BANDIT_TIMEOUT_S,
    secrets: Collection[str] = (),
) -> SecurityReport:
    """bandit alone on the Python files: findings, suppressions, errors and its SARIF log,
    with every string in ``secrets`` masked wherever bandit quotes it."""
    python = [f for f in files if f.language == "python"]
    not_scanned = sorted(f.path for f in files if f.language != "python")
    if not python:
        return SecurityReport(not_scanned=not_scanned, sarif=_empty_sarif())
    sarif = redact(_run_bandit(python, timeout_s), secrets)
    run = sarif["runs"][0]
    rules = {r["id"]: r for r in run.get("tool", {}).get("driver", {}).get("rules", [])}
    findings: list[Finding] = []
    suppressed: list[Finding] = []
    for result in run.get("results", []):
        finding = _finding(result, rules)
        if finding.rule_id == "B101" and _is_test_file(finding.path):
            result["suppressions"] = [
                {"kind": "external", "justification": "assert is how tests check results"}
            ]
            suppressed.append(finding)
        else:
            findings.append(finding)
    return SecurityReport(
        tool_version=run.get("tool", {}).get("driver", {}).get("version", ""),
        scanned=sorted(f.path for f in python),
        not_scanned=not_scanned,
        findings=sorted(findings, key=lambda f: (f.path, f.line, f.rule_id)),
        suppressed=suppressed,
        errors=_errors(run),
        sarif=sarif,
    )


def _run_bandit(files: list[SourceFile], timeout_s: float) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="ql-bandit-") as tmp:
        root = Path(tmp) / "project"
        write_source_files(files, root)
        output = Path(tmp) / "bandit.sarif"
        args = ["-r", str(root), "-f", "sarif", "-q", "--ignore-nosec", "-o", str(output)]
        try:
            done = run_python_tool("bandit", args, timeout_s)
        except subprocess.TimeoutExpired as exc:
            raise RuntimeError(f"bandit did not finish within {timeout_s:g}s") from exc
        if done.returncode not in (0, 1):
            detail = (done.stderr or done.stdout).strip()[-800:]
            raise RuntimeError(f"bandit failed with exit code {done.returncode}: {detail}")
        try:
            sarif = json.loads(output.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise RuntimeError(f"bandit wrote no readable SARIF log: {exc}") from exc
    if not isinstance(sarif, dict) or not sarif.get("runs"):
        raise RuntimeError("bandit's SARIF log has no run in it")
    _relativize_uris(sarif, root)
    return sarif


def _relativize_uris(sarif: dict[str, Any], root: Path) -> None:
    """Make the SARIF artifact URIs project-relative (bandit wrote them under ``root``)."""
    prefixes = tuple(f"{base.as_posix()}/" for base in (root, root.resolve()))

    def visit(node: Any) -> None:
        if isinstance(node, dict):
            uri = node.get("uri")
            if isinstance(uri, str):
                bare = uri.removeprefix("file://")
                for prefix in prefixes:
                    if bare.startswith(prefix):
                        node["uri"] = bare[len(prefix) :]
                        break
            for value in node.values():
                visit(value)
        elif isinstance(node, list):
            for item in node:
                visit(item)

    visit(sarif)


def _finding(result: dict[str, Any], rules: dict[str, dict[str, Any]]) -> Finding:
    rule_id = result.get("ruleId", "")
    rule = rules.get(rule_id, {})
    location = result["locations"][0]["physicalLocation"]
    region = location.get("region", {})
    props = result.get("properties", {})
    cwe = None
    for tag in rule.get("properties", {}).get("tags", []):
        if match := _CWE_TAG.match(tag):
            cwe = int(match.group(1))
    snippet = region.get("snippet", {}).get("text", "").strip()
    return Finding(
        rule_id=rule_id,
        test_name=rule.get("name", ""),
        severity=_level(props.get("issue_severity")),
        confidence=_level(props.get("issue_confidence")),
        cwe=cwe,
        path=_relative(location["artifactLocation"]["uri"]),
        line=region.get("startLine", 1),
        column=region.get("startColumn"),
        message=result.get("message", {}).get("text", ""),
        snippet=snippet.splitlines()[0][:120] if snippet else "",
    )


def _level(value: object) -> Level:
    # bandit only leaves a level UNDEFINED in its metrics, never on a result
    return value if value in ("LOW", "MEDIUM", "HIGH") else "LOW"


def _errors(run: dict[str, Any]) -> list[ScanError]:
    errors = []
    for invocation in run.get("invocations", []):
        for note in invocation.get("toolConfigurationNotifications", []):
            locations = note.get("locations") or [{}]
            uri = locations[0].get("physicalLocation", {}).get("artifactLocation", {}).get("uri")
            reason = note.get("message", {}).get("text", "")
            errors.append(ScanError(path=_relative(uri) if uri else "", reason=reason))
    return errors


def _relative(uri: str) -> str:
    return str(PurePosixPath(uri.removeprefix("file://").removeprefix("./")))


def _is_test_file(path: str) -> bool:
    pure = PurePosixPath(path)
    return (
        bool({"tests", "test"} & set(pure.parts[:-1]))
        or pure.name.startswith("test_")
        or pure.name.endswith("_test.py")
        or pure.name == "conftest.py"
    )


def _empty_sarif() -> dict[str, Any]:
    """A valid SARIF log with a bandit run and no results, for projects without Python."""
    return {
        "version": "2.1.0",
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "runs": [{"tool": {"driver": {"name": "Bandit", "rules": []}}, "results": []}],
    }
