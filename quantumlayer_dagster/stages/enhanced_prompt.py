"""Stage 1: prompt enhancement (meta-prompt template, context from similar past requests
in the vector memory, requirement extraction)."""

import json
import re

from quantumlayer_dagster.artifacts.enhanced_prompt import EnhancedPrompt, EnhancedPromptDraft
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage
from quantumlayer_dagster.artifacts.past_requests import PastRequest
from quantumlayer_dagster.artifacts.request import PromptRequest
from quantumlayer_dagster.llm.protocol import LLM
from quantumlayer_dagster.memory.protocol import Memory
from quantumlayer_dagster.prompts import load_template

STAGE = "enhanced_prompt"

PAST_REQUESTS_LIMIT = 3
"""Most past requests quoted to the LLM (small local models have small contexts)."""
PAST_REQUEST_MIN_SCORE = 0.4
"""Least cosine similarity for a past request to count as similar (MiniLM: unrelated
requests score below about 0.2, rewordings of one request above 0.6)."""
PAST_TEXT_CHARS = 500
"""Longest quote of one past request's text."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_GATE_NAME = re.compile(r"[^a-z0-9_]")


def enhance_prompt(
    request: PromptRequest, llm: LLM, memory: Memory | None = None
) -> EnhancedPrompt:
    """Ask the LLM to restate the request as a bounded brief (title, goals, constraints),
    with the most similar past requests from ``memory`` (if any) quoted as context.

    A memory that cannot be searched does not stop the stage: the brief is written without
    it and the reason is kept in ``memory_problem``."""
    past, problem = recall_similar(request, memory)
    messages = load_template("enhance").messages(
        prompt=request.prompt,
        language=request.options.language,
        past_requests=past_requests_context(past),
    )
    draft, calls = llm.complete_json(
        STAGE, messages, EnhancedPromptDraft, max_attempts=request.options.max_repair_attempts
    )
    return EnhancedPrompt(
        **draft.model_dump(),
        request_id=request.request_id,
        language=request.options.language,
        original_prompt=request.prompt,
        options=request.options,
        llm=LLMUsage(calls=calls),
        past_requests=past,
        memory_problem=problem,
    )


def recall_similar(
    request: PromptRequest, memory: Memory | None
) -> tuple[list[PastRequest], str | None]:
    """The past requests most similar to this one, or ([], reason) when memory failed."""
    if memory is None:
        return [], None
    try:
        found = memory.similar(
            request.prompt,
            PAST_REQUESTS_LIMIT,
            PAST_REQUEST_MIN_SCORE,
            exclude=request.request_id,
            tenant=request.options.tenant,
        )
    except Exception as exc:  # memory is an aid: whatever breaks it, the brief goes on
        return [], f"vector memory unavailable: {_one_line(str(exc) or type(exc).__name__)}"
    return found[:PAST_REQUESTS_LIMIT], None


def past_requests_context(past: list[PastRequest]) -> str:
    """The template's context section: each past request's outcome and its quoted text
    (stored text is untrusted: control characters removed, capped, JSON-quoted)."""
    if not past:
        return "none"
    entries = []
    for number, item in enumerate(past, start=1):
        if item.outcome.gates_passed:
            verdict = "all quality gates passed"
        else:
            failed = [_GATE_NAME.sub("", g.lower())[:40] for g in item.outcome.failed_gates[:6]]
            verdict = "quality gates FAILED: " + (", ".join(failed) or "unknown")
        entries.append(
            f"[{number}] similarity {item.score:.2f}; {verdict}\n"
            f"brief: {quote_untrusted(item.text, PAST_TEXT_CHARS)}"
        )
    return "\n".join(entries)


def quote_untrusted(text: str, limit: int) -> str:
    """``text`` on one line, at most ``limit`` characters, as a JSON string literal."""
    flat = " ".join(_CONTROL.sub(" ", text).split())
    if len(flat) > limit:
        flat = flat[: limit - 1].rstrip() + "…"
    return json.dumps(flat, ensure_ascii=False)


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
