"""What the LLM was asked and what it cost, kept in every LLM-produced artifact."""

from pydantic import Field

from quantumlayer_dagster.model import Model


class LLMCall(Model):
    """One request to the LLM: one attempt of one stage (or one file of a stage)."""

    stage: str
    model: str
    """The litellm model string of the deployment that answered (after any fallback)."""
    group: str | None = None
    """The model group the stage asked; the Router may have answered from a fallback group."""
    deployment: str | None = None
    """The Router's id of the deployment that answered (``<group>/<index>``)."""
    file: str | None = None
    """The file a per-file request asked for."""
    attempt: int = 1
    candidate: int | None = None
    """Which of several replies to one request (best-of-n) this was, from 1; None when one
    reply was asked for."""
    tokens_in: int = 0
    tokens_out: int = 0
    cost_usd: float = 0.0
    duration_s: float = 0.0
    raw_reply: str = ""
    error: str | None = None
    """Why this reply was not accepted (validation or parse error); None when accepted."""
    cached: bool = False
    """Answered from the response cache: nothing was sent and nothing paid (cost 0)."""
    retries: int = 0
    fallbacks: int = 0
    """Retries and fallbacks the Router needed before this answer."""


class LLMUsage(Model):
    """All calls a stage made, with totals."""

    calls: list[LLMCall] = Field(default_factory=list)

    def add(self, calls: "list[LLMCall] | LLMUsage") -> "LLMUsage":
        extra = calls.calls if isinstance(calls, LLMUsage) else calls
        return LLMUsage(calls=[*self.calls, *extra])

    @property
    def tokens_in(self) -> int:
        return sum(c.tokens_in for c in self.calls)

    @property
    def tokens_out(self) -> int:
        return sum(c.tokens_out for c in self.calls)

    @property
    def cost_usd(self) -> float:
        return sum(c.cost_usd for c in self.calls)

    @property
    def models(self) -> list[str]:
        return sorted({c.model for c in self.calls})

    @property
    def cached_calls(self) -> int:
        return sum(1 for c in self.calls if c.cached)

    @property
    def failed_attempts(self) -> int:
        return sum(1 for c in self.calls if c.error)
