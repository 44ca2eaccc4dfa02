"""What one tenant's requests together may spend on the LLM in a window of time (a UTC day by
default), beside each request's own budget (``budget.max_tokens`` / ``max_usd`` of the LLM
config). The limits come from the settings (``QL_TENANT_*``); the spending is reserved in the
shared spend ledger, atomically with the request's own check, so concurrent requests of one
tenant in any number of processes never pass the window's limit together.

Windows are fixed, not sliding: a window of ``window_s`` seconds starts at a multiple of it
since the Unix epoch (a day: at 00:00 UTC), so everyone can say which window a call fell in.
A call counts in the window in which it was reserved."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from pydantic import ConfigDict, Field

from quantumlayer_dagster.llm.spend_ledger import Spend, SpendRefused
from quantumlayer_dagster.model import Model

DAY_S = 24 * 3600


class TenantLimits(Model):
    """A tenant's limits per window; unset = unlimited."""

    model_config = ConfigDict(extra="forbid")

    max_tokens: int | None = Field(default=None, gt=0)
    max_usd: float | None = Field(default=None, ge=0)

    @property
    def limited(self) -> bool:
        return self.max_tokens is not None or self.max_usd is not None


class TenantBudgets(Model):
    """The window and every tenant's limits: ``tenants`` by name, ``default`` for the rest."""

    model_config = ConfigDict(extra="forbid")

    window_s: int = Field(default=DAY_S, ge=60, le=366 * DAY_S)
    default: TenantLimits = Field(default_factory=TenantLimits)
    tenants: dict[str, TenantLimits] = Field(default_factory=dict)

    def window_for(self, tenant: str) -> "TenantWindow | None":
        """The budget ``tenant`` spends from, or None when it has no limit."""
        limits = self.tenants.get(tenant, self.default)
        return TenantWindow(tenant, self.window_s, limits) if limits.limited else None


@dataclass(frozen=True)
class TenantWindow:
    """One tenant's limits over windows of ``window_s`` seconds."""

    tenant: str
    window_s: int
    limits: TenantLimits

    def bounds(self, now: datetime) -> tuple[datetime, datetime]:
        """The start (inclusive) and end of the window ``now`` falls in."""
        epoch = datetime(1970, 1, 1, tzinfo=UTC)
        elapsed = int((now.astimezone(UTC) - epoch).total_seconds())
        start = epoch + timedelta(seconds=elapsed - elapsed % self.window_s)
        return start, start + timedelta(seconds=self.window_s)

    def over(self, spent: Spend, estimate: Spend) -> bool:
        """True when ``estimate`` on top of ``spent`` would pass a limit."""
        tokens, usd = self.limits.max_tokens, self.limits.max_usd
        return (tokens is not None and spent.tokens + estimate.tokens > tokens) or (
            usd is not None and spent.usd + estimate.usd > usd
        )


def describe_window(window_s: int) -> str:
    """``1 day``, ``6 hours``, ``90 minutes``, ``45 s``."""
    for unit, size in (("day", DAY_S), ("hour", 3600), ("minute", 60)):
        if window_s % size == 0:
            count = window_s // size
            return f"{count} {unit}{'s' if count != 1 else ''}"
    return f"{window_s} s"


class TenantSpendRefused(SpendRefused):
    """The reservation would take the tenant over its window's limit; the message is one
    line naming the tenant, the window and the limit, and what to do."""

    def __init__(
        self, window: TenantWindow, spent: Spend, estimate: Spend, start: datetime, end: datetime
    ):
        super().__init__(spent)
        self.tenant = window.tenant
        self.window_start, self.window_end = start, end
        limits = window.limits
        if limits.max_tokens is not None and spent.tokens + estimate.tokens > limits.max_tokens:
            used = f"{spent.tokens} tokens spent and the next call may use {estimate.tokens} more"
            limit, setting = f"{limits.max_tokens} tokens", "max_tokens"
        else:
            used = f"${spent.usd:.4f} spent and the next call may cost ${estimate.usd:.4f} more"
            limit, setting = f"${limits.max_usd:g}", "max_usd"
        self.limit = limit
        self.message = (
            f"tenant {window.tenant!r} budget exceeded: {used} in the window "
            f"{start:%Y-%m-%d %H:%M} to {end:%Y-%m-%d %H:%M} UTC "
            f"({describe_window(window.window_s)}), over its limit of {limit}; wait for the "
            f"next window, or raise its {setting} in QL_TENANT_BUDGETS "
            f"(every tenant's: QL_TENANT_{setting.upper()})"
        )
        self.args = (self.message,)

    def __str__(self) -> str:
        return self.message
