"""The tests of a project from its plan, run in the sandbox, and the bodies they find wrong
repaired by the engine.

Tests come from the planned examples (what code generation judged each body by) and from
the test plan's cases (criteria, which code generation did not see): pytest files for a
Python project (``render_tests``), ``node:test`` files for a Node one (``node_tests``, run
with ``node --test``, TypeScript compiled first). A failing test names its function (pytest
by file and name, Node's JUnit report by the test's title); the functions with failing tests
go back to the engine (``fill_bodies`` with the language's kit, each starting from its current
body) with every example and case of that function as what judges it, bounded by
``max_repairs`` rounds; the project is tested again when a body changed."""

import ast
from collections.abc import Callable
from dataclasses import dataclass

from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.artifacts.bodies import FunctionBody
from quantumlayer_dagster.artifacts.code import CodeTree, ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.artifacts.test_suite import FailureSent
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.generation.body_kit import PYTHON, BodyKit
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.file_allowance import (
    file_allowance,
    top_level_functions,
    top_level_names,
)
from quantumlayer_dagster.generation.fill_bodies import BodyTarget, fill_bodies
from quantumlayer_dagster.generation.node_body_imports import module_scope
from quantumlayer_dagster.generation.node_kit import NodeKit
from quantumlayer_dagster.generation.node_tests import render_node_test_files
from quantumlayer_dagster.generation.plan_language import plan_language
from quantumlayer_dagster.generation.render_tests import (
    PlannedTest,
    RenderedTest,
    render_pytest_files,
    rendered_test_for,
)
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.sandbox import CodeSandbox
from quantumlayer_dagster.testing.node_project_tests import run_node_project
from quantumlayer_dagster.testing.test_run import run_pytest

STAGE = "test_suite"
MAX_FAILURES_SENT = 5
FAILURE_MESSAGE_CHARS = 800
"""The end of each failure's message (where the assertion and exception are)."""


@dataclass
class PlannedTestOutcome:
    """Where testing ended: the project (bodies possibly repaired), the first and the last
    run, the bodies the repair touched and its calls."""

    project: ProjectTree
    first: TestRun
    run: TestRun
    tests: list[RenderedTest]
    repaired: list[FunctionBody]
    calls: list[LLMCall]


def planned_tests(code: CodeTree, plan: TestPlan) -> list[PlannedTest]:
    """Every planned example of every written body, then every test-plan case."""
    example_from_plan = plan_language(plan.brief.options.language).example
    tests: list[PlannedTest] = []
    for body in code.bodies:
        for n, result in enumerate(body.examples, start=1):
            example = example_from_plan(result.call, result.expected)
            if example is not None:
                tests.append(PlannedTest(f"{body.path}::{body.qualname}", example, f"example {n}"))
    for case in plan.cases:
        example = example_from_plan(case.call, case.result)
        if example is not None:
            tests.append(PlannedTest(case.target, example, f"{case.id} {case.criterion_id}"))
    return tests


def run_planned_tests(
    code: CodeTree,
    plan: TestPlan,
    llm: LLM,
    sandbox: CodeSandbox,
    *,
    declared: list[str],
    max_repairs: int,
    progress: Callable[[str], None] | None = None,
) -> PlannedTestOutcome:
    """Render, run, repair the failing bodies (bounded), run again."""
    language = plan.brief.options.language
    tests = planned_tests(code, plan)
    kit: BodyKit
    if language in ("typescript", "javascript"):
        test_files, rendered = render_node_test_files(tests, language)
        run_tests = run_node_project
        kit = NodeKit(language)
    else:
        test_files, rendered = render_pytest_files(tests, _classes(code))
        run_tests, kit = run_pytest, PYTHON
    project = ProjectTree(package=code.package, sources=code.files, tests=test_files)
    if progress:
        progress(
            f"{STAGE}: running {len(rendered)} tests in {len(test_files)} files in the sandbox"
        )
    first = run_tests(project, sandbox)
    failing = _failing_targets(first, rendered, by_title=kit is not PYTHON)
    if not failing or max_repairs < 1:
        return PlannedTestOutcome(project, first, first, rendered, [], [])
    files = {f.path: f.content for f in code.files}
    targets = [
        _repair_target(files, target, examples, language)
        for target, examples in _examples_by_target(rendered, failing).items()
        if _has_function(kit, files, target)
    ]
    if progress:
        progress(f"{STAGE}: {first.summary}; repairing {len(targets)} function bodies")
    result = fill_bodies(
        files,
        targets,
        llm,
        sandbox,
        stage=STAGE,
        check=_tree_check(declared),
        max_rounds=max_repairs,
        progress=progress,
        kit=kit,
    )
    if result.files == files:
        return PlannedTestOutcome(project, first, first, rendered, result.bodies, result.calls)
    sources = [SourceFile(path=f.path, content=result.files[f.path]) for f in code.files]
    repaired = project.model_copy(update={"sources": sources})
    if progress:
        progress(f"{STAGE}: running the tests again after the repair")
    return PlannedTestOutcome(
        repaired, first, run_tests(repaired, sandbox), rendered, result.bodies, result.calls
    )


