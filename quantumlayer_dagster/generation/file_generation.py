"""Generate source files with the LLM, check them, and send what the check finds back,
bounded.

Files of one stage (or one wave of a stage) are independent requests, so ``generate_files``
runs them concurrently, at most ``llm.max_parallel_calls`` at a time, and keeps the given
order whatever order they finish in. The check is the caller's: code generation passes the
blocking checks of semantic validation, so every finding the gate would stop on goes back
to the model; the default is the syntax check alone.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pydantic import ValidationError

from quantumlayer_dagster.analysis.parsing import syntax_errors
from quantumlayer_dagster.artifacts.code import GenerationAttempt, SourceFile, language_of
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.llm.code_blocks import extract_code
from quantumlayer_dagster.llm.protocol import LLM, LLMStageError, Message
from quantumlayer_dagster.prompts import load_template

MAX_ERRORS_SHOWN = 5

Check = Callable[[SourceFile], list[str]]
"""The blocking findings in one file, each a line ``path:line:col message`` (empty: keep it)."""


def syntax_check(source: SourceFile) -> list[str]:
    """Tree-sitter syntax errors only."""
    return [str(i) for i in syntax_errors(source.path, source.content) or []]


@dataclass(frozen=True)
class FileRequest:
    """One file to generate: where it goes, what to send, and the progress line to show.
    ``previous``, when given, is a version already written that failed the check now: the
    request starts by sending it back with its findings (a repair), and its attempts go on."""

    path: str
    messages: list[Message]
    progress_note: str
    previous: SourceFile | None = None
    phase: str = "write"


def generate_files(
    llm: LLM,
    stage: str,
    requests: list[FileRequest],
    *,
    max_attempts: int,
    progress: Callable[[str], None] | None = None,
    check: Check = syntax_check,
    repair_template: str = "repair_parse_node",
) -> tuple[list[SourceFile], list[LLMCall]]:
    """``generate_file`` for each request, concurrently; the files come back in request
    order with every call. When a file fails, the others still finish (their accepted
    replies are cached, so a re-run does not pay for them again) and the first failure's
    error type is raised carrying every call of the stage and each distinct reason."""

    def write(request: FileRequest) -> tuple[SourceFile, list[LLMCall]]:
        if progress:
            progress(request.progress_note)
        return generate_file(
            llm,
            stage,
            request.path,
            request.messages,
            max_attempts=max_attempts,
            check=check,
            repair_template=repair_template,
            previous=request.previous,
            phase=request.phase,
        )

    workers = max(1, min(llm.max_parallel_calls, len(requests)))
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=stage) as pool:
        futures = [pool.submit(write, request) for request in requests]
    files: list[SourceFile] = []
    calls: list[LLMCall] = []
    failures: list[LLMStageError] = []
    for future in futures:
        try:
            source, file_calls = future.result()
        except LLMStageError as exc:
            failures.append(exc)
            calls += exc.calls
            continue
        files.append(source)
        calls += file_calls
    if failures:
        reasons = "; ".join(dict.fromkeys(f.reason for f in failures))
        # The first failure's kind (e.g. BudgetExceeded) is kept for whoever catches it.
        raise type(failures[0])(stage, reasons, calls)
    return files, calls


def generate_file(
    llm: LLM,
    stage: str,
    path: str,
    messages: list[Message],
    *,
    max_attempts: int,
    check: Check = syntax_check,
    repair_template: str = "repair_parse_node",
    previous: SourceFile | None = None,
    phase: str = "write",
) -> tuple[SourceFile, list[LLMCall]]:
    """Ask for the file at ``path``; while ``check`` finds problems, reply with them and ask
    again, up to ``max_attempts`` requests. The first request asks for the group's
    candidates (best-of-n): the first with no finding is kept, else the repair goes on from
    the one with the fewest. With ``previous`` the first call is already a repair of that
    version. Returns the last version (which may still have problems:
    semantic validation reports them) and every call, each with its error. Every attempt
    is recorded with what was sent back for it and what it still had.
    Raises LLMStageError when no attempt produced an acceptable file at all (e.g. empty or
    over the size limit)."""
    repair = load_template(repair_template)

    def repair_turn(content: str, reply: str, errors: list[str]) -> list[Message]:
        # Only the latest attempt goes back (as its code, without the prose around it), so
        # repeated repairs cannot outgrow the model's context window.
        return [
            *messages,
            {"role": "assistant", "content": f"```\n{content}```" if content else reply},
            {"role": "user", "content": repair.user.format(path=path, errors="\n".join(errors))},
        ]

    calls: list[LLMCall] = []
    attempts = list(previous.attempts) if previous else []
    kept: SourceFile | None = previous
    kept_at = attempts.index(previous.kept_attempt) if previous and previous.kept_attempt else -1
    conversation = list(messages)
    sent: list[str] = []
    if previous is not None:
        sent = capped(check(previous))
        conversation = repair_turn(previous.content, previous.content, sent)
    language = language_of(path)

    def acceptable(text: str) -> bool:
        return not _problems(path, extract_code(text), check)

    first = len(attempts) + 1
    for attempt in range(first, first + max_attempts):
        if previous is None and attempt == first:
            # best-of-n: the group's candidates for the first request, one reply per repair
            replies = llm.complete_text_candidates(
                stage, conversation, acceptable=acceptable, code_language=language
            )
        else:
            replies = [
                llm.complete_text(
                    stage,
                    conversation,
                    acceptable=acceptable,
                    code_language=language,
                    attempt=attempt,
                )
            ]
        judged: list[tuple[str, str, list[str], int]] = []
        for reply, call in replies:
            content = extract_code(reply)
            errors = _problems(path, content, check)
            error = "; ".join(errors) or None
            calls.append(call.model_copy(update={"attempt": attempt, "error": error}))
            attempts.append(
                GenerationAttempt(
                    attempt=attempt,
                    candidate=call.candidate,
                    errors=errors,
                    sent_back=sent,
                    phase=phase,
                )
            )
            judged.append((reply, content, errors, len(attempts) - 1))
        usable = [j for j in judged if not _unusable(j[2])]
        # the first candidate with no finding, else the one with the fewest
        best = min(usable, key=lambda j: _finding_count(j[2])) if usable else None
        if best is not None:
            reply, content, errors, kept_at = best
            kept = SourceFile(path=path, content=content)
        else:
            reply, content, errors, _ = judged[0]
        if best is not None and not errors:
            break
        sent = errors
        conversation = repair_turn(content, reply, errors)
    if kept is None:
        raise LLMStageError(
            stage,
            f"{path}: no usable file after {max_attempts} attempts: {attempts[-1].errors[0]}",
            calls,
        )
    marked = [a.model_copy(update={"kept": i == kept_at}) for i, a in enumerate(attempts)]
    return kept.model_copy(update={"attempts": marked}), calls


def _problems(path: str, content: str, check: Check) -> list[str]:
    if not content.strip():
        return ["the reply held no code"]
    try:
        source = SourceFile(path=path, content=content)
    except ValidationError as exc:
        return [f"rejected: {err['msg']}" for err in exc.errors()]
    return capped(check(source))


def capped(errors: list[str]) -> list[str]:
    shown = errors[:MAX_ERRORS_SHOWN]
    if len(errors) > MAX_ERRORS_SHOWN:
        shown.append(f"... and {len(errors) - MAX_ERRORS_SHOWN} more")
    return shown


def _finding_count(errors: list[str]) -> int:
    """How many findings a ``capped`` list stands for."""
    more = errors[-1] if errors else ""
    if more.startswith("... and ") and more.endswith(" more"):
        return len(errors) - 1 + int(more.split()[2])
    return len(errors)


def _unusable(errors: list[str]) -> bool:
    """Empty or oversized replies cannot be kept at all; parse errors can (and are reported)."""
    return any(e.startswith(("rejected:", "the reply held no code")) for e in errors)
