"""How hard the dynamic test pushes: cases, time, start-up limit, which checks."""

from pydantic import Field

from quantumlayer_dagster.model import Model

DEFAULT_CHECKS = (
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "ignored_auth",
)
"""schemathesis checks: 5xx, answers that break the schema (status, type, headers, body),
and declared authentication that is not enforced."""


class DastOptions(Model):
    """Bounds of one dynamic test; the sandbox's own limits (wall timeout, memory,
    processes) hold as well, and the test always ends before the wall timeout."""

    max_examples: int = Field(default=25, ge=1, le=1000)
    """Generated cases per operation and phase (schemathesis ``--max-examples``)."""
    time_s: float = Field(default=60.0, gt=0)
    """Most seconds schemathesis runs; it is interrupted (and reports) at the limit."""
    startup_s: float = Field(default=20.0, gt=0)
    """Most seconds the service may take to answer on its port."""
    seed: int = 0
    """schemathesis's seed: the same tree gives the same cases."""
    checks: tuple[str, ...] = DEFAULT_CHECKS
