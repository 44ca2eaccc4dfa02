"""The engine with the Node kit: a TypeScript skeleton of ours, bodies from the (scripted)
model spliced in, checked by the blocking checks (tsc), judged by their examples in the
sandbox and sent back with the failing call until they pass."""

import pytest

from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.interface import (
    ClassPlan,
    ExamplePlan,
    FunctionPlan,
    ModuleInterface,
    ParamPlan,
)
from quantumlayer_dagster.generation.body_state import BodyTarget
from quantumlayer_dagster.generation.fill_bodies import fill_bodies
from quantumlayer_dagster.generation.node_body_imports import node_allowance
from quantumlayer_dagster.generation.node_kit import TYPESCRIPT
from quantumlayer_dagster.generation.node_literals import node_example
from quantumlayer_dagster.generation.node_skeleton import render_node_module
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.testing.node_test_run import find_node, node_problem

pytestmark = [
    pytest.mark.sandbox,
    pytest.mark.slow,  # a tsc run per candidate and per judged round (~1 minute under load)
    pytest.mark.skipif(node_problem(find_node()) is not None, reason="node missing"),
]
PATH = "src/calc.ts"
PLAN = ModuleInterface(
    functions=[
        FunctionPlan(
            name="add",
            params=[ParamPlan(name="a", type="number"), ParamPlan(name="b", type="number")],
            returns="number",
            contract="The sum.",
            examples=[ExamplePlan(call="add(2, 3)", result="5")],
        )
    ],
    classes=[
        ClassPlan(
            name="Tally",
            contract="A running total.",
            init=[ParamPlan(name="total", type="number")],
            methods=[
                FunctionPlan(
                    name="plus",
                    params=[ParamPlan(name="n", type="number")],
                    returns="number",
                    contract="Adds n and returns the total.",
                    examples=[ExamplePlan(call="new Tally(1).plus(2)", result="3")],
                )
            ],
        )
    ],
)
ADD = "export function add(a: number, b: number): number {\n  return a %s b;\n}"
REPLIES = {
    f"{PATH}::add": [f"```typescript\n{ADD % '-'}\n```", f"```typescript\n{ADD % '+'}\n```"],
    f"{PATH}::Tally.plus": [
        "```typescript\nplus(x: number): number {\n  return 0;\n}\n```",
        "```typescript\nplus(n: number): number {\n  this.total += n;\n"
        "  return this.total;\n}\n```",
    ],
}


def test_bodies_are_repaired_until_their_examples_pass(register_script, scripted_config) -> None:  # type: ignore[no-untyped-def]
    from quantumlayer_dagster.llm.client import LiteLLMClient
    from quantumlayer_dagster.llm.config import load_llm_config

    register_script(stages={}, files={"code_tree": REPLIES})
    llm = LiteLLMClient(load_llm_config(scripted_config))
    package = '{"name": "calc", "type": "module"}\n'
    files = {
        "package.json": package,
        PATH: render_node_module("Calc", PLAN, {}, "typescript", PATH),
    }

    def check(path: str, content: str, current: dict[str, str]) -> list[str]:
        context = project_context(list(current), [], current)
        return [
            i.describe() for i in blocking_issues(SourceFile(path=path, content=content), context)
        ]

    def target(qualname: str, plan: FunctionPlan) -> BodyTarget:
        examples = tuple(e for x in plan.examples if (e := node_example(x.call, x.result)))
        return BodyTarget(
            path=PATH,
            qualname=qualname,
            examples=examples,
            allowed=node_allowance([], set()),
            taken=frozenset({"add", "Tally"} - {qualname.split(".")[0]}),
            siblings=frozenset({"add", "Tally"} - {qualname.split(".")[0]}),
        )

    result = fill_bodies(
        files,
        [target("add", PLAN.functions[0]), target("Tally.plus", PLAN.classes[0].methods[0])],
        llm,
        Sandbox(SandboxLimits(wall_timeout_s=60)),
        stage="code_tree",
        check=check,
        max_rounds=2,
        kit=TYPESCRIPT,
    )
    module = result.files[PATH]
    assert "  return a + b;\n" in module
    assert "    this.total += n;\n    return this.total;\n" in module
    assert [(b.qualname, b.examples_pass) for b in result.bodies] == [
        ("add", True),
        ("Tally.plus", True),
    ]
    plus = result.bodies[1].attempts
    assert plus[0].findings[0].startswith("the reply changes the parameters of `plus`")
    assert result.bodies[0].attempts[0].first_failure == "`add(2, 3)` should be 5 but returned -1"
