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
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.node_annotations import NODE_ERRORS
from quantumlayer_dagster.generation.node_interfaces import specifier

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
    """Where the tests of ``module_path`` go: ``src/text/slug.ts`` -> ``tests/slug.test.ts``."""
    stem = posixpath.splitext(posixpath.basename(module_path))[0]
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
    where = test_path or node_test_path(module_path, language)
    names = sorted({q.split(".")[0] for q, examples in examples_by_function.items() if examples})
    cases: list[str] = []
    helpers: set[str] = set()
    for examples in examples_by_function.values():
        cases += [_case(example, helpers) for example in examples]
    lines = ['import { test } from "node:test";', 'import assert from "node:assert/strict";']
    if names:
        lines.append(f'import {{ {", ".join(names)} }} from "{specifier(where, module_path)}";')
    blocks = ["\n".join(lines)]
    typed = language == "typescript"
    for name, text in (("near", _NEAR_TS), ("named", _NAMED_TS)):
        if name in helpers:
            blocks.append(text if typed else _untyped(text))
    blocks += cases
    return "\n\n".join(blocks) + "\n"


def _case(example: Example, helpers: set[str]) -> str:
    call = example.call
    if example.raises:
        title = f"{call} throws {example.raises}"
        if example.raises in NODE_ERRORS:
            check = example.raises
        else:
            helpers.add("named")
            check = f"named({json.dumps(example.raises)})"
        body = f"await assert.rejects(async () => {call}, {check});"
    else:
        expected = example.expected or "undefined"
        title = f"{call} returns {expected}"
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
