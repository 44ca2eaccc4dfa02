"""Start a generated HTTP service in the sandbox and attack it (``attack_service``).

The service and schemathesis run in ONE sandboxed command (``driver``), so they share the
sandbox's private loopback and nothing else: same isolation, limits and wall timeout as the
generated tests, no network beyond that loopback, and everything the service started is
killed with the sandbox when the driver ends or a limit is hit. The service never runs on
the host, and the tree is only read here (``detect``).
"""

import importlib.util
import json
import sys
from pathlib import Path
from typing import Any

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.dast import (
    DastFailure,
    DastReport,
    HttpRequest,
    ServiceTarget,
)
from quantumlayer_dagster.dast import driver, launch_python
from quantumlayer_dagster.dast.detect import LOOKED_FOR, detect_service
from quantumlayer_dagster.dast.options import DastOptions
from quantumlayer_dagster.dast.server_log import condense_traceback
from quantumlayer_dagster.sandbox import CodeSandbox, SandboxResult
from quantumlayer_dagster.testing.node_test_run import find_node, node_prefix, node_problem
from quantumlayer_dagster.testing.tree_writer import write_source_files

_LAUNCH_NODE = Path(__file__).with_name("launch_node.js")
_MARGIN_S = 10.0
"""Seconds kept between the driver's own deadline and the sandbox's wall timeout, so the
driver reports before the sandbox kills it."""
_PYTHON_NEEDS = {
    "fastapi": ("schemathesis", "uvicorn", "fastapi"),
    "starlette": ("schemathesis", "uvicorn", "starlette"),
    "flask": ("schemathesis", "werkzeug", "flask"),
}


def attack_service(
    files: list[SourceFile],
    sandbox: CodeSandbox,
    *,
    options: DastOptions | None = None,
    planned_schema: dict[str, Any] | None = None,
    python: str = sys.executable,
) -> DastReport:
    """Find the HTTP service of ``files``; start it in ``sandbox`` and run schemathesis and
    our probes against it. ``planned_schema`` (an OpenAPI document from the plan) replaces
    the one the app serves or its routes give. Never raises for what the service does."""
    options = options or DastOptions()
    target = detect_service(files)
    if target is None and planned_schema is not None:
        why = f"planned as an HTTP service, but the tree has no {LOOKED_FOR}"
        return DastReport(not_run=why, isolation=sandbox.isolation)
    if target is None:
        return DastReport(not_http=f"looked for {LOOKED_FOR}")
    problem = _cannot_run(target, sandbox)
    if problem is not None:
        return DastReport(target=target, not_run=problem, isolation=sandbox.isolation)
    deadline_s = sandbox.limits.wall_timeout_s - _MARGIN_S
    if deadline_s < options.startup_s + 5:
        why = (
            f"the sandbox's wall timeout ({sandbox.limits.wall_timeout_s:g}s) leaves no time "
            "to start and test the service: raise QL_TEST_TIMEOUT_S"
        )
        return DastReport(target=target, not_run=why, isolation=sandbox.isolation)
    with sandbox.workspace() as work:
        root = work / "project"
        private = work / ".ql-dast"
        write_source_files(files, root)
        private.mkdir()
        node = find_node()
        config = {
            "root": str(root),
            "private_dir": str(private),
            "service_argv": _service_argv(target, str(root), python, node),
            "startup_s": options.startup_s,
            "time_s": min(options.time_s, deadline_s - options.startup_s),
            "deadline_s": deadline_s,
            "max_examples": options.max_examples,
            "checks": ",".join(options.checks),
            "seed": options.seed,
            "planned_schema": planned_schema,
        }
        argv = [python, "-I", "-c", Path(driver.__file__).read_text(encoding="utf-8")]
        readonly = node_prefix(node) if target.language == "javascript" and node else ()
        result = sandbox.run([*argv, json.dumps(config)], work, readonly=readonly)
    return _report(target, result, str(root), {f.path for f in files})


