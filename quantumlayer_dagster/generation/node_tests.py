"""``node:test`` files written from a module's examples: one ``test()`` per example.

A value example is ``assert.deepStrictEqual(await CALL, EXPECTED)`` (``await`` of a value that
is not a promise gives the value, so sync and async functions read alike); an expected value
holding a number that is not an integer is compared by a helper within a small tolerance,
as the example runner does (``node_example_harness.mjs``). ``raises X`` is
``await assert.rejects(async () => CALL, X)`` (a throw inside the async arrow is a
rejection): a built-in error class by the class, any other by its name or a constructor's
name on the prototype chain. The module is imported by its relative specifier (the
``.js`` name, also from TypeScript); TypeScript tests are compiled with the project."""

import json
import posixpath
from typing import Literal

from quantumlayer_dagster.analysis.parsing import parse
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.node_annotations import NODE_ERRORS
from quantumlayer_dagster.generation.node_interfaces import specifier
from quantumlayer_dagster.generation.render_tests import PlannedTest, RenderedTest

_NEAR_TS = """function near(actual: unknown, expected: unknown): boolean {
  if (typeof expected === "number") {
    if (typeof actual !== "number") return false;
    if (Number.isInteger(expected)) return Object.is(actual, expected);
    return Math.abs(actual - expected) <= Math.max(1e-9, 1e-6 * Math.abs(expected));
  }
  if (expected === null || typeof expected !== "object") return Object.is(actual, expected);
  if (actual === null || typeof actual !== "object") return false;
  if (Object.getPrototypeOf(actual) !== Object.getPrototypeOf(expected)) return false;
  const want = expected as Record<string, unknown>;
  const got = actual as Record<string, unknown>;
  const keys = Object.keys(want);
  if (keys.length !== Object.keys(got).length) return false;
  return keys.every((key) => Object.hasOwn(got, key) && near(got[key], want[key]));
}"""
_NAMED_TS = """function named(name: string): (error: unknown) => boolean {
  return (error: unknown) => {
    if (error === null || typeof error !== "object") return false;
    if ((error as { name?: unknown }).name === name) return true;
    for (let p = Object.getPrototypeOf(error); p; p = Object.getPrototypeOf(p)) {
      if (p.constructor && p.constructor.name === name) return true;
    }
    return false;
  };
}"""


def node_test_path(module_path: str, language: Literal["typescript", "javascript"]) -> str:
    """Where the tests of ``module_path`` go: ``src/main.ts`` -> ``tests/main.test.ts``,
    ``src/text/slug.ts`` -> ``tests/text/slug.test.ts`` (folders kept, so two modules of
    the same name never share a test file; ``node --test`` finds them in any folder)."""
    stem = posixpath.splitext(module_path)[0].removeprefix("src/")
    return f"tests/{stem}.test.{'ts' if language == 'typescript' else 'js'}"


def render_node_tests(
    module_path: str,
    examples_by_function: dict[str, list[Example]],
    language: Literal["typescript", "javascript"],
    *,
    test_path: str | None = None,
) -> str:
    """The test file of ``module_path`` (at ``test_path``, by default ``node_test_path``):
    ``examples_by_function`` maps each function's qualname (``add``, ``Counter.increment``)
    to its examples. A function without examples has no test."""
    cases = [
        (qualname, example, _title(example))
        for qualname, examples in examples_by_function.items()
        for example in examples
    ]
    return _file(module_path, cases, language, test_path or node_test_path(module_path, language))


def render_node_test_files(
    tests: list[PlannedTest], language: Literal["typescript", "javascript"]
) -> tuple[list[SourceFile], list[RenderedTest]]:
    """The ``node:test`` files of planned tests (the Node twin of ``render_pytest_files``):
    one file per module, one ``test()`` per planned test, titled ``qualname origin: what it
    checks`` (unique in its file: the name Node's JUnit report gives the test)."""
    by_module: dict[str, list[PlannedTest]] = {}
    for test in tests:
        by_module.setdefault(test.target.split("::")[0], []).append(test)
    files: list[SourceFile] = []
    rendered: list[RenderedTest] = []
    for path, planned in by_module.items():
        test_path = node_test_path(path, language)
        titles: set[str] = set()
        cases = []
        for test in planned:
            qualname = test.target.split("::")[1]
            title = _unique(f"{qualname} {test.origin}: {_title(test.example)}", titles)
            cases.append((qualname, test.example, title))
            rendered.append(RenderedTest(test_path, title, test))
        files.append(SourceFile(path=test_path, content=_file(path, cases, language, test_path)))
    return files, rendered


def _file(
    module_path: str,
    cases: list[tuple[str, Example, str]],
    language: Literal["typescript", "javascript"],
    where: str,
) -> str:
    names = sorted({qualname.split(".")[0] for qualname, _, _ in cases})
    helpers: set[str] = set()
    tests = [_case(example, title, helpers) for _, example, title in cases]
    lines = ['import { test } from "node:test";', 'import assert from "node:assert/strict";']
    if names:
        lines.append(f'import {{ {", ".join(names)} }} from "{specifier(where, module_path)}";')
    blocks = ["\n".join(lines)]
    typed = language == "typescript"
    for name, text in (("near", _NEAR_TS), ("named", _NAMED_TS)):
        if name in helpers:
            blocks.append(text if typed else _untyped(text))
    return "\n\n".join(blocks + tests) + "\n"


def _title(example: Example) -> str:
    if example.raises:
        return f"{example.call} throws {example.raises}"
    return f"{example.call} returns {example.expected or 'undefined'}"


def _unique(title: str, taken: set[str]) -> str:
    base, n = title, 2
    while title in taken:
        title, n = f"{base} ({n})", n + 1
    taken.add(title)
    return title


def _case(example: Example, title: str, helpers: set[str]) -> str:
    call = example.call
    if example.raises:
        if example.raises in NODE_ERRORS:
            check = example.raises
        else:
            helpers.add("named")
            check = f"named({json.dumps(example.raises)})"
        body = f"await assert.rejects(async () => {call}, {check});"
    else:
        expected = example.expected or "undefined"
        if _has_fraction(expected):
            helpers.add("near")
            message = json.dumps(f"{call} should be {expected}")
            body = f"assert.ok(near(await {call}, {expected}), {message});"
        else:
            body = f"assert.deepStrictEqual(await {call}, {expected});"
    return f"test({json.dumps(title)}, async () => {{\n  {body}\n}});"


def _has_fraction(literal: str) -> bool:
    """Whether a literal holds a number that is not an integer (``1.5``, not ``2.0``)."""
    tree = parse("javascript", f"({literal});")
    if tree is None:
        return False
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        if node.type == "number":
            try:
                if not float((node.text or b"0").decode()).is_integer():
                    return True
            except ValueError:
                return True
        stack += node.named_children
    return False


def _untyped(text: str) -> str:
    """A helper's TypeScript source as JavaScript (its annotations and casts removed)."""
    for typed, plain in (
        ("(actual: unknown, expected: unknown): boolean", "(actual, expected)"),
        ("(name: string): (error: unknown) => boolean", "(name)"),
        ("(error: unknown) =>", "(error) =>"),
        (" as Record<string, unknown>", ""),
        ("(error as { name?: unknown }).name", "error.name"),
    ):
        text = text.replace(typed, plain)
    return text
