"""Every test function checks something: its body (or a helper of the test suite it calls)
holds an ``assert``, ``pytest.raises``/``warns``/``fail``, so no test passes by merely
running. Read from the source with ``ast``; nothing is imported or run."""

import ast
from collections.abc import Iterator
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
CHECKING_CALLS = {"raises", "warns", "fail", "deprecated_call"}
"""``pytest.<name>`` calls that fail the test when their expectation is not met."""
RAISING_VALIDATORS = {("kubernetes_validate", "validate")}
"""Library calls whose one job is to raise when what they are given is invalid (the strict
Kubernetes schema check), so a test made of them checks something."""


def _called_names(node: ast.AST) -> Iterator[str]:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if isinstance(func, ast.Name):
                yield func.id
            elif isinstance(func, ast.Attribute):
                yield func.attr


def _checks_directly(fn: ast.AST) -> bool:
    if any(isinstance(sub, ast.Assert) for sub in ast.walk(fn)):
        return True
    for sub in ast.walk(fn):
        if isinstance(sub, ast.Call) and isinstance(sub.func, ast.Attribute):
            owner = sub.func.value
            is_pytest = isinstance(owner, ast.Name) and owner.id == "pytest"
            if is_pytest and sub.func.attr in CHECKING_CALLS:
                return True
            owner_name = owner.id if isinstance(owner, ast.Name) else None
            if (owner_name, sub.func.attr) in RAISING_VALIDATORS:
                return True
    return False


def _module_for(name: str) -> Path | None:
    """The file of a ``tests.`` module (``tests.fixtures.x`` -> tests/fixtures/x.py)."""
    if not name.startswith("tests."):
        return None
    path = TESTS.parent.joinpath(*name.split(".")).with_suffix(".py")
    return path if path.exists() else None


def _functions(path: Path, seen: set[Path] | None = None) -> dict[str, ast.AST]:
    """Every function defined in ``path`` or imported into it from another ``tests.`` module,
    by the name it has there."""
    seen = seen if seen is not None else set()
    if path in seen:
        return {}
    seen.add(path)
    tree = ast.parse(path.read_text(), filename=str(path))
    found: dict[str, ast.AST] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            found.setdefault(node.name, node)
        elif isinstance(node, ast.ImportFrom) and node.module:
            source = _module_for(node.module)
            if source is not None:
                theirs = _functions(source, seen)
                for alias in node.names:
                    if alias.name in theirs:
                        found.setdefault(alias.asname or alias.name, theirs[alias.name])
    return found


def _checks(fn: ast.AST, helpers: dict[str, ast.AST], visiting: set[int]) -> bool:
    """True when ``fn`` asserts, or calls a helper of the suite that does."""
    if _checks_directly(fn):
        return True
    visiting.add(id(fn))
    for name in set(_called_names(fn)):
        helper = helpers.get(name)
        if helper is not None and id(helper) not in visiting and _checks(helper, helpers, visiting):
            return True
    return False


def unchecked_tests(path: Path) -> list[str]:
    """``file name::test`` of each test function in ``path`` that checks nothing."""
    helpers = _functions(path)
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        is_test = isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith(
            "test_"
        )
        if is_test and not _checks(node, helpers, set()):
            found.append(f"{path.name}::{node.name}")
    return found


def test_every_test_function_asserts_something() -> None:
    files = sorted(p for p in TESTS.rglob("test_*.py") if "data" not in p.parts)
    assert len(files) > 40  # the whole suite was read, not an empty folder
    offenders = [
        f"{path.parent.relative_to(TESTS)}/{name}"
        for path in files
        for name in unchecked_tests(path)
    ]
    assert offenders == [], "tests that check nothing:\n" + "\n".join(offenders)


def test_the_checker_finds_a_test_that_only_runs_code(tmp_path: Path) -> None:
    module = tmp_path / "test_sample.py"
    module.write_text(
        "import pytest\n\n"
        "def check(x):\n    assert x\n\n"
        "def run(x):\n    return x\n\n"
        "def test_runs_only():\n    run(1)\n\n"
        "def test_asserts():\n    assert run(1)\n\n"
        "def test_through_a_helper():\n    check(run(1))\n\n"
        "def test_raises():\n    with pytest.raises(ValueError):\n        int('x')\n"
    )
    assert unchecked_tests(module) == ["test_sample.py::test_runs_only"]
