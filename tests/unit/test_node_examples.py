"""Node examples in the sandbox: many module versions in one sandbox call, each example
bounded in time (a hang is a failing example), deep equality with a tolerance for
fractions, errors matched by name with the TypeScript line; and ``node:test`` files
rendered from the same examples run under ``node --test``."""

import pytest

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.node_examples import job_path, run_node_examples
from quantumlayer_dagster.generation.node_kit import JAVASCRIPT, TYPESCRIPT
from quantumlayer_dagster.generation.node_tests import (
    node_test_path,
    render_node_test_files,
    render_node_tests,
)
from quantumlayer_dagster.generation.render_tests import PlannedTest
from quantumlayer_dagster.generation.run_examples import ExampleJob
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.testing.node_project_tests import run_node_files
from quantumlayer_dagster.testing.node_test_run import find_node, node_problem

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.skipif(node_problem(find_node()) is not None, reason="node missing"),
]
SANDBOX = Sandbox(SandboxLimits(wall_timeout_s=60))
PACKAGE = SourceFile(path="package.json", content='{"name": "p", "type": "module"}\n')
OPS = SourceFile(
    path="src/ops.ts", content="export function twice(x: number): number {\n  return 2 * x;\n}\n"
)
MAIN = """import { twice } from "./ops.js";

export class NegativeError extends Error {}

export function add(a: number, b: number): number {
  if (a < 0) {
    throw new NegativeError("negative");
  }
  return twice(a) / 2 + b;
}

export async function mean(xs: number[]): Promise<number> {
  return xs.reduce((s, x) => s + x, 0) / xs.length;
}

export function spin(): number {
  for (;;) {}
}

export class Counter {
  n: number;

  constructor(n: number) {
    this.n = n;
  }

  step(by: number): Record<string, number[]> {
    this.n += by;
    return { seen: [this.n, 0] };
  }
}
"""
EXAMPLES = (
    Example("add(2, 3)", "5"),
    Example("add(-1, 3)", raises="NegativeError"),
    Example("add(-1, 3)", raises="Error"),
    Example("add(-1, 3)", "2"),
    Example("mean([0.1, 0.2])", "0.15"),
    Example("spin()", "1"),
    Example("new Counter(1).step(2)", "{seen: [3, 0]}"),
    Example("add(1, 1)", "3"),
)


VERSIONS = {
    "kept": MAIN,
    "broken": MAIN.replace("return twice(a) / 2 + b;", "return undefinedName + b;"),
    "hung": "while (true) {}\nexport function add(a: number): number {\n  return a;\n}\n",
    "exits": MAIN.replace(
        "return twice(a) / 2 + b;", "if (b === 3) process.exit(3);\n  return a + b;"
    ),
}


@pytest.fixture(scope="module")
def outcomes() -> dict[str, list[tuple[bool, str]]]:
    """Every version's outcomes, from one sandbox call."""
    project = [PACKAGE, OPS, SourceFile(path="src/main.ts", content=MAIN)]
    found = run_node_examples(
        project,
        [ExampleJob("src/main.ts", source, EXAMPLES) for source in VERSIONS.values()],
        SANDBOX,
        language="typescript",
        timeout_s=1.0,
    )
    return {
        name: [(o.passed, o.detail) for o in version]
        for name, version in zip(VERSIONS, found, strict=True)
    }


def test_each_example_passes_or_says_what_the_call_did(outcomes: dict) -> None:
    assert outcomes["kept"] == [
        (True, "returned 5"),
        (True, "threw Error"),
        (True, "threw Error"),
        (False, "threw Error: negative (line 7)"),
        (True, "returned 0.15000000000000002"),
        (False, "did not finish within 1 s"),
        (True, "returned { seen: [ 3, 0 ] }"),
        (False, "returned 2"),
    ]


def test_an_error_is_reported_with_its_typescript_line(outcomes: dict) -> None:
    assert outcomes["broken"][0] == (
        False,
        "threw ReferenceError: undefinedName is not defined (line 9)",
    )


def test_a_module_that_hangs_while_loading_fails_its_examples_not_the_run(outcomes: dict) -> None:
    assert outcomes["hung"] == [(False, "the module did not finish loading within 1 s")] * 8


def test_a_version_that_ends_the_process_fails_that_example_and_the_rest_still_run(
    outcomes: dict,
) -> None:
    assert outcomes["exits"][0] == (False, "ended the process (exit 3)")
    assert outcomes["exits"][4][0] and outcomes["exits"][6][0]


