"""What one step did, recorded as it happens whether or not tracing is on: its LLM calls,
sandbox runs and host tools (sizes, counts and outcomes only, never text). The step logs
the record as an observation of its asset when it ends (``assets/step_telemetry.py``);
the metrics exporter counts from those observations.

The step being executed is this process's one active step: every executor we use runs at
most one step at a time in a process (in-process: one after another; multiprocess and k8s:
a process or pod per step). Worker threads of a step (concurrent LLM calls) see it too,
which a context variable alone would not give them.
"""

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from typing import Any

TELEMETRY_KEY = "step_telemetry"
"""The metadata entry of a step's observation holding ``StepRecord.as_json``."""


@dataclass
class StepRecord:
    """One step of a run, as the exporter and the log lines see it."""

    run_id: str
    request_id: str
    stage: str
    trace_id: str = ""
    """32 hex digits when the step is traced (and sampled), else empty."""
    llm_calls: list[dict[str, Any]] = field(default_factory=list)
    sandbox_runs: list[dict[str, Any]] = field(default_factory=list)
    host_tools: list[dict[str, Any]] = field(default_factory=list)
    budget_stops: int = 0
    started: float = field(default_factory=time.monotonic)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, kind: str, entry: dict[str, Any]) -> None:
        """Append ``entry`` to ``llm_calls``, ``sandbox_runs`` or ``host_tools`` (thread-safe)."""
        with self._lock:
            getattr(self, kind).append(entry)

    def budget_stop(self) -> None:
        with self._lock:
            self.budget_stops += 1

    def as_json(self, outcome: str) -> dict[str, Any]:
        """The record as the step's observation carries it; ``outcome`` is "success" or
        "failure" (the step body raised)."""
        with self._lock:
            return {
                "stage": self.stage,
                "outcome": outcome,
                "duration_s": round(time.monotonic() - self.started, 3),
                "trace_id": self.trace_id,
                "llm_calls": list(self.llm_calls),
                "sandbox_runs": list(self.sandbox_runs),
                "host_tools": list(self.host_tools),
                "budget_stops": self.budget_stops,
            }


_current: ContextVar[StepRecord | None] = ContextVar("quantumlayer_step", default=None)
_active: StepRecord | None = None


def active_step() -> StepRecord | None:
    """The step this thread (or this process, for a worker thread) is executing, if any."""
    return _current.get() or _active


@contextmanager
def step_recording(record: StepRecord) -> Iterator[StepRecord]:
    """Make ``record`` the active step while the block runs."""
    global _active
    token = _current.set(record)
    previous, _active = _active, record
    try:
        yield record
    finally:
        _active = previous
        _current.reset(token)
