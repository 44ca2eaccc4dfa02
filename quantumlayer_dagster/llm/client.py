"""LiteLLMClient: the ``LLM`` protocol over the litellm Router built from the LLM config.

Fallbacks, retries and cooldowns are the Router's (``llm/router.py``). This client adds what
the pipeline needs around each request: the response cache (a re-run pays nothing twice),
the per-request budget (checked before a call is sent), structured output with validation
and a bounded repair, and one ``LLMCall`` per attempt saying which deployment answered, with
tokens and cost. API keys live only inside the Router and are masked in every error and log.
"""

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
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
from quantumlayer_dagster.llm.decoding_grammar import request_grammar
from quantumlayer_dagster.llm.protocol import InvalidReplies, LLMStageError, M, Message
from quantumlayer_dagster.llm.redaction import redact_in_logs
from quantumlayer_dagster.llm.request_tags import latest_file, request_headers, stage_metadata
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
from quantumlayer_dagster.observability.traced_calls import traced_llm_request

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
        self._n_support: dict[str, bool] = {}

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
        salvage: Callable[[Any], M | None] | None = None,
    ) -> tuple[M, list[LLMCall]]:
        """Ask for an object of ``schema``; return it validated with every call made.

        After an invalid reply the request is sent again followed by that reply and a repair
        message carrying the validation error, up to ``max_attempts`` calls in all; then
        ``salvage`` (when given) is offered each reply that parsed as JSON, latest first, and
        the first object it makes of one is returned; else InvalidReplies with every call.
        Only a reply that validated is cached (under the original request, so a re-run skips
        the repairs too); a salvaged one is not.
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
        texts: list[str] = []
        for attempt in range(1, max_attempts + 1):
            reply = self._send(stage, conversation, attempt, calls, fmt, settings.max_tokens)
            first_digest = first_digest or reply.digest
            texts.append(reply.text)
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
        for text in reversed(texts if salvage is not None else []):
            try:
                salvaged = salvage(parse_json(text)) if salvage is not None else None
            except (ValidationError, ValueError):
                continue
            if salvaged is not None:
                return salvaged, calls
        group = self.config.group_for(stage)
        raise InvalidReplies(
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
        code_language: str | None = None,
        attempt: int = 1,
    ) -> tuple[str, LLMCall]:
        """Ask for free text; return the reply as sent (stages pull code out with
        ``code_blocks.extract_code``) and the call. A complete, non-empty reply that is
        ``acceptable`` is cached; anything else is asked for again next time. A file of
        ``code_language`` is decoded under the group's ``grammar`` when it names that
        language (``decoding_grammar.request_grammar``). ``attempt`` > 1 marks a repair,
        asked at the group's raised temperature (``retry_temperature_step``)."""
        settings = self.config.settings_for(stage)
        grammar = request_grammar(settings, code_language)
        calls: list[LLMCall] = []
        reply = self._send(
            stage, list(messages), attempt, calls, None, max_tokens or settings.max_tokens, grammar
        )
        self._keep_if_reusable(reply, acceptable)
        return reply.text, reply.call

    def complete_text_candidates(
        self,
        stage: str,
        messages: list[Message],
        *,
        acceptable: Callable[[str], bool] | None = None,
        code_language: str | None = None,
    ) -> list[tuple[str, LLMCall]]:
        """The group's ``candidates`` replies to one request (best-of-n), in candidate order,
        each with its call (``candidate`` numbered from 1; one reply when the group asks for
        one). Cached candidates come from the cache, each under its own index; the others
        go in one request with ``n`` where every deployment that may answer takes it, and
        whatever a server did not send (llama-cpp-python ignores ``n``) in single requests,
        at most ``max_parallel_calls`` at once. Any failed request raises LLMStageError
        carrying every call made."""
        settings = self.config.settings_for(stage)
        count = settings.candidates
        if count == 1:
            return [
                self.complete_text(
                    stage, messages, acceptable=acceptable, code_language=code_language
                )
            ]
        grammar = request_grammar(settings, code_language)
        numbers = list(range(1, count + 1))

        def send(wanted: list[int]) -> tuple[list[_Reply], list[LLMCall], LLMStageError | None]:
            calls: list[LLMCall] = []
            try:
                replies = self._send_choices(
                    stage, list(messages), calls, settings.max_tokens, grammar, wanted
                )
            except LLMStageError as exc:
                return [], exc.calls or calls, exc
            return replies, calls, None

        replies: list[_Reply] = []
        failures: list[tuple[list[LLMCall], LLMStageError]] = []
        if self._takes_n(self.config.group_for(stage)):
            replies, calls, error = send(numbers)
            failures += [(calls, error)] if error else []
        rest = [n for n in numbers if n not in {r.call.candidate for r in replies}]
        if rest and not failures:
            workers = max(1, min(len(rest), self.max_parallel_calls))
            with ThreadPoolExecutor(max_workers=workers, thread_name_prefix=stage) as pool:
                for got, calls, error in pool.map(lambda n: send([n]), rest):
                    replies += got
                    failures += [(calls, error)] if error else []
        replies.sort(key=lambda r: r.call.candidate or 0)
        if failures:
            made = [r.call for r in replies] + [c for calls, _ in failures for c in calls]
            first = failures[0][1]
            # the first failure's kind (e.g. BudgetExceeded) is kept for whoever catches it
            raise type(first)(stage, first.reason, made)
        for reply in replies:
            self._keep_if_reusable(reply, acceptable)
        return [(r.text, r.call) for r in replies]

    def _keep_if_reusable(self, reply: _Reply, acceptable: Callable[[str], bool] | None) -> None:
        reusable = reply.text.strip() and not reply.truncated
        if reusable and not reply.call.cached and (acceptable is None or acceptable(reply.text)):
            self._remember({reply.digest}, reply)

    def _takes_n(self, group_name: str) -> bool:
        """Whether litellm sends ``n`` to every deployment that may answer the group."""
        if group_name not in self._n_support:
            from quantumlayer_dagster.llm.litellm_offline import litellm

            custom = {item["provider"] for item in litellm.custom_provider_map}

            def takes_n(dep: Deployment) -> bool:
                provider, _, model = dep.model.partition("/")
                if provider in custom:  # a CustomLLM answers one choice (the scripted one does)
                    return False
                try:
                    supported = litellm.get_supported_openai_params(
                        model=model, custom_llm_provider=provider
                    )
                except Exception:  # an unknown provider: ask for one reply at a time
                    return False
                return "n" in (supported or [])

            answering = [group_name, *self.config.fallbacks.get(group_name, [])]
            self._n_support[group_name] = all(
                takes_n(dep) for name in answering for dep in self.config.groups[name].deployments
            )
        return self._n_support[group_name]

    def _send(
        self,
        stage: str,
        messages: list[Message],
        attempt: int,
        calls: list[LLMCall],
        fmt: dict[str, Any] | None,
        max_tokens: int,
        grammar: str | None = None,
    ) -> _Reply:
        """One request through the cache, the budget and the Router; a failed request is
        recorded in ``calls`` and raised as LLMStageError (BudgetExceeded before sending)."""
        return self._send_choices(
            stage, messages, calls, max_tokens, grammar, [None], fmt=fmt, attempt=attempt
        )[0]

    @traced_llm_request
    def _send_choices(
        self,
        stage: str,
        messages: list[Message],
        calls: list[LLMCall],
        max_tokens: int,
        grammar: str | None,
        candidates: Sequence[int | None],
        *,
        fmt: dict[str, Any] | None = None,
        attempt: int = 1,
    ) -> list[_Reply]:
        """Replies for ``candidates`` (numbers from 1; ``[None]`` for one plain reply):
        cached ones from the cache, the rest in one request (``n`` when several). Candidate
        1 shares the plain reply's cache entry; candidate k > 1 has its own. Returns fewer
        replies than asked when the server sent fewer choices. The budget reserves the
        prompt plus ``max_tokens`` per reply asked."""
        group_name = self.config.group_for(stage)
        group = self.config.groups[group_name]
        file = latest_file(messages)
        params: dict[str, Any] = {
            "max_tokens": max_tokens,
            "temperature": group.temperature_for(attempt),
        }
        if fmt is not None:
            params["response_format"] = fmt
        if grammar is not None:
            # llama.cpp's per-request field; litellm merges extra_body into the request JSON
            params["extra_body"] = {"grammar": grammar}
        models = [d.model for d in group.deployments]
        answering = [group_name, *self.config.fallbacks.get(group_name, [])]
        identities = [
            deployment_identity(dep)
            for name in answering
            for dep in self.config.groups[name].deployments
        ]

        def digest_of(candidate: int | None) -> str:
            keyed = params if (candidate or 1) == 1 else {**params, "candidate": candidate}
            return request_digest(group_name, identities, messages, keyed)

        base: dict[str, Any] = {
            "stage": stage,
            "group": group_name,
            "file": file,
            "attempt": attempt,
        }
        replies: dict[int | None, _Reply] = {}
        for candidate in candidates:
            hit = self.cache.get(digest_of(candidate)) if self.cache is not None else None
            if hit is not None:
                call = LLMCall(
                    **base,
                    candidate=candidate,
                    model=hit.model,
                    deployment=hit.deployment,
                    tokens_in=hit.tokens_in,
                    tokens_out=hit.tokens_out,
                    raw_reply=hit.text[:RAW_REPLY_MAX_CHARS],
                    cached=True,
                )
                replies[candidate] = _Reply(hit.text, call, False, digest_of(candidate))
        missing = [c for c in candidates if c not in replies]
        if not missing:
            return [replies[c] for c in candidates]
        estimate = self.budget.reserve(
            stage, self._estimate(group_name, messages, max_tokens * len(missing)), calls
        )
        started = time.monotonic()
        try:
            response = self.router.completion(
                model=group_name,
                messages=messages,
                metadata=stage_metadata(stage),
                extra_headers=request_headers(stage, file),
                **params,
                **({"n": len(missing)} if len(missing) > 1 else {}),
            )
        except Exception as exc:
            # Every attempt the Router made sent the prompt; count one at least.
            self.budget.settle(estimate, None, self._prompt_cost(group_name, messages, 1))
            reason = failure_reason(exc, group_name, group, secrets=self._secrets)
            duration = round(time.monotonic() - started, 3)
            calls.append(
                LLMCall(
                    **base, candidate=missing[0], model=models[0], duration_s=duration, error=reason
                )
            )
            raise LLMStageError(stage, reason, calls) from None
        answered = self._record(base, response, time.monotonic() - started, missing)
        total = answered[0][0].model_copy(
            update={
                "tokens_in": sum(c.tokens_in for c, _, _ in answered),
                "tokens_out": sum(c.tokens_out for c, _, _ in answered),
                "cost_usd": sum(c.cost_usd for c, _, _ in answered),
            }
        )
        # Attempts the Router retried or failed over from were sent too: count their prompts.
        earlier_attempts = total.retries + total.fallbacks
        self.budget.settle(
            estimate, total, self._prompt_cost(group_name, messages, earlier_attempts)
        )
        for candidate, (call, text, truncated) in zip(missing, answered, strict=False):
            replies[candidate] = _Reply(text, call, truncated, digest_of(candidate))
        return [replies[c] for c in candidates if c in replies]

    def _record(
        self,
        base: dict[str, Any],
        response: Any,
        duration: float,
        candidates: Sequence[int | None],
    ) -> list[tuple[LLMCall, str, bool]]:
        """An LLMCall per choice of a reply (at most one per candidate asked): who answered
        (after fallbacks), tokens, cost. Several choices share one usage: the prompt is
        counted on the first, the completion tokens split by the length of each text."""
        hidden = getattr(response, "_hidden_params", None) or {}
        dep_id = hidden.get("model_id")
        dep = self._deployments.get(dep_id) if isinstance(dep_id, str) else None
        headers = hidden.get("additional_headers") or {}
        choices = list(response.choices)[: len(candidates)]
        texts = [choice.message.content or "" for choice in choices]
        usage = getattr(response, "usage", None)
        tokens_in = getattr(usage, "prompt_tokens", 0) or 0
        tokens_out = _split(getattr(usage, "completion_tokens", 0) or 0, texts)
        answered = []
        for index, (candidate, choice, text) in enumerate(
            zip(candidates, choices, texts, strict=False)
        ):
            prompt = tokens_in if index == 0 else 0
            call = LLMCall(
                **base,
                candidate=candidate,
                model=dep.model if dep else str(getattr(response, "model", "") or "unknown"),
                deployment=dep_id if dep else None,
                tokens_in=prompt,
                tokens_out=tokens_out[index],
                cost_usd=self._cost(dep, prompt, tokens_out[index]),
                duration_s=round(duration, 3),
                raw_reply=text[:RAW_REPLY_MAX_CHARS],
                retries=int(headers.get("x-litellm-attempted-retries") or 0) if index == 0 else 0,
                fallbacks=int(headers.get("x-litellm-attempted-fallbacks") or 0)
                if index == 0
                else 0,
            )
            answered.append((call, text, choice.finish_reason == "length"))
        return answered

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


def _split(total: int, texts: list[str]) -> list[int]:
    """``total`` tokens shared among ``texts`` by their length, summing to ``total``."""
    weights = [len(t) + 1 for t in texts]
    shares = [total * w // sum(weights) for w in weights]
    shares[0] += total - sum(shares)
    return shares
