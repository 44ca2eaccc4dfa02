"""A run's trace, derived from what every process of the run already knows: its run id and
tags. No OpenTelemetry import: the ids are plain integers and W3C ``traceparent`` text.

- The trace id is the run id's 128 bits (Dagster run ids are UUIDs), so an operator who has
  a run id has its trace id, and a step process, a k8s step pod or the exporter can name the
  trace without a lookup. A launcher that has a trace of its own (the CLI's ``launch``)
  tags the run with ``quantumlayer/traceparent``; the run then joins that trace.
- The root span id is a digest of the run id: each step process parents its step span on
  it without being told, whichever process emits the root span.
"""

import hashlib
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass

TRACEPARENT_TAG = "quantumlayer/traceparent"
"""A W3C traceparent a launcher puts on the run to make it part of its own trace."""
TRACE_ID_TAG = "quantumlayer/trace_id"
"""Added when the run starts: the trace to look up (32 hex digits)."""
TRACEPARENT_ANNOTATION = "quantumlayer.dev/traceparent"
"""On sandbox Jobs and their pods: the span of the sandbox run that made them."""

_TRACEPARENT = re.compile(r"^00-([0-9a-f]{32})-([0-9a-f]{16})-([0-9a-f]{2})\Z")


@dataclass(frozen=True)
class RunTrace:
    """Ids of a run's trace: ``span_id`` is the run's root span."""

    trace_id: int
    span_id: int
    parent_span_id: int | None = None
    """The launcher's span when the run was tagged with a traceparent."""
    sampled: bool | None = None
    """The launcher's sampling decision; None: the configured sampler decides."""

    @property
    def trace_id_hex(self) -> str:
        return f"{self.trace_id:032x}"


def run_trace(run_id: str, tags: Mapping[str, str] | None = None) -> RunTrace:
    """The trace of run ``run_id`` (with ``tags``: a launcher's traceparent is honoured)."""
    span_id = _nonzero(int(hashlib.sha256(f"run-span:{run_id}".encode()).hexdigest()[:16], 16))
    caller = parse_traceparent((tags or {}).get(TRACEPARENT_TAG, ""))
    if caller is not None:
        trace_id, parent, sampled = caller
        return RunTrace(trace_id, span_id, parent, sampled)
    return RunTrace(_run_trace_id(run_id), span_id)


def traceparent(trace_id: int, span_id: int, sampled: bool) -> str:
    """W3C ``traceparent`` text for a span."""
    return f"00-{trace_id:032x}-{span_id:016x}-{'01' if sampled else '00'}"


def parse_traceparent(text: str) -> tuple[int, int, bool] | None:
    """(trace id, span id, sampled) of a version-00 traceparent, or None when malformed."""
    match = _TRACEPARENT.match(text.strip().lower()) if text else None
    if match is None:
        return None
    trace_id, span_id = int(match[1], 16), int(match[2], 16)
    if not trace_id or not span_id:
        return None
    return trace_id, span_id, bool(int(match[3], 16) & 1)


def _run_trace_id(run_id: str) -> int:
    try:
        value = uuid.UUID(run_id).int
    except ValueError:
        value = 0
    return value or _nonzero(int(hashlib.sha256(run_id.encode()).hexdigest()[:32], 16))


def _nonzero(value: int) -> int:
    return value or 1