def test_javascript_runs_as_written() -> None:
    source = "export function add(a, b) {\n  return a + b;\n}\n"
    found = run_node_examples(
        [PACKAGE, SourceFile(path="src/main.js", content=source)],
        [
            ExampleJob(
                "src/main.js", source, (Example("add(2, 3)", "5"), Example("add('a', 1)", "'a1'"))
            )
        ],
        SANDBOX,
        language="javascript",
    )
    assert [[o.passed for o in outcomes] for outcomes in found] == [[True, True]]


def test_the_kits_run_examples_for_their_language() -> None:
    source = "export function add(a, b) {\n  return a + b;\n}\n"
    found = JAVASCRIPT.run_examples(
        [SourceFile(path="src/m.js", content=source)],
        [
            ExampleJob("src/m.js", source, (Example("add(1, 2)", "3"),)),
            ExampleJob("src/m.js", source, ()),
        ],
        SANDBOX,
    )
    assert [[o.passed for o in outcomes] for outcomes in found] == [[True], []]
    assert TYPESCRIPT.template == "body_typescript" and JAVASCRIPT.language == "javascript"


def test_a_job_is_written_beside_its_module() -> None:
    assert job_path("src/text/slug.ts", 3) == "src/text/slug.ql-job-3.ts"


@pytest.mark.parametrize("language", ["typescript", "javascript"])
def test_tests_rendered_from_examples_collect_and_agree_with_the_runner(language: str) -> None:
    suffix = "ts" if language == "typescript" else "js"
    source = MAIN if suffix == "ts" else _untyped(MAIN)
    module = SourceFile(path=f"src/main.{suffix}", content=source)
    ops = OPS if suffix == "ts" else SourceFile(path="src/ops.js", content=_untyped(OPS.content))
    examples = {
        "add": [e for e in EXAMPLES if e.call.startswith("add")],
        "mean": [Example("mean([0.1, 0.2])", "0.15")],
        "Counter.step": [Example("new Counter(1).step(2)", "{seen: [3, 0]}")],
    }
    text = render_node_tests(module.path, examples, language)  # type: ignore[arg-type]
    assert 'from "../src/main.js";' in text
    tests = SourceFile(path=node_test_path(module.path, language), content=text)  # type: ignore[arg-type]
    run = run_node_files([PACKAGE, ops, module, tests], SANDBOX)
    assert (run.passed, run.failed) == (5, 2), run.summary  # add(-1, 3) == 2 and add(1, 1) == 3
    assert {f.name for f in run.failures} == {"add(-1, 3) returns 2", "add(1, 1) returns 3"}


def _untyped(source: str) -> str:
    for typed, plain in (
        ("(x: number): number", "(x)"),
        ("(a: number, b: number): number", "(a, b)"),
        ("(xs: number[]): Promise<number>", "(xs)"),
        ("spin(): number", "spin()"),
        ("  n: number;\n\n", ""),
        ("(n: number)", "(n)"),
        ("(by: number): Record<string, number[]>", "(by)"),
    ):
        source = source.replace(typed, plain)
    return source


def test_modules_of_the_same_name_in_two_folders_get_their_own_test_files() -> None:
    planned = [
        PlannedTest("src/text/util.ts::a", Example("a()", "1"), "example 1"),
        PlannedTest("src/math/util.ts::b", Example("b()", "2"), "example 1"),
    ]
    files, _ = render_node_test_files(planned, "typescript")
    assert [f.path for f in files] == ["tests/text/util.test.ts", "tests/math/util.test.ts"]
    assert 'import { a } from "../../src/text/util.js";' in files[0].content


def test_planned_tests_render_one_file_per_module_and_junit_names_map_back() -> None:
    planned = [
        PlannedTest("src/main.ts::add", Example("add(2, 3)", "5"), "example 1"),
        PlannedTest("src/main.ts::add", Example("add(1, 1)", "3"), "TC1 (AC2)"),
        PlannedTest("src/main.ts::add", Example("add(1, 1)", "3"), "TC1 (AC2)"),
    ]
    files, rendered = render_node_test_files(planned, "typescript")
    assert [f.path for f in files] == ["tests/main.test.ts"]
    assert [r.name for r in rendered] == [
        "add example 1: add(2, 3) returns 5",
        "add TC1 (AC2): add(1, 1) returns 3",
        "add TC1 (AC2): add(1, 1) returns 3 (2)",
    ]
    run = run_node_files(
        [PACKAGE, OPS, SourceFile(path="src/main.ts", content=MAIN), *files], SANDBOX
    )
    assert (run.passed, run.failed) == (1, 2), run.summary
    assert {f.name for f in run.failures} == {r.name for r in rendered[1:]}
