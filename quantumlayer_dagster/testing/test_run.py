"""Run a project's tests with pytest (and coverage) in the sandbox and read the reports.

The JUnit and coverage reports get a random name per run, so tested code cannot prepare a
forged report in advance by name; it can still find and rewrite them while it runs (it is
the same uid in the same folder), which the cross-checks in ``test_reports`` are for.
How pytest is started so that the tree cannot replace it: ``pytest_bootstrap``."""

import importlib.util
import os
import secrets
import sys
from pathlib import Path

from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.testing import CoverageReport, TestRun
from quantumlayer_dagster.sandbox import CodeSandbox
from quantumlayer_dagster.testing.pytest_bootstrap import PYTEST_ENV, bootstrap_argv
from quantumlayer_dagster.testing.test_reports import (
    build_test_run,
    not_run,
    parse_channel,
    parse_coverage,
    printed_count,
    read_report,
)
from quantumlayer_dagster.testing.tree_writer import write_source_files


def run_pytest(
    project: ProjectTree, sandbox: CodeSandbox, *, python: str = sys.executable
) -> TestRun:
    """Run the tests of ``project``; coverage is measured over its sources."""
    sources = {f.path for f in project.sources}
    return run_pytest_files(project.all_files, sandbox, source_paths=sources, python=python)


def run_pytest_files(
    files: list[SourceFile],
    sandbox: CodeSandbox,
    *,
    source_paths: set[str],
    python: str = sys.executable,
    coverage: bool = True,
) -> TestRun:
    """Write ``files`` into a fresh sandbox folder, run pytest there (isolated from the
    tree: ``pytest_bootstrap``) with
    line coverage (unless ``coverage`` is False), and return counts, per-test results,
    coverage of ``source_paths`` and evidence.

    Collection errors, "no tests", timeouts, limits and a missing, unreadable or
    inconsistent report are recorded in the ``TestRun`` (``ok`` is False), never raised."""
    if sandbox.unavailable:
        return not_run(sandbox, "pytest")
    with sandbox.workspace() as root:
        # the tree's pytest config is never read (-c /dev/null), so none is added
        write_source_files(files, root)
        token = secrets.token_hex(8)
        junit = root / f".ql-junit-{token}.xml"
        cov_json = root / f".ql-coverage-{token}.json"
        channel = root / f".ql-counts-{token}.json"
        args = [
            "-q", "--tb=short",
            # A broken test file must not hide how the other files did.
            "--continue-on-collection-errors",
            f"--junitxml={junit}", "-o", "junit_family=xunit2", f"--rootdir={root}",
            # no conftest.py from the folders above (a shared /tmp in process mode)
            f"--confcutdir={root}",
        ]  # fmt: skip
        measured = coverage and coverage_available()
        if measured:
            args += [f"--cov={root}", f"--cov-report=json:{cov_json}"]
        args.append(str(root))
        argv = bootstrap_argv(python, str(channel), str(root), args, coverage=measured)
        env = {"COVERAGE_FILE": str(root / f".ql-coverage-{token}"), **PYTEST_ENV}
        result = sandbox.run(argv, root, env=env)
        xml_text, junit_error = read_report(junit, "JUnit report")
        channel_text, channel_error = read_report(channel, "runner count channel")
        report = _coverage(cov_json, root, source_paths) if measured else None
    printed = {
        outcome: n
        for outcome in ("passed", "failed")
        if (n := printed_count(rf"(\d+) {outcome}\b", result.stdout)) is not None
    }
    return build_test_run(
        result,
        xml_text,
        junit_error,
        runner="pytest",
        coverage=report or CoverageReport(error=_no_coverage(coverage)),
        printed_counts=printed,
        channel=parse_channel(channel_text, channel_error),
    )


def coverage_available() -> bool:
    """Whether pytest-cov is importable by the interpreter that runs the tests."""
    return importlib.util.find_spec("pytest_cov") is not None


def _no_coverage(asked: bool) -> str:
    return "pytest-cov is not installed: pip install pytest-cov" if asked else "not asked for"


def _coverage(path: Path, root: Path, source_paths: set[str]) -> CoverageReport:
    text, error = read_report(path, "coverage report")
    if error is not None:
        # there but unreadable (a link, a FIFO, oversized) is refused; absent is just absent
        return CoverageReport(error=error, refused=os.path.lexists(path))
    return parse_coverage(text, root, source_paths)
