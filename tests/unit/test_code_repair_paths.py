"""Each repair path of the body engine on the scripted provider: a first reply with the
mistake, the repair request carrying the finding, a fixed second reply, and the record (the
body's attempts, which the asset shows) holding both. The mistakes are the ones seen from
real models: a module that does not exist, a name nothing defines, a call that does not fit
the signature, a name a used module does not define, a type error."""

import pytest

from quantumlayer_dagster.analysis.type_check import type_checker
from quantumlayer_dagster.artifacts.brief import Brief
from quantumlayer_dagster.artifacts.interface import (
    ExamplePlan,
    FunctionPlan,
    ModuleInterface,
    ParamPlan,
)
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.artifacts.structure import PlannedFile, ProjectStructure
from quantumlayer_dagster.generation.python_project import write_python_project
from quantumlayer_dagster.sandbox import Sandbox
from tests.fixtures.llm_client import client_from_yaml
from tests.fixtures.sandbox_modes import bwrap_only

RID = "r20261206000000-abcdef12"
ADD = "calc/ops.py::add"
TOTAL = "calc/report.py::total"
ADD_RIGHT = "def add(a, b):\n    return a + b\n"
TOTAL_RIGHT = (
    "def total(values):\n    result = 0\n    for v in values:\n"
    "        result = add(result, v)\n    return result\n"
)
CONFIG = """
groups:
  scripted:
    structured_output: json_schema
    deployments:
      - model: scripted/fixture
default: scripted
cache: {backend: none}
concurrency: {max_parallel_calls: 1}
"""


def plan(name: str, params: list[tuple[str, str]], returns: str, call: str, result: str):
    return FunctionPlan(
        name=name,
        params=[ParamPlan(name=n, type=t) for n, t in params],
        returns=returns,
        contract=f"{name} as planned.",
        examples=[ExamplePlan(call=call, result=result)],
    )


def calculator() -> ProjectStructure:
    """calc/ops.py (add) and calc/report.py (total, which uses ops)."""
    ops = ModuleInterface(
        functions=[plan("add", [("a", "int"), ("b", "int")], "int", "add(2, 3)", "5")]
    )
    report = ModuleInterface(
        functions=[plan("total", [("values", "list[int]")], "int", "total([1, 2, 3])", "6")]
    )
    brief = Brief(
        request_id=RID, title="Calc", summary="", language="python", options=RequestOptions()
    )
    files = [
        PlannedFile(path="calc/__init__.py", purpose="the package", kind="package_marker"),
        PlannedFile(path="calc/ops.py", purpose="arithmetic", interface=ops),
        PlannedFile(
            path="calc/report.py", purpose="totals", uses=["calc/ops.py"], interface=report
        ),
    ]
    return ProjectStructure(
        request_id=RID, brief=brief, package="calc", files=files, libraries=[], requirement_notes=[]
    )


@bwrap_only
@pytest.mark.parametrize(
    ("mistake", "finding"),
    [
        (
            "import frobnicator_zz\n\ndef total(values):\n    return 0\n",
            "the body imports `frobnicator_zz`, outside the plan's allowance (calc.ops)",
        ),
        (
            "def total(values):\n    return sum(valuez)\n",
            "calc/report.py:14:16 Undefined name `valuez` (did you mean `values`?) [F821]",
        ),
        (
            "def total(values):\n    return add(values)\n",
            "calc/report.py:14:12 call to `add` missing required argument `b`; it is "
            "`add(a: int, b: int)` in calc.ops",
        ),
        (
            "from calc.ops import sum_all\n\ndef total(values):\n    return sum_all(values)\n",
            "imports `sum_all` from 'calc.ops', which does not define it",
        ),
        (
            "def total(values):\n    return (sum(values)\n",
            "the reply for `total` does not parse: line 2: '(' was never closed",
        ),
    ],
    ids=["missing-module", "undefined-name", "wrong-arity", "name-not-defined", "syntax"],
)
def test_a_mistake_goes_back_with_its_finding_and_the_fixed_body_is_kept(
    tmp_path, register_script, mistake: str, finding: str
) -> None:
    provider = register_script(
        stages={}, files={"code_tree": {ADD: ADD_RIGHT, TOTAL: [mistake, TOTAL_RIGHT]}}
    )
    llm = client_from_yaml(tmp_path, CONFIG)

    files, bodies, _ = write_python_project(calculator(), llm, Sandbox())

    total = next(b for b in bodies if b.qualname == "total")
    first, fixed = total.attempts
    assert any(finding in f for f in first.findings), first.findings
    assert fixed.sent_back == first.findings and fixed.kept and total.examples_pass
    repair = provider.requests_for("code_tree")[-1]
    assert repair.file == TOTAL and finding in repair.messages[-1]["content"]
    assert "result = add(result, v)" in files["calc/report.py"]


@bwrap_only
def test_a_body_failing_its_example_goes_back_with_the_failing_call(tmp_path, register_script):
    wrong = "def add(a, b):\n    return a - b\n"
    provider = register_script(
        stages={}, files={"code_tree": {ADD: [wrong, ADD_RIGHT], TOTAL: TOTAL_RIGHT}}
    )
    llm = client_from_yaml(tmp_path, CONFIG)

    _, bodies, _ = write_python_project(calculator(), llm, Sandbox())

    add, total = bodies
    assert add.attempts[1].sent_back == ["`add(2, 3)` should be 5 but returned -1"]
    assert add.examples_pass and total.examples_pass
    # total was judged again once add was fixed, and never sent back for add's mistake
    assert [r.file for r in provider.requests_for("code_tree")].count(TOTAL) == 1


@bwrap_only
def test_with_blocking_types_a_type_error_goes_back_and_the_fixed_body_is_kept(
    tmp_path, register_script
):
    typed = "def add(a, b):\n    return str(a + b)\n"
    register_script(stages={}, files={"code_tree": {ADD: [typed, ADD_RIGHT], TOTAL: TOTAL_RIGHT}})
    llm = client_from_yaml(tmp_path, CONFIG)

    with type_checker() as mypy:
        _, bodies, _ = write_python_project(calculator(), llm, Sandbox(), mypy=mypy)

    first = bodies[0].attempts[0]
    assert first.findings == [
        'calc/ops.py:12:12 Incompatible return value type (got "str", expected "int") '
        "[return-value]"
    ]
    assert bodies[0].attempts[1].kept


@bwrap_only
def test_type_errors_do_not_go_back_unless_they_block(tmp_path, register_script):
    typed = "def add(a, b):\n    return str(a + b)\n"
    register_script(stages={}, files={"code_tree": {ADD: [typed, ADD_RIGHT], TOTAL: TOTAL_RIGHT}})
    llm = client_from_yaml(tmp_path, CONFIG)

    _, bodies, _ = write_python_project(calculator(), llm, Sandbox())

    # the typed body passed the blocking checks, failed its example ('5' is not 5), so the
    # repair was about the example, not the type
    assert bodies[0].attempts[0].findings == []
    assert bodies[0].attempts[1].sent_back == ["`add(2, 3)` should be 5 but returned '5'"]
