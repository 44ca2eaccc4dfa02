"""What the vector memory keeps about a finished request, and what a search returns (stored
in the enhanced prompt too, so an artifact model: the memory imports it, never the reverse)."""

from pydantic import Field

from quantumlayer_dagster.model import Model

MAX_RECORDED_TEXT_CHARS = 2000
"""Longest enhanced-prompt text stored per request (the rest is cut)."""


class RequestOutcome(Model):
    """How a request ended: its quality gates, where its capsule is, which models it used."""

    gates_passed: bool
    failed_gates: list[str] = Field(default_factory=list)
    capsule_key: str | None = None
    models: list[str] = Field(default_factory=list)


class PastRequest(Model):
    """A stored request found similar to a new one; ``score`` is the cosine similarity."""

    request_id: str
    score: float
    text: str = Field(max_length=MAX_RECORDED_TEXT_CHARS)
    outcome: RequestOutcome
    embedder: str = ""
    recorded_at: str = ""
    tenant: str = ""
    """The scope it was recorded in (empty: recorded before scopes existed)."""
