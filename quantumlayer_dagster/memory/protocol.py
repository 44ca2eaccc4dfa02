"""The small interface stages use to reach the vector memory, and its one error type."""

from typing import Protocol

from quantumlayer_dagster.artifacts.past_requests import PastRequest, RequestOutcome
from quantumlayer_dagster.artifacts.request import DEFAULT_TENANT


class MemoryUnavailable(RuntimeError):
    """The memory could not be used (busy folder, unreachable server, bad model); the
    message names the cause and the fix. Callers log it and carry on without memory."""


class Memory(Protocol):
    def record(
        self, request_id: str, text: str, outcome: RequestOutcome, *, tenant: str = DEFAULT_TENANT
    ) -> None:
        """Embed ``text`` (a request's enhanced prompt) and store it with ``outcome`` in
        ``tenant``'s scope, replacing an earlier record of the same request."""
        ...

    def similar(
        self,
        text: str,
        limit: int,
        min_score: float,
        *,
        exclude: str | None = None,
        tenant: str = DEFAULT_TENANT,
    ) -> list[PastRequest]:
        """Up to ``limit`` requests of ``tenant`` most similar to ``text`` with a cosine
        similarity of at least ``min_score``, best first; ``exclude`` leaves out one request
        id. Requests of other tenants are never returned."""
        ...
