"""Where one request's LLM spending is reserved and settled when its steps run in separate
processes or pods at once: a small protocol, so ``llm`` stays free of the storage behind it.

A ledger holds one entry per call: its estimate while the call is in flight, its real cost
once settled. ``reserve`` checks the request's total (settled costs plus open estimates)
against the limits and adds the entry in one atomic step of the shared storage, so two steps
can never both take the last part of the budget. An entry never settled (its process died)
keeps counting at its estimate: the provider may have been paid, so it fails closed.
Implementations: ``store/spend_ledger_sql.py`` (the Dagster instance's Postgres, or SQLite
under the instance folder for processes of one machine).
"""

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class Spend:
    """Tokens and USD: one call's estimate or cost, or a request's total."""

    tokens: int = 0
    usd: float = 0.0


class SpendRefused(Exception):
    """The reservation would take the request over a limit; ``spent`` is the total so far
    (settled costs plus open estimates of calls in flight anywhere)."""

    def __init__(self, spent: Spend):
        super().__init__(f"{spent.tokens} tokens, ${spent.usd:.4f} spent")
        self.spent = spent


class SpendLedger(Protocol):
    """One request's shared ledger (and, with a tenant window, its tenant's)."""

    @property
    def enforces_tenant_budget(self) -> bool:
        """True when ``reserve`` also checks the tenant's window budget (so every call must be
        reserved even when the request itself has no limit)."""
        ...

    def reserve(self, estimate: Spend, max_tokens: int | None, max_usd: float | None) -> str:
        """Atomically add an entry for ``estimate`` if the total stays within the limits (None:
        unlimited) and the tenant's window budget; return the entry's id, else raise
        SpendRefused with the total (TenantSpendRefused for the tenant's window)."""
        ...

    def settle(self, entry: str, cost: Spend) -> None:
        """Replace the entry's estimate by what the call really cost."""
        ...

    def total(self) -> Spend:
        """Everything reserved or spent for the request so far."""
        ...
