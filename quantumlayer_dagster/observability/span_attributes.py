"""Span attributes and step-record entries built from what a call returned: sizes, counts,
digests and outcomes, never a prompt, a reply, generated code, output or a secret."""

import hashlib
from typing import TYPE_CHECKING, Any

from quantumlayer_dagster.artifacts.llm_usage import LLMCall

if TYPE_CHECKING:  # annotations only: the sandbox package imports the hooks that use this
    from quantumlayer_dagster.sandbox.models import SandboxResult


def llm_call_entry(call: LLMCall, outcome: str) -> dict[str, Any]:
    """One LLM call as the step record (and so the metrics exporter) keeps it."""
    return {
        "group": call.group or "",
        "deployment": call.deployment or "",
        "outcome": outcome,
        "cached": call.cached,
        "tokens_in": call.tokens_in,
        "tokens_out": call.tokens_out,
        "cost_usd": call.cost_usd,
        "duration_s": call.duration_s,
    }


def llm_call_attributes(call: LLMCall, outcome: str, truncated: bool) -> dict[str, Any]:
    """OpenTelemetry's GenAI conventions where they fit, ``quantumlayer.llm.*`` for ours."""
    attributes: dict[str, Any] = {
        "gen_ai.operation.name": "chat",
        "gen_ai.request.model": call.group or "",
        "gen_ai.response.model": call.model,
        "gen_ai.usage.input_tokens": call.tokens_in,
        "gen_ai.usage.output_tokens": call.tokens_out,
        "quantumlayer.stage": call.stage,
        "quantumlayer.llm.group": call.group or "",
        "quantumlayer.llm.deployment": call.deployment or "",
        "quantumlayer.llm.attempt": call.attempt,
        "quantumlayer.llm.candidate": call.candidate or 0,
        "quantumlayer.llm.cost_usd": call.cost_usd,
        "quantumlayer.llm.cache_hit": call.cached,
        "quantumlayer.llm.outcome": outcome,
        "quantumlayer.llm.retries": call.retries,
        "quantumlayer.llm.fallbacks": call.fallbacks,
        "quantumlayer.llm.truncated": truncated,
        "quantumlayer.llm.reply_chars": len(call.raw_reply),
        "quantumlayer.llm.reply_sha256": digest(call.raw_reply),
    }
    if call.file:
        attributes["quantumlayer.llm.file_sha256"] = digest(call.file)
    return attributes


def sandbox_entry(result: "SandboxResult") -> dict[str, Any]:
    return {
        "isolation_mode": result.isolation_mode or "not run",
        "limit": result.limit or "none",
        "duration_s": result.duration_s,
        "exit_code": result.exit_code,
    }


def sandbox_attributes(result: "SandboxResult") -> dict[str, Any]:
    return {
        "quantumlayer.sandbox.isolation_mode": result.isolation_mode or "not run",
        "quantumlayer.sandbox.limit": result.limit or "none",
        "quantumlayer.sandbox.duration_s": result.duration_s,
        "quantumlayer.sandbox.exit_code": -1 if result.exit_code is None else result.exit_code,
        "quantumlayer.sandbox.timed_out": result.timed_out,
        "quantumlayer.sandbox.output_truncated": result.output_truncated,
        "quantumlayer.sandbox.stdout_bytes": len(result.stdout.encode()),
        "quantumlayer.sandbox.stderr_bytes": len(result.stderr.encode()),
    }


def tool_entry(tool: str, seconds: float, exit_code: int | None, timed_out: bool) -> dict:
    """A host tool's run: ``exit_code`` None for a tool run in-process or timed out."""
    return {
        "tool": tool,
        "duration_s": round(seconds, 3),
        "exit_code": exit_code,
        "timed_out": timed_out,
    }


def digest(text: str) -> str:
    """sha256 of ``text`` (its first 16 hex digits: enough to tell replies apart)."""
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]
