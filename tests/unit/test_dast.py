"""The dynamic test's parts that need no sandbox: finding the service by reading the tree,
what a failure becomes (finding, SARIF result, gate verdict), and the traceback kept."""

import json

import pytest

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.dast import DastFailure, DastReport, HttpRequest
from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.dast.detect import detect_service
from quantumlayer_dagster.dast.planned_schema import PlannedEndpoint, openapi_from_endpoints
from quantumlayer_dagster.dast.rules import dast_findings, sarif_run
from quantumlayer_dagster.dast.server_log import condense_traceback
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from tests.fixtures.http_services import NODE_SERVER, vulnerable_service


def one(path: str, content: str) -> list[SourceFile]:
    return [SourceFile(path=path, content=content)]


@pytest.mark.parametrize(
    ("content", "framework", "attribute"),
    [
        ("from fastapi import FastAPI\napi = FastAPI(title='x')\n", "fastapi", "api"),
        ("import fastapi\napp: fastapi.FastAPI = fastapi.FastAPI()\n", "fastapi", "app"),
        ("from starlette.applications import Starlette\napp = Starlette()\n", "starlette", "app"),
        (
            "from flask import Flask\n\ndef create_app():\n    app = Flask(__name__)\n"
            "    return app\n\napplication = create_app()\n",
            "flask",
            "application",
        ),
    ],
)
def test_a_python_app_object_is_found_by_reading_the_module(
    content: str, framework: str, attribute: str
) -> None:
    target = detect_service(one("svc/main.py", content))

    assert target is not None
    assert (target.framework, target.module, target.attribute) == (framework, "svc.main", attribute)


def test_a_node_module_exporting_an_http_server_or_express_app_is_found() -> None:
    express = "const express = require('express');\nconst app = express();\nmodule.exports = app;\n"

    http = detect_service(one("src/server.js", NODE_SERVER))
    app = detect_service(one("index.js", express))

    assert http is not None and (http.framework, http.line) == ("node-http", 3)
    assert app is not None and app.framework == "express" and app.module == "index.js"


def test_code_that_is_not_a_service_and_test_files_are_not_services() -> None:
    files = [
        SourceFile(path="calc/ops.py", content="def add(a, b):\n    return a + b\n"),
        SourceFile(
            path="tests/test_app.py", content="from fastapi import FastAPI\napp = FastAPI()\n"
        ),
        SourceFile(path="calc/fake.py", content="FastAPI = dict\napp = FastAPI()\n"),
        SourceFile(
            path="server.js", content="const http = require('http');\nhttp.createServer();\n"
        ),
    ]

    assert detect_service(files) is None


def test_the_module_a_person_would_start_wins() -> None:
    app = "from fastapi import FastAPI\napp = FastAPI()\n"
    files = [*one("svc/routes/extra.py", app), *one("svc/main.py", app)]

    target = detect_service(files)

    assert target is not None and target.path == "svc/main.py"


def test_a_project_without_a_service_is_not_run_in_the_sandbox() -> None:
    from quantumlayer_dagster.dast.run import attack_service

    unusable = Sandbox(SandboxLimits(), bwrap="/nonexistent/bwrap")

    report = attack_service(one("calc/ops.py", "X = 1\n"), unusable)

    assert report.target is None and "FastAPI" in (report.not_http or "")
    assert gates.no_server_errors(SecurityReport(dast=report)).passed


def test_a_service_the_sandbox_cannot_run_fails_its_gate_with_the_reason() -> None:
    from quantumlayer_dagster.dast.run import attack_service

    unusable = Sandbox(SandboxLimits(), bwrap="/nonexistent/bwrap")

    report = attack_service(vulnerable_service(), unusable)

    gate = gates.no_server_errors(SecurityReport(dast=report), blocking=True)
    assert report.target is not None and "sandbox unavailable" in (report.not_run or "")
    assert not gate.passed and gate.stops and "did not run: sandbox unavailable" in gate.detail


def test_without_a_dynamic_test_the_gate_passes_and_says_so() -> None:
    gate = gates.no_server_errors(SecurityReport())

    assert gate.passed and gate.detail == "dynamic test not asked for"


