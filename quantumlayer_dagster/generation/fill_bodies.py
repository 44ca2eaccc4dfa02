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
import hashlib
import textwrap
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from quantumlayer_dagster.artifacts.bodies import BodyAttempt, ExampleResult, FunctionBody
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.generation.body_kit import PYTHON, BodyKit
from quantumlayer_dagster.generation.body_prompt import body_messages, repair_messages
from quantumlayer_dagster.generation.choose_candidate import Verdict, choose_candidate
from quantumlayer_dagster.generation.examples import Example
from quantumlayer_dagster.generation.run_examples import ExampleJob, ExampleOutcome
from quantumlayer_dagster.generation.splice_body import Allowance, Body, SpliceRefused
from quantumlayer_dagster.llm.code_blocks import extract_code
from quantumlayer_dagster.llm.protocol import LLM, LLMStageError, Message
from quantumlayer_dagster.sandbox import CodeSandbox

ModuleCheck = Callable[[str, str, dict[str, str]], list[str]]
"""(path, content, every file's content) -> the module's blocking findings, one line each."""
Progress = Callable[[str], None]

MAX_PROBLEMS_SENT = 3


@dataclass(frozen=True)
class BodyTarget:
    """One function to write: where it is, the examples that judge it, what the request
    says around the code (``context``), and what its body may import and define."""

    path: str
    qualname: str
    examples: tuple[Example, ...]
    context: str = ""
    allowed: Allowance = field(default=lambda module: None, compare=False)
    taken: frozenset[str] = frozenset()
    siblings: frozenset[str] = frozenset()
    current: bool = False
    """The function already has a body: it is judged first and only repaired (with what
    its examples show) when it fails them."""
    complaints: tuple[str, ...] = ()
    """What showed the current body wrong besides its examples (a server error it caused,
    with the request and traceback): sent back first, and the current body gives way to a
    repair that passes as many examples."""

    @property
    def key(self) -> str:
        return f"{self.path}::{self.qualname}"


@dataclass
class _Candidate:
    round: int
    number: int | None
    reply: str
    code: str
    body: Body | None
    findings: list[str]
    sent_back: list[str]
    outcomes: list[ExampleOutcome] = field(default_factory=list)
    judged_with: str = ""
    """The digest of the files its outcomes were judged against."""

    @property
    def passed(self) -> int:
        return sum(1 for o in self.outcomes if o.passed)


@dataclass
class _State:
    target: BodyTarget
    messages: list[Message]
    kit: BodyKit
    candidates: list[_Candidate] = field(default_factory=list)
    kept: int | None = None

    @property
    def best(self) -> _Candidate | None:
        return self.candidates[self.kept] if self.kept is not None else None

    def done(self) -> bool:
        """Every example passes, or the kept body fails only because something it calls is
        still a placeholder (a repair of this body cannot help); never while the kept body
        is one complained about."""
        best = self.best
        if best is None or _complained(self, best):
            return False
        failing = [o for o in best.outcomes if not o.passed]
        return not failing or all(self.kit.placeholder_failure(o.detail) for o in failing)


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
        _State(
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
                state.candidates.append(_Candidate(0, None, "", body.text, body, [], []))
    for path in order:
        module = [s for s in states if s.target.path == path and s.candidates]
        if module:
            _judge_module(kit, path, module, files, sandbox, 0)
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
                _judge_module(kit, path, module, files, sandbox, round_number)
        _judge_kept(kit, order, states, files, sandbox)
    return EngineResult(files=files, bodies=[_record(s) for s in states], calls=calls)


def _ask(
    llm: LLM,
    stage: str,
    pending: list[_State],
    round_number: int,
    calls: list[LLMCall],
    kit: BodyKit,
    files: dict[str, str],
) -> None:
    """One request per pending body, concurrently; the replies join their states. Only a
    reply that can be spliced is cached, so asking again is a new answer."""
    language = kit.language

    def ask(state: _State) -> tuple[list[tuple[str, LLMCall]], list[str]]:
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
                _Candidate(round_number, call.candidate, reply, code, None, [], sent)
            )
    if failures:
        reasons = "; ".join(dict.fromkeys(f.reason for f in failures))
        raise type(failures[0])(stage, reasons, calls)


