"""The dynamic test: a generated HTTP service is started in the sandbox and attacked; each
failure comes back with the request that reproduces it, in the findings and the SARIF log;
a hostile service stays contained."""

import json
import os
import secrets
import socket
from pathlib import Path
from typing import Any

import pytest

from quantumlayer_cli import main
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.dast.options import DastOptions
from quantumlayer_dagster.dast.planned_schema import PlannedEndpoint, openapi_from_endpoints
from quantumlayer_dagster.dast.repair import dast_failures, failure_feedback, failure_frame
from quantumlayer_dagster.dast.run import attack_service
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.stages.security_report import scan_security
from quantumlayer_dagster.testing.tree_writer import write_source_files
from tests.fixtures.http_services import (
    FLASK_APP,
    NODE_SERVER,
    STARLETTE_APP,
    fixed_service,
    forks_a_daemon,
    hostile_service,
    never_binds,
    reaches_for,
    vulnerable_service,
)
from tests.fixtures.sandbox_modes import needs_bwrap

pytestmark = [pytest.mark.slow, pytest.mark.sandbox, needs_bwrap]
SANDBOX = Sandbox(SandboxLimits(wall_timeout_s=90))
QUICK = DastOptions(max_examples=10, time_s=30, startup_s=5)


def dast_results(report: SecurityReport) -> list[dict[str, Any]]:
    [run] = [r for r in report.sarif["runs"] if r["tool"]["driver"]["name"].startswith("Quantum")]
    results: list[dict[str, Any]] = run["results"]
    return results


@pytest.fixture(scope="module")
def vulnerable() -> SecurityReport:
    return scan_security(vulnerable_service(), sandbox=SANDBOX, dast=QUICK)


def test_a_crash_on_one_input_is_a_server_error_with_its_request_and_traceback(
    vulnerable: SecurityReport,
) -> None:
    [crash] = [r for r in dast_results(vulnerable) if r["ruleId"] == "ST101"]

    assert crash["properties"]["operation"] == "GET /ratio"
    assert "count=0" in crash["webRequest"]["target"]
    assert crash["webResponse"]["statusCode"] == 500
    text = crash["message"]["text"]
    assert "Reproduce with:\n\n    curl -X GET" in text
    assert 'File "app/main.py", line 16, in ratio' in text and "ZeroDivisionError" in text
    location = crash["locations"][0]["physicalLocation"]
    assert location["artifactLocation"]["uri"] == "app/main.py"
    assert location["region"]["startLine"] == 16


def test_a_response_that_breaks_its_schema_is_found_with_its_reproduction(
    vulnerable: SecurityReport,
) -> None:
    [broken] = [r for r in dast_results(vulnerable) if r["ruleId"] == "ST108"]

    assert broken["properties"]["operation"] == "GET /stats"
    assert "curl -X GET http://127.0.0.1:" in broken["message"]["text"]
    assert broken["message"]["text"].count("/stats") >= 2  # operation and reproduction


def test_a_path_traversal_read_is_a_high_finding_that_blocks_the_findings_gate(
    vulnerable: SecurityReport,
) -> None:
    [traversal] = [f for f in vulnerable.findings if f.rule_id == "QLD001"]

    assert traversal.severity == "HIGH" and traversal.cwe == 22
    assert "etc%2Fpasswd" in traversal.reproduction
    assert traversal.path == "app/main.py"
    assert not gates.no_high_severity_findings(vulnerable).passed


def test_server_errors_fail_their_gate_as_a_warning_unless_made_blocking(
    vulnerable: SecurityReport,
) -> None:
    warning = gates.no_server_errors(vulnerable)
    blocking = gates.no_server_errors(vulnerable, blocking=True)

    assert not warning.passed and not warning.stops
    assert not blocking.passed and blocking.stops
    assert "1 server error(s)" in warning.detail and "GET /ratio" in warning.detail


def test_the_fixed_twin_has_no_dynamic_findings() -> None:
    report = scan_security(fixed_service(), sandbox=SANDBOX, dast=QUICK)

    assert report.dast is not None and report.dast.started
    assert report.dast.cases > 0 and report.dast.probes > 0
    assert report.dast.failures == []
    assert dast_results(report) == []
    assert gates.no_server_errors(report).passed


def test_dast_failures_give_the_repair_loop_each_crash_with_request_and_traceback() -> None:
    [crash] = dast_failures(vulnerable_service(), SANDBOX, options=QUICK)

    assert crash.request is not None and crash.request.method == "GET"
    assert crash.request.path.startswith("/ratio?") and "count=0" in crash.request.path
    assert failure_frame(crash, {"app/main.py"}) == ("app/main.py", 16)
    feedback = failure_feedback(crash)
    assert feedback.startswith("GET /ratio?") and "answered 500" in feedback
    assert "ZeroDivisionError: division by zero" in feedback


