"""Run a project's tests with pytest (and coverage) in the sandbox and read the reports.

The JUnit and coverage reports get a random name per run, so tested code cannot prepare a
forged report in advance by name; it can still find and rewrite them while it runs (it is
the same uid in the same folder), which the cross-checks in ``test_reports`` are for."""

import importlib.util
import secrets
import sys
from pathlib import Path

from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.testing import CoverageReport, TestRun
from quantumlayer_dagster.sandbox import CodeSandbox
from quantumlayer_dagster.testing.test_reports import (
    build_test_run,
    parse_coverage,
    printed_count,
    read_report,
)
from quantumlayer_dagster.testing.tree_writer import write_source_files

_CONFIG_FILES = ("pytest.ini", "pyproject.toml", "tox.ini", "setup.cfg")


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
    """Write ``files`` into a fresh sandbox folder, run ``python -m pytest`` there with
    line coverage (unless ``coverage`` is False), and return counts, per-test results,
    coverage of ``source_paths`` and evidence.

    Collection errors, "no tests", timeouts, limits and a missing, unreadable or
    inconsistent report are recorded in the ``TestRun`` (``ok`` is False), never raised."""
    with sandbox.workspace() as root:
        write_project(files, root)
        token = secrets.token_hex(8)
        junit = root / f".ql-junit-{token}.xml"
        cov_json = root / f".ql-coverage-{token}.json"
        argv = [
            python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--tb=short",
            # A broken test file must not hide how the other files did.
            "--continue-on-collection-errors",
            f"--junitxml={junit}", "-o", "junit_family=xunit2", f"--rootdir={root}",
        ]  # fmt: skip
        measured = coverage and coverage_available()
        if measured:
            argv += [f"--cov={root}", f"--cov-report=json:{cov_json}"]
        env = {"COVERAGE_FILE": str(root / f".ql-coverage-{token}")}
        result = sandbox.run(argv, root, env=env)
        xml_text, junit_error = read_report(junit, "JUnit report")
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
    )


def coverage_available() -> bool:
    """Whether pytest-cov is importable by the interpreter that runs the tests."""
    return importlib.util.find_spec("pytest_cov") is not None


def write_project(files: list[SourceFile], root: Path) -> None:
    """Write every file under ``root``; raise ValueError for a path that would land outside
    it. Adds an empty pytest.ini when the project has no pytest config candidate, so pytest
    does not search the folders above ``root`` for one."""
    write_source_files(files, root)
    base = root.resolve()
    if not any((base / name).exists() for name in _CONFIG_FILES):
        (base / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")


def _no_coverage(asked: bool) -> str:
    return "pytest-cov is not installed: pip install pytest-cov" if asked else "not asked for"


def _coverage(path: Path, root: Path, source_paths: set[str]) -> CoverageReport:
    text, error = read_report(path, "coverage report")
    if error is not None:
        return CoverageReport(error=error)
    return parse_coverage(text, root, source_paths)
