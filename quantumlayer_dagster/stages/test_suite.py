"""Stage 9: the test suite. Our code renders the tests from the planned examples and the test
plan's cases (pytest for Python, ``node:test`` for TypeScript and JavaScript:
``testing.planned_tests``), runs them in the sandbox, and sends the bodies whose tests fail
back to the engine (bounded)."""

from collections.abc import Callable

from quantumlayer_dagster.analysis.type_check import TypeCheck
from quantumlayer_dagster.artifacts.bodies import FunctionBody
from quantumlayer_dagster.artifacts.code import CodeTree, tree_digest
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.artifacts.test_suite import RepairAttempt, TestSuite
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.sandbox import CodeSandbox
from quantumlayer_dagster.stages.semantic_validation import validate_code
from quantumlayer_dagster.testing.planned_tests import failures_to_send, run_planned_tests

STAGE = "test_suite"
DEFAULT_TEST_REPAIRS = 2

Progress = Callable[[str], None]


def build_test_suite(
    plan: TestPlan,
    code: CodeTree,
    manifest: DependencyManifest,
    llm: LLM,
    sandbox: CodeSandbox,
    *,
    max_repairs: int = DEFAULT_TEST_REPAIRS,
    progress: Progress | None = None,
    types: TypeCheck = "off",
) -> TestSuite:
    """Our code renders the tests from the planned examples and the test plan's cases
    (``testing.planned_tests``), runs them in the sandbox (``pytest``, or ``node --test``
    for a Node package), and sends the bodies whose tests fail back to the engine, up to
    ``max_repairs`` rounds. The suite carries the final, possibly repaired tree; a tree whose
    code a repair replaced is validated again, type-checked as ``types`` says."""
    outcome = run_planned_tests(
        code,
        plan,
        llm,
        sandbox,
        declared=manifest.declared,
        max_repairs=max_repairs,
        progress=progress,
    )
    sources = outcome.project.sources
    revalidated = (
        validate_code(sources, declared=manifest.declared, types=types)
        if tree_digest(sources) != tree_digest(code.files)
        else None
    )
    repairs = (
        [
            RepairAttempt(
                attempt=1,
                failures_sent=failures_to_send(outcome.first),
                file_changed=", ".join(sorted({b.path for b in outcome.repaired if _changed(b)}))
                or None,
                changed_kind="code" if revalidated is not None else None,
                reason=f"{sum(1 for b in outcome.repaired if _changed(b))} of "
                f"{len(outcome.repaired)} failing bodies rewritten",
                passed=outcome.run.passed,
                failed=outcome.run.failed,
                errors=outcome.run.errors,
                tests_removed=max(0, outcome.first.total - outcome.run.total),
                result=outcome.run.summary,
            )
        ]
        if outcome.repaired
        else []
    )
    return TestSuite(
        request_id=plan.request_id,
        project=outcome.project,
        requirements_txt=manifest.requirements_txt(),
        run=outcome.run,
        case_count=len(plan.cases),
        repairs=repairs,
        repaired_bodies=outcome.repaired,
        first_run_summary=outcome.first.summary,
        code_validation=revalidated,
        tested_sha256=tree_digest(outcome.project.all_files),
        llm=LLMUsage(calls=outcome.calls),
    )


def _changed(body: FunctionBody) -> bool:
    """Whether the repair kept a body other than the one the function had."""
    return any(a.kept and a.round > 0 for a in body.attempts)
