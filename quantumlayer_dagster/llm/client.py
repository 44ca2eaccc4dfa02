"""LiteLLMClient: the ``LLM`` protocol over ``litellm.completion``.

Structured replies are constrained by the model's ``structured_output`` setting, validated
against the stage's pydantic model, and repaired in the same conversation when invalid. Every
attempt becomes an ``LLMCall``; API keys are read from the environment per call and never
stored, logged or put in an error.
"""

import json
import logging
import os
import re
import time
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.llm.config import LLMConfig, ModelSpec, describe_validation_error
from quantumlayer_dagster.llm.litellm_offline import litellm
from quantumlayer_dagster.llm.protocol import LLMStageError, M, Message
from quantumlayer_dagster.llm.request_tags import stage_metadata
from quantumlayer_dagster.llm.transport_errors import failure_reason

log = logging.getLogger(__name__)

RAW_REPLY_MAX_CHARS = 4096
"""Longest reply text kept in an LLMCall."""

NO_KEY = "no-key"
"""Sent to keyless local servers: the OpenAI client refuses to send a request without a key."""

_FENCED = re.compile(r"\A\s*```[\w.+#-]*[ \t]*\n(?P<body>.*?)\n?[ \t]*```\s*\Z", re.DOTALL)
_INNER_FENCE = re.compile(r"^[ \t]*```", re.MULTILINE)


def strip_fence(text: str) -> str:
    """``text`` without its surrounding ``` fence when the whole reply is one fenced block.

    Anything else (prose around the block, several blocks, no fence) comes back unchanged, so
    Markdown documents keep their code blocks. To pull the code out of a chatty reply, use
    ``code_blocks.extract_code``.
    """
    match = _FENCED.match(text)
    if match is None or _INNER_FENCE.search(match["body"]):
        return text
    return match["body"]


@dataclass
class _Reply:
    text: str
    call: LLMCall
    truncated: bool


class LiteLLMClient:
    """The LLM protocol for the models in an ``LLMConfig``, through ``litellm.completion``."""

    def __init__(self, config: LLMConfig):
        self.config = config
        self._unpriced_warned: set[str] = set()
        for spec in config.models.values():
            _register_price(spec)

    def complete_json(
        self,
        stage: str,
        messages: list[Message],
        schema: type[M],
        *,
        json_schema: dict[str, Any] | None = None,
        validation_context: dict[str, Any] | None = None,
        max_attempts: int = 3,
    ) -> tuple[M, list[LLMCall]]:
        """Ask for an object of ``schema``; return it validated with every call made.

        After an invalid reply the request is sent again followed by that reply and a repair
        message carrying the validation error, up to ``max_attempts`` calls in all; then
        LLMStageError with every call.
        """
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        spec = self.config.model_for(stage)
        target = json_schema if json_schema is not None else schema.model_json_schema()
        response_format = _response_format(spec, schema.__name__, target)
        request = list(messages)
        if response_format is None or spec.structured_output == "json_object":
            request = _with_schema_instruction(request, target)
        conversation = request
        calls: list[LLMCall] = []
        last_error = ""
        for attempt in range(1, max_attempts + 1):
            reply = self._send(
                stage, spec, conversation, attempt, calls, response_format, spec.max_tokens
            )
            try:
                value = schema.model_validate(_parse_json(reply.text), context=validation_context)
            except (ValidationError, ValueError) as exc:
                last_error = (
                    describe_validation_error(exc)
                    if isinstance(exc, ValidationError)
                    else f"Invalid JSON: {exc}"
                )
                if reply.truncated:
                    last_error = f"reply cut off at max_tokens={spec.max_tokens}; {last_error}"
                calls.append(reply.call.model_copy(update={"error": last_error}))
                # Only the latest bad reply is shown, so repairs cannot overflow the context.
                conversation = [
                    *request,
                    {"role": "assistant", "content": reply.text},
                    {"role": "user", "content": _repair_message(last_error, reply.truncated)},
                ]
                continue
            calls.append(reply.call)
            return value, calls
        raise LLMStageError(
            stage,
            f"no valid {schema.__name__} from {spec.model} after {max_attempts} attempts; "
            f"last error: {last_error}",
            calls,
        )

    def complete_text(
        self, stage: str, messages: list[Message], *, max_tokens: int | None = None
    ) -> tuple[str, LLMCall]:
        """Ask for free text; return the reply as sent (stages pull code out with
        ``code_blocks.extract_code``) and the call."""
        spec = self.config.model_for(stage)
        calls: list[LLMCall] = []
        reply = self._send(
            stage, spec, list(messages), 1, calls, None, max_tokens or spec.max_tokens
        )
        return reply.text, reply.call

    def _send(
        self,
        stage: str,
        spec: ModelSpec,
        messages: list[Message],
        attempt: int,
        calls: list[LLMCall],
        response_format: dict[str, Any] | None,
        max_tokens: int,
    ) -> _Reply:
        """One litellm call; a failed call is recorded in ``calls`` and raised as LLMStageError."""
        api_key = _api_key(stage, spec, calls)
        # Retries and fallbacks are the Router's job; a single call fails fast.
        kwargs: dict[str, Any] = {"max_retries": 0, **spec.litellm_params()}
        kwargs.update(messages=messages, max_tokens=max_tokens, metadata=stage_metadata(stage))
        if response_format is not None:
            kwargs["response_format"] = response_format
        if api_key is not None:
            kwargs["api_key"] = api_key
        started = time.monotonic()
        try:
            response = litellm.completion(**kwargs)
        except Exception as exc:
            reason = failure_reason(exc, spec, secret=api_key)
            calls.append(
                LLMCall(
                    stage=stage,
                    model=spec.model,
                    attempt=attempt,
                    duration_s=round(time.monotonic() - started, 3),
                    error=reason,
                )
            )
            raise LLMStageError(stage, reason, calls) from exc
        duration = time.monotonic() - started
        choice = response.choices[0]
        text = choice.message.content or ""
        usage = getattr(response, "usage", None)
        call = LLMCall(
            stage=stage,
            model=spec.model,
            attempt=attempt,
            tokens_in=getattr(usage, "prompt_tokens", 0) or 0,
            tokens_out=getattr(usage, "completion_tokens", 0) or 0,
            cost_usd=self._cost(response, spec),
            duration_s=round(duration, 3),
            raw_reply=text[:RAW_REPLY_MAX_CHARS],
        )
        return _Reply(text=text, call=call, truncated=choice.finish_reason == "length")

    def _cost(self, response: Any, spec: ModelSpec) -> float:
        try:
            return float(litellm.completion_cost(completion_response=response, model=spec.model))
        except Exception:
            # Unpriced models (custom deployments, test doubles) count as free, said once.
            if spec.model not in self._unpriced_warned:
                self._unpriced_warned.add(spec.model)
                log.warning(
                    "no price known for %s; recording cost 0.0 (set input_cost_per_token and "
                    "output_cost_per_token in the LLM config)",
                    spec.model,
                )
            return 0.0


