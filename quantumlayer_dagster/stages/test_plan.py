"""Stage 8: test plan: one case per acceptance criterion, aimed at a component."""

from quantumlayer_dagster.artifacts.frd import FRD
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.test_plan import TestCase, TestPlan, TestPlanDraft
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.prompts import load_template

STAGE = "test_plan"


def plan_tests(frd: FRD, spec: RequirementsSpec, llm: LLM) -> TestPlan:
    """Ask for one case per criterion; the decoding schema makes every criterion id a
    required key and every target one of the spec's components."""
    criterion_ids = [c.id for c in frd.acceptance_criteria]
    components = spec.components
    criteria = "\n".join(
        f"{c.id} (feature {c.feature_id}, components "
        f"{', '.join(_components_of(spec, c.feature_id))}): {c.text}"
        for c in frd.acceptance_criteria
    )
    messages = load_template("test_plan").messages(
        criteria=criteria, components=", ".join(components), criterion_ids=", ".join(criterion_ids)
    )
    draft, calls = llm.complete_json(
        STAGE,
        messages,
        TestPlanDraft,
        json_schema=TestPlanDraft.json_schema_for(criterion_ids, components),
        validation_context={"criterion_ids": criterion_ids, "components": components},
        max_attempts=frd.brief.options.max_repair_attempts,
    )
    cases = [
        TestCase(
            id=f"TC{i}",
            criterion_id=c.id,
            feature_id=c.feature_id,
            title=draft.cases[c.id].title,
            target=draft.cases[c.id].target,
            steps=draft.cases[c.id].steps,
            expected=draft.cases[c.id].expected,
        )
        for i, c in enumerate(frd.acceptance_criteria, start=1)
    ]
    return TestPlan(
        request_id=frd.request_id,
        brief=frd.brief,
        strategy=draft.strategy,
        cases=cases,
        llm=LLMUsage(calls=calls),
    )


def _components_of(spec: RequirementsSpec, feature_id: str) -> list[str]:
    return [c for r in spec.requirements if r.feature_id == feature_id for c in r.components]
