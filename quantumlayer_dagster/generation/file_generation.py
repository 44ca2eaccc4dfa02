"""Generate source files with the LLM, parse them, and send parse errors back, bounded.

Files of one stage are independent requests, so ``generate_files`` runs them concurrently, at
most ``llm.max_parallel_calls`` at a time, and keeps the given order whatever order they
finish in.
"""

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from pydantic import ValidationError

from quantumlayer_dagster.analysis.parsing import syntax_errors
from quantumlayer_dagster.artifacts.code import GenerationAttempt, SourceFile
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.llm.code_blocks import extract_code
from quantumlayer_dagster.llm.protocol import LLM, LLMStageError, Message
from quantumlayer_dagster.prompts import load_template

MAX_ERRORS_SHOWN = 5


@dataclass(frozen=True)
class FileRequest:
    """One file to generate: where it goes, what to send, and the progress line to show."""

    path: str
    messages: list[Message]
    progress_note: str


def generate_files(
    llm: LLM,
    stage: str,
    requests: list[FileRequest],
    *,
    max_attempts: int,
    progress: Callable[[str], None] | None = None,
) -> tuple[list[SourceFile], list[LLMCall]]:
    """``generate_file`` for each request, concurrently; the files come back in request
    order with every call. When a file fails, the others still finish (their accepted
    replies are cached, so a re-run does not pay for them again) and the first failure's
    error type is raised carrying every call of the stage and each distinct reason."""

    def write(request: FileRequest) -> tuple[SourceFile, list[LLMCall]]:
        if progress:
            progress(request.progress_note)
        return generate_file(llm, stage, request.path, request.messages, max_attempts=max_attempts)

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
    llm: LLM, stage: str, path: str, messages: list[Message], *, max_attempts: int
) -> tuple[SourceFile, list[LLMCall]]:
    """Ask for the file at ``path``; while it does not parse, reply with the errors and ask
    again, up to ``max_attempts`` calls. Returns the last version (which may still not
    parse: semantic validation reports it) and every call, each with its error.
    Raises LLMStageError when no attempt produced an acceptable file at all (e.g. empty or
    over the size limit)."""
    repair = load_template("repair_parse")
    conversation = list(messages)
    calls: list[LLMCall] = []
    attempts: list[GenerationAttempt] = []
    kept: SourceFile | None = None
    for attempt in range(1, max_attempts + 1):
        reply, call = llm.complete_text(
            stage, conversation, acceptable=lambda text: not _problems(path, extract_code(text))
        )
        content = extract_code(reply)
        errors = _problems(path, content)
        call = call.model_copy(update={"attempt": attempt, "error": "; ".join(errors) or None})
        calls.append(call)
        attempts.append(GenerationAttempt(attempt=attempt, errors=errors))
        if not _unusable(errors):
            kept = SourceFile(path=path, content=content, attempts=list(attempts))
        if not errors:
            break
        # Only the latest attempt goes back (as its code, without the prose around it), so
        # repeated repairs cannot outgrow the model's context window.
        conversation = [
            *messages,
            {"role": "assistant", "content": f"```\n{content}```" if content else reply},
            {"role": "user", "content": repair.user.format(path=path, errors="\n".join(errors))},
        ]
    if kept is None:
        raise LLMStageError(
            stage,
            f"{path}: no usable file after {max_attempts} attempts: {attempts[-1].errors[0]}",
            calls,
        )
    return kept.model_copy(update={"attempts": attempts}), calls


def _problems(path: str, content: str) -> list[str]:
    if not content.strip():
        return ["the reply held no code"]
    try:
        SourceFile(path=path, content=content)
    except ValidationError as exc:
        return [f"rejected: {err['msg']}" for err in exc.errors()]
    issues = syntax_errors(path, content) or []
    shown = [str(i) for i in issues[:MAX_ERRORS_SHOWN]]
    if len(issues) > MAX_ERRORS_SHOWN:
        shown.append(f"... and {len(issues) - MAX_ERRORS_SHOWN} more")
    return shown


def _unusable(errors: list[str]) -> bool:
    """Empty or oversized replies cannot be kept at all; parse errors can (and are reported)."""
    return any(e.startswith(("rejected:", "the reply held no code")) for e in errors)
