"""Stage 9: generate test files from the test plan (pytest for Python, ``node:test`` for
TypeScript and JavaScript), run them in the sandbox, and let the LLM repair code or tests
while they fail (bounded)."""

import re
from collections.abc import Callable

from quantumlayer_dagster.analysis.code_index import Definition, public_definitions
from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.analysis.type_check import TypeCheck
from quantumlayer_dagster.artifacts.bodies import FunctionBody
from quantumlayer_dagster.artifacts.code import CodeTree, ProjectTree, SourceFile, tree_digest
from quantumlayer_dagster.artifacts.dependencies import DependencyManifest
from quantumlayer_dagster.artifacts.limits import MAX_TEST_FILES
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.request import NODE_LANGUAGES
from quantumlayer_dagster.artifacts.test_plan import TestCase, TestPlan
from quantumlayer_dagster.artifacts.test_suite import RepairAttempt, TestSuite
from quantumlayer_dagster.generation.file_generation import FileRequest, generate_files
from quantumlayer_dagster.generation.node_interfaces import node_definitions, specifier
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.prompts import load_template
from quantumlayer_dagster.sandbox import CodeSandbox
from quantumlayer_dagster.stages.project_structure import LANGUAGE_NAMES
from quantumlayer_dagster.stages.semantic_validation import validate_code
from quantumlayer_dagster.testing.node_project_tests import run_node_project
from quantumlayer_dagster.testing.planned_tests import run_planned_tests
from quantumlayer_dagster.testing.test_repair import failures_to_send, repair_tests
from quantumlayer_dagster.testing.test_run import run_pytest

STAGE = "test_suite"
SOURCE_CHARS_IN_PROMPT = 6000
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
    """A Python project: our code renders the tests from the planned examples and the test
    plan's cases (``testing.planned_tests``), runs them in the sandbox, and sends the bodies
    whose tests fail back to the engine, up to ``max_repairs`` rounds. A Node project: one
    test file per feature of the plan written by the LLM, parse-repaired like code, run,
    and repaired a file per round. The suite carries the final, possibly repaired tree; a
    tree whose code a repair replaced is validated again, type-checked as ``types`` says."""
    language = plan.brief.options.language
    node = language in NODE_LANGUAGES
    if not node:
        return _python_suite(plan, code, manifest, llm, sandbox, max_repairs, progress, types)
    max_attempts = plan.brief.options.max_repair_attempts
    found = node_definitions(code.files) if node else public_definitions(code.files)
    definitions = {d.name: d for d in found}
    template = load_template("test_file_node")
    untraced: set[str] = set()
    groups = list(plan.cases_by_feature().items())[:MAX_TEST_FILES]
    requests: list[FileRequest] = []
    for n, (feature_id, cases) in enumerate(groups, start=1):
        stem = f"{feature_id.lower()}_{_slug(cases[0].title)}"
        path = f"tests/{stem}.test.{_NODE_SUFFIX[language]}" if node else f"tests/test_{stem}.py"
        targets = [definitions.get(c.target) for c in cases]
        untraced |= {c.target for c, d in zip(cases, targets, strict=True) if d is None}
        home = _home_module(targets, code)
        fields = {
            "module": home.path,
            "source": home.content[:SOURCE_CHARS_IN_PROMPT],
            "cases": "\n".join(_case_line(c) for c in cases),
            "path": path,
        }
        if node:
            fields |= {
                "language": LANGUAGE_NAMES[language],
                "fence": language,
                "import_name": _node_import_hint(cases, targets, home, path),
            }
        else:
            fields["import_name"] = _import_hint(cases, targets, code.package)
        messages = template.messages(**fields)
        requests.append(FileRequest(path, messages, f"{STAGE}: writing {path} ({n}/{len(groups)})"))
    # Test files are independent requests: written concurrently like code_tree's modules.
    # test files pass the same blocking checks as code before they are kept (a test that
    # imports a name the code does not define goes back with that finding)
    contents = {f.path: f.content for f in code.files} | {r.path: "" for r in requests}
    context = project_context(
        list(contents), manifest.declared, {f.path: f.content for f in code.files}
    )
    tests, calls = generate_files(
        llm,
        STAGE,
        requests,
        max_attempts=max_attempts,
        progress=progress,
        check=lambda source: [i.describe() for i in blocking_issues(source, context)],
        repair_template="repair_code_node",
    )
    project = ProjectTree(package=code.package, sources=code.files, tests=tests)
    if progress:
        progress(f"{STAGE}: running {len(tests)} test files in the sandbox")
    run_tests = run_node_project if node else run_pytest
    first = run_tests(project, sandbox)
    repaired = repair_tests(
        project,
        first,
        llm,
        sandbox,
        run_tests,
        template="repair_tests_node",
        max_repairs=max_repairs,
        max_attempts=max_attempts,
        progress=progress,
        declared=manifest.declared,
    )
    sources = repaired.project.sources
    # a repair that replaced code leaves a tree semantic validation did not judge: judge it
    # with the same checks, so the capsule can tell which tree each gate saw
    revalidated = (
        validate_code(sources, declared=manifest.declared, types=types)
        if tree_digest(sources) != tree_digest(code.files)
        else None
    )
    return TestSuite(
        request_id=plan.request_id,
        project=repaired.project,
        requirements_txt=manifest.requirements_txt(),
        run=repaired.run,
        case_count=len(plan.cases),
        untraced_targets=sorted(untraced),
        repairs=repaired.attempts,
        first_run_summary=first.summary,
        code_validation=revalidated,
        tested_sha256=tree_digest(repaired.project.all_files),
        llm=LLMUsage(calls=calls + repaired.calls),
    )


def _python_suite(
    plan: TestPlan,
    code: CodeTree,
    manifest: DependencyManifest,
    llm: LLM,
    sandbox: CodeSandbox,
    max_repairs: int,
    progress: Progress | None,
    types: TypeCheck,
) -> TestSuite:
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


_NODE_SUFFIX = {"typescript": "ts", "javascript": "js"}


def _node_import_hint(
    cases: list[TestCase], targets: list[Definition | None], home: SourceFile, path: str
) -> str:
    """``import { a, b } from "../src/x.js"`` for the targets the home module exports."""
    names = sorted({d.name for d in targets if d and d.path == home.path})
    where = specifier(path, home.path)
    imported = f"{{ {', '.join(names)} }}" if names else "* as m"
    line = f'import {imported} from "{where}"'
    missing = sorted({c.target for c, d in zip(cases, targets, strict=True) if d is None})
    if missing:
        line += f"; not exported by the code, test them through what it exports: {missing}"
    return line


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:30] or "cases"


def _case_line(case: TestCase) -> str:
    return f"- {case.id} ({case.target}): {case.title}. Call: {case.call} Expect: {case.result}"


def _home_module(targets: list[Definition | None], code: CodeTree) -> SourceFile:
    """The module defining most of the targets, else the largest module."""
    paths = [d.path for d in targets if d]
    if paths:
        best = max(set(paths), key=paths.count)
        found = code.file(best)
        if found:
            return found
    return max(code.files, key=lambda f: len(f.content))


def _import_hint(cases: list[TestCase], targets: list[Definition | None], package: str) -> str:
    lines = sorted({f"from {d.module} import {d.name}" for d in targets if d})
    missing = sorted({c.target for c, d in zip(cases, targets, strict=True) if d is None})
    if missing:
        lines.append(f"# not defined in the code, test them through `{package}`: {missing}")
    return "; ".join(lines) or f"import {package}"
