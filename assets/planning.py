"""Stage 1-4 and 8 assets: the LLM planning stages. Thin: call the stage, attach metadata."""

import dagster as dg

from assets.declare import request_asset
from assets.metadata import markdown, stage_output, timed
from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt
from quantumlayer_dagster.artifacts.frd import FRD
from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.artifacts.request import PromptRequest
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.structure import PlannedFile, ProjectStructure
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.generation.text import bullets
from quantumlayer_dagster.stages.enhanced_prompt import enhance_prompt
from quantumlayer_dagster.stages.frd import write_frd
from quantumlayer_dagster.stages.project_structure import plan_structure
from quantumlayer_dagster.stages.requirements_spec import parse_requirements
from quantumlayer_dagster.stages.test_plan import plan_tests
from resources.llm import LLMResource
from resources.memory import VectorMemoryResource


@request_asset("planning", {"llm", "qdrant"})
def enhanced_prompt(
    context: dg.AssetExecutionContext,
    prompt_request: PromptRequest,
    llm: LLMResource,
    memory: VectorMemoryResource,
) -> dg.Output[EnhancedPrompt]:
    """Stage 1: the prompt restated as a bounded brief, with similar past requests from the
    vector memory as context (named in the metadata)."""
    with timed() as t:
        result = enhance_prompt(prompt_request, llm.client, memory.memory())
    if result.memory_problem:
        context.log.warning(result.memory_problem)
    past = result.past_requests
    rows = [
        [p.request_id, f"{p.score:.3f}", "pass" if p.outcome.gates_passed else "FAIL"] for p in past
    ]
    return stage_output(
        result,
        t,
        result.llm,
        goals=len(result.goals),
        brief=markdown(
            f"**{result.title}**\n\n{result.summary}\n\nGoals:\n{bullets(result.goals)}"
        ),
        memory=result.memory_problem or ("on" if memory.enabled else "off"),
        similar_requests=", ".join(f"{p.request_id} ({p.score:.3f})" for p in past) or "none",
        similar_requests_table=markdown(markdown_table(["request", "score", "gates"], rows)),
    )


@request_asset("planning", {"llm"})
def frd(enhanced_prompt: EnhancedPrompt, llm: LLMResource) -> dg.Output[FRD]:
    """Stage 2: features, user stories, acceptance criteria, non-functional needs."""
    with timed() as t:
        result = write_frd(enhanced_prompt, llm.client)
    rows = [[c.id, c.feature_id, markdown_cell(c.text)] for c in result.acceptance_criteria]
    return stage_output(
        result,
        t,
        result.llm,
        features=len(result.features),
        user_stories=len(result.user_stories),
        acceptance_criteria=len(result.acceptance_criteria),
        criteria=markdown(markdown_table(["id", "feature", "criterion"], rows)),
    )


@request_asset("planning", {"llm"})
def requirements_spec(frd: FRD, llm: LLMResource) -> dg.Output[RequirementsSpec]:
    """Stage 3: one requirement per feature, every criterion traced to its feature."""
    with timed() as t:
        result = parse_requirements(frd, llm.client)
    rows = [
        [
            r.id,
            r.feature_id,
            r.priority,
            markdown_cell(", ".join(r.components)),
            ", ".join(r.acceptance_criteria),
        ]
        for r in result.requirements
    ]
    return stage_output(
        result,
        t,
        result.llm,
        requirements=len(result.requirements),
        libraries=", ".join(result.libraries) or "none",
        traceability=markdown(
            markdown_table(["req", "feature", "priority", "components", "criteria"], rows)
        ),
    )


@request_asset("planning", {"llm"})
def project_structure(
    context: dg.AssetExecutionContext, requirements_spec: RequirementsSpec, llm: LLMResource
) -> dg.Output[ProjectStructure]:
    """Stage 4: the package, its planned source files and (Python) each module's interface:
    typed signatures, contracts and examples."""
    with timed() as t:
        result = plan_structure(requirements_spec, llm.client, progress=context.log.info)
    rows = [
        [f"`{f.path}`", f.kind, markdown_cell(f.purpose), _interface_cell(f)] for f in result.files
    ]
    return stage_output(
        result,
        t,
        result.llm,
        package=result.package,
        files=len(result.files),
        layout=markdown(markdown_table(["path", "kind", "purpose", "interface"], rows)),
        functions=sum(len(f.interface.functions) for f in result.files if f.interface),
        examples=sum(
            len(fn.examples)
            for f in result.files
            if f.interface
            for fn in [*f.interface.functions, *(m for c in f.interface.classes for m in c.methods)]
        ),
        dropped=markdown("\n".join(f"- {d}" for d in result.dropped) or "none"),
    )


def _interface_cell(planned: PlannedFile) -> str:
    if planned.interface is None:
        return "-"
    functions = [f"{f.name}()" for f in planned.interface.functions]
    classes = [f"class {c.name}" for c in planned.interface.classes]
    return markdown_cell(", ".join(functions + classes) or "-")


@request_asset("planning", {"llm"})
def test_plan(
    frd: FRD,
    requirements_spec: RequirementsSpec,
    project_structure: ProjectStructure,
    llm: LLMResource,
) -> dg.Output[TestPlan]:
    """Stage 8: each acceptance criterion as a call of a planned function with literal
    arguments and its expected result (criteria no valid case could be made for are listed
    with the reason)."""
    with timed() as t:
        result = plan_tests(frd, requirements_spec, project_structure, llm.client)
    rows = [
        [
            c.id,
            c.criterion_id,
            f"`{markdown_cell(c.target)}`",
            f"`{markdown_cell(c.call)}` -> `{markdown_cell(c.result)}`",
        ]
        for c in result.cases
    ]
    return stage_output(
        result,
        t,
        result.llm,
        cases=len(result.cases),
        untestable=len(result.untestable),
        plan=markdown(markdown_table(["case", "criterion", "target", "call"], rows)),
        untestable_criteria=markdown("\n".join(f"- {u}" for u in result.untestable) or "none"),
    )
