"""The one registry of the stages: each stage's name (its asset's name), logic version,
prompt templates and artifact model, in the order of the pipeline; and the names of the job
and the partitioning that run them. The asset list, code versions, the CLI and the tests
derive from here.

Bump a stage's logic version when its code changes what it produces; template edits change
its code version by themselves. Dagster shows requests materialized under an older version
as stale, and the capsule records the versions it was built from."""

from dataclasses import dataclass

from pydantic import BaseModel

from quantumlayer_dagster.artifacts.capsule import Capsule
from quantumlayer_dagster.artifacts.code import CodeTree
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.docs import Docs
from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt
from quantumlayer_dagster.artifacts.frd import FRD
from quantumlayer_dagster.artifacts.performance import PerformanceReport
from quantumlayer_dagster.artifacts.request import PromptRequest
from quantumlayer_dagster.artifacts.requirements import RequirementsSpec
from quantumlayer_dagster.artifacts.security import SecurityReport
from quantumlayer_dagster.artifacts.structure import ProjectStructure
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.artifacts.test_suite import TestSuite
from quantumlayer_dagster.artifacts.validation import ValidationReport
from quantumlayer_dagster.prompts import load_template

JOB_NAME = "generate_project"
"""The job that materializes the whole graph for one request."""

PARTITIONS = "requests"
"""The dynamic partitioning of every asset: one partition per request id."""


@dataclass(frozen=True)
class StageSpec:
    """One stage: the asset ``name``, the ``logic`` version, the prompt ``templates`` it
    renders and the pydantic ``model`` of the artifact it stores."""

    name: str
    logic: str
    model: type[BaseModel]
    templates: tuple[str, ...] = ()

    @property
    def code_version(self) -> str:
        """``v<logic>`` followed by the first digits of each template's digest."""
        return "-".join([f"v{self.logic}", *(load_template(t).digest[:8] for t in self.templates)])


CAPSULE = StageSpec("capsule", "2", Capsule)
"""Packaging, the last stage: its artifact says where the request's archive is."""

STAGES: tuple[StageSpec, ...] = (
    StageSpec("prompt_request", "1", PromptRequest),
    StageSpec("enhanced_prompt", "1", EnhancedPrompt, ("enhance",)),
    StageSpec("frd", "1", FRD, ("frd",)),
    StageSpec("requirements_spec", "1", RequirementsSpec, ("requirements",)),
    StageSpec(
        "project_structure",
        "5",
        ProjectStructure,
        (
            "structure",
            "interface",
            "examples",
            "structure_node",
            "interface_node",
            "examples_node",
        ),
    ),
    StageSpec(
        "code_tree",
        "5",
        CodeTree,
        ("body", "body_repair", "body_typescript", "body_javascript"),
    ),
    StageSpec("semantic_validation", "2", ValidationReport),
    StageSpec("dependency_manifest", "2", DependencyManifest),
    StageSpec("test_plan", "3", TestPlan, ("test_plan", "test_cases", "test_cases_node")),
    StageSpec(
        "test_suite",
        "6",
        TestSuite,
        ("body", "body_repair", "body_typescript", "body_javascript"),
    ),
    StageSpec("security_report", "2", SecurityReport),
    StageSpec("performance_report", "1", PerformanceReport),
    StageSpec("docs", "1", Docs, ("docs",)),
    CAPSULE,
)

ASSET_NAMES: tuple[str, ...] = tuple(s.name for s in STAGES)

_BY_NAME = {s.name: s for s in STAGES}


def stage(name: str) -> StageSpec:
    """The spec of the stage ``name``; KeyError naming it when there is none."""
    try:
        return _BY_NAME[name]
    except KeyError:
        raise KeyError(f"no stage {name!r}; the stages are {', '.join(ASSET_NAMES)}") from None


def all_code_versions() -> dict[str, str]:
    """Stage name -> code version, in pipeline order (the capsule records these)."""
    return {s.name: s.code_version for s in STAGES}