def _splice_and_check(
    kit: BodyKit, state: _State, candidate: _Candidate, files: dict[str, str], check: ModuleCheck
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


def _judge_module(
    kit: BodyKit,
    path: str,
    module: list[_State],
    files: dict[str, str],
    sandbox: CodeSandbox,
    round_number: int,
) -> None:
    """Run the examples of the round's usable candidates (and of each kept body, against
    the module as it now is) of one module in one sandbox call, keep the best of each body
    and splice it in. When a kept body changed, every usable candidate of the bodies still
    failing is judged once more against the module with it (a body is judged against the
    bodies kept for what it calls)."""
    todo = module
    for pass_number in (1, 2):
        jobs: list[tuple[_Candidate, ExampleJob]] = []
        for state in todo:
            for candidate in state.candidates:
                fresh = candidate.round == round_number or candidate is state.best
                if not _usable(candidate) or (pass_number == 1 and not fresh):
                    continue
                slot = kit.slot(files[path], state.target.qualname)
                source = kit.assemble(files[path], {slot: candidate.body})  # type: ignore[dict-item]
                jobs.append((candidate, ExampleJob(path, source, state.target.examples)))
        if not jobs:
            return
        project = [SourceFile(path=p, content=c) for p, c in files.items()]
        results = kit.run_examples(project, [job for _, job in jobs], sandbox)
        for (candidate, job), outcomes in zip(jobs, results, strict=True):
            candidate.outcomes = outcomes
            candidate.judged_with = _digest({**files, path: job.source})
        changed = False
        for state in todo:
            verdicts = [
                Verdict(
                    usable=_usable(c),
                    passed=c.passed,
                    order=(c.round, c.number or 0),
                    complained=_complained(state, c),
                )
                for c in state.candidates
            ]
            chosen = choose_candidate(verdicts)
            if chosen is not None and chosen != state.kept:
                state.kept, changed = chosen, True
                slot = kit.slot(files[path], state.target.qualname)
                files[path] = kit.assemble(files[path], {slot: state.candidates[chosen].body})  # type: ignore[dict-item]
        todo = [s for s in module if not s.done()]
        if not changed or not todo:
            return


def _judge_kept(
    kit: BodyKit,
    order: list[str],
    states: list[_State],
    files: dict[str, str],
    sandbox: CodeSandbox,
) -> None:
    """Run the examples of every kept body against the files as they now are (a body that
    calls another is judged again once that one changed), one sandbox call per module whose
    kept bodies were judged against other files."""
    project = [SourceFile(path=p, content=c) for p, c in files.items()]
    now = _digest(files)
    for path in order:
        module = [s for s in states if s.target.path == path and s.best is not None]
        kept = [s.best for s in module if s.best is not None]
        if all(c.judged_with == now for c in kept):
            continue
        jobs = [ExampleJob(path, files[path], s.target.examples) for s in module]
        for candidate, outcomes in zip(kept, kit.run_examples(project, jobs, sandbox), strict=True):
            candidate.outcomes = outcomes
            candidate.judged_with = now


def _digest(files: dict[str, str]) -> str:
    return hashlib.sha256(
        "\0".join(f"{p}\0{c}" for p, c in sorted(files.items())).encode("utf-8")
    ).hexdigest()


def _complained(state: _State, candidate: _Candidate) -> bool:
    """Whether the candidate is the current body its target's complaints are about."""
    return candidate.round == 0 and bool(state.target.complaints)


def _usable(candidate: _Candidate) -> bool:
    return candidate.body is not None and not candidate.findings


def _to_ask(states: list[_State]) -> list[_State]:
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


def _problems(state: _State) -> list[str]:
    """What goes back for a repair: the kept body's failing examples, or the findings of
    the latest candidate when none could be kept."""
    best = state.best
    if best is not None:
        failing = [o.describe() for o in best.outcomes if not o.passed]
        complaints = list(state.target.complaints) if _complained(state, best) else []
        return (complaints + failing)[:MAX_PROBLEMS_SENT]
    latest = state.candidates[-1] if state.candidates else None
    return (latest.findings if latest else ["no reply"])[:MAX_PROBLEMS_SENT]


def _answered(state: _State) -> str:
    """The code the repair answers: the kept candidate's, else the latest reply's."""
    chosen = state.best or (state.candidates[-1] if state.candidates else None)
    return chosen.code if chosen else ""


def _prompt_code(kit: BodyKit, content: str, qualname: str) -> str:
    """The module as the model sees it: everything up to the end of the function's
    docstring (its body is what is asked)."""
    slot = kit.slot(content, qualname)
    lines = content.splitlines()
    return "\n".join(lines[: slot.first - 1]).rstrip("\n")


def _record(state: _State) -> FunctionBody:
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