def test_a_service_that_never_binds_is_a_finding_with_its_log_tail_not_a_failed_run() -> None:
    report = attack_service(never_binds(), SANDBOX, options=QUICK)

    assert report.not_run is None and not report.started
    [failure] = report.failures
    assert failure.rule_id == "QLD100"
    assert "did not answer" in failure.message and "within 5s" in failure.message
    assert "loading forever" in failure.message
    assert len(report.server_errors) == 1


def _running_with(token: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        except OSError:
            continue
        if token.encode() in cmdline:
            found.append(int(pid))
    return found


def test_a_daemon_the_service_forks_does_not_outlive_the_test() -> None:
    token = f"ql-dast-daemon-{secrets.token_hex(6)}"

    report = attack_service(forks_a_daemon(token), SANDBOX, options=QUICK)

    assert report.started and report.cases > 0
    assert _running_with(token) == []


def test_a_service_reaches_nothing_outside_the_sandbox() -> None:
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        listener.settimeout(0.5)
        port = listener.getsockname()[1]

        report = attack_service(reaches_for(port), SANDBOX, options=QUICK)

        with pytest.raises(TimeoutError):
            listener.accept()
    assert report.started
    assert "reached" not in report.service_log_tail
    assert "blocked ('192.0.2.1', 80)" in report.service_log_tail
    assert f"blocked ('127.0.0.1', {port})" in report.service_log_tail


def test_a_slow_service_is_stopped_at_the_time_limit_and_still_reported() -> None:
    files = hostile_service("")
    main = files.pop()
    slow = main.content.replace("def ping()", "def ping(n: int)").replace(
        'return {"pong"', 'time.sleep(0.5)\n    return {"pong"'
    )
    files.append(main.model_copy(update={"content": slow}))
    options = DastOptions(max_examples=200, time_s=5, startup_s=5)

    report = attack_service(files, SANDBOX, options=options)

    assert report.not_run is None and report.started and report.time_limited
    assert 0 < report.cases < 200
    assert "stopped at the time limit" in report.summary()


@pytest.mark.parametrize(
    ("app", "operation", "line"),
    [(FLASK_APP, "GET /divide/{n}", 8), (STARLETTE_APP, "GET /items/{n}", 7)],
    ids=["flask", "starlette"],
)
def test_flask_and_starlette_apps_are_tested_through_a_schema_built_from_their_routes(
    app: str, operation: str, line: int
) -> None:
    report = attack_service([SourceFile(path="web/main.py", content=app)], SANDBOX, options=QUICK)

    assert report.started and "generated from the app's" in report.schema_source
    [crash] = report.server_errors
    assert crash.operation == operation and crash.request is not None
    assert crash.request.path.endswith("/0")
    assert failure_frame(crash, {"web/main.py"}) == ("web/main.py", line)


def test_a_node_http_server_exported_from_a_module_is_tested() -> None:
    files = [SourceFile(path="src/server.js", content=NODE_SERVER)]

    report = attack_service(files, SANDBOX, options=QUICK)

    assert report.target is not None and report.target.framework == "node-http"
    assert report.started and report.operations == ["GET /"]
    assert [f.rule_id for f in report.server_errors] == ["ST101"]


def test_a_planned_schema_replaces_what_the_server_declares() -> None:
    files = [SourceFile(path="src/server.js", content=NODE_SERVER)]
    planned = openapi_from_endpoints(
        [PlannedEndpoint(method="GET", path="/"), PlannedEndpoint(method="GET", path="/health")]
    )

    report = attack_service(files, SANDBOX, options=QUICK, planned_schema=planned)

    assert report.schema_source == "the plan"
    assert report.operations == ["GET /", "GET /health"]
    failed = {(f.rule_id, f.operation) for f in report.failures}
    assert ("ST101", "GET /") in failed and ("ST103", "GET /health") in failed  # 404: unplanned


def test_scan_dast_tests_a_project_on_disk_and_fails_on_its_server_error(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    write_source_files(vulnerable_service(), tmp_path / "svc")

    code = main(["scan", str(tmp_path / "svc"), "--dast", "--dast-max-examples", "10", "--json"])

    out = json.loads(capsys.readouterr().out)
    assert code == 1
    rules = {f["rule_id"]: f for f in out["findings"]}
    assert {"ST101", "ST108", "QLD001"} <= set(rules)
    assert rules["ST101"]["reproduction"].startswith("curl -X GET 'http://127.0.0.1:")
    assert out["dast"]["started"] is True
