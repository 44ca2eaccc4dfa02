"""The test repair loop: failing tests go back to the LLM, which replaces one file (code or
test) per round; the tests run again in the sandbox; bounded, every round recorded.

A replacement is kept only when it passes the same blocking checks as semantic validation
(``analysis.file_checks``), judged against the project it joins; and when a failure is a
syntax error in one of the project's files, the reply may only replace that file."""

import re
from collections.abc import Callable
from dataclasses import dataclass, field

from pydantic import ValidationError

from quantumlayer_dagster.analysis.file_checks import blocking_issues, project_context
from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.artifacts.test_suite import FailureSent, RepairAttempt, RepairReply
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.llm.protocol import LLM, LLMStageError
from quantumlayer_dagster.prompts import load_template
from quantumlayer_dagster.sandbox import CodeSandbox

STAGE = "test_repair"
MAX_FAILURES_SENT = 5
FAILURE_MESSAGE_CHARS = 800
"""The end of each failure's message (where the assertion and exception are)."""
FILES_CHARS_IN_PROMPT = 12_000
FILE_CHARS_IN_PROMPT = 4_000

RunTests = Callable[[ProjectTree, CodeSandbox], TestRun]
Progress = Callable[[str], None]


@dataclass
class RepairOutcome:
    """Where the loop ended: the project as last changed, its run, and every round."""

    project: ProjectTree
    run: TestRun
    attempts: list[RepairAttempt] = field(default_factory=list)
    calls: list[LLMCall] = field(default_factory=list)


def repair_tests(
    project: ProjectTree,
    run: TestRun,
    llm: LLM,
    sandbox: CodeSandbox,
    run_tests: RunTests,
    *,
    max_repairs: int,
    max_attempts: int = 3,
    progress: Progress | None = None,
    declared: list[str] | None = None,
    template: str = "repair_tests_node",
) -> RepairOutcome:
    """While ``run`` is not ok and has failures (or timed out), send them to the LLM, apply
    the one file it replaces and run the tests again, at most ``max_repairs`` rounds.

    A round whose reply is unusable (no valid answer within ``max_attempts`` calls, or new
    content that fails a blocking check, judged with the ``declared`` requirements) is
    recorded with its error and ends the loop: the same prompt would most likely fail the
    same way. ``template`` is the prompt (``repair_tests``, or ``repair_tests_node`` for a
    Node package)."""
    outcome = RepairOutcome(project=project, run=run)
    for number in range(1, max_repairs + 1):
        if not needs_repair(outcome.run):
            break
        if progress:
            progress(f"{STAGE}: round {number}/{max_repairs}: {outcome.run.summary}")
        sent = failures_to_send(outcome.run)
        attempt = RepairAttempt(attempt=number, failures_sent=sent)
        paths = [f.path for f in outcome.project.all_files]
        pointed = syntax_error_file(sent, paths)
        # a syntax error in a file is answered in that file, never by replacing another one
        answerable = [pointed] if pointed else paths
        messages = load_template(template).messages(
            count=len(outcome.run.failures) or 1,
            failures=_failure_text(sent),
            files=_files_text(outcome.project, sent),
            paths=", ".join(paths),
        )
        try:
            reply, calls = llm.complete_json(
                STAGE,
                messages,
                RepairReply,
                json_schema=RepairReply.json_schema_for(answerable),
                validation_context={"paths": answerable},
                max_attempts=max_attempts,
            )
        except LLMStageError as exc:
            outcome.calls += exc.calls
            outcome.attempts.append(attempt.model_copy(update={"error": exc.reason}))
            break
        outcome.calls += calls
        problem = _content_problem(reply, outcome.project, declared or [])
        if problem:
            outcome.attempts.append(
                attempt.model_copy(update={"file_changed": None, "error": problem})
            )
            break
        outcome.project, kind = replace_file(outcome.project, reply.path, reply.content)
        before = outcome.run.total
        outcome.run = run_tests(outcome.project, sandbox)
        outcome.attempts.append(
            attempt.model_copy(
                update={
                    "file_changed": reply.path,
                    "changed_kind": kind,
                    "reason": reply.reason,
                    "passed": outcome.run.passed,
                    "failed": outcome.run.failed,
                    "errors": outcome.run.errors,
                    "tests_removed": max(0, before - outcome.run.total),
                    "result": outcome.run.summary,
                }
            )
        )
    return outcome