CRASH = DastFailure(
    rule_id="ST101",
    title="Server error",
    operation="GET /ratio",
    status=500,
    request=HttpRequest(
        method="GET",
        path="/ratio?total=0&count=0",
        curl="curl -X GET 'http://127.0.0.1:8000/ratio?total=0&count=0'",
    ),
    traceback='Traceback (most recent call last):\n  File "app/main.py", line 16, in ratio\n'
    "    return {'ratio': total / count}\nZeroDivisionError: division by zero",
    reproduced=True,
)


def test_a_server_error_is_a_medium_finding_at_the_crashing_line_with_its_request() -> None:
    target = detect_service(vulnerable_service())
    report = DastReport(target=target, started=True, failures=[CRASH])

    [finding] = dast_findings(report, {"app/main.py"})
    [result] = sarif_run(report, [finding])["results"]

    assert (finding.path, finding.line, finding.severity, finding.cwe) == (
        "app/main.py",
        16,
        "MEDIUM",
        755,
    )
    assert finding.reproduction == CRASH.request.curl  # type: ignore[union-attr]
    assert result["webRequest"]["target"] == "/ratio?total=0&count=0"
    assert result["webResponse"]["statusCode"] == 500
    assert "ZeroDivisionError" in result["message"]["text"]


def test_a_long_traceback_keeps_the_project_frames_and_the_exception() -> None:
    framework = "".join(
        f'  File "/venv/site-packages/starlette/m{i}.py", line {i}, in call\n    await app()\n'
        for i in range(30)
    )
    text = (
        "ERROR:    Exception in ASGI application\nTraceback (most recent call last):\n"
        + framework
        + '  File "app/main.py", line 16, in ratio\n    return total / count\n'
        + "           ~~~~~~^~~~~~~\n"
        + "ZeroDivisionError: division by zero\n"
    )

    kept = condense_traceback(text, {"app/main.py"})

    assert "[... 30 framework frame(s) ...]" in kept
    assert 'File "app/main.py", line 16, in ratio\n    return total / count' in kept
    assert "~~~" not in kept and kept.endswith("ZeroDivisionError: division by zero")


def test_planned_endpoints_become_an_openapi_document_schemathesis_can_check() -> None:
    endpoints = [
        PlannedEndpoint(method="GET", path="/items/{item_id}", path_types={"item_id": "integer"}),
        PlannedEndpoint(method="POST", path="/items", body={"name": "string"}, statuses=[201]),
    ]

    doc = openapi_from_endpoints(endpoints)

    get = doc["paths"]["/items/{item_id}"]["get"]
    post = doc["paths"]["/items"]["post"]
    assert get["parameters"] == [
        {"name": "item_id", "in": "path", "required": True, "schema": {"type": "integer"}}
    ]
    assert set(get["responses"]) == {"200", "422"} and set(post["responses"]) == {"201", "422"}
    body = post["requestBody"]["content"]["application/json"]["schema"]
    assert body["required"] == ["name"]


def test_a_planned_service_with_no_app_in_the_tree_fails_its_gate() -> None:
    from quantumlayer_dagster.dast.run import attack_service

    planned = openapi_from_endpoints([PlannedEndpoint(method="GET", path="/")])

    report = attack_service(one("calc/ops.py", "X = 1\n"), Sandbox(), planned_schema=planned)

    gate = gates.no_server_errors(SecurityReport(dast=report))
    assert report.target is None and "planned as an HTTP service" in (report.not_run or "")
    assert not gate.passed and "planned as an HTTP service" in gate.detail


def test_the_driver_result_fits_the_sandbox_output_cap_and_says_what_it_dropped() -> None:
    from quantumlayer_dagster.dast.driver import fitted

    huge = {"failures": [{"traceback": "x" * 16000, "message": "m" * 50000} for _ in range(400)]}

    line = fitted(huge, limit=100_000)

    kept = json.loads(line)
    assert len(line.encode()) <= 100_000
    assert 0 < len(kept["failures"]) < 400
    assert kept["failures_dropped"] == 400 - len(kept["failures"])
