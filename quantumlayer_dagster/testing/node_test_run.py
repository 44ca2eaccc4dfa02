"""Run a JavaScript project's tests with Node's built-in test runner in the sandbox.

``node --test`` finds the usual test files itself (``*.test.js``, ``test/**/*.js``,
``test-*.js``...) and, from Node 20, writes JUnit XML through ``--test-reporter=junit``.
Line coverage is not measured for JavaScript: Node 20's coverage is experimental and has
no file reporter, so the ``TestRun`` says so instead of showing a number."""

import functools
import os
import re
import secrets
import shutil
import subprocess
from pathlib import Path, PurePosixPath

from quantumlayer_dagster.analysis.node_tools import NODE_NOT_FOUND
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.testing import CoverageReport, TestRun
from quantumlayer_dagster.sandbox import CodeSandbox
from quantumlayer_dagster.testing.test_reports import (
    build_test_run,
    not_run,
    printed_count,
    read_report,
)
from quantumlayer_dagster.testing.tree_writer import write_source_files

MIN_NODE = (20, 13)
"""The first Node 20 release whose test runner has the JUnit reporter."""
_COVERAGE_NOTE = "not measured for JavaScript (Node 20 has no coverage file reporter)"


def find_node() -> str | None:
    """The node executable on PATH (resolved), or None."""
    found = shutil.which("node")
    return os.path.realpath(found) if found else None


@functools.cache
def node_problem(exe: str | None) -> str | None:
    """Why ``exe`` cannot run our tests (missing, too old), or None when it can."""
    if exe is None:
        return NODE_NOT_FOUND
    try:
        done = subprocess.run([exe, "--version"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{exe} --version failed: {exc}"
    match = re.match(r"v(\d+)\.(\d+)", done.stdout.strip())
    if not match:
        return f"{exe} --version printed {done.stdout.strip()!r}, not a Node version"
    if (int(match[1]), int(match[2])) < MIN_NODE:
        need = ".".join(map(str, MIN_NODE))
        return f"node {done.stdout.strip()} is too old: its test runner needs v{need}+ for JUnit"
    return None


def run_node_tests(
    files: list[SourceFile], sandbox: CodeSandbox, *, node: str | None = None
) -> TestRun:
    """Write ``files`` into a fresh sandbox folder, run ``node --test`` there and return
    counts and per-test results from its JUnit report. Failures, timeouts, limits and a
    missing or inconsistent report are recorded in the ``TestRun``, never raised."""
    if sandbox.unavailable:
        return not_run(sandbox, "node")
    exe = node or find_node()
    problem = node_problem(exe)
    if problem is not None or exe is None:
        why = problem or NODE_NOT_FOUND
        return TestRun(runner="node", junit_error=why, summary=why)
    with sandbox.workspace() as root:
        write_source_files(files, root)
        junit = root / f".ql-junit-{secrets.token_hex(8)}.xml"
        argv = [
            exe, "--test",
            "--test-reporter=junit", f"--test-reporter-destination={junit}",
            "--test-reporter=spec", "--test-reporter-destination=stdout",
        ]  # fmt: skip
        result = sandbox.run(argv, root, readonly=node_prefix(exe))
        xml_text, junit_error = read_report(junit, "JUnit report")
    printed = {
        outcome: n
        for outcome, word in (("passed", "pass"), ("failed", "fail"))
        if (n := printed_count(rf"\u2139 {word} (\d+)", result.stdout)) is not None
    }
    return build_test_run(
        result,
        xml_text,
        junit_error,
        runner="node",
        coverage=CoverageReport(error=_COVERAGE_NOTE),
        printed_counts=printed,
    )


def node_prefix(exe: str) -> tuple[str, ...]:
    """The install prefix of a node outside /usr (e.g. ~/.nvm/...), to bind it read-only;
    /usr is always visible in the sandbox."""
    real = PurePosixPath(os.path.realpath(exe))
    if real.is_relative_to("/usr"):
        return ()
    prefix = real.parent.parent if real.parent.name == "bin" else real.parent
    return (str(Path(prefix)),)
