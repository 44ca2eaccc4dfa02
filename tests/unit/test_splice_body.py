"""Splicing a model's reply into a slot by syntax tree: our signature and docstring stay, the
body is the model's, its helpers are kept (nested), its imports are checked and hoisted, and
what breaks the plan is refused with a finding."""

import ast

import pytest

from quantumlayer_dagster.generation.slots import find_slots, function_slot
from quantumlayer_dagster.generation.splice_body import (
    SpliceRefused,
    assemble,
    body_from_reply,
    standard_library,
)

MODULE = '''"""Arithmetic."""

from __future__ import annotations

import math


def add(a: float, b: float) -> float:
    """Return the sum of a and b.

    >>> add(2, 3)
    5
    """
    raise NotImplementedError("add")


def root(x: float) -> float:
    """The square root of x."""
    raise NotImplementedError("root")
'''


def allowed(module: str) -> str | None:
    return None if standard_library(module) else f"`{module}` is outside the allowance"


def splice(reply: str, name: str = "add", **kwargs: object) -> str:
    slot = function_slot(MODULE, name)
    options = {"allowed": allowed, "taken": frozenset({"math", "add", "root"} - {name})}
    options |= {"siblings": frozenset({"add", "root"} - {name}), **kwargs}
    body = body_from_reply(reply, slot, **options)  # type: ignore[arg-type]
    return assemble(MODULE, {slot: body})


def test_our_signature_and_docstring_stay_and_the_body_is_the_replys():
    result = splice('def add(a: int, b: int) -> int:\n    """Adds."""\n    return a + b\n')
    assert "def add(a: float, b: float) -> float:" in result
    assert "    >>> add(2, 3)" in result and '"""Adds."""' not in result
    assert "    return a + b" in result


def test_the_body_replaces_the_placeholder_and_nothing_else():
    result = splice("def add(a, b):\n    return a + b\n")
    assert 'raise NotImplementedError("add")' not in result
    assert 'raise NotImplementedError("root")' in result
    assert ast.parse(result)


def test_a_body_without_its_def_line_is_spliced_as_the_body():
    result = splice("    total = a + b\n    return total\n")
    assert "    total = a + b\n    return total\n" in result


def test_a_reply_that_changes_the_parameters_is_refused_naming_both():
    with pytest.raises(SpliceRefused) as refused:
        splice("def add(a, b, c):\n    return a + b + c\n")
    assert refused.value.findings == [
        "the reply changes the parameters of `add`: planned `add(a, b)`, the reply has "
        "`add(a, b, c)`; keep the parameters as given"
    ]


def test_parameters_named_otherwise_are_given_our_names_in_the_body():
    result = splice("def add(x, y):\n    total = x + y\n    return total\n")
    assert "def add(a: float, b: float) -> float:" in result
    assert "    total = a + b\n    return total" in result


def test_parameters_are_not_renamed_where_that_would_change_what_a_name_means():
    # `a` already means something else in the reply's body
    with pytest.raises(SpliceRefused, match="the reply changes the parameters"):
        splice("def add(x, y):\n    a = 1\n    return x + y + a\n")


def test_an_import_outside_the_allowance_is_refused():
    with pytest.raises(SpliceRefused) as refused:
        splice("import requests\n\ndef add(a, b):\n    return a + b\n")
    assert refused.value.findings == ["`requests` is outside the allowance"]


def test_an_import_outside_the_allowance_inside_the_body_is_refused_too():
    with pytest.raises(SpliceRefused) as refused:
        splice("def add(a, b):\n    import numpy\n    return a + b\n")
    assert refused.value.findings == ["`numpy` is outside the allowance"]


def test_a_helper_named_like_an_imported_name_is_refused():
    with pytest.raises(SpliceRefused) as refused:
        splice("def math(x):\n    return x\n\ndef add(a, b):\n    return a + b\n")
    assert refused.value.findings[0].startswith("the reply defines `math`, a name the module")


def test_helpers_are_kept_nested_in_the_body():
    reply = (
        "_SCALE = 1\n\ndef _twice(n):\n    return 2 * n\n\n"
        "def add(a, b):\n    return _twice(a + b) // 2 * _SCALE\n"
    )
    result = splice(reply)
    body = result.split('    """\n', 1)[1].split("def root")[0]
    assert "    _SCALE = 1" in body and "    def _twice(n):" in body
    assert "        return 2 * n" in body


def test_an_allowed_import_is_hoisted_once_to_the_import_block():
    result = splice(
        "import math\nfrom statistics import mean\n\ndef add(a, b):\n    return mean([a, b]) * 2\n"
    )
    head = result.split("def add")[0]
    assert head.count("import math") == 1 and "from statistics import mean" in head


def test_example_calls_prints_and_a_main_block_are_dropped():
    reply = (
        "def add(a, b):\n    return a + b\n\nprint(add(2, 3))\nresult = add(1, 1)\n"
        "assert add(1, 2) == 3\nif __name__ == '__main__':\n    add(0, 0)\n"
    )
    result = splice(reply)
    assert "print(" not in result and "assert" not in result and "__main__" not in result
    assert "result = add(1, 1)" not in result


def test_a_sibling_written_again_in_the_reply_is_dropped():
    result = splice("def root(x):\n    return 0\n\ndef add(a, b):\n    return a + b\n")
    assert 'raise NotImplementedError("root")' in result and "return 0" not in result


def test_the_one_function_of_a_reply_under_another_name_is_taken_as_the_slot():
    result = splice("def calc_add(a, b):\n    return a + b\n")
    assert "    return a + b" in result and "calc_add" not in result


def test_a_reply_that_does_not_parse_is_refused_with_the_line():
    with pytest.raises(SpliceRefused) as refused:
        splice("def add(a, b):\n    return (a +\n")
    assert refused.value.findings[0].startswith("the reply for `add` does not parse: line ")


def test_a_placeholder_body_is_refused():
    with pytest.raises(SpliceRefused) as refused:
        splice("def add(a, b):\n    '''Adds.'''\n    ...\n")
    assert refused.value.findings == ["the body of `add` is still a placeholder: write it"]


def test_a_method_is_spliced_from_the_whole_class_in_the_reply():
    module = (
        "class Counter:\n    def __init__(self, start: int) -> None:\n"
        "        self.start = start\n\n"
        "    def up(self, step: int) -> int:\n        raise NotImplementedError('Counter.up')\n"
    )
    slot = function_slot(module, "Counter.up")
    reply = (
        "class Counter:\n    def up(self, step):\n        self.start += step\n"
        "        return self.start\n"
    )
    body = body_from_reply(reply, slot, allowed=allowed)
    result = assemble(module, {slot: body})
    assert "        self.start += step\n        return self.start" in result


def test_find_slots_lists_only_placeholder_bodies_in_order():
    names = [
        s.qualname
        for s in find_slots(MODULE.replace('raise NotImplementedError("root")', "return x"))
    ]
    assert names == ["add"]
