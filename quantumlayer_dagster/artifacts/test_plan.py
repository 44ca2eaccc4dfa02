"""Stage 8: the test plan: each acceptance criterion as a call of a planned function with
literal arguments and its expected result, which our code renders into a test."""

from typing import Any

from pydantic import Field, ValidationInfo, model_validator

from quantumlayer_dagster.artifacts.brief import Brief
from quantumlayer_dagster.artifacts.interface_draft import ExampleDraft
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.model import Model


class CaseTargetsDraft(Model):
    """What the LLM returns first: the planned function that each criterion tests."""

    targets: dict[str, str]

    @model_validator(mode="after")
    def _known(self, info: ValidationInfo) -> "CaseTargetsDraft":
        context = info.context or {}
        criteria: list[str] = context.get("criterion_ids", [])
        known: list[str] = context.get("targets", [])
        if criteria and sorted(self.targets) != sorted(criteria):
            raise ValueError(f"targets must have exactly the keys {criteria}")
        wrong = [t for t in self.targets.values() if known and t not in known]
        if wrong:
            raise ValueError(f"{wrong[0]!r} is not one of {known}")
        return self

    @staticmethod
    def json_schema_for(criterion_ids: list[str], targets: list[str]) -> dict[str, Any]:
        """One required key per criterion, each one of the planned functions."""
        return {
            "type": "object",
            "properties": {
                "targets": {
                    "type": "object",
                    "properties": {c: {"type": "string", "enum": targets} for c in criterion_ids},
                    "required": criterion_ids,
                    "additionalProperties": False,
                }
            },
            "required": ["targets"],
            "additionalProperties": False,
        }


class CasesDraft(Model):
    """What the LLM returns for one function: a call for each criterion it tests. Invalid
    ones are left out with the reason (context key ``example``); none valid is a finding."""

    cases: dict[str, ExampleDraft]

    @model_validator(mode="after")
    def _checked(self, info: ValidationInfo) -> "CasesDraft":
        context = info.context or {}
        criteria: list[str] = context.get("criterion_ids", [])
        if criteria and sorted(self.cases) != sorted(criteria):
            raise ValueError(f"cases must have exactly the keys {criteria}")
        check = context.get("example")
        if check is not None:
            problems = [check(e) for e in self.cases.values()]
            if problems and all(problems):
                raise ValueError("; ".join(dict.fromkeys(p for p in problems if p)))
        return self


class TestCase(Model):
    """One criterion as a test: ``call`` (a call of ``target`` with literal arguments) gives
    ``result`` (a literal, or ``raises <ExceptionName>``)."""

    __test__ = False  # not a pytest class

    id: str
    criterion_id: str
    feature_id: str
    title: str
    target: str
    """``path::qualname`` of the planned function the case calls."""
    call: str
    result: str


class TestPlan(Model):
    """Stage 8 artifact: test cases traced to criteria and the functions they call; the
    criteria no case could be made for, each with why."""

    __test__ = False

    request_id: str
    brief: Brief
    cases: list[TestCase]
    untestable: list[str] = Field(default_factory=list)
    llm: LLMUsage = Field(default_factory=LLMUsage)

    def cases_by_feature(self) -> dict[str, list[TestCase]]:
        grouped: dict[str, list[TestCase]] = {}
        for case in self.cases:
            grouped.setdefault(case.feature_id, []).append(case)
        return grouped
