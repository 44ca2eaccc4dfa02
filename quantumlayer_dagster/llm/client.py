"""LiteLLMClient: the ``LLM`` protocol over the litellm Router built from the LLM config.

Fallbacks, retries and cooldowns are the Router's (``llm/router.py``). This client adds what
the pipeline needs around each request: the response cache (a re-run pays nothing twice),
the per-request budget (checked before a call is sent), structured output with validation
and a bounded repair, and one ``LLMCall`` per attempt saying which deployment answered, with
tokens and cost. API keys live only inside the Router and are masked in every error and log.
"""

import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.llm.budget import Estimate, RequestBudget
from quantumlayer_dagster.llm.config import (
    NO_ENV,
    Deployment,
    LLMConfig,
    describe_validation_error,
)
from quantumlayer_dagster.llm.protocol import LLMStageError, M, Message
from quantumlayer_dagster.llm.redaction import redact_in_logs
from quantumlayer_dagster.llm.request_tags import file_path_in, request_headers, stage_metadata
from quantumlayer_dagster.llm.response_cache import (
    CachedReply,
    ResponseCache,
    deployment_identity,
    request_digest,
)
from quantumlayer_dagster.llm.router import api_keys, build_router, deployment_id, token_prices
from quantumlayer_dagster.llm.structured_output import (
    parse_json,
    repair_message,
    response_format,
    with_schema_instruction,
)
from quantumlayer_dagster.llm.transport_errors import failure_reason

log = logging.getLogger(__name__)

RAW_REPLY_MAX_CHARS = 4096
"""Longest reply text kept in an LLMCall."""

CHARS_PER_TOKEN = 4
"""Prompt size estimate for the budget check (the reply is estimated at max_tokens)."""


@dataclass
class _Reply:
    text: str
    call: LLMCall
    truncated: bool
    digest: str


