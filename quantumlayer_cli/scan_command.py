"""``quantumlayer scan PATH``: stage 10 (bandit, ESLint, secrets, pip-audit) on any code tree;
with ``--dast``, its HTTP service is also started in the sandbox and attacked."""

import argparse
import json
from pathlib import Path
from typing import Any

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_dagster.analysis.tree_input import CodeTreeInputError, SkippedFile, load_tree
from quantumlayer_dagster.artifacts.markdown import markdown_table
from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.dast.options import DastOptions
from quantumlayer_dagster.quality.gates import (
    no_high_severity_findings,
    no_known_vulnerable_pins,
    no_server_errors,
)
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.stages.security_report import scan_security
from quantumlayer_dagster.supply_chain.advisories import (
    AdvisoryDirectoryError,
    advisory_service,
    default_advisory_db,
)

MAX_REQUIREMENTS_BYTES = 1024 * 1024


def scan(args: argparse.Namespace) -> int:
    """Scan ``args.path``; exit 0 when clean, 1 when findings at ``--fail-on`` or worse or
    known-vulnerable pins exist, or (``--dast``) the service had a server error or could not
    be tested (or a tool failed), 2 on a usage error."""
    try:
        tree = load_tree(args.path)
        requirements = _requirements(args.requirements)
    except (CodeTreeInputError, UsageError) as exc:
        print(f"error: {exc}")
        return EXIT_USAGE
    settings = Settings.from_env()
    try:
        service = None
        if requirements is not None:
            directory = default_advisory_db(args.advisory_db or settings.advisory_db or None)
            service = advisory_service(directory, args.online or settings.advisory_online)
    except AdvisoryDirectoryError as exc:
        print(f"error: {exc}")
        return EXIT_USAGE
    sandbox = None
    if args.dast:
        # the same sandbox and limits as `quantumlayer test` (QL_TEST_TIMEOUT_S, isolation)
        limits = SandboxLimits(wall_timeout_s=max(settings.test_timeout_s, args.dast_time + 60))
        sandbox = Sandbox(limits, mode=settings.sandbox_isolation)
    try:
        report = scan_security(
            tree.files,
            requirements=requirements,
            advisories=service,
            node_tools=settings.node_tools or None,
            sandbox=sandbox,
            dast=DastOptions(max_examples=args.dast_max_examples, time_s=args.dast_time),
        )
    except (RuntimeError, ValueError) as exc:
        print(f"error: the scan could not finish: {exc}")
        return EXIT_FAILED
    findings_gate = no_high_severity_findings(report, 0, args.fail_on)
    pins_gate = no_known_vulnerable_pins(report) if requirements is not None else None
    server_gate = no_server_errors(report) if args.dast else None
    passed = all(g is None or g.passed for g in (findings_gate, pins_gate, server_gate))
    if args.sarif:
        try:
            Path(args.sarif).write_text(json.dumps(report.sarif, indent=2), encoding="utf-8")
        except OSError as exc:
            print(f"error: cannot write the SARIF log to {args.sarif}: {exc.strerror or exc}")
            return EXIT_USAGE
    if args.json:
        print(json.dumps(scan_json(report, tree.skipped, passed), indent=2))
    else:
        verdicts = [g.detail for g in (findings_gate, pins_gate, server_gate) if g is not None]
        print(_text(report, tree.skipped, verdicts))
    return EXIT_OK if passed else EXIT_FAILED


class UsageError(Exception):
    """A command-line argument that cannot be used; the message says why."""


def _requirements(path: str | None) -> list[str] | None:
    if path is None:
        return None
    file = Path(path)
    if not file.is_file():
        raise UsageError(f"{path}: no such requirements file")
    if file.stat().st_size > MAX_REQUIREMENTS_BYTES:
        raise UsageError(f"{path}: over {MAX_REQUIREMENTS_BYTES} bytes; not a requirements file")
    try:
        return file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"{path}: cannot be read as UTF-8 text ({exc})") from exc


def scan_json(report: SecurityReport, skipped: list[SkippedFile], passed: bool) -> dict[str, Any]:
    """The ``--json`` object: findings, vulnerabilities, what was skipped and why."""
    finding_keys = (
        "tool", "rule_id", "severity", "confidence", "cwe", "path", "line", "message",
        "reproduction",
    )  # fmt: skip
    return {
        "passed": passed,
        "findings": [f.model_dump(include=set(finding_keys)) for f in report.findings],
        "vulnerabilities": [v.model_dump() for v in report.audit.vulnerabilities],
        "audit": {
            "source": report.audit.source,
            "audited": report.audit.audited,
            "skipped": [s.model_dump() for s in report.audit.skipped],
            "error": report.audit.error,
        },
        "scanned": report.scanned,
        "not_run": report.not_run,
        "skipped": [s.model_dump() for s in skipped],
        "errors": [e.model_dump() for e in report.errors],
        "dast": report.dast.model_dump() if report.dast is not None else None,
    }


def _text(report: SecurityReport, skipped: list[SkippedFile], verdicts: list[str]) -> str:
    lines = [
        f"scanned {len(report.scanned)} file(s) with bandit (Python) and ESLint (JS/TS), "
        "all files for secrets"
    ]
    lines += [f"{tool} did not run: {reason}" for tool, reason in sorted(report.not_run.items())]
    if report.findings:
        rows = [
            [f.severity, f.tool, f.rule_id, f"{f.path}:{f.line}", f.message[:100]]
            for f in report.findings
        ]
        lines += ["", markdown_table(["severity", "tool", "rule", "location", "message"], rows)]
    audit = report.audit
    if audit.error:
        lines += ["", f"dependency audit did not run: {audit.error}"]
    elif audit.vulnerabilities:
        rows = [
            [v.package, v.version, v.id, ", ".join(v.aliases), ", ".join(v.fix_versions) or "none"]
            for v in audit.vulnerabilities
        ]
        header = ["package", "version", "advisory", "aliases", "fixed in"]
        lines += ["", markdown_table(header, rows)]
    lines += [f"skipped {s.path}: {s.reason}" for s in skipped]
    lines += [f"not audited {s.package}: {s.reason}" for s in audit.skipped]
    lines += [f"could not analyse {e.path}: {e.reason}" for e in report.errors]
    if report.dast is not None:
        lines += ["", f"dynamic test: {report.dast.summary()}"]
        for failure in report.dast.failures:
            lines.append(f"- {failure.rule_id} {failure.operation}: {failure.title}")
            if failure.request is not None:
                lines.append(f"    reproduce with: {failure.request.curl}")
            if failure.traceback:
                lines.append("    " + failure.traceback.replace("\n", "\n    "))
    lines += ["", *verdicts]
    return "\n".join(lines)
