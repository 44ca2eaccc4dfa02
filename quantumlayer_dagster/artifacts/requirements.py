"""Stage 3: requirements parsed from the FRD, each acceptance criterion tied to a feature."""

from typing import Any, Literal

from pydantic import Field, ValidationInfo, model_validator

from quantumlayer_dagster.artifacts.brief import Brief
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.text_fields import Name
from quantumlayer_dagster.model import Model


class RequirementDraft(Model):
    priority: Literal["must", "should", "could"]
    components: list[Name] = Field(min_length=1, max_length=4)
    depends_on: list[str] = Field(default_factory=list, max_length=5)


class RequirementsDraft(Model):
    """What the LLM returns for stage 3: one entry per FRD feature id, plus libraries."""

    requirements: dict[str, RequirementDraft]
    libraries: list[Name] = Field(default_factory=list, max_length=5)

    @model_validator(mode="after")
    def _covers_features(self, info: ValidationInfo) -> "RequirementsDraft":
        feature_ids: list[str] = (info.context or {}).get("feature_ids", [])
        if not feature_ids:
            return self
        missing = [f for f in feature_ids if f not in self.requirements]
        unknown = [f for f in self.requirements if f not in feature_ids]
        if missing or unknown:
            raise ValueError(
                f"requirements must have exactly the keys {feature_ids}; "
                f"missing {missing}, unknown {unknown}"
            )
        for fid, req in self.requirements.items():
            bad = [d for d in req.depends_on if d not in feature_ids or d == fid]
            if bad:
                raise ValueError(f"{fid}.depends_on has invalid feature ids {bad}")
        return self

    @staticmethod
    def json_schema_for(feature_ids: list[str]) -> dict[str, Any]:
        """The decoding schema: one required property per feature id, and dependencies as
        enums of the other ids, so a constrained model cannot skip, invent or self-reference
        a feature."""

        def item(fid: str) -> dict[str, Any]:
            schema = RequirementDraft.model_json_schema()
            others = [f for f in feature_ids if f != fid]
            depends_on = schema["properties"]["depends_on"]
            if others:
                depends_on["items"] = {"type": "string", "enum": others}
            else:
                depends_on["maxItems"] = 0  # a lone feature depends on nothing
            return schema

        return {
            "type": "object",
            "properties": {
                "requirements": {
                    "type": "object",
                    "properties": {fid: item(fid) for fid in feature_ids},
                    "required": feature_ids,
                    "additionalProperties": False,
                },
                "libraries": RequirementsDraft.model_json_schema()["properties"]["libraries"],
            },
            "required": ["requirements", "libraries"],
            "additionalProperties": False,
        }


class Requirement(Model):
    id: str
    feature_id: str
    title: str
    priority: Literal["must", "should", "could"]
    components: list[str]
    depends_on: list[str]
    acceptance_criteria: list[str]
    """Ids of the FRD acceptance criteria this requirement must satisfy."""


class RequirementsSpec(Model):
    """Stage 3 artifact: requirements, traceability from criterion to feature, and the
    third-party libraries the LLM expects the project to need."""

    request_id: str
    brief: Brief
    requirements: list[Requirement]
    traceability: dict[str, str]
    """Acceptance criterion id -> feature id, for every criterion of the FRD."""
    criteria: dict[str, str]
    """Acceptance criterion id -> its text, carried forward for planning and tests."""
    libraries: list[str]
    llm: LLMUsage = Field(default_factory=LLMUsage)

    @model_validator(mode="after")
    def _every_criterion_tied(self) -> "RequirementsSpec":
        tied = {ac: r.feature_id for r in self.requirements for ac in r.acceptance_criteria}
        if tied != self.traceability:
            raise ValueError("traceability does not match the requirements' criteria")
        if set(self.criteria) != set(self.traceability):
            raise ValueError("criteria texts and traceability name different criteria")
        return self

    @property
    def components(self) -> list[str]:
        """Every component name, in requirement order, without repeats."""
        return list(dict.fromkeys(c for r in self.requirements for c in r.components))
