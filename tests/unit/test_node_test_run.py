"""JavaScript projects: Node's test runner in the sandbox, and picking the runner."""

import pytest

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.testing.node_test_run import find_node, node_problem, run_node_tests
from quantumlayer_dagster.testing.project_tests import run_project_tests, runner_for

needs_node = pytest.mark.skipif(
    node_problem(find_node()) is not None, reason=f"{node_problem(find_node())}"
)
SANDBOX = Sandbox(SandboxLimits(wall_timeout_s=30))
MATH = SourceFile(path="src/math.js", content="exports.add = (a, b) => a + b;\n")
TESTS = SourceFile(
    path="test/math.test.js",
    content=(
        "const test = require('node:test');\n"
        "const assert = require('node:assert');\n"
        "const { add } = require('../src/math.js');\n"
        "test('adds', () => { assert.strictEqual(add(1, 2), 3); });\n"
        "test('wrong sum', () => { assert.strictEqual(add(2, 2), 5); });\n"
        "test.skip('later', () => {});\n"
    ),
)
PACKAGE = SourceFile(path="package.json", content='{"name": "m", "version": "1.0.0"}\n')


@needs_node
@pytest.mark.sandbox
def test_node_runner_counts_passes_failures_and_skips() -> None:
    run = run_node_tests([MATH, TESTS], SANDBOX)
    assert (run.passed, run.failed, run.skipped) == (1, 1, 1), run.summary
    assert run.runner == "node"
    assert run.exit_code == 1
    assert not run.ok
    [failure] = run.failures
    assert failure.name == "wrong sum"
    assert "4 !== 5" in failure.message
    assert run.report_warnings == []


@needs_node
@pytest.mark.sandbox
def test_node_runner_reports_an_all_passing_project_as_ok() -> None:
    passing = TESTS.model_copy(
        update={"content": TESTS.content.replace("add(2, 2), 5", "add(2, 2), 4")}
    )
    run = run_node_tests([MATH, passing], SANDBOX)
    assert run.ok, run.summary
    assert run.isolation.startswith(SANDBOX.isolation.removesuffix(")"))
    assert run.isolation_mode == SANDBOX.mode
    assert run.coverage.percent is None
    assert "not measured for JavaScript" in (run.coverage.error or "")


@needs_node
@pytest.mark.sandbox
def test_node_test_that_hangs_is_timed_out() -> None:
    hang = SourceFile(
        path="hang.test.js", content="require('node:test')('hang', () => { for (;;) {} });\n"
    )
    run = run_node_tests([hang], Sandbox(SandboxLimits(wall_timeout_s=2)))
    assert run.timed_out
    assert not run.ok


@pytest.mark.parametrize(
    ("files", "runner"),
    [
        ([MATH, TESTS, PACKAGE], "node"),
        ([MATH, TESTS], "node"),
        ([SourceFile(path="a.py", content=""), PACKAGE], "pytest"),
        ([SourceFile(path="README.md", content="hi")], None),
        ([SourceFile(path="src/a.ts", content=""), PACKAGE], "node"),
    ],
    ids=["package-json", "only-js", "python-with-package-json", "no-code", "typescript"],
)
def test_runner_is_chosen_from_the_tree(files: list[SourceFile], runner: str | None) -> None:
    assert runner_for(files) == runner


def test_tree_with_nothing_to_run_says_so() -> None:
    run = run_project_tests([SourceFile(path="notes.txt", content="x")], SANDBOX)
    assert not run.ok
    assert "nothing this sandbox can test" in run.summary


def test_missing_node_is_reported_with_the_fix() -> None:
    run = run_node_tests([MATH, TESTS], SANDBOX, node="/nonexistent/node")
    assert not run.ok
    assert run.junit_error and "/nonexistent/node --version failed" in run.junit_error


@needs_node
@pytest.mark.sandbox
@pytest.mark.slow  # tsc compiles first (about 2 s)
def test_a_typescript_tree_is_compiled_with_our_tsc_and_run_with_node() -> None:
    files = [
        SourceFile(path="package.json", content='{"type": "module"}\n'),
        SourceFile(
            path="src/math.ts", content="export const add = (a: number, b: number) => a + b;\n"
        ),
        SourceFile(
            path="tests/math.test.ts",
            content=(
                'import { test } from "node:test";\nimport assert from "node:assert/strict";\n'
                'import { add } from "../src/math.js";\n'
                'test("adds", () => { assert.equal(add(1, 2), 3); });\n'
            ),
        ),
    ]
    run = run_project_tests(files, SANDBOX)
    assert (run.runner, run.passed, run.failed, run.ok) == ("node", 1, 0, True), run.summary
