"""What each dynamic-test failure means: severity, CWE, and its finding and SARIF result.

schemathesis's failure codes keep their ids (``ST101`` server error, ``ST108`` response
violates schema, ``ST401`` authentication not enforced, ...); our probes and the service
itself use ``QLD``. Severity follows what a failure lets an attacker do: reading files,
reaching a shell or the database, or skipping authentication is HIGH; crashing on input
(a denial of service and an information leak) is MEDIUM; answers that disagree with the
service's own schema are LOW.
"""

import re
from dataclasses import dataclass
from typing import Any

from quantumlayer_dagster.artifacts.dast import DastFailure, DastReport, Level
from quantumlayer_dagster.artifacts.security import Finding


@dataclass(frozen=True)
class DastRule:
    name: str
    severity: Level
    cwe: int | None
    help: str


RULES: dict[str, DastRule] = {
    "ST101": DastRule("server-error", "MEDIUM", 755, "The service answered 5xx: it crashed."),
    "ST102": DastRule("server-error-content-type", "MEDIUM", 755, "5xx on an undeclared type."),
    "ST103": DastRule("undocumented-status", "LOW", None, "A status code the schema omits."),
    "ST104": DastRule("missing-content-type", "LOW", None, "No Content-Type header."),
    "ST105": DastRule("undocumented-content-type", "LOW", None, "A type the schema omits."),
    "ST106": DastRule("malformed-media-type", "LOW", None, "A malformed Content-Type."),
    "ST107": DastRule("missing-response-headers", "LOW", None, "Declared headers missing."),
    "ST108": DastRule("response-schema-violation", "LOW", None, "The body breaks its schema."),
    "ST109": DastRule("json-deserialization", "LOW", None, "A JSON body that does not parse."),
    "ST110": DastRule("content-deserialization", "LOW", None, "A body that does not parse."),
    "ST201": DastRule("invalid-request-accepted", "LOW", 20, "An invalid request accepted."),
    "ST202": DastRule("valid-request-rejected", "LOW", None, "A valid request rejected."),
    "ST203": DastRule("missing-header-accepted", "LOW", 20, "A required header not checked."),
    "ST204": DastRule("undeclared-method", "LOW", None, "Wrong answer to another method."),
    "ST401": DastRule("ignored-auth", "HIGH", 287, "Declared authentication not enforced."),
    "ST402": DastRule("object-level-authz", "HIGH", 639, "Another user's object reachable."),
    "QLD001": DastRule("path-traversal", "HIGH", 22, "A parameter reads files outside."),
    "QLD002": DastRule("command-injection", "HIGH", 78, "A parameter reaches a shell."),
    "QLD003": DastRule("sql-injection", "HIGH", 89, "A quote in a parameter breaks SQL."),
    "QLD004": DastRule("template-injection", "HIGH", 1336, "A parameter is evaluated."),
    "QLD005": DastRule("server-error-on-hostile-input", "MEDIUM", 755, "5xx on a probe."),
    "QLD100": DastRule("service-did-not-start", "MEDIUM", None, "The service never served."),
}
_UNKNOWN = DastRule("schemathesis-check", "LOW", None, "A schemathesis check failed.")
SARIF_TOOL = "QuantumLayer DAST (schemathesis)"


def rule(rule_id: str) -> DastRule:
    return RULES.get(rule_id, _UNKNOWN)


_PYTHON_FRAME = re.compile(r'File "([^"]+)", line (\d+)')
_NODE_FRAME = re.compile(r"\(?(?:file://)?([^\s():]+):(\d+):\d+\)?")


def failure_location(failure: DastFailure, report: DastReport, paths: set[str]) -> tuple[str, int]:
    """Where to point a finding: the deepest frame of the service's traceback in one of the
    project's ``paths`` (``File "app/main.py", line 12``), else the app's definition."""
    frame = traceback_frame(failure.traceback, paths)
    if frame is not None:
        return frame
    target = report.target
    return (target.path, target.line) if target else ("", 1)


def traceback_frame(traceback: str, paths: set[str]) -> tuple[str, int] | None:
    """The innermost frame of ``traceback`` in one of the project's ``paths``, or None."""
    python = [(p, int(n)) for p, n in _PYTHON_FRAME.findall(traceback) if p in paths]
    if python:
        return python[-1]  # Python prints the innermost frame last
    node = [(p, int(n)) for p, n in _NODE_FRAME.findall(traceback) if p in paths]
    return node[0] if node else None  # Node prints it first


def dast_findings(report: DastReport, paths: set[str]) -> list[Finding]:
    """One finding per failure of ``report``, in order, located in the project's ``paths``."""
    return [finding(f, *failure_location(f, report, paths)) for f in report.failures]


def finding(failure: DastFailure, path: str, line: int) -> Finding:
    """``failure`` as a finding of the security report, its reproduction attached."""
    meta = rule(failure.rule_id)
    status = f" -> {failure.status}" if failure.status else ""
    message = f"{failure.operation}: {failure.title}{status}"
    if failure.message:
        message += f" ({failure.message.splitlines()[0][:160]})"
    return Finding(
        tool="schemathesis" if failure.rule_id.startswith("ST") else "dast",
        rule_id=failure.rule_id,
        test_name=meta.name,
        severity=meta.severity,
        confidence="HIGH",
        cwe=meta.cwe,
        path=path,
        line=line,
        message=message,
        snippet=failure.request.curl[:120] if failure.request else "",
        reproduction=failure.request.curl if failure.request else "",
    )


def sarif_run(report: DastReport, findings: list[Finding]) -> dict[str, Any]:
    """One SARIF run for the dynamic test: each result with its ``webRequest`` and
    ``webResponse`` and the reproduction in its message."""
    results = []
    for failure, found in zip(report.failures, findings, strict=True):
        result = found.sarif_result()
        text = found.message
        if found.reproduction:
            text += f"\n\nReproduce with:\n\n    {found.reproduction}"
        if failure.traceback:
            text += f"\n\nServer log:\n\n{failure.traceback}"
        result["message"] = {"text": text}
        if failure.request is not None:
            request: dict[str, Any] = {
                "protocol": "HTTP",
                "version": "1.1",
                "method": failure.request.method,
                "target": failure.request.path,
                "headers": failure.request.headers,
            }
            if failure.request.body is not None:
                request["body"] = {"text": failure.request.body}
            result["webRequest"] = request
        if failure.status is not None:
            result["webResponse"] = {
                "statusCode": failure.status,
                "body": {"text": failure.response_excerpt},
            }
        result["properties"].update(
            {"operation": failure.operation, "reproduced": failure.reproduced}
        )
        results.append(result)
    used = sorted({f.rule_id for f in report.failures})
    rules = [
        {
            "id": rule_id,
            "name": rule(rule_id).name,
            "shortDescription": {"text": rule(rule_id).help},
            "properties": {"tags": [f"external/cwe/cwe-{rule(rule_id).cwe}"]}
            if rule(rule_id).cwe
            else {},
        }
        for rule_id in used
    ]
    run: dict[str, Any] = {
        "tool": {"driver": {"name": SARIF_TOOL, "version": report.tool_version, "rules": rules}},
        "results": results,
        "properties": {"summary": report.summary(), "schema_source": report.schema_source},
    }
    if report.not_run:
        run["invocations"] = [
            {
                "executionSuccessful": False,
                "toolExecutionNotifications": [{"message": {"text": report.not_run}}],
            }
        ]
    return run
