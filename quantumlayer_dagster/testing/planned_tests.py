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
from dataclasses import dataclass, field, replace

from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.artifacts.bodies import FunctionBody
from quantumlayer_dagster.artifacts.code import CodeTree, ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.artifacts.test_plan import TestPlan
from quantumlayer_dagster.artifacts.test_suite import FailureSent
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.dast.detect import detect_service
from quantumlayer_dagster.dast.repair import dast_failures, failure_feedback, failure_frame
from quantumlayer_dagster.generation.body_kit import PYTHON, BodyKit
from quantumlayer_dagster.generation.body_state import BodyTarget
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.file_allowance import (
    defined_names,
    file_allowance,
    top_level_functions,
)
from quantumlayer_dagster.generation.fill_bodies import fill_bodies
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
    repair = _Repair(llm, sandbox, kit, _tree_check(declared), max_repairs, progress)
    failing = _failing_targets(first, rendered, by_title=kit is not PYTHON)
    files = {f.path: f.content for f in code.files}
    targets = [
        _repair_target(files, target, examples, language)
        for target, examples in _examples_by_target(rendered, failing).items()
        if _has_function(kit, files, target)
    ]
    if targets and max_repairs >= 1:
        if progress:
            progress(f"{STAGE}: {first.summary}; repairing {len(targets)} function bodies")
        files = repair.run(files, targets)
    if kit is PYTHON and max_repairs >= 1:
        files = _repair_service(files, rendered, repair, progress)
    if files == {f.path: f.content for f in code.files}:
        return PlannedTestOutcome(project, first, first, rendered, repair.bodies, repair.calls)
    sources = [SourceFile(path=f.path, content=files[f.path]) for f in code.files]
    repaired = project.model_copy(update={"sources": sources})
    if progress:
        progress(f"{STAGE}: running the tests again after the repair")
    return PlannedTestOutcome(
        repaired, first, run_tests(repaired, sandbox), rendered, repair.bodies, repair.calls
    )


@dataclass
class _Repair:
    """The engine, as the test stage repairs bodies with it; every body record and call."""

    llm: LLM
    sandbox: CodeSandbox
    kit: BodyKit
    check: Callable[[str, str, dict[str, str]], list[str]]
    max_rounds: int
    progress: Callable[[str], None] | None
    bodies: list[FunctionBody] = field(default_factory=list)
    calls: list[LLMCall] = field(default_factory=list)

    def run(self, files: dict[str, str], targets: list[BodyTarget]) -> dict[str, str]:
        result = fill_bodies(
            files,
            targets,
            self.llm,
            self.sandbox,
            stage=STAGE,
            check=self.check,
            max_rounds=self.max_rounds,
            progress=self.progress,
            kit=self.kit,
        )
        self.bodies += result.bodies
        self.calls += result.calls
        return result.files


def _repair_service(
    files: dict[str, str],
    rendered: list[RenderedTest],
    repair: _Repair,
    progress: Callable[[str], None] | None,
) -> dict[str, str]:
    """A Python HTTP service started in the sandbox and attacked (``dast``): each server
    error goes back to the body its traceback ends in, with the request and the traceback,
    judged by that body's examples and cases so a repair cannot break them."""
    project = [SourceFile(path=p, content=c) for p, c in files.items()]
    if detect_service(project) is None:
        return files
    if progress:
        progress(f"{STAGE}: attacking the service in the sandbox")
    complaints: dict[str, list[str]] = {}
    for failure in dast_failures(project, repair.sandbox):
        frame = failure_frame(failure, set(files))
        function = _function_at(files, *frame) if frame else None
        if function is not None:
            complaints.setdefault(function, []).append(failure_feedback(failure))
    targets = [
        replace(
            _repair_target(files, target, _examples_of(rendered, target), "python"),
            complaints=tuple(dict.fromkeys(found))[:MAX_COMPLAINTS],
        )
        for target, found in complaints.items()
    ]
    if not targets:
        return files
    if progress:
        progress(f"{STAGE}: {len(targets)} bodies answered with a server error: repairing")
    return repair.run(files, targets)


MAX_COMPLAINTS = 2
"""Most server errors sent back for one body."""


def _function_at(files: dict[str, str], path: str, line: int) -> str | None:
    """``path::qualname`` of the function (or method) holding ``line``."""
    try:
        tree = ast.parse(files[path])
    except (KeyError, SyntaxError):
        return None
    for node in tree.body:
        inner = node.body if isinstance(node, ast.ClassDef) else [node]
        for item in inner:
            if isinstance(item, ast.FunctionDef | ast.AsyncFunctionDef) and (
                item.lineno <= line <= (item.end_lineno or item.lineno)
            ):
                owner = f"{node.name}." if isinstance(node, ast.ClassDef) else ""
                return f"{path}::{owner}{item.name}"
    return None


def _examples_of(rendered: list[RenderedTest], target: str) -> list[Example]:
    return [t.planned.example for t in rendered if t.planned.target == target]


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
        names, functions = defined_names(source), top_level_functions(source)
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
