"""Examples: a call with literal arguments and what it gives, read from a plan or a
docstring; anything that is not a literal call is left out (it would run code to judge)."""

from quantumlayer_dagster.generation.examples import (
    Example,
    docstring_examples,
    example_from_plan,
    is_literal,
    literal_call,
)

DOC = """Return the sum.

>>> add(2, 3)
5
>>> add(-1, 1)
0
>>> add(1, 0) + 1
2
>>> divide(1, 0)
Traceback (most recent call last):
    ...
ZeroDivisionError: division by zero
"""


def test_doctest_lines_of_the_function_become_examples():
    assert docstring_examples(DOC, "add") == [
        Example(call="add(2, 3)", expected="5"),
        Example(call="add(-1, 1)", expected="0"),
    ]


def test_a_doctest_traceback_is_an_expected_exception():
    assert docstring_examples(DOC, "divide") == [
        Example(call="divide(1, 0)", raises="ZeroDivisionError")
    ]


def test_lines_naming_the_function_with_an_arrow_or_equals_are_examples_too():
    doc = "For example:\n    incr([1, 2]) == [2, 3]\n    incr([]) ➞ []\n    other(1) == 2\n"
    assert docstring_examples(doc, "incr") == [
        Example(call="incr([1, 2])", expected="[2, 3]"),
        Example(call="incr([])", expected="[]"),
    ]


def test_a_call_with_a_non_literal_argument_is_left_out():
    doc = ">>> add(x, 3)\n5\n>>> add(len('ab'), 1)\n3\n"
    assert docstring_examples(doc, "add") == []


def test_an_expected_value_that_is_not_a_literal_is_left_out():
    assert docstring_examples(">>> make(1)\n<Thing object>\n", "make") == []


def test_a_method_example_starts_from_its_class():
    assert literal_call("Counter(1).up(2)") and not literal_call("Counter(n).up(2)")


def test_a_plan_result_is_a_literal_or_raises_a_named_exception():
    assert example_from_plan("add(2, 3)", "5") == Example(call="add(2, 3)", expected="5")
    assert example_from_plan("div(1, 0)", "raises ValueError") == Example(
        call="div(1, 0)", raises="ValueError"
    )
    assert example_from_plan("add(2, 3)", "five") is None
    assert example_from_plan("add(*xs)", "5") is None


def test_literals_include_containers_of_literals_and_nothing_that_runs():
    assert is_literal("{'a': [1, 2.5, None], 'b': (True, -3)}")
    assert not is_literal("__import__('os')") and not is_literal("[x for x in y]")
    assert not is_literal("1" * 500)
