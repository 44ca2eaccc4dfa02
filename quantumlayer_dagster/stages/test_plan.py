"""Stage 8: test plan: each acceptance criterion as a call of a planned function.

Two steps: the model picks the planned function each criterion is about (one request, every
criterion a required key, every answer one of the planned functions), then, per function, a
call with literal arguments and the expected result for each of its criteria, decoded under
the schema its signature types (``generation.callee``), in the plan's language (Python, or
JavaScript literals for a Node package). Our code renders the tests
(``generation.render_tests``, ``generation.node_tests``). A criterion no valid case could be
made for is listed as untestable with the reason, not a failed stage."""

from collections import defaultdict

from quantumlayer_dagster.artifacts.frd import FRD
from quantumlayer_dagster.artifacts.llm_usage import LLMCall, LLMUsage
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.structure import ProjectStructure
from quantumlayer_dagster.artifacts.test_plan import (
    CasesDraft,
    CaseTargetsDraft,
    TestCase,
    TestPlan,
)
from quantumlayer_dagster.generation.callee import Callee
from quantumlayer_dagster.generation.plan_interfaces import run_each
from quantumlayer_dagster.generation.plan_language import plan_language
from quantumlayer_dagster.llm.protocol import LLM, InvalidReplies
from quantumlayer_dagster.prompts import load_template

STAGE = "test_plan"


def plan_tests(frd: FRD, spec: RequirementsSpec, structure: ProjectStructure, llm: LLM) -> TestPlan:
    """One case per criterion where the model can make a valid one."""
    criteria = {c.id: c for c in frd.acceptance_criteria}
    callees = planned_callees(structure)
    attempts = frd.brief.options.max_repair_attempts
    if not callees or not criteria:
        reason = "no planned function to call" if not criteria or not callees else ""
        return TestPlan(
            request_id=frd.request_id,
            brief=frd.brief,
            cases=[],
            untestable=[f"{c}: {reason}" for c in criteria] if reason else [],
        )
    by_name = {c.dotted: c for c in callees}
    ids = list(criteria)
    messages = load_template("test_plan").messages(
        criteria="\n".join(f"{c.id}: {c.text}" for c in criteria.values()),
        functions="\n".join(f"{c.dotted}: {c.signature()}: {c.function.contract}" for c in callees),
    )
    try:
        targets, calls = llm.complete_json(
            STAGE,
            messages,
            CaseTargetsDraft,
            json_schema=CaseTargetsDraft.json_schema_for(ids, list(by_name)),
            validation_context={"criterion_ids": ids, "targets": list(by_name)},
            max_attempts=attempts,
        )
    except InvalidReplies as exc:
        # the model never named a planned function for each criterion: every one untestable
        return TestPlan(
            request_id=frd.request_id,
            brief=frd.brief,
            cases=[],
            untestable=[f"{c}: no planned function was named for it ({exc.reason})" for c in ids],
            llm=LLMUsage(calls=exc.calls),
        )
    grouped: dict[str, list[str]] = defaultdict(list)
    for criterion, target in targets.targets.items():
        grouped[target].append(criterion)
    made: list[LLMCall] = []
    found = run_each(
        llm,
        STAGE,
        list(grouped.items()),
        lambda item: _cases(by_name[item[0]], item[1], criteria, llm, attempts),
        made,
    )
    cases: list[TestCase] = []
    untestable: list[str] = []
    for kept, dropped in found:
        untestable += dropped
        cases += kept
    order = {c: i for i, c in enumerate(ids)}
    cases.sort(key=lambda c: order[c.criterion_id])
    numbered = [c.model_copy(update={"id": f"TC{i}"}) for i, c in enumerate(cases, start=1)]
    return TestPlan(
        request_id=frd.request_id,
        brief=frd.brief,
        cases=numbered,
        untestable=untestable,
        llm=LLMUsage(calls=calls + made),
    )


def planned_callees(structure: ProjectStructure) -> list[Callee]:
    """Every planned function and method, as examples and cases call them."""
    language = plan_language(structure.brief.options.language)
    modules = [f for f in structure.files if f.kind == "module" and f.interface is not None]
    classes = {c.name for f in modules if f.interface for c in f.interface.classes}
    exceptions = frozenset(language.exceptions | classes)
    found: list[Callee] = []
    for planned in modules:
        interface = planned.interface
        assert interface is not None
        found += [Callee(planned.path, f, None, exceptions, language) for f in interface.functions]
        found += [
            Callee(planned.path, m, c, exceptions, language)
            for c in interface.classes
            for m in c.methods
        ]
    return found


def _cases(
    callee: Callee, ids: list[str], criteria: dict, llm: LLM, attempts: int
) -> tuple[tuple[list[TestCase], list[str]], list[LLMCall]]:
    messages = load_template(callee.language.cases_template).messages(
        signature=callee.signature(),
        contract=callee.function.contract,
        criteria="\n".join(f"{i}: {criteria[i].text}" for i in ids),
        target=callee.target,
    )
    schema = {
        "type": "object",
        "properties": {
            "cases": {
                "type": "object",
                "properties": {i: callee.example_schema() for i in ids},
                "required": ids,
                "additionalProperties": False,
            }
        },
        "required": ["cases"],
        "additionalProperties": False,
    }
    try:
        draft, calls = llm.complete_json(
            STAGE,
            messages,
            CasesDraft,
            json_schema=schema,
            validation_context={
                "criterion_ids": ids,
                "example": callee.problem,
            },
            max_attempts=attempts,
        )
    except InvalidReplies as exc:
        return (
            [],
            [f"{i}: no valid case for {callee.dotted} ({exc.reason})" for i in ids],
        ), exc.calls
    kept: list[TestCase] = []
    dropped: list[str] = []
    for criterion_id, example in draft.cases.items():
        problem = callee.problem(example)
        if problem:
            dropped.append(f"{criterion_id}: {problem}")
            continue
        criterion = criteria[criterion_id]
        kept.append(
            TestCase(
                id="",
                criterion_id=criterion_id,
                feature_id=criterion.feature_id,
                title=criterion.text,
                target=callee.target,
                call=callee.call(example),
                result=example.result.strip(),
            )
        )
    return (kept, dropped), calls
