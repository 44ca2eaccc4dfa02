"""Our code renders each module from its planned interface, and a rendered skeleton passes
every blocking check of semantic validation by construction: checked over hand-written
plans and plans hypothesis generates. A plan that could not render cleanly (a bad
annotation, an unknown module it uses, an example that is not a literal) is refused with
the finding before anything is rendered."""

import keyword
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.artifacts.brief import Brief
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.interface import (
    ClassPlan,
    ExamplePlan,
    FunctionPlan,
    ModuleInterface,
    ParamPlan,
)
from quantumlayer_dagster.artifacts.interface_draft import (
    ExampleDraft,
    FunctionSketch,
    ModuleSketch,
    ParamDraft,
)
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.artifacts.structure import (
    PlannedFile,
    ProjectStructure,
    ProjectStructureDraft,
)
from quantumlayer_dagster.generation.interface_checks import (
    ExampleContext,
    SketchContext,
    example_problem,
    sketch_problems,
)
from quantumlayer_dagster.generation.python_project import render_skeletons
from quantumlayer_dagster.generation.slots import find_slots

RID = "r20261206000000-abcdef12"
BRIEF = Brief(request_id=RID, title="t", summary="s", language="python", options=RequestOptions())


def structure(modules: dict[str, tuple[ModuleInterface, list[str]]]) -> ProjectStructure:
    files = [PlannedFile(path="pkg/__init__.py", purpose="the package", kind="package_marker")]
    files += [
        PlannedFile(path=path, purpose=f"module {path}", uses=uses, interface=interface)
        for path, (interface, uses) in modules.items()
    ]
    return ProjectStructure(
        request_id=RID, brief=BRIEF, package="pkg", files=files, libraries=[], requirement_notes=[]
    )


def blocking(plan: ProjectStructure) -> dict[str, list[str]]:
    files = render_skeletons(plan)
    context = project_context(list(files), [], files)
    return {
        path: [i.describe() for i in blocking_issues(SourceFile(path=path, content=c), context)]
        for path, c in files.items()
    }


def fn(name: str, params: list[tuple[str, str]], returns: str, *examples: tuple[str, str]):
    return FunctionPlan(
        name=name,
        params=[ParamPlan(name=n, type=t) for n, t in params],
        returns=returns,
        contract=f"What {name} does.",
        examples=[ExamplePlan(call=c, result=r) for c, r in examples],
    )


CALC = ModuleInterface(
    imports=["math"],
    functions=[
        fn("add", [("a", "float"), ("b", "float")], "float", ("add(2, 3)", "5")),
        fn("root", [("x", "float")], "float", ("root(-1)", "raises ValueError")),
    ],
)
SHAPES = ModuleInterface(
    classes=[
        ClassPlan(
            name="Box",
            contract="A box of items.",
            init=[ParamPlan(name="items", type="list[int]")],
            methods=[fn("total", [], "int", ("Box([1, 2]).total()", "3"))],
        )
    ],
    functions=[fn("biggest", [("boxes", "list[Box]")], "Box | None")],
)
REPORT = ModuleInterface(
    functions=[fn("summary", [("box", "Box"), ("scale", "Optional[float]")], "dict[str, float]")]
)


def test_hand_written_plans_render_to_modules_that_pass_every_blocking_check():
    plan = structure(
        {
            "pkg/calc.py": (CALC, []),
            "pkg/shapes.py": (SHAPES, []),
            "pkg/report.py": (REPORT, ["pkg/shapes.py", "pkg/calc.py"]),
        }
    )
    assert blocking(plan) == {path: [] for path in render_skeletons(plan)}


def test_the_skeleton_carries_signatures_contracts_examples_and_placeholders():
    files = render_skeletons(structure({"pkg/calc.py": (CALC, [])}))
    calc = files["pkg/calc.py"]
    assert "import math" in calc and "def add(a: float, b: float) -> float:" in calc
    assert '    """What add does.\n\n    >>> add(2, 3)\n    5\n    """' in calc
    assert "    >>> root(-1)\n    Traceback (most recent call last):\n    ValueError" in calc
    assert [s.qualname for s in find_slots(calc)] == ["add", "root"]


def test_a_class_keeps_its_constructor_arguments_and_leaves_its_methods_to_the_model():
    shapes = render_skeletons(structure({"pkg/shapes.py": (SHAPES, [])}))["pkg/shapes.py"]
    assert "    def __init__(self, items: list[int]) -> None:\n        self.items = items" in shapes
    assert [s.qualname for s in find_slots(shapes)] == ["biggest", "Box.total"]


def test_a_module_imports_the_public_names_of_the_modules_it_uses():
    plan = structure({"pkg/shapes.py": (SHAPES, []), "pkg/report.py": (REPORT, ["pkg/shapes.py"])})
    assert "from pkg.shapes import Box, biggest" in render_skeletons(plan)["pkg/report.py"]


