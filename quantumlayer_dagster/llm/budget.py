"""The per-request LLM budget: refuse a call before it could take the request over its limit.

Spend so far = the usage recorded for the request by stages that finished (in this run or
an earlier one: the ``earlier`` callable the caller supplies, e.g. from the stored artifacts)
for every stage this process has not called for, plus the calls this process made, plus the
estimates of calls still in flight. A call's estimate is its ``max_tokens`` (plus its prompt,
at ~4 characters a token) and their price. Cached replies cost nothing and do not count.
"""

import threading
from collections.abc import Callable
from dataclasses import dataclass

from quantumlayer_dagster.artifacts.llm_usage import LLMCall, LLMUsage
from quantumlayer_dagster.llm.config import BudgetSettings
from quantumlayer_dagster.llm.protocol import LLMStageError

EarlierUsage = Callable[[set[str]], LLMUsage]
"""Usage recorded for the request by every stage except the ones named: the "spent so far"
the caller supplies (``store/request_usage.py`` reads it from the stored artifacts)."""


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
