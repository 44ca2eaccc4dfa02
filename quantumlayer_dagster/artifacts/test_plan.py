"""Stage 8: the test plan, one case per acceptance criterion at least."""

from typing import Any

from pydantic import Field, ValidationInfo, model_validator

from quantumlayer_dagster.artifacts.brief import Brief
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.text_fields import Name, Sentence
from quantumlayer_dagster.model import Model


class TestCaseDraft(Model):
    title: Name
    target: str = Field(max_length=80)
    """The component (function or class name) the case exercises."""
    steps: Sentence
    expected: Sentence


class TestPlanDraft(Model):
    """What the LLM returns for stage 8: one case per acceptance criterion id."""

    cases: dict[str, TestCaseDraft]
    strategy: Sentence

    @model_validator(mode="after")
    def _covers(self, info: ValidationInfo) -> "TestPlanDraft":
        ctx = info.context or {}
        criteria: list[str] = ctx.get("criterion_ids", [])
        components: list[str] = ctx.get("components", [])
        if criteria and sorted(self.cases) != sorted(criteria):
            raise ValueError(f"cases must have exactly the keys {criteria}")
        for cid, case in self.cases.items():
            if components and case.target not in components:
                raise ValueError(f"{cid}.target {case.target!r} is not one of {components}")
        return self

    @staticmethod
    def json_schema_for(criterion_ids: list[str], components: list[str]) -> dict[str, Any]:
        """Decoding schema with one required case per criterion and components as an enum."""
        case = TestCaseDraft.model_json_schema()
        case["properties"]["target"] = {"type": "string", "enum": components}
        base = TestPlanDraft.model_json_schema()
        return {
            "type": "object",
            "properties": {
                "cases": {
                    "type": "object",
                    "properties": {cid: case for cid in criterion_ids},
                    "required": criterion_ids,
                    "additionalProperties": False,
                },
                "strategy": base["properties"]["strategy"],
            },
            "required": ["cases", "strategy"],
            "additionalProperties": False,
        }


class TestCase(Model):
    __test__ = False  # not a pytest class

    id: str
    criterion_id: str
    feature_id: str
    title: str
    target: str
    steps: str
    expected: str


class TestPlan(Model):
    """Stage 8 artifact: test cases traced to criteria and the modules they exercise."""

    __test__ = False

    request_id: str
    brief: Brief
    strategy: str
    cases: list[TestCase]
    llm: LLMUsage = Field(default_factory=LLMUsage)

    def cases_by_feature(self) -> dict[str, list[TestCase]]:
        grouped: dict[str, list[TestCase]] = {}
        for case in self.cases:
            grouped.setdefault(case.feature_id, []).append(case)
        return grouped
