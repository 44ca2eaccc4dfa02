"""An HTTP-API request through the whole graph on the scripted provider: our code renders the
FastAPI service from the plan's endpoint, the tests pass, the test stage starts the service in
the sandbox and attacks it, the server error goes back to the body it came from with the
request and the traceback, and the capsule's SARIF holds what the security stage found."""

import json
import tarfile

import pytest

from quantumlayer_cli.local_run import run_request
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.definitions import build_definitions
from tests.fixtures import ratio_api

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]


def run(settings, instance, register_script, repair: str):  # type: ignore[no-untyped-def]
    provider = register_script(
        stages=ratio_api.STAGE_REPLIES,
        files={**ratio_api.FILE_REPLIES, "test_suite": {ratio_api.RATIO: repair}},
    )
    outcome = run_request(
        settings,
        ratio_api.PROMPT,
        RequestOptions(),
        definitions=build_definitions(settings),
        instance=instance,
    )
    return outcome, provider


def capsule_json(outcome, name: str):  # type: ignore[no-untyped-def]
    with tarfile.open(outcome.capsule_path) as tar:
        return json.load(tar.extractfile(name))


def test_a_server_error_goes_back_to_its_body_and_stays_in_the_capsule_when_unfixed(
    settings, instance, register_script
):
    outcome, provider = run(settings, instance, register_script, ratio_api.CRASHING_BODY)

    [repair, *_] = provider.requests_for("test_suite")
    assert repair.file == ratio_api.RATIO
    sent = repair.messages[-1]["content"]
    assert "GET /ratio?" in sent and "answered 500" in sent and "ZeroDivisionError" in sent
    gates = {g.name: g.passed for g in outcome.gates}
    assert gates["tests_pass"] and gates["code_parses"] and not gates["no_server_errors"]
    sarif = capsule_json(outcome, "reports/security.sarif.json")
    dast = [r for r in sarif["runs"] if "DAST" in r["tool"]["driver"]["name"]]
    assert dast and any(f["ruleId"] == "ST101" for f in dast[0]["results"])


def test_a_repaired_body_serves_without_server_errors(settings, instance, register_script):
    outcome, provider = run(settings, instance, register_script, ratio_api.GUARDED_BODY)

    assert [r.file for r in provider.requests_for("test_suite")] == [ratio_api.RATIO]
    gates = {g.name: g.passed for g in outcome.gates}
    assert gates["tests_pass"] and gates["no_server_errors"], outcome.gates
    with tarfile.open(outcome.capsule_path) as tar:
        app = tar.extractfile("project/ratioapi/app.py").read().decode()
    assert '@app.get("/ratio")' in app and "if count == 0:" in app
