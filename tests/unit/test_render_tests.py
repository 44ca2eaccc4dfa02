"""pytest files our code renders from the plan: one test per example and case, each an
assertion of the call's result (with a tolerance for floats, identity for True/False/None) or
of the exception it raises, importing what it calls from the module under test."""

import ast

from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.render_tests import (
    PlannedTest,
    render_pytest_files,
    rendered_test_for,
)

TESTS = [
    PlannedTest("calc/ops.py::add", Example("add(2, 3)", "5"), "example 1"),
    PlannedTest("calc/ops.py::mean", Example("mean([1, 2])", "1.5"), "example 1"),
    PlannedTest("calc/ops.py::is_even", Example("is_even(3)", "False"), "TC1 AC1"),
    PlannedTest("calc/ops.py::divide", Example("divide(1, 0)", raises="ValueError"), "example 2"),
    PlannedTest("calc/ops.py::divide", Example("divide(1, 0)", raises="CalcError"), "TC2 AC3"),
    PlannedTest("calc/shapes.py::Box.total", Example("Box([1, 2]).total()", "3"), "example 1"),
]


def rendered():  # type: ignore[no-untyped-def]
    return render_pytest_files(TESTS, {"calc/ops.py": {"CalcError"}})


def test_one_file_per_module_importing_what_its_tests_call():
    files, _ = rendered()
    assert [f.path for f in files] == ["tests/test_calc_ops.py", "tests/test_calc_shapes.py"]
    ops = files[0].content
    assert "import pytest\n" in ops
    assert "from calc.ops import CalcError, add, divide, is_even, mean\n" in ops
    assert "from calc.shapes import Box\n" in files[1].content
    assert all(ast.parse(f.content) for f in files)


def test_each_example_is_an_assertion_of_its_result_or_its_exception():
    ops = rendered()[0][0].content
    assert "def test_add_example_1():\n    assert add(2, 3) == 5\n" in ops
    assert "    assert mean([1, 2]) == pytest.approx(1.5, rel=1e-6, abs=1e-9)\n" in ops
    assert "def test_is_even_tc1_ac1():\n    assert is_even(3) is False\n" in ops
    assert "    with pytest.raises(ValueError):\n        divide(1, 0)\n" in ops
    assert "    with pytest.raises(CalcError):\n        divide(1, 0)\n" in ops


def test_test_names_are_unique_and_say_what_they_check():
    _, tests = rendered()
    assert [t.name for t in tests] == [
        "test_add_example_1",
        "test_mean_example_1",
        "test_is_even_tc1_ac1",
        "test_divide_example_2",
        "test_divide_tc2_ac3",
        "test_box_total_example_1",
    ]


def test_a_junit_result_is_traced_back_to_the_function_it_tests():
    _, tests = rendered()
    found = rendered_test_for(tests, "tests.test_calc_ops", "test_divide_tc2_ac3")
    assert found is not None and found.planned.target == "calc/ops.py::divide"
    assert rendered_test_for(tests, "tests.test_calc_ops", "test_nothing") is None
