"""The tree under test cannot replace pytest, its plugins or coverage, nor steer pytest
through its own configuration; the counts the gate reads are cross-checked against the
runner's own channel; untrustworthy report values fail the run instead of crashing it."""

import json
import textwrap
from pathlib import Path

import pytest

from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.testing import CoverageReport, TestRun
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits, SandboxResult
from quantumlayer_dagster.testing.test_reports import (
    build_test_run,
    parse_channel,
    parse_coverage,
)
from quantumlayer_dagster.testing.test_run import run_pytest

pytestmark = pytest.mark.sandbox  # pytest runs under bwrap

SANDBOX = Sandbox(SandboxLimits(wall_timeout_s=60))
PLANTED = "QL-PLANTED-MODULE-RAN"
# Named like pytest, its plugins, coverage and the interpreter's start-up hooks.
SHADOWS = [
    "pytest.py", "_pytest/__init__.py", "pluggy/__init__.py", "pytest_cov/__init__.py",
    "pytest_cov/plugin.py", "coverage/__init__.py", "iniconfig/__init__.py",
    "sitecustomize.py", "usercustomize.py", "json.py", "xml/__init__.py", "typing.py",
]  # fmt: skip
# Shadowing modules print, then exit "successfully" (a forged all-green run).
SHADOW_BODY = f"import os\nprint({PLANTED!r}, flush=True)\nos._exit(0)\n"
MODULE = SourceFile(path="app/__init__.py", content="def add(a, b):\n    return a + b\n")
TEST = SourceFile(
    path="tests/test_add.py",
    content="from app import add\n\n\ndef test_add():\n    assert add(1, 2) == 3\n",
)


def project(*extra: SourceFile, tests: tuple[SourceFile, ...] = (TEST,)) -> ProjectTree:
    return ProjectTree(package="app", sources=[MODULE, *extra], tests=list(tests))


def test_modules_named_like_pytest_plugins_or_coverage_are_not_imported() -> None:
    shadows = [SourceFile(path=p, content=SHADOW_BODY) for p in SHADOWS]
    pth = SourceFile(path="zz.pth", content=f"import os; print({PLANTED!r}); os._exit(0)\n")
    run = run_pytest(project(*shadows, pth), SANDBOX)
    assert PLANTED not in run.output_tail
    assert run.ok, run.summary
    assert (run.passed, run.failed) == (1, 0)
    assert run.coverage.percent is not None


def test_the_trees_pytest_config_does_not_steer_the_run() -> None:
    """addopts that would deselect the failing test, disable the JUnit report and prepend
    the tree to sys.path are ignored: the failure is reported."""
    config = SourceFile(
        path="pytest.ini",
        content="[pytest]\naddopts = -p no:junitxml -k 'not failing' --import-mode=prepend\n"
        "pythonpath = .\n",
    )
    rc = SourceFile(path="setup.cfg", content="[coverage:run]\nomit = *\n")
    failing = SourceFile(path="tests/test_failing.py", content="def test_failing():\n    0/0\n")
    run = run_pytest(project(config, rc, tests=(TEST, failing)), SANDBOX)
    assert (run.passed, run.failed) == (1, 1)
    assert run.junit_error is None
    assert [f.path for f in run.coverage.files] == ["app/__init__.py"]
    assert not run.ok


def test_plugin_declared_by_a_dist_info_in_the_tree_is_not_loaded() -> None:
    dist = "evil-1.0.dist-info"
    files = [
        SourceFile(path=f"{dist}/METADATA", content="Metadata-Version: 2.1\nName: evil\n"),
        SourceFile(path=f"{dist}/entry_points.txt", content="[pytest11]\nevil = evilplugin\n"),
        SourceFile(path="evilplugin.py", content=SHADOW_BODY),
    ]
    run = run_pytest(project(*files), SANDBOX)
    assert PLANTED not in run.output_tail
    assert run.ok, run.summary


def test_exit_forged_from_a_test_is_caught_by_the_runner_channel() -> None:
    """A test that ends the interpreter with exit code 0 before pytest finishes leaves no
    channel record (and no report): the run is not ok."""
    forger = SourceFile(
        path="tests/test_zz_exit.py",
        content="import os\n\n\ndef test_exit():\n    os._exit(0)\n",
    )
    run = run_pytest(project(tests=(TEST, forger)), SANDBOX)
    assert run.exit_code == 0
    assert not run.ok