def _cannot_run(target: ServiceTarget, sandbox: CodeSandbox) -> str | None:
    if sandbox.unavailable:
        return sandbox.unavailable
    if importlib.util.find_spec("schemathesis") is None:
        return "schemathesis is not installed: pip install schemathesis"
    if target.language == "javascript":
        return node_problem(find_node())
    missing = [m for m in _PYTHON_NEEDS[target.framework] if importlib.util.find_spec(m) is None]
    if missing:
        return (
            f"{', '.join(missing)} not installed for the sandbox: pip install {' '.join(missing)}"
        )
    return None


def _service_argv(target: ServiceTarget, root: str, python: str, node: str | None) -> list[str]:
    """The service's command line; ``{port}`` and ``{schema}`` are filled in by the driver."""
    if target.language == "javascript":
        source = _LAUNCH_NODE.read_text(encoding="utf-8")
        return [node or "node", "-e", source, root, target.path, "{port}", "{schema}"]
    source = Path(launch_python.__file__).read_text(encoding="utf-8")
    head = [python, "-I", "-c", source, root, target.module, target.attribute]
    return [*head, target.framework, "{port}", "{schema}"]


def _report(target: ServiceTarget, result: SandboxResult, root: str, paths: set[str]) -> DastReport:
    outcome = _outcome(result.stdout)
    common: dict[str, Any] = {
        "target": target,
        "isolation": result.isolation,
        "duration_s": result.duration_s,
        "tool_version": _schemathesis_version(),
    }
    if outcome is None:
        why = result.killed_reason or f"the driver exited with code {result.exit_code}"
        tail = (result.stderr or result.stdout).strip()[-600:]
        return DastReport(**common, not_run=f"{why}{': ' + tail if tail else ''}")
    # tracebacks name the project's files relative to it, as a person (or the model) knows them
    log_tail = _relative(str(outcome.get("log_tail", "")), root)
    failures = _without_echoes(
        [_failure(raw, root, paths) for raw in outcome.get("failures", []) if isinstance(raw, dict)]
    )
    if not outcome.get("started"):
        failures.append(
            DastFailure(
                rule_id="QLD100",
                title="The service did not start",
                operation="service",
                message=f"{outcome.get('not_started', 'no reason given')}; log tail:\n"
                + log_tail[-1500:],
            )
        )
    return DastReport(
        **common,
        not_run=outcome.get("error"),
        started=bool(outcome.get("started")),
        startup_s=outcome.get("startup_s"),
        schema_source=str(outcome.get("schema_source", "")),
        operations=[str(o) for o in outcome.get("operations", [])],
        cases=int(outcome.get("cases", 0)),
        time_limited=bool(outcome.get("time_limited")),
        failures_dropped=int(outcome.get("failures_dropped", 0)),
        probes=int(outcome.get("probes", 0)),
        failures=failures,
        service_log_tail=log_tail,
    )


def _outcome(stdout: str) -> dict[str, Any] | None:
    """The driver's result: the last marker line it printed."""
    for line in reversed(stdout.splitlines()):
        if line.startswith(driver.RESULT_MARKER):
            try:
                value = json.loads(line[len(driver.RESULT_MARKER) :])
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _relative(text: str, root: str) -> str:
    return text.replace(root.rstrip("/") + "/", "")


def _without_echoes(failures: list[DastFailure]) -> list[DastFailure]:
    """Drop "undocumented status code" (ST103) for a 5xx that is already a server error
    (ST101) on the same request: the same crash, said twice."""
    crashed = {f.request.curl for f in failures if f.rule_id == "ST101" and f.request}
    return [
        f
        for f in failures
        if not (
            f.rule_id == "ST103" and f.is_server_error and f.request and f.request.curl in crashed
        )
    ]


def _failure(raw: dict[str, Any], root: str, paths: set[str]) -> DastFailure:
    request = raw.get("request")
    return DastFailure(
        rule_id=str(raw.get("rule_id", "")),
        title=str(raw.get("title", "")),
        operation=str(raw.get("operation", "")),
        message=str(raw.get("message", "")),
        request=HttpRequest.model_validate(request) if isinstance(request, dict) else None,
        status=raw.get("status"),
        response_excerpt=str(raw.get("response_excerpt", "")),
        traceback=condense_traceback(_relative(str(raw.get("traceback", "")), root), paths),
        reproduced=raw.get("reproduced"),
    )


def _schemathesis_version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("schemathesis")
    except PackageNotFoundError:
        return ""