class LiteLLMClient:
    """The LLM protocol for the groups of an ``LLMConfig``, through one litellm Router."""

    def __init__(
        self,
        config: LLMConfig,
        *,
        cache: ResponseCache | None = None,
        budget: RequestBudget | None = None,
        env: Mapping[str, str] = NO_ENV,
    ):
        self.config = config
        self.cache = cache
        self.budget = budget if budget is not None else RequestBudget(config.budget)
        self._secrets = api_keys(config, env)
        redact_in_logs(self._secrets)
        self.router = build_router(config, env)
        self._deployments: dict[str, Deployment] = {
            deployment_id(name, index): dep
            for name, group in config.groups.items()
            for index, dep in enumerate(group.deployments)
        }
        self._unpriced_warned: set[str] = set()

    @property
    def max_parallel_calls(self) -> int:
        """How many independent calls of one stage may be in flight at once."""
        return self.config.concurrency.max_parallel_calls

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
        LLMStageError with every call. Only a reply that validated is cached (under the
        original request, so a re-run skips the repairs too).
        """
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        settings = self.config.settings_for(stage)
        target = json_schema if json_schema is not None else schema.model_json_schema()
        fmt = response_format(settings.structured_output, schema.__name__, target)
        request = list(messages)
        if fmt is None or settings.structured_output == "json_object":
            request = with_schema_instruction(request, target)
        conversation = request
        calls: list[LLMCall] = []
        last_error = ""
        first_digest: str | None = None
        for attempt in range(1, max_attempts + 1):
            reply = self._send(stage, conversation, attempt, calls, fmt, settings.max_tokens)
            first_digest = first_digest or reply.digest
            try:
                value = schema.model_validate(parse_json(reply.text), context=validation_context)
            except (ValidationError, ValueError) as exc:
                if not reply.text.strip():
                    last_error = "empty reply (the model sent no content)"
                elif isinstance(exc, ValidationError):
                    last_error = describe_validation_error(exc)
                else:
                    last_error = f"Invalid JSON: {exc}"
                if reply.truncated:
                    last_error = f"reply cut off at max_tokens={settings.max_tokens}; {last_error}"
                calls.append(reply.call.model_copy(update={"error": last_error}))
                # Only the latest bad reply is shown, so repairs cannot overflow the context.
                conversation = [
                    *request,
                    {"role": "assistant", "content": reply.text},
                    {"role": "user", "content": repair_message(last_error, reply.truncated)},
                ]
                continue
            calls.append(reply.call)
            if not reply.call.cached:
                self._remember({first_digest, reply.digest}, reply)
            return value, calls
        group = self.config.group_for(stage)
        raise LLMStageError(
            stage,
            f"no valid {schema.__name__} from group {group} after {max_attempts} attempts; "
            f"last error: {last_error}",
            calls,
        )

    def complete_text(
        self,
        stage: str,
        messages: list[Message],
        *,
        max_tokens: int | None = None,
        acceptable: Callable[[str], bool] | None = None,
    ) -> tuple[str, LLMCall]:
        """Ask for free text; return the reply as sent (stages pull code out with
        ``code_blocks.extract_code``) and the call. A complete, non-empty reply that is
        ``acceptable`` is cached; anything else is asked for again next time."""
        settings = self.config.settings_for(stage)
        calls: list[LLMCall] = []
        reply = self._send(stage, list(messages), 1, calls, None, max_tokens or settings.max_tokens)
        reusable = reply.text.strip() and not reply.truncated
        if reusable and not reply.call.cached and (acceptable is None or acceptable(reply.text)):
            self._remember({reply.digest}, reply)
        return reply.text, reply.call

    def _send(
        self,
        stage: str,
        messages: list[Message],
        attempt: int,
        calls: list[LLMCall],
        fmt: dict[str, Any] | None,
        max_tokens: int,
    ) -> _Reply:
        """One request through the cache, the budget and the Router; a failed request is
        recorded in ``calls`` and raised as LLMStageError (BudgetExceeded before sending)."""
        group_name = self.config.group_for(stage)
        group = self.config.groups[group_name]
        file = file_path_in(_last_user_text(messages))
        params: dict[str, Any] = {"max_tokens": max_tokens, "temperature": group.temperature}
        if fmt is not None:
            params["response_format"] = fmt
        models = [d.model for d in group.deployments]
        answering = [group_name, *self.config.fallbacks.get(group_name, [])]
        identities = [
            deployment_identity(dep)
            for name in answering
            for dep in self.config.groups[name].deployments
        ]
        digest = request_digest(group_name, identities, messages, params)
        base: dict[str, Any] = {
            "stage": stage,
            "group": group_name,
            "file": file,
            "attempt": attempt,
        }
        if self.cache is not None:
            hit = self.cache.get(digest)
            if hit is not None:
                call = LLMCall(
                    **base,
                    model=hit.model,
                    deployment=hit.deployment,
                    tokens_in=hit.tokens_in,
                    tokens_out=hit.tokens_out,
                    raw_reply=hit.text[:RAW_REPLY_MAX_CHARS],
                    cached=True,
                )
                return _Reply(text=hit.text, call=call, truncated=False, digest=digest)
        estimate = self.budget.reserve(
            stage, self._estimate(group_name, messages, max_tokens), calls
        )
        started = time.monotonic()
        try:
            response = self.router.completion(
                model=group_name,
                messages=messages,
                metadata=stage_metadata(stage),
                extra_headers=request_headers(stage, file),
                **params,
            )
        except Exception as exc:
            # Every attempt the Router made sent the prompt; count one at least.
            self.budget.settle(estimate, None, self._prompt_cost(group_name, messages, 1))
            reason = failure_reason(exc, group_name, group, secrets=self._secrets)
            duration = round(time.monotonic() - started, 3)
            calls.append(LLMCall(**base, model=models[0], duration_s=duration, error=reason))
            raise LLMStageError(stage, reason, calls) from None
        call, text, truncated = self._record(base, response, time.monotonic() - started)
        # Attempts the Router retried or failed over from were sent too: count their prompts.
        earlier_attempts = call.retries + call.fallbacks
        self.budget.settle(
            estimate, call, self._prompt_cost(group_name, messages, earlier_attempts)
        )
        return _Reply(text=text, call=call, truncated=truncated, digest=digest)

    def _record(
        self, base: dict[str, Any], response: Any, duration: float
    ) -> tuple[LLMCall, str, bool]:
        """The LLMCall for a reply: who answered (after fallbacks), tokens, cost."""
        hidden = getattr(response, "_hidden_params", None) or {}
        dep_id = hidden.get("model_id")
        dep = self._deployments.get(dep_id) if isinstance(dep_id, str) else None
        headers = hidden.get("additional_headers") or {}
        choice = response.choices[0]
        text = choice.message.content or ""
        usage = getattr(response, "usage", None)
        tokens_in = getattr(usage, "prompt_tokens", 0) or 0
        tokens_out = getattr(usage, "completion_tokens", 0) or 0
        call = LLMCall(
            **base,
            model=dep.model if dep else str(getattr(response, "model", "") or "unknown"),
            deployment=dep_id if dep else None,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            cost_usd=self._cost(dep, tokens_in, tokens_out),
            duration_s=round(duration, 3),
            raw_reply=text[:RAW_REPLY_MAX_CHARS],
            retries=int(headers.get("x-litellm-attempted-retries") or 0),
            fallbacks=int(headers.get("x-litellm-attempted-fallbacks") or 0),
        )
        return call, text, choice.finish_reason == "length"

    def _remember(self, digests: set[str | None], reply: _Reply) -> None:
        if self.cache is None:
            return
        entry = CachedReply(
            text=reply.text,
            model=reply.call.model,
            deployment=reply.call.deployment,
            tokens_in=reply.call.tokens_in,
            tokens_out=reply.call.tokens_out,
        )
        for digest in sorted(d for d in digests if d):
            self.cache.put(digest, entry)

    def _estimate(self, group_name: str, messages: list[Message], max_tokens: int) -> Estimate:
        """The most the call may cost: prompt + max_tokens, at the dearest deployment it may
        reach (its group's or a fallback group's)."""
        prompt = sum(len(str(m.get("content") or "")) for m in messages) // CHARS_PER_TOKEN
        usd = 0.0
        for name in [group_name, *self.config.fallbacks.get(group_name, [])]:
            for dep in self.config.groups[name].deployments:
                prices = token_prices(dep) or (0.0, 0.0)
                usd = max(usd, prompt * prices[0] + max_tokens * prices[1])
        return Estimate(tokens=prompt + max_tokens, usd=usd)

    def _prompt_cost(self, group_name: str, messages: list[Message], attempts: int) -> Estimate:
        """What ``attempts`` sends of the prompt alone may cost (no reply came back)."""
        if attempts <= 0:
            return Estimate(0, 0.0)
        prompt = self._estimate(group_name, messages, 0)
        return Estimate(prompt.tokens * attempts, prompt.usd * attempts)

    def _cost(self, dep: Deployment | None, tokens_in: int, tokens_out: int) -> float:
        prices = token_prices(dep) if dep is not None else None
        if prices is not None:
            return tokens_in * prices[0] + tokens_out * prices[1]
        model = dep.model if dep else "unknown"
        # Unpriced models (custom deployments, test doubles) count as free, said once.
        if model not in self._unpriced_warned:
            self._unpriced_warned.add(model)
            log.warning(
                "no price known for %s; recording cost 0.0 (set input_cost_per_token and "
                "output_cost_per_token in the LLM config)",
                model,
            )
        return 0.0


def _last_user_text(messages: list[Message]) -> str:
    for message in reversed(messages):
        if message.get("role") == "user":
            return str(message.get("content") or "")
    return ""