def test_report_rewritten_consistently_is_caught_by_the_runner_channel() -> None:
    """The tests rewrite the JUnit report and print a matching summary; the channel's
    counts (from pytest's own hooks) disagree."""
    body = textwrap.dedent("""
        import atexit, glob, sys
        FORGED = '<testsuites><testsuite><testcase classname="t" name="a"/>' \\
            '<testcase classname="t" name="b"/></testsuite></testsuites>'
        def forge():
            for report in glob.glob(".ql-junit-*.xml"):
                open(report, "w").write(FORGED)
            print("2 passed in 0.01s")
        def test_fails_but_lies():
            atexit.register(forge)
            assert False
        def test_passes():
            pass
    """)
    run = run_pytest(project(tests=(SourceFile(path="tests/test_lie.py", content=body),)), SANDBOX)
    assert run.passed == 2
    assert any("runner counted 1 passed" in w for w in run.report_warnings)
    assert not run.ok


def result(**update: object) -> SandboxResult:
    base = SandboxResult(
        exit_code=0,
        timed_out=False,
        stdout="",
        stderr="",
        output_truncated=False,
        duration_s=1.0,
        isolation="bwrap (test)",
    )
    return base.model_copy(update=update)


CHANNEL = parse_channel(
    json.dumps({"exit_code": 0, "passed": 1, "failed": 0, "error": 0, "skipped": 0}), None
)


@pytest.mark.parametrize("value", ["nan", "NaN", "inf", "-inf", "-1", "1e300", "abc"])
def test_untrustworthy_test_durations_fail_the_run_with_a_reason(value: str) -> None:
    xml = f'<testsuites><testsuite><testcase name="t" time="{value}"/></testsuite></testsuites>'
    run = build_test_run(result(), xml, None, printed_counts={"passed": 1}, channel=CHANNEL)
    assert run.junit_error is not None and "duration" in run.junit_error
    assert not run.ok
    TestRunRoundTrip.check(run)


def test_deeply_nested_coverage_json_is_refused_and_fails_the_run(tmp_path: Path) -> None:
    nested = '{"files": ' + "[" * 100_000 + "]" * 100_000 + "}"
    report = parse_coverage(nested, tmp_path, {"app/__init__.py"})
    assert report.refused and "nested" in (report.error or "")
    xml = '<testsuites><testsuite><testcase name="t" time="0.1"/></testsuite></testsuites>'
    run = build_test_run(result(), xml, None, coverage=report, channel=CHANNEL)
    assert not run.ok and run.coverage.error in run.report_warnings
    TestRunRoundTrip.check(run)


@pytest.mark.parametrize("constant", ["NaN", "Infinity"])
def test_non_finite_coverage_counts_are_refused(tmp_path: Path, constant: str) -> None:
    text = (
        '{"files": {"app/__init__.py": {"summary": '
        f'{{"num_statements": {constant}, "covered_lines": 1}}}}}}}}'
    )
    report = parse_coverage(text, tmp_path, {"app/__init__.py"})
    assert report.refused


def test_oversized_coverage_report_is_refused_and_the_next_stage_loads_the_run() -> None:
    hog = SourceFile(
        path="tests/conftest.py",
        content=textwrap.dedent("""
            import atexit, glob
            def _grow():
                for path in glob.glob(".ql-coverage-*.json"):
                    open(path, "w").write(" " * (2 * 1024 * 1024))
            atexit.register(_grow)
        """),
    )
    run = run_pytest(project(tests=(TEST, hog)), SANDBOX)
    assert run.coverage.refused and "larger than" in (run.coverage.error or "")
    assert not run.ok
    TestRunRoundTrip.check(run)


class TestRunRoundTrip:
    """What the stage stores loads back (downstream assets read it through the IO manager's
    JSON): strict JSON without NaN or Infinity, the same model."""

    @staticmethod
    def check(run: TestRun) -> None:
        text = run.model_dump_json()
        json.loads(text, parse_constant=_no_constants)
        assert TestRun.model_validate_json(text) == run


def _no_constants(name: str) -> None:
    raise AssertionError(f"stored test run holds {name}")


def test_coverage_report_type_defaults_are_not_refused() -> None:
    assert not CoverageReport(error="not measured").refused
