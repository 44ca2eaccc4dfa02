"""Stage 3: requirements parsing: priorities, components, dependencies, traceability."""

from quantumlayer_dagster.artifacts.frd import FRD
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.requirements import (
    Requirement,
    RequirementsDraft,
    RequirementsSpec,
)
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.prompts import load_template

STAGE = "requirements_spec"


def parse_requirements(frd: FRD, llm: LLM) -> RequirementsSpec:
    """One requirement per FRD feature; each carries the feature's acceptance criteria, so
    every criterion is tied to exactly one feature. The LLM decides priority, components,
    dependencies between features and the third-party libraries needed."""
    feature_ids = [f.id for f in frd.features]
    features = "\n".join(
        f"{f.id}: {f.name}: {f.description}\n"
        + "\n".join(f"   - {c.text}" for c in frd.criteria_of(f.id))
        for f in frd.features
    )
    messages = load_template("requirements").messages(
        features=features, feature_ids=", ".join(feature_ids)
    )
    draft, calls = llm.complete_json(
        STAGE,
        messages,
        RequirementsDraft,
        json_schema=RequirementsDraft.json_schema_for(feature_ids),
        validation_context={"feature_ids": feature_ids},
        max_attempts=frd.brief.options.max_repair_attempts,
    )
    requirements = []
    for i, feature in enumerate(frd.features, start=1):
        d = draft.requirements[feature.id]
        requirements.append(
            Requirement(
                id=f"R{i}",
                feature_id=feature.id,
                title=feature.name,
                priority=d.priority,
                components=d.components,
                depends_on=d.depends_on,
                acceptance_criteria=[c.id for c in frd.criteria_of(feature.id)],
            )
        )
    return RequirementsSpec(
        request_id=frd.request_id,
        brief=frd.brief,
        requirements=requirements,
        traceability={c.id: c.feature_id for c in frd.acceptance_criteria},
        criteria={c.id: c.text for c in frd.acceptance_criteria},
        libraries=sorted({lib.strip() for lib in draft.libraries if lib.strip()}),
        llm=LLMUsage(calls=calls),
    )
