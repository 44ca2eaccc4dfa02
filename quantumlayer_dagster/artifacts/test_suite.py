"""Stage 9: generated tests and the result of running them in the sandbox."""

from pydantic import BaseModel, Field

from quantumlayer_dagster.artifacts.code import ProjectTree
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.testing import TestRun


class TestSuite(BaseModel):
    """Stage 9 artifact: the project with its tests, and the sandboxed test run.

    Later stages (security, performance, docs, capsule) read the project from here, since it
    is the version the tests were run against."""

    __test__ = False

    request_id: str
    project: ProjectTree
    requirements_txt: str
    run: TestRun
    case_count: int
    untraced_targets: list[str] = Field(default_factory=list)
    """Test-plan targets that no generated module defines (their tests will fail)."""
    llm: LLMUsage = Field(default_factory=LLMUsage)
