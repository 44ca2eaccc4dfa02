"""Benchmark: what mypy's type check costs on a calculator project (the shape
``examples/calculator.txt`` asks for: operations, a tokenizer and parser, an evaluator, a
command line, tests).

Prints ``name: value`` lines (medians of the timed runs, seconds):

- ``cold_s``: one run with an empty cache (what semantic validation pays once per tree);
  ``cold_cpu_s`` and ``warm_cpu_s``: mypy's CPU seconds for the same runs (what a busy
  machine's wall time hides);
- ``warm_s``: a run after one module changed, on the cache of earlier runs (what each check
  of code generation pays when type findings block);
- ``memo_s``: the same tree again (answered from memory: the check before keeping a reply
  and the one after it judge the same file);
- ``semantic_validation_s`` / ``semantic_validation_typed_s``: stage 6 on the tree without
  and with the type check.

    .venv/bin/python bench/type_check.py [--runs 5]
"""

import argparse
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from quantumlayer_dagster.analysis.type_check import TypeChecker, type_issues
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.stages.semantic_validation import validate_code

OPERATIONS = '''\
"""Arithmetic operations."""


def add(a: float, b: float) -> float:
    return a + b


def subtract(a: float, b: float) -> float:
    return a - b


def multiply(a: float, b: float) -> float:
    return a * b


def divide(a: float, b: float) -> float:
    if b == 0:
        raise ZeroDivisionError("division by zero")
    return a / b


OPERATORS = {"+": add, "-": subtract, "*": multiply, "/": divide}
'''
TOKENIZER = '''\
"""Splits an expression into numbers, operators and parentheses."""

from dataclasses import dataclass


@dataclass(frozen=True)
class Token:
    kind: str
    text: str


def tokenize(expression: str) -> list[Token]:
    tokens: list[Token] = []
    number = ""
    for char in expression:
        if char.isdigit() or char == ".":
            number += char
            continue
        if number:
            tokens.append(Token("number", number))
            number = ""
        if char in "+-*/()":
            tokens.append(Token("op" if char in "+-*/" else "paren", char))
        elif not char.isspace():
            raise ValueError(f"unexpected character {char!r}")
    if number:
        tokens.append(Token("number", number))
    return tokens
'''
EVALUATOR = '''\
"""Evaluates a token list with operator precedence (shunting-yard)."""

from calculator.operations import OPERATORS
from calculator.tokenizer import Token, tokenize

PRECEDENCE = {"+": 1, "-": 1, "*": 2, "/": 2}


def to_postfix(tokens: list[Token]) -> list[Token]:
    output: list[Token] = []
    stack: list[Token] = []
    for token in tokens:
        if token.kind == "number":
            output.append(token)
        elif token.kind == "op":
            while stack and stack[-1].kind == "op" and (
                PRECEDENCE[stack[-1].text] >= PRECEDENCE[token.text]
            ):
                output.append(stack.pop())
            stack.append(token)
        elif token.text == "(":
            stack.append(token)
        else:
            while stack and stack[-1].text != "(":
                output.append(stack.pop())
            if not stack:
                raise ValueError("unbalanced parentheses")
            stack.pop()
    while stack:
        output.append(stack.pop())
    return output


def evaluate(expression: str) -> float:
    values: list[float] = []
    for token in to_postfix(tokenize(expression)):
        if token.kind == "number":
            values.append(float(token.text))
        else:
            right, left = values.pop(), values.pop()
            values.append(OPERATORS[token.text](left, right))
    if len(values) != 1:
        raise ValueError("malformed expression")
    return values[0]
'''
HISTORY = '''\
"""Remembers the last results."""

from collections import deque


class History:
    def __init__(self, size: int = 10) -> None:
        self._items: deque[tuple[str, float]] = deque(maxlen=size)

    def record(self, expression: str, result: float) -> None:
        self._items.append((expression, result))

    def last(self) -> tuple[str, float] | None:
        return self._items[-1] if self._items else None

    def __len__(self) -> int:
        return len(self._items)
'''
CLI = '''\
"""Command line: evaluate expressions given as arguments, or read them line by line."""

import argparse
import sys

from calculator.evaluator import evaluate
from calculator.history import History


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="A calculator")
    parser.add_argument("expression", nargs="*")
    args = parser.parse_args(argv)
    history = History()
    lines = [" ".join(args.expression)] if args.expression else sys.stdin
    for line in lines:
        try:
            result = evaluate(line)
        except (ValueError, ZeroDivisionError) as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 1
        history.record(line, result)
        print(result)
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
TESTS = """\
from calculator.evaluator import evaluate
from calculator.operations import divide


def test_precedence() -> None:
    assert evaluate("1 + 2 * 3") == 7


def test_parentheses() -> None:
    assert evaluate("(1 + 2) * 3") == 9


def test_divide() -> None:
    assert divide(6, 3) == 2
"""

TREE = [
    SourceFile(path="calculator/__init__.py", content='"""A calculator."""\n'),
    SourceFile(path="calculator/operations.py", content=OPERATIONS),
    SourceFile(path="calculator/tokenizer.py", content=TOKENIZER),
    SourceFile(path="calculator/evaluator.py", content=EVALUATOR),
    SourceFile(path="calculator/history.py", content=HISTORY),
    SourceFile(path="calculator/cli.py", content=CLI),
    SourceFile(path="tests/test_calculator.py", content=TESTS),
]


def median_s(action: Callable[[int], object], runs: int) -> float:
    times = []
    for n in range(runs):
        start = time.perf_counter()
        action(n)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def median_cpu_s(action: Callable[[int], object], runs: int) -> float:
    """Median CPU seconds (user and system) of the child processes ``action`` starts."""

    def children() -> float:
        usage = resource.getrusage(resource.RUSAGE_CHILDREN)
        return usage.ru_utime + usage.ru_stime

    times = []
    for n in range(runs):
        start = children()
        action(n)
        times.append(children() - start)
    return statistics.median(times)


def changed(n: int) -> list[SourceFile]:
    """The tree with the CLI edited (as a repair would), different on every run."""
    cli = SourceFile(path="calculator/cli.py", content=CLI + f"\nVERSION = {n}\n")
    return [cli if f.path == cli.path else f for f in TREE]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    runs = parser.parse_args().runs
    found = type_issues(TREE)
    assert found == [], [i.describe() for i in found]
    print(f"python_files: {len(TREE)}")
    print(f"cold_s: {median_s(lambda n: type_issues(TREE), runs):.3f}")
    print(f"cold_cpu_s: {median_cpu_s(lambda n: type_issues(TREE), runs):.3f}")
    with tempfile.TemporaryDirectory() as folder:
        checker = TypeChecker(Path(folder))
        checker.check(TREE, "warning")
        print(f"warm_s: {median_s(lambda n: checker.check(changed(n), 'warning'), runs):.3f}")
        warm_cpu = median_cpu_s(lambda n: checker.check(changed(n + runs), "warning"), runs)
        print(f"warm_cpu_s: {warm_cpu:.3f}")
        print(f"memo_s: {median_s(lambda n: checker.check(TREE, 'warning'), runs):.4f}")
    plain = median_s(lambda n: validate_code(TREE), runs)
    typed = median_s(lambda n: validate_code(TREE, types="warn"), runs)
    print(f"semantic_validation_s: {plain:.3f}")
    print(f"semantic_validation_typed_s: {typed:.3f}")


if __name__ == "__main__":
    main()
