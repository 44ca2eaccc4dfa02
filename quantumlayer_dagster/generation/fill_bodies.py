"""The generation engine: the model writes function bodies, one request per body, judged by
running their examples.

The flow, each step its own module: ``slots`` finds the functions to write in a module our
code rendered (or a user's file of stubs); ``body_prompt`` builds one request per body (its
signature, contract, examples and what it may call, never whole sibling files);
``splice_body`` parses a reply and splices the body in by syntax tree; the caller's
``check`` applies the blocking checks of the whole tree to the module with the body in it;
``run_examples`` runs every surviving candidate's examples in the sandbox, one call per
module; ``choose_candidate`` keeps the one that passes most. A body that still fails goes
back with the failing call (expected, and what it returned or raised, with the line), in
rounds bounded by ``max_rounds`` and the request's budget.

Bodies are independent once the interface is fixed: every request of a round goes out at
once, at most ``llm.max_parallel_calls`` in flight. Modules are judged in ``module_order``
(modules a module uses first), so a body is judged against the bodies kept for what it calls.
"""

import ast
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from quantumlayer_dagster.artifacts.bodies import BodyAttempt, ExampleResult, FunctionBody
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.generation.body_kit import PYTHON, BodyKit
from quantumlayer_dagster.generation.body_prompt import body_messages, repair_messages
from quantumlayer_dagster.generation.body_state import (
    BodyState,
    BodyTarget,
    Candidate,
    complained,
)
from quantumlayer_dagster.generation.judge_bodies import judge_kept, judge_module
from quantumlayer_dagster.generation.run_examples import ExampleOutcome
from quantumlayer_dagster.generation.splice_body import Body, SpliceRefused
from quantumlayer_dagster.llm.code_blocks import extract_code
from quantumlayer_dagster.llm.protocol import LLM, LLMStageError
from quantumlayer_dagster.sandbox import CodeSandbox

ModuleCheck = Callable[[str, str, dict[str, str]], list[str]]
"""(path, content, every file's content) -> the module's blocking findings, one line each."""
Progress = Callable[[str], None]

MAX_PROBLEMS_SENT = 3


@dataclass(frozen=True)
class EngineResult:
    """The files with the kept bodies spliced in, a record per body, every LLM call."""

    files: dict[str, str]
    bodies: list[FunctionBody]
    calls: list[LLMCall]


def fill_bodies(
    files: dict[str, str],
    targets: list[BodyTarget],
    llm: LLM,
    sandbox: CodeSandbox,
    *,
    stage: str,
    check: ModuleCheck,
    max_rounds: int,
    module_order: list[str] | None = None,
    progress: Progress | None = None,
    kit: BodyKit = PYTHON,
) -> EngineResult:
    """Write every target's body into ``files`` (path -> content; every target's function
    must be in its file). Returns the files as kept; a body no candidate could fill keeps
    its placeholder and is recorded as not written. Raises LLMStageError (carrying every
    call made) when a request fails (a transport error, the budget)."""
    files = dict(files)
    order = module_order or sorted({t.path for t in targets})
    states = [
        BodyState(
            t,
            body_messages(
                kit.template, t.key, t.context, _prompt_code(kit, files[t.path], t.qualname)
            ),
            kit,
        )
        for t in targets
    ]
    calls: list[LLMCall] = []
    for state in states:
        if state.target.current:
            slot = kit.slot(files[state.target.path], state.target.qualname)
            lines = files[state.target.path].splitlines()[slot.first - 1 : slot.last]
            body = Body(text=textwrap.dedent("\n".join(lines)).strip("\n") + "\n")
            if not kit.is_placeholder(body.text):
                state.candidates.append(Candidate(0, None, "", body.text, body, [], []))
    for path in order:
        module = [s for s in states if s.target.path == path and s.candidates]
        if module:
            judge_module(kit, path, module, files, sandbox, 0)
    for round_number in range(1, max_rounds + 1):
        pending = _to_ask(states)
        if not pending:
            break
        if progress:
            what = "writing" if round_number == 1 else "repairing"
            progress(f"{stage}: {what} {len(pending)} function bodies (round {round_number})")
        _ask(llm, stage, pending, round_number, calls, kit, files)
        for state in pending:
            for candidate in state.candidates:
                if candidate.round == round_number:
                    _splice_and_check(kit, state, candidate, files, check)
        for path in order:
            module = [s for s in pending if s.target.path == path]
            if module:
                judge_module(kit, path, module, files, sandbox, round_number)
        judge_kept(kit, order, states, files, sandbox)
    return EngineResult(files=files, bodies=[_record(s) for s in states], calls=calls)