WORDS = ["count", "parse", "total", "scale", "item", "word", "limit", "value", "merge", "rank"]
TYPES = {
    "int": st.integers(-99, 99).map(repr),
    "float": st.floats(-99, 99, allow_nan=False).map(lambda f: repr(round(f, 2))),
    "str": st.text("abc xyz", max_size=6).map(repr),
    "bool": st.booleans().map(repr),
    "list[int]": st.lists(st.integers(0, 9), max_size=3).map(repr),
    "dict[str, int]": st.dictionaries(st.sampled_from("abc"), st.integers(0, 9)).map(repr),
    "tuple[int, str]": st.tuples(st.integers(0, 9), st.sampled_from("ab")).map(repr),
    "int | None": st.one_of(st.none(), st.integers(0, 9)).map(repr),
}


@st.composite
def functions(draw: st.DrawFn, taken: set[str]) -> FunctionPlan:
    name = draw(
        st.lists(st.sampled_from(WORDS), min_size=1, max_size=2)
        .map("_".join)
        .filter(lambda n: n not in taken and not keyword.iskeyword(n))
    )
    taken.add(name)
    count = draw(st.integers(0, 3))
    names = draw(st.lists(st.sampled_from(WORDS), min_size=count, max_size=count, unique=True))
    types = [draw(st.sampled_from(sorted(TYPES))) for _ in names]
    returns = draw(st.sampled_from([*sorted(TYPES), "None"]))
    examples = []
    for _ in range(draw(st.integers(0, 2))):
        args = ", ".join(draw(TYPES[t]) for t in types)
        result = draw(TYPES[returns]) if returns != "None" else "None"
        examples.append((f"{name}({args})", draw(st.sampled_from([result, "raises ValueError"]))))
    return fn(name, list(zip(names, types, strict=True)), returns, *examples)


@st.composite
def projects(draw: st.DrawFn) -> ProjectStructure:
    taken: set[str] = set()
    modules: dict[str, tuple[ModuleInterface, list[str]]] = {}
    for n in range(draw(st.integers(1, 3))):
        interface = ModuleInterface(
            imports=draw(st.lists(st.sampled_from(["re", "math", "json"]), unique=True)),
            functions=draw(st.lists(functions(taken), min_size=1, max_size=3)),
        )
        uses = draw(st.lists(st.sampled_from(sorted(modules)), unique=True)) if modules else []
        modules[f"pkg/mod{n}.py"] = (interface, uses)
    return structure(modules)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(projects())
def test_generated_plans_render_to_modules_that_pass_every_blocking_check(plan):
    assert blocking(plan) == {path: [] for path in render_skeletons(plan)}


def sketch(**function: object) -> ModuleSketch:
    base = {"name": "add", "params": [ParamDraft(name="a", type="int")], "returns": "int"}
    return ModuleSketch(functions=[FunctionSketch(**{**base, "contract": "Adds.", **function})])


CONTEXT = SketchContext(libraries=frozenset(), imported_names={}, imported_classes=frozenset())


def test_a_sketch_with_an_annotation_that_names_nothing_is_refused_with_the_finding():
    problems = sketch_problems(sketch(returns="Widget"), CONTEXT)
    assert problems == [
        "add returns: annotation 'Widget' names `Widget`, which is not a type the plan has"
    ]


def test_a_sketch_importing_an_undeclared_library_is_refused_with_the_finding():
    problems = sketch_problems(
        ModuleSketch(imports=["numpy"], functions=sketch().functions), CONTEXT
    )
    assert problems == [
        "import `numpy` is neither standard library nor a declared requirement (none)"
    ]


def test_a_sketch_redefining_a_name_it_imports_is_refused():
    context = SketchContext(
        libraries=frozenset(), imported_names={"add": "pkg/ops.py"}, imported_classes=frozenset()
    )
    assert sketch_problems(sketch(), context) == [
        "`add` is already defined in pkg/ops.py, which this module uses: choose another name"
    ]


def test_a_plan_whose_module_uses_an_unknown_module_is_refused_with_the_finding():
    draft = {
        "package": "pkg",
        "files": [{"path": "pkg/report.py", "purpose": "Report.", "uses": ["pkg/missing.py"]}],
    }
    wanted = re.escape("'pkg/report.py' uses 'pkg/missing.py', which is not a planned file")
    with pytest.raises(ValueError, match=wanted):
        ProjectStructureDraft.model_validate(draft, context={"max_files": 6})


@pytest.mark.parametrize(
    ("args", "result", "problem"),
    [
        (["x"], "3", "argument `x` is not a Python literal"),
        (["1", "2"], "3", "an example gives 2 arguments, the function takes 1"),
        (["'one'"], "3", "argument `'one'` is not a int"),
        (["1"], "int(3)", "result `int(3)` is not a Python literal"),
        (
            ["1"],
            "raises Oops",
            "`raises Oops`: Oops is not an exception class the module can raise",
        ),
    ],
)
def test_an_example_that_is_not_a_literal_call_of_the_signature_is_refused(args, result, problem):
    context = ExampleContext(
        params=("int",), init=(), returns="int", exceptions=frozenset({"ValueError"})
    )
    assert example_problem(ExampleDraft(args=args, result=result), context) == problem
