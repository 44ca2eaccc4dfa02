"""pytest files rendered from the plan: one test per planned example and per test-plan case.

Our code writes the test code, so every generated project has tests that collect and
assert: ``assert add(2, 3) == 5``, ``pytest.approx`` where a float is expected, ``is`` for
``True``/``False``/``None``, ``pytest.raises`` for an expected exception. One file per
module under ``tests/``, importing what it calls from that module."""

import ast
import builtins
import re
from dataclasses import dataclass

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.render_skeleton import module_name


@dataclass(frozen=True)
class PlannedTest:
    """One test to render: the function it calls (``path::qualname``), the example, and
    where the example comes from (``example 1``, ``TC3 (AC2)``)."""

    target: str
    example: Example
    origin: str


@dataclass(frozen=True)
class RenderedTest:
    """A rendered test: its pytest node id's file and function name, and what it checks."""

    path: str
    name: str
    planned: PlannedTest


def render_pytest_files(
    tests: list[PlannedTest], classes: dict[str, set[str]]
) -> tuple[list[SourceFile], list[RenderedTest]]:
    """The test files and what each test checks; ``classes`` maps a module path to the
    class names it defines (a ``raises`` of one of them imports it)."""
    by_module: dict[str, list[PlannedTest]] = {}
    for test in tests:
        by_module.setdefault(test.target.split("::")[0], []).append(test)
    files: list[SourceFile] = []
    rendered: list[RenderedTest] = []
    for path, planned in by_module.items():
        dotted = module_name(path)
        test_path = f"tests/test_{dotted.replace('.', '_')}.py"
        names: set[str] = set()
        imports: set[str] = set()
        functions: list[str] = []
        for test in planned:
            qualname = test.target.split("::")[1]
            imports.add(qualname.split(".")[0])
            raised = test.example.raises
            if raised and raised in classes.get(path, set()):
                imports.add(raised)
            name = _unique(f"test_{_snake(qualname)}_{_snake(test.origin)}", names)
            functions.append(_test_function(name, test.example))
            rendered.append(RenderedTest(test_path, name, test))
        head = [f'"""Tests of {dotted}: its planned examples and the test plan\'s cases."""', ""]
        head += ["import pytest", ""] if any("pytest." in f for f in functions) else []
        head += [f"from {dotted} import {', '.join(sorted(imports))}", "", ""]
        files.append(
            SourceFile(path=test_path, content="\n".join(head) + "\n\n\n".join(functions) + "\n")
        )
    return files, rendered


def _test_function(name: str, example: Example) -> str:
    if example.raises:
        return f"def {name}():\n    with pytest.raises({example.raises}):\n        {example.call}"
    expected = ast.literal_eval(example.expected or "None")
    if expected is None or isinstance(expected, bool):
        return f"def {name}():\n    assert {example.call} is {expected!r}"
    if _has_float(expected):
        wanted = f"pytest.approx({example.expected}, rel=1e-6, abs=1e-9)"
        return f"def {name}():\n    assert {example.call} == {wanted}"
    return f"def {name}():\n    assert {example.call} == {example.expected}"


def _has_float(value: object) -> bool:
    """A float, or a flat list, tuple or dict of numbers with a float among them (what
    ``pytest.approx`` compares with a tolerance)."""
    if isinstance(value, float):
        return True
    items = list(value.values()) if isinstance(value, dict) else value
    if isinstance(items, list | tuple):
        numbers = all(isinstance(v, int | float) and not isinstance(v, bool) for v in items)
        return numbers and any(isinstance(v, float) for v in items)
    return False


def _snake(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_") or "case"


def _unique(name: str, taken: set[str]) -> str:
    base, n = name, 2
    while name in taken or name in dir(builtins):
        name, n = f"{base}_{n}", n + 1
    taken.add(name)
    return name


def rendered_test_for(
    rendered: list[RenderedTest], classname: str, name: str
) -> RenderedTest | None:
    """The rendered test a JUnit result names (``classname`` ``tests.test_calc_ops``,
    ``name`` ``test_add_example_1``; a parametrised ``[...]`` suffix is ignored)."""
    name = name.split("[", 1)[0]
    matches = [
        r
        for r in rendered
        if r.name == name
        and (not classname or r.path.removesuffix(".py").replace("/", ".").endswith(classname))
    ]
    return matches[0] if len(matches) == 1 else None