def _repair_target(
    files: dict[str, str], target: str, examples: list[Example], language: str
) -> BodyTarget:
    """A body to repair: judged by every example and case of it, allowed what its module
    already imports (and the standard library, or Node's built-ins), never a name the module
    already has."""
    path, qualname = target.split("::")
    source = files[path]
    own = qualname.split(".")[0]
    if language in ("typescript", "javascript"):
        allowed, names, functions = module_scope(source, language)
    else:
        allowed = file_allowance(source)
        names, functions = top_level_names(source), top_level_functions(source)
    return BodyTarget(
        path=path,
        qualname=qualname,
        examples=tuple(dict.fromkeys(examples)),
        allowed=allowed,
        taken=frozenset(names - {own}),
        siblings=frozenset(functions - {own}),
        current=True,
    )


def failures_to_send(run: TestRun) -> list[FailureSent]:
    """The first failures with the end of their messages (what the repair record shows);
    a hung run is one "failure"."""
    if not run.failures:
        return [FailureSent(test="(whole run)", outcome="error", message=run.summary)]
    return [
        FailureSent(
            test=f"{case.classname}::{case.name}" if case.classname else case.name,
            outcome=case.outcome,
            message=case.message[-FAILURE_MESSAGE_CHARS:],
        )
        for case in run.failures[:MAX_FAILURES_SENT]
    ]


def _tree_check(declared: list[str]) -> Callable[[str, str, dict[str, str]], list[str]]:
    def check(path: str, content: str, files: dict[str, str]) -> list[str]:
        context = project_context(list(files), declared, files)
        source = SourceFile(path=path, content=content)
        return [i.describe() for i in blocking_issues(source, context)]

    return check


def _failing_targets(run: TestRun, rendered: list[RenderedTest], *, by_title: bool) -> set[str]:
    """The functions of the failing tests: by pytest's file and name, or (``by_title``) by
    the title Node's JUnit report names a test by (unique within its file; a title two
    files share names both functions)."""
    failing: set[str] = set()
    for case in run.failures:
        if by_title:
            failing |= {r.planned.target for r in rendered if r.name == case.name}
            continue
        found = rendered_test_for(rendered, case.classname, case.name)
        if found is not None:
            failing.add(found.planned.target)
    return failing


def _examples_by_target(
    rendered: list[RenderedTest], targets: set[str]
) -> dict[str, list[Example]]:
    grouped: dict[str, list[Example]] = {t: [] for t in sorted(targets)}
    for test in rendered:
        if test.planned.target in grouped:
            grouped[test.planned.target].append(test.planned.example)
    return grouped


def _has_function(kit: BodyKit, files: dict[str, str], target: str) -> bool:
    path, qualname = target.split("::")
    try:
        kit.slot(files.get(path, ""), qualname)
    except (KeyError, SyntaxError, ValueError):
        return False
    return True


def _classes(code: CodeTree) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for source in code.files:
        if not source.path.endswith(".py"):
            continue
        try:
            tree = ast.parse(source.content)
        except SyntaxError:
            continue
        found[source.path] = {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    return found
