"""The per-request LLM budget: refuse a call before it could take the request over its limit.

Spend so far = the usage recorded by the request's stored artifacts (stages that finished,
in this run or an earlier one) for every stage this process has not called for, plus the
calls this process made, plus the estimates of calls still in flight. A call's estimate is
its ``max_tokens`` (plus its prompt, at ~4 characters a token) and their price. Cached replies
cost nothing and do not count.
"""

import json
import threading
from collections.abc import Callable
from dataclasses import dataclass

from quantumlayer_dagster.artifacts.llm_usage import LLMCall, LLMUsage
from quantumlayer_dagster.llm.config import BudgetSettings
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.store.artifact_store import ArtifactStore
from quantumlayer_dagster.store.keys import request_prefix

EarlierUsage = Callable[[set[str]], LLMUsage]
"""Usage recorded for the request by every stage except the ones named."""


class BudgetExceeded(LLMStageError):
    """The next LLM call could take the request over its token or USD budget."""


@dataclass(frozen=True)
class Estimate:
    """What a call about to be made may cost at most."""

    tokens: int
    usd: float


class RequestBudget:
    """Checks each call against ``limits`` and records what it really cost (thread-safe)."""

    def __init__(self, limits: BudgetSettings, earlier: EarlierUsage | None = None):
        self.limits = limits
        self._earlier = earlier
        self._calls: list[LLMCall] = []
        self._in_flight_tokens = 0
        self._in_flight_usd = 0.0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """True when the config sets a token or USD limit."""
        return self.limits.max_tokens is not None or self.limits.max_usd is not None

    def reserve(self, stage: str, estimate: Estimate, calls: list[LLMCall]) -> None:
        """Count ``estimate`` as in flight, or raise BudgetExceeded naming the stage and fix."""
        if not self.enabled:
            return
        with self._lock:
            spent = self._spent()
            tokens = spent.tokens_in + spent.tokens_out + self._in_flight_tokens
            usd = spent.cost_usd + self._in_flight_usd
            limit_tokens, limit_usd = self.limits.max_tokens, self.limits.max_usd
            if limit_tokens is not None and tokens + estimate.tokens > limit_tokens:
                raise BudgetExceeded(
                    stage,
                    f"LLM budget exceeded: {tokens} tokens spent by this request and the next "
                    f"call may use {estimate.tokens} more, over budget.max_tokens="
                    f"{limit_tokens}; raise budget.max_tokens in the LLM config",
                    calls,
                )
            if limit_usd is not None and usd + estimate.usd > limit_usd:
                raise BudgetExceeded(
                    stage,
                    f"LLM budget exceeded: ${usd:.4f} spent by this request and the next call "
                    f"may cost ${estimate.usd:.4f} more, over budget.max_usd={limit_usd:g}; "
                    "raise budget.max_usd in the LLM config",
                    calls,
                )
            self._in_flight_tokens += estimate.tokens
            self._in_flight_usd += estimate.usd

    def settle(self, estimate: Estimate, call: LLMCall | None) -> None:
        """Replace a reserved estimate by the call's real usage (None: nothing was spent)."""
        if not self.enabled:
            return
        with self._lock:
            self._in_flight_tokens -= estimate.tokens
            self._in_flight_usd -= estimate.usd
            if call is not None and not call.cached:
                self._calls.append(call)

    def _spent(self) -> LLMUsage:
        mine = LLMUsage(calls=list(self._calls))
        if self._earlier is None:
            return mine
        return self._earlier({c.stage for c in self._calls}).add(mine)


def stored_request_usage(store: ArtifactStore, request_id: str) -> EarlierUsage:
    """An EarlierUsage reading the ``llm`` record of each stored artifact of the request."""
    prefix = request_prefix(request_id)

    def earlier(skip: set[str]) -> LLMUsage:
        usage = LLMUsage()
        for key in store.list_keys(prefix):
            name = key.removeprefix(prefix).removesuffix(".json")
            if not key.endswith(".json") or "/" in name or name in skip:
                continue
            try:
                record = json.loads(store.get_bytes(key)).get("llm")
            except (ValueError, AttributeError):
                continue
            if isinstance(record, dict) and isinstance(record.get("calls"), list):
                paid = LLMUsage.model_validate(record)
                usage = usage.add([c for c in paid.calls if not c.cached])
        return usage

    return earlier
