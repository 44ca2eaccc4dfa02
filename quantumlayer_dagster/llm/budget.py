"""The per-request LLM budget: refuse a call before it could take the request over its limit.

Spend so far = the usage recorded for the request by stages that finished (in this run or
an earlier one: the ``earlier`` callable the caller supplies, e.g. from the stored
artifacts) for every stage this process has not called for, plus the calls this process
made, plus the estimates of calls still in flight. A call's estimate is its ``max_tokens``
(plus its prompt, at ~4 characters a token) and their price. Cached replies cost nothing and
do not count.

With a ``SpendLedger`` (steps of one request in several processes or pods), the ledger is the
one record of spending instead: each call is reserved in it atomically before it is sent and
settled with its real cost after, so concurrent steps cannot overrun the limits together. A
ledger with a tenant window (``llm/tenant_budget.py``) also holds the tenant's requests
together to their window's limit; a call refused there raises ``TenantBudgetExceeded``.

With a ``RequestAudit``, the first stop of each stage (by the request's budget or by its
tenant's window) is recorded in the audit trail (action ``budget_stop``, the one-line
reason): ``reserve`` is where every stop is raised.
"""

import dataclasses
import threading
from collections.abc import Callable
from dataclasses import dataclass

from quantumlayer_dagster.artifacts.llm_usage import LLMCall, LLMUsage
from quantumlayer_dagster.audit.content import reason_text
from quantumlayer_dagster.audit.log import RequestAudit
from quantumlayer_dagster.llm.config import BudgetSettings
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.llm.spend_ledger import Spend, SpendLedger, SpendRefused
from quantumlayer_dagster.llm.tenant_budget import TenantSpendRefused

EarlierUsage = Callable[[set[str]], LLMUsage]
"""Usage recorded for the request by every stage except the ones named: the "spent so far"
the caller supplies (``store/request_usage.py`` reads it from the stored artifacts)."""


class BudgetExceeded(LLMStageError):
    """The next LLM call could take the request over its token or USD budget."""


class TenantBudgetExceeded(BudgetExceeded):
    """The next LLM call could take the request's tenant over its window's budget: a budget
    stop of its own kind (the reason names the tenant, the window and the limit)."""

    def __init__(self, stage: str, refused: TenantSpendRefused, calls: list[LLMCall]):
        super().__init__(stage, str(refused), calls)
        self.tenant = refused.tenant
        self.window_start, self.window_end = refused.window_start, refused.window_end
        self.limit = refused.limit


@dataclass(frozen=True)
class Estimate:
    """What a call about to be made may cost at most."""

    tokens: int
    usd: float
    entry: str | None = None
    """Its entry in the shared ledger, once reserved there."""


class RequestBudget:
    """Checks each call against ``limits`` and records what it really cost (thread-safe)."""

    def __init__(
        self,
        limits: BudgetSettings,
        earlier: EarlierUsage | None = None,
        ledger: SpendLedger | None = None,
        audit: RequestAudit | None = None,
    ):
        self.limits = limits
        self._earlier = earlier
        self._ledger = ledger
        self._audit = audit
        self._stopped: set[str] = set()
        self._calls: list[LLMCall] = []
        self._in_flight_tokens = 0
        self._in_flight_usd = 0.0
        # Prompts sent by attempts that brought no reply (retried, failed over, failed).
        self._unanswered_tokens = 0
        self._unanswered_usd = 0.0
        self._lock = threading.Lock()

    @property
    def enabled(self) -> bool:
        """True when the config sets a token or USD limit, or the ledger keeps a tenant's
        window budget."""
        tenant = self._ledger is not None and self._ledger.enforces_tenant_budget
        return tenant or self.limits.max_tokens is not None or self.limits.max_usd is not None

    def reserve(self, stage: str, estimate: Estimate, calls: list[LLMCall]) -> Estimate:
        """Count ``estimate`` as in flight, or raise BudgetExceeded naming the stage and fix.
        Returns the estimate to hand to ``settle`` (bound to its ledger entry, if any)."""
        if not self.enabled:
            return estimate
        try:
            return self._reserve(stage, estimate, calls)
        except BudgetExceeded as stop:
            # TenantBudgetExceeded (the tenant's window) is a BudgetExceeded: recorded too.
            self._record_stop(stage, stop)
            raise

    def _record_stop(self, stage: str, stop: BudgetExceeded) -> None:
        """One ``budget_stop`` record per stage and process: a stage's concurrent calls are
        refused together, and one record says the request was stopped there."""
        with self._lock:
            first = stage not in self._stopped
            self._stopped.add(stage)
        if first and self._audit is not None:
            self._audit.record(
                "budget_stop", subject=reason_text(stage), reason=reason_text(stop.reason)
            )

    def _reserve(self, stage: str, estimate: Estimate, calls: list[LLMCall]) -> Estimate:
        if self._ledger is not None:
            return self._reserve_in_ledger(self._ledger, stage, estimate, calls)
        with self._lock:
            spent = self._spent()
            tokens = spent.tokens_in + spent.tokens_out + self._in_flight_tokens
            tokens += self._unanswered_tokens
            usd = spent.cost_usd + self._in_flight_usd + self._unanswered_usd
            self._refuse_over_limits(stage, Spend(tokens, usd), estimate, calls)
            self._in_flight_tokens += estimate.tokens
            self._in_flight_usd += estimate.usd
        return estimate

    def _refuse_over_limits(
        self, stage: str, spent: Spend, estimate: Estimate, calls: list[LLMCall]
    ) -> None:
        tokens, usd = spent.tokens, spent.usd
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

    def _reserve_in_ledger(
        self, ledger: SpendLedger, stage: str, estimate: Estimate, calls: list[LLMCall]
    ) -> Estimate:
        try:
            entry = ledger.reserve(
                Spend(estimate.tokens, estimate.usd), self.limits.max_tokens, self.limits.max_usd
            )
        except TenantSpendRefused as refused:
            raise TenantBudgetExceeded(stage, refused, calls) from None
        except SpendRefused as refused:
            self._refuse_over_limits(stage, refused.spent, estimate, calls)
            raise BudgetExceeded(stage, f"LLM budget exceeded: {refused}", calls) from None
        return dataclasses.replace(estimate, entry=entry)

    def settle(
        self, estimate: Estimate, call: LLMCall | None, extra: Estimate | None = None
    ) -> None:
        """Replace a reserved estimate by the call's real usage (None: nothing answered) plus
        ``extra``: what attempts the Router retried or failed over from may have cost."""
        if not self.enabled:
            return
        if self._ledger is not None and estimate.entry is not None:
            paid = call if call is not None and not call.cached else None
            tokens = (paid.tokens_in + paid.tokens_out) if paid else 0
            usd = paid.cost_usd if paid else 0.0
            if extra is not None:
                tokens, usd = tokens + extra.tokens, usd + extra.usd
            self._ledger.settle(estimate.entry, Spend(tokens, usd))
            return
        with self._lock:
            self._in_flight_tokens -= estimate.tokens
            self._in_flight_usd -= estimate.usd
            if call is not None and not call.cached:
                self._calls.append(call)
            if extra is not None:
                self._unanswered_tokens += extra.tokens
                self._unanswered_usd += extra.usd

    def _spent(self) -> LLMUsage:
        mine = LLMUsage(calls=list(self._calls))
        if self._earlier is None:
            return mine
        return self._earlier({c.stage for c in self._calls}).add(mine)
