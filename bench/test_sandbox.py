"""Benchmark: what the sandbox and the test stage cost, each against a baseline measured in
the same run on the same machine.

Prints ``name: value`` lines (medians of the timed runs, seconds):

- ``process_s``: ``python -c pass`` as a plain subprocess (the baseline);
- ``sandbox_s``: the same under the sandbox (bwrap, uid drop, rlimits, group kill);
- ``pytest_s`` / ``pytest_coverage_s``: a 20-test project through ``run_pytest_files``
  without and with line coverage; ``coverage_overhead_ratio`` = the second / the first;
- ``node_test_s``: the same number of tests through ``node --test`` (when node 20.13+).

    .venv/bin/python bench/test_sandbox.py [--runs 5]
"""

import argparse
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.sandbox import Sandbox
from quantumlayer_dagster.testing.node_test_run import (
    find_node,
    node_problem,
    run_node_tests,
)
from quantumlayer_dagster.testing.test_run import run_pytest_files

TESTS = 20
PY_FILES = [
    SourceFile(path="calc/__init__.py", content="def add(a, b):\n    return a + b\n"),
    SourceFile(
        path="tests/test_calc.py",
        content="from calc import add\n"
        + "".join(
            f"\n\ndef test_add_{i}():\n    assert add({i}, 1) == {i + 1}\n" for i in range(TESTS)
        ),
    ),
]
JS_FILES = [
    SourceFile(path="calc.js", content="exports.add = (a, b) => a + b;\n"),
    SourceFile(
        path="calc.test.js",
        content="const test = require('node:test');\nconst assert = require('node:assert');\n"
        "const { add } = require('./calc.js');\n"
        + "".join(
            f"test('add {i}', () => assert.strictEqual(add({i}, 1), {i + 1}));\n"
            for i in range(TESTS)
        ),
    ),
]


def median_s(runs: int, work: Callable[[], object]) -> float:
    work()  # warm-up: page cache, bwrap probe
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    sandbox = Sandbox()

    def in_sandbox() -> None:
        with sandbox.workspace() as work:
            assert sandbox.run([sys.executable, "-c", "pass"], work).ok

    def pytest_run(coverage: bool) -> Callable[[], object]:
        def run() -> None:
            result = run_pytest_files(
                PY_FILES, sandbox, source_paths={"calc/__init__.py"}, coverage=coverage
            )
            assert result.ok and result.passed == TESTS, result.summary

        return run

    print(f"isolation: {sandbox.isolation}")
    process = median_s(runs, lambda: subprocess.run([sys.executable, "-c", "pass"], check=True))
    print(f"process_s: {process}")
    print(f"sandbox_s: {median_s(runs, in_sandbox)}")
    plain = median_s(runs, pytest_run(False))
    covered = median_s(runs, pytest_run(True))
    print(f"pytest_s: {plain}")
    print(f"pytest_coverage_s: {covered}")
    print(f"coverage_overhead_ratio: {round(covered / plain, 2)}")
    node = find_node()
    if node_problem(node) is None:

        def node_run() -> None:
            result = run_node_tests(JS_FILES, sandbox)
            assert result.ok and result.passed == TESTS, result.summary

        print(f"node_test_s: {median_s(runs, node_run)}")
    else:
        print(f"node_test_s: skipped ({node_problem(node)})")


if __name__ == "__main__":
    main()