def _register_price(spec: ModelSpec) -> None:
    """Tell litellm what a model costs: the config's prices, or zero for a local server."""
    unpriced = spec.input_cost_per_token is None and spec.output_cost_per_token is None
    if unpriced and not spec.is_local:
        return
    entry: dict[str, Any] = {
        "input_cost_per_token": spec.input_cost_per_token or 0.0,
        "output_cost_per_token": spec.output_cost_per_token or 0.0,
        # Given explicitly so litellm does not warn that cache pricing defaults to zero.
        "cache_creation_input_token_cost": 0.0,
        "cache_read_input_token_cost": 0.0,
        "mode": "chat",
    }
    provider, sep, _ = spec.model.partition("/")
    if sep:
        entry["litellm_provider"] = provider
    litellm.register_model({spec.model: entry})


def _api_key(stage: str, spec: ModelSpec, calls: list[LLMCall]) -> str | None:
    if spec.api_key_env:
        key = os.environ.get(spec.api_key_env)
        if not key:
            raise LLMStageError(
                stage,
                f"model {spec.model}: environment variable {spec.api_key_env} is not set; "
                f"export {spec.api_key_env}=<your key>",
                calls,
            )
        return key
    return NO_KEY if spec.api_base else None


GRAMMAR_MAX_STRING = 300
"""Longest string bound sent to llama.cpp. Its schema-to-grammar converter unrolls
``maxLength`` into nested rules; at 1200 characters the grammar exceeds llama.cpp's limits and
the server process dies ("number of rules ... exceeds sane defaults"). Measured: 300 works for
every stage schema. Replies are still validated against the model's own, looser bounds."""


def grammar_safe_schema(schema: Any) -> Any:
    """``schema`` with every ``maxLength`` capped at GRAMMAR_MAX_STRING (property names kept)."""
    if isinstance(schema, list):
        return [grammar_safe_schema(item) for item in schema]
    if not isinstance(schema, dict):
        return schema
    out: dict[str, Any] = {}
    for key, value in schema.items():
        if key == "maxLength" and isinstance(value, int):
            out[key] = min(value, GRAMMAR_MAX_STRING)
        elif key in ("properties", "$defs", "definitions") and isinstance(value, dict):
            out[key] = {name: grammar_safe_schema(sub) for name, sub in value.items()}
        else:
            out[key] = grammar_safe_schema(value)
    return out


def _response_format(spec: ModelSpec, name: str, target: dict[str, Any]) -> dict[str, Any] | None:
    mode = spec.structured_output
    if mode == "json_schema":
        safe_name = re.sub(r"[^A-Za-z0-9_-]", "_", name)[:64] or "reply"
        return {"type": "json_schema", "json_schema": {"name": safe_name, "schema": target}}
    if mode == "json_object_schema":
        return {"type": "json_object", "schema": grammar_safe_schema(target)}
    if mode == "json_object":
        return {"type": "json_object"}
    return None


def _with_schema_instruction(messages: list[Message], target: dict[str, Any]) -> list[Message]:
    """Put the schema into the system message, for modes where decoding does not enforce it."""
    instruction = (
        "Reply with one JSON object and nothing else (no prose, no code fence). "
        f"It must match this JSON schema:\n{json.dumps(target, separators=(',', ':'))}"
    )
    if messages and messages[0].get("role") == "system":
        first = {**messages[0], "content": f"{messages[0]['content']}\n\n{instruction}"}
        return [first, *messages[1:]]
    return [{"role": "system", "content": instruction}, *messages]


def _parse_json(text: str) -> Any:
    """The reply's JSON value. Raw newlines and tabs inside strings are accepted (a grammar-
    constrained llama.cpp reply writes Markdown paragraphs that way); anything else that is
    not JSON raises ValueError."""
    return json.loads(_json_candidate(text), strict=False)


def _json_candidate(text: str) -> str:
    """The part of a reply that should be the JSON object: unfenced, prose trimmed away."""
    body = strip_fence(text).strip()
    if body.startswith(("{", "[")):
        return body
    start, end = body.find("{"), body.rfind("}")
    return body[start : end + 1] if 0 <= start < end else body


def _repair_message(error: str, truncated: bool) -> str:
    shorter = " Your reply was cut off: keep it shorter." if truncated else ""
    return (
        f"That reply was not valid: {error}.{shorter} "
        "Reply again with only the corrected JSON object."
    )