def needs_repair(run: TestRun) -> bool:
    """A run worth a repair round: tests failed or errored, or the run hung."""
    return not run.ok and (bool(run.failures) or run.timed_out)


def failures_to_send(run: TestRun) -> list[FailureSent]:
    """The first failures with the end of their messages; a hung run is one "failure"."""
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


def replace_file(project: ProjectTree, path: str, content: str) -> tuple[ProjectTree, str]:
    """``project`` with the file at ``path`` replaced; returns it and "code" or "test"."""
    new = SourceFile(path=path, content=content)
    if any(f.path == path for f in project.tests):
        tests = [new if f.path == path else f for f in project.tests]
        return project.model_copy(update={"tests": tests}), "test"
    if not any(f.path == path for f in project.sources):
        raise ValueError(f"{path!r} is not a file of the project")
    sources = [new if f.path == path else f for f in project.sources]
    return project.model_copy(update={"sources": sources}), "code"


def syntax_error_file(sent: list[FailureSent], paths: list[str]) -> str | None:
    """The project file a failure's syntax error is in, when one names it (pytest shows
    ``File ".../tests/test_x.py", line 3`` above a ``SyntaxError``)."""
    for failure in sent:
        if not re.search(r"\b(SyntaxError|IndentationError|TabError)\b", failure.message):
            continue
        for named in re.findall(r'File "([^"]+)", line \d+', failure.message):
            for path in paths:
                if named == path or named.endswith(f"/{path}"):
                    return path
    return None


def _content_problem(reply: RepairReply, project: ProjectTree, declared: list[str]) -> str | None:
    """Why the reply's file cannot be kept: empty, unacceptable, or a blocking finding of
    the checks semantic validation applies that the tree did not have before (in the new
    file, or in a file it breaks, e.g. one importing a name it no longer defines)."""
    if not reply.content.strip():
        return f"the reply for {reply.path} held no content"
    try:
        new = SourceFile(path=reply.path, content=reply.content)
    except ValidationError as exc:
        return f"the new {reply.path} is not acceptable: {exc.errors()[0]['msg']}"
    before = _blocking(project.all_files, declared)
    after = _blocking([new if f.path == new.path else f for f in project.all_files], declared)
    introduced = [i for i in after if i not in before]
    if introduced:
        more = f" (and {len(introduced) - 1} more)" if len(introduced) > 1 else ""
        return f"the new {reply.path} fails a blocking check: {introduced[0]}{more}"
    return None


def _blocking(files: list[SourceFile], declared: list[str]) -> list[str]:
    contents = {f.path: f.content for f in files}
    context = project_context(list(contents), declared, contents)
    return [i.describe() for f in files for i in blocking_issues(f, context)]


def _failure_text(sent: list[FailureSent]) -> str:
    return "\n\n".join(f"- {f.test} ({f.outcome}):\n{f.message}" for f in sent)


def _files_text(project: ProjectTree, sent: list[FailureSent]) -> str:
    """Files named in the failures first, then the rest, within a character budget."""
    mentioned = " ".join(f"{f.test} {f.message}" for f in sent)

    def named(source: SourceFile) -> bool:
        module = source.path.removesuffix(".py").replace("/", ".")
        return source.path in mentioned or bool(re.search(rf"\b{re.escape(module)}\b", mentioned))

    ordered = sorted(project.all_files, key=lambda f: not named(f))
    parts: list[str] = []
    budget = FILES_CHARS_IN_PROMPT
    for source in ordered:
        text = source.content[:FILE_CHARS_IN_PROMPT]
        cut = "\n[... cut ...]" if len(source.content) > len(text) else ""
        block = f"--- {source.path}\n{text}{cut}"
        if len(block) > budget:
            parts.append(f"--- {source.path} (not shown: prompt budget used)")
            continue
        parts.append(block)
        budget -= len(block)
    return "\n".join(parts)
