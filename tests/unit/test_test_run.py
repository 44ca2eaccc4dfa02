"""Running generated tests: counts, failure messages, and nothing dressed up as success."""

import pytest

from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits, SandboxResult
from quantumlayer_dagster.testing.test_run import build_test_run, run_pytest
from tests.fixtures.calc_project import CALC, FAILING, PASSING

SANDBOX = Sandbox(SandboxLimits(wall_timeout_s=60))
BROKEN = SourceFile(path="tests/test_broken.py", content="def test_x(:\n    pass\n")


def project(*tests: SourceFile) -> ProjectTree:
    return ProjectTree(package="calc", sources=[CALC], tests=list(tests))


@pytest.mark.sandbox
def test_passing_and_failing_tests_are_counted() -> None:
    run = run_pytest(project(PASSING, FAILING), SANDBOX)
    assert (run.passed, run.failed, run.errors, run.skipped) == (1, 1, 0, 0)
    assert run.exit_code == 1
    assert not run.ok


@pytest.mark.sandbox
def test_failure_message_names_the_failed_assertion() -> None:
    run = run_pytest(project(PASSING, FAILING), SANDBOX)
    [failure] = run.failures
    assert failure.name == "test_wrong_sum"
    assert "assert 4 == 5" in failure.message
    assert "test_wrong_sum" in run.markdown()


@pytest.mark.sandbox
def test_all_passing_project_is_ok() -> None:
    run = run_pytest(project(PASSING), SANDBOX)
    assert run.ok, run.summary
    assert run.passed == 1
    assert run.isolation.startswith(SANDBOX.isolation.removesuffix(")"))
    assert run.isolation_mode == SANDBOX.mode


@pytest.mark.sandbox
def test_syntax_broken_test_file_is_an_error_not_a_pass() -> None:
    run = run_pytest(project(BROKEN), SANDBOX)
    assert run.errors == 1
    assert run.passed == 0
    assert not run.ok
    assert "SyntaxError" in run.failures[0].message


@pytest.mark.sandbox
def test_project_without_tests_is_reported_as_no_tests() -> None:
    run = run_pytest(project(), SANDBOX)
    assert run.exit_code == 5
    assert (run.passed, run.errors) == (0, 0)
    assert run.summary == "no tests collected (pytest exit code 5)"
    assert not run.ok


@pytest.mark.sandbox
def test_hanging_test_is_reported_as_timed_out() -> None:
    hang = SourceFile(
        path="tests/test_hang.py", content="def test_hang():\n    while True:\n        pass\n"
    )
    run = run_pytest(project(hang), Sandbox(SandboxLimits(wall_timeout_s=2)))
    assert run.timed_out
    assert not run.ok
    assert "wall timeout" in run.summary


@pytest.mark.parametrize(
    "xml",
    [
        '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "aaaa">]><testsuites>&a;</testsuites>',
        "<testsuites><testsuite>",
    ],
    ids=["entity-declaration", "truncated"],
)
def test_malformed_junit_is_a_recorded_error(xml: str) -> None:
    result = SandboxResult(
        exit_code=0, timed_out=False, stdout="", stderr="", output_truncated=False,
        duration_s=0.1, isolation="test",
    )  # fmt: skip
    run = build_test_run(result, xml, None)
    assert run.junit_error
    assert not run.ok


@pytest.mark.sandbox
def test_line_coverage_of_sources_is_measured_and_tests_are_excluded() -> None:
    run = run_pytest(project(PASSING), SANDBOX)
    [calc] = run.coverage.files
    assert calc.path == "calc/__init__.py"
    assert (calc.statements, calc.covered) == (2, 2)
    assert run.coverage.percent == 100.0
    assert "Line coverage: 100.0%" in run.markdown()


@pytest.mark.sandbox
def test_uncalled_function_lowers_coverage() -> None:
    extra = CALC.model_copy(
        update={"content": CALC.content + "\n\ndef sub(a, b):\n    return a - b\n"}
    )
    tree = ProjectTree(package="calc", sources=[extra], tests=[PASSING])
    run = run_pytest(tree, SANDBOX)
    assert (run.coverage.statements, run.coverage.covered) == (4, 3)
    assert run.coverage.percent == 75.0


ALL_PASS_XML = (
    '<testsuites><testsuite><testcase classname="t" name="test_a" time="0.1"/>'
    "</testsuite></testsuites>"
)


def sandbox_result(exit_code: int, stdout: str = "") -> SandboxResult:
    return SandboxResult(
        exit_code=exit_code, timed_out=False, stdout=stdout, stderr="", output_truncated=False,
        duration_s=0.1, isolation="test",
    )  # fmt: skip


def test_report_of_passes_with_a_failure_exit_code_is_not_ok() -> None:
    run = build_test_run(sandbox_result(1), ALL_PASS_XML, None)
    assert run.report_warnings == ["exit code 1 (failures) but the report lists none"]
    assert not run.ok
    assert "report warning" in run.summary


def test_report_disagreeing_with_printed_counts_is_not_ok() -> None:
    run = build_test_run(sandbox_result(0), ALL_PASS_XML, None, printed_counts={"passed": 3})
    assert run.report_warnings == ["the runner printed 3 passed, the report says 1"]
    assert not run.ok