def _ask(
    llm: LLM,
    stage: str,
    pending: list[BodyState],
    round_number: int,
    calls: list[LLMCall],
    kit: BodyKit,
    files: dict[str, str],
) -> None:
    """One request per pending body, concurrently; the replies join their states. Only a
    reply that can be spliced is cached, so asking again is a new answer."""
    language = kit.language

    def ask(state: BodyState) -> tuple[list[tuple[str, LLMCall]], list[str]]:
        target = state.target
        slot = kit.slot(files[target.path], target.qualname)

        def acceptable(reply: str) -> bool:
            try:
                kit.body_from_reply(
                    extract_code(reply),
                    slot,
                    allowed=target.allowed,
                    taken=target.taken,
                    siblings=target.siblings,
                )
            except SpliceRefused:
                return False
            return True

        if not state.candidates:
            replies = llm.complete_text_candidates(
                stage, state.messages, acceptable=acceptable, code_language=language
            )
            return replies, []
        sent = _problems(state)
        answered = _answered(state)
        conversation = repair_messages(state.messages, answered, target.key, sent, language)
        reply = llm.complete_text(
            stage,
            conversation,
            acceptable=acceptable,
            code_language=language,
            attempt=round_number,
        )
        return [reply], sent

    workers = max(1, min(llm.max_parallel_calls, len(pending)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=stage) as pool:
        futures = [pool.submit(ask, state) for state in pending]
    failures: list[LLMStageError] = []
    for state, future in zip(pending, futures, strict=True):
        try:
            replies, sent = future.result()
        except LLMStageError as exc:
            failures.append(exc)
            calls += exc.calls
            continue
        for reply, call in replies:
            calls.append(call.model_copy(update={"attempt": round_number}))
            code = extract_code(reply)
            state.candidates.append(
                Candidate(round_number, call.candidate, reply, code, None, [], sent)
            )
    if failures:
        reasons = "; ".join(dict.fromkeys(f.reason for f in failures))
        raise type(failures[0])(stage, reasons, calls)


def _splice_and_check(
    kit: BodyKit, state: BodyState, candidate: Candidate, files: dict[str, str], check: ModuleCheck
) -> None:
    target = state.target
    slot = kit.slot(files[target.path], target.qualname)
    try:
        candidate.body = kit.body_from_reply(
            candidate.code,
            slot,
            allowed=target.allowed,
            taken=target.taken,
            siblings=target.siblings,
        )
    except SpliceRefused as exc:
        candidate.findings = exc.findings
        return
    before = set(check(target.path, files[target.path], files))
    spliced = kit.assemble(files[target.path], {slot: candidate.body})
    found = [
        f for f in check(target.path, spliced, {**files, target.path: spliced}) if f not in before
    ]
    candidate.findings = found


def _to_ask(states: list[BodyState]) -> list[BodyState]:
    """The bodies to ask for this round: every one not done, except a body whose failures
    may be a body it calls that is failing too (that one is repaired first: Parsel's order)."""
    failing = {s.target.qualname.split(".")[0] for s in states if not s.done()}
    pending = []
    for state in states:
        if state.done():
            continue
        best = state.best
        calls = _names_in(best.body.text) if best is not None and best.body else set()
        if calls & (failing - {state.target.qualname.split(".")[0]}):
            continue
        pending.append(state)
    return pending or [s for s in states if not s.done()]


def _names_in(text: str) -> set[str]:
    try:
        return {n.id for n in ast.walk(ast.parse(text)) if isinstance(n, ast.Name)}
    except SyntaxError:
        return set()


def _problems(state: BodyState) -> list[str]:
    """What goes back for a repair: the kept body's failing examples, or the findings of
    the latest candidate when none could be kept."""
    best = state.best
    if best is not None:
        failing = [o.describe() for o in best.outcomes if not o.passed]
        complaints = list(state.target.complaints) if complained(state, best) else []
        return (complaints + failing)[:MAX_PROBLEMS_SENT]
    latest = state.candidates[-1] if state.candidates else None
    return (latest.findings if latest else ["no reply"])[:MAX_PROBLEMS_SENT]


def _answered(state: BodyState) -> str:
    """The code the repair answers: the kept candidate's, else the latest reply's."""
    chosen = state.best or (state.candidates[-1] if state.candidates else None)
    return chosen.code if chosen else ""


def _prompt_code(kit: BodyKit, content: str, qualname: str) -> str:
    """The module as the model sees it: everything up to the end of the function's
    docstring (its body is what is asked)."""
    slot = kit.slot(content, qualname)
    lines = content.splitlines()
    return "\n".join(lines[: slot.first - 1]).rstrip("\n")


def _record(state: BodyState) -> FunctionBody:
    examples = state.target.examples
    best = state.best
    outcomes = best.outcomes if best else []
    results = [
        ExampleResult(
            call=e.call,
            expected=f"raises {e.raises}" if e.raises else (e.expected or ""),
            passed=o.passed if o else False,
            detail=o.detail if o else "no body was written",
        )
        for e, o in zip(examples, _padded(outcomes, len(examples)), strict=True)
    ]
    attempts = [
        BodyAttempt(
            round=c.round,
            candidate=c.number,
            sent_back=c.sent_back,
            findings=c.findings,
            examples_passed=c.passed,
            examples_total=len(c.outcomes) if not c.findings else 0,
            first_failure=next((o.describe() for o in c.outcomes if not o.passed), ""),
            kept=c is best,
        )
        for c in state.candidates
    ]
    return FunctionBody(
        path=state.target.path,
        qualname=state.target.qualname,
        examples=results,
        attempts=attempts,
        written=best is not None,
    )


def _padded(outcomes: list[ExampleOutcome], count: int) -> list[ExampleOutcome | None]:
    return [*outcomes, *([None] * (count - len(outcomes)))]
