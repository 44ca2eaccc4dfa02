"""Log lines carry the request, run, stage and trace ids of the step being executed: one
JSON object per line with QL_LOG_FORMAT=json, plain text with the ids at the end otherwise;
Dagster's own lines become JSON too."""

import json
import logging

import dagster as dg
import pytest

from assets.loggers import json_console
from quantumlayer_dagster.observability.log_format import configure_logging
from quantumlayer_dagster.observability.step_record import StepRecord, step_recording
from quantumlayer_dagster.settings import Settings

STEP = StepRecord(
    run_id="daf4e571-ad05-479e-b784-bae0f0abf149",
    request_id="r20260101120000-0a1b2c3d",
    stage="code_tree",
    trace_id="daf4e571ad05479eb784bae0f0abf149",
)


@pytest.fixture
def logger() -> logging.Logger:
    log = logging.getLogger("quantumlayer_dagster.test_log_format")
    yield log
    configure_logging("text")


def test_a_json_line_has_the_step_ids_as_fields(logger, capsys) -> None:
    configure_logging("json")
    with step_recording(STEP):
        logger.warning("no price known for %s", "openai/x")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert line["message"] == "no price known for openai/x"
    assert line["level"] == "WARNING"
    assert line["logger"] == "quantumlayer_dagster.test_log_format"
    assert (line["request_id"], line["run_id"]) == (STEP.request_id, STEP.run_id)
    assert (line["stage"], line["trace_id"]) == (STEP.stage, STEP.trace_id)
    assert line["time"].endswith("+00:00")


def test_a_json_line_outside_a_step_has_empty_ids(logger, capsys) -> None:
    configure_logging("json")
    logger.error("store unreachable")
    line = json.loads(capsys.readouterr().err.strip().splitlines()[-1])
    assert (line["run_id"], line["stage"], line["trace_id"]) == ("", "", "")


def test_a_text_line_ends_with_the_ids_a_person_can_grep(logger, capsys) -> None:
    configure_logging("text")
    with step_recording(STEP):
        logger.warning("slow reply")
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.endswith(
        f"slow reply [request={STEP.request_id} run={STEP.run_id} stage=code_tree "
        f"trace={STEP.trace_id}]"
    )
    assert not line.startswith("{")


def test_configuring_twice_keeps_one_handler(logger) -> None:
    configure_logging("json")
    configure_logging("json")
    names = [h.get_name() for h in logging.getLogger("quantumlayer_dagster").handlers]
    assert names.count("quantumlayer") == 1


def test_the_log_format_setting_is_text_unless_json(monkeypatch) -> None:
    assert Settings().log_format == "text"
    monkeypatch.setenv("QL_LOG_FORMAT", "json")
    assert Settings().log_format == "json"


def test_dagsters_own_lines_are_json_with_the_run_and_step(capfd) -> None:
    @dg.op
    def say(context: dg.OpExecutionContext) -> None:
        context.log.info("hello from the step")

    @dg.job(logger_defs={"console": json_console})
    def hello() -> None:
        say()

    result = hello.execute_in_process(
        run_config={"loggers": {"console": {"config": {"log_level": "INFO"}}}}
    )
    lines = [json.loads(x) for x in capfd.readouterr().err.splitlines() if x.startswith("{")]
    [line] = [x for x in lines if x["message"] == "hello from the step"]
    assert (line["run_id"], line["stage"], line["logger"]) == (result.run_id, "say", "dagster")
    assert line["level"] == "INFO" and "trace_id" in line
