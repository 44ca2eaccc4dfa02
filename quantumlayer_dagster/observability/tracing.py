"""The tracing facade every hook calls: cheap no-ops while tracing is off, and then nothing
of OpenTelemetry is imported (``otel_sdk`` is, on first use, once an exporter is set).

The trace of a run: a root span for the run (``run_span``, in the run worker: the executor
or ``quantumlayer run``), a span per step (``step_scope``, in whichever process or pod runs
the step, parented on the root span by ids derived from the run id), and under each step
a span per LLM call, sandbox run and host tool (``traced_calls``). W3C trace context
crosses process boundaries as the run's ``quantumlayer/traceparent`` tag (a launcher's
trace) and the ``quantumlayer.dev/traceparent`` annotation of sandbox Jobs.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from types import ModuleType
from typing import Any

from quantumlayer_dagster.observability.step_record import (
    StepRecord,
    active_step,
    step_recording,
)
from quantumlayer_dagster.observability.trace_ids import TRACEPARENT_ANNOTATION, run_trace
from quantumlayer_dagster.observability.tracing_config import TracingConfig


@dataclass
class _Configured:
    config: TracingConfig
    exporter: Any = None


_configured = _Configured(TracingConfig())
_sdk: ModuleType | None = None


def configure(config: TracingConfig) -> None:
    """This process's tracing (Definitions and the CLI call it with ``Settings``'s)."""
    global _configured
    if config == _configured.config:
        return
    if _sdk is not None:
        _sdk.shutdown()
    _configured = _Configured(config, _configured.exporter)


def use_exporter(exporter: Any) -> None:
    """Send spans to ``exporter`` (a test's in-memory exporter) whatever the configuration
    says, until called with None; it turns tracing on."""
    global _configured
    if _sdk is not None:
        _sdk.shutdown()
    _configured = _Configured(_configured.config, exporter)


def enabled() -> bool:
    return _configured.config.enabled or _configured.exporter is not None


def sdk() -> ModuleType:
    """The OpenTelemetry side, set up for this process (only when ``enabled()``)."""
    global _sdk
    if _sdk is None:
        from quantumlayer_dagster.observability import otel_sdk

        _sdk = otel_sdk
    _sdk.ensure(_configured.config, _configured.exporter)
    return _sdk


class _NoSpan:
    """The handle while tracing is off."""

    trace_id = ""

    def set(self, attributes: dict[str, Any]) -> None:
        pass

    def error(self, kind: str) -> None:
        pass


NO_SPAN = _NoSpan()


@contextmanager
def run_span(run_id: str, tags: dict[str, str], *, job: str, request_id: str) -> Iterator[Any]:
    """The run's root span around the block (the run worker's whole execution); its handle's
    ``trace_id`` is empty when tracing is off or the trace is not sampled."""
    if not enabled():
        yield NO_SPAN
        return
    attributes = {"quantumlayer.run_id": run_id, "quantumlayer.request_id": request_id}
    attributes["quantumlayer.job"] = job
    with sdk().run_span(run_trace(run_id, tags), f"run {job}", attributes) as span:
        yield span


@contextmanager
def step_scope(
    run_id: str, tags: dict[str, str], stage: str, request_id: str
) -> Iterator[StepRecord]:
    """A step of a run: its record is active (for log lines and telemetry) and, with tracing
    on, its span is current while the block runs."""
    record = StepRecord(run_id=run_id, request_id=request_id, stage=stage)
    with step_recording(record):
        if not enabled():
            yield record
            return
        attributes = {
            "quantumlayer.run_id": run_id,
            "quantumlayer.request_id": request_id,
            "quantumlayer.stage": stage,
        }
        with sdk().step_span(run_trace(run_id, tags), f"step {stage}", attributes) as span:
            record.trace_id = span.trace_id
            try:
                yield record
            except BaseException as exc:
                span.error(type(exc).__name__)
                raise


@contextmanager
def child_span(name: str, attributes: dict[str, Any]) -> Iterator[Any]:
    """A span under the current one (or the step's), current while the block runs."""
    if not enabled():
        yield NO_SPAN
        return
    with sdk().child_span(name, attributes) as span:
        yield span


def finished_span(name: str, attributes: dict[str, Any], start_ns: int, failed: str = "") -> None:
    """A span for something that started at ``start_ns`` and is over now."""
    if enabled():
        sdk().finished_span(name, attributes, start_ns, failed)


def trace_annotations() -> dict[str, str]:
    """``{"quantumlayer.dev/traceparent": ...}`` of the current span for a Kubernetes object
    started on its behalf (a sandbox Job), or {} when not tracing."""
    if not enabled():
        return {}
    parent = sdk().current_traceparent()
    return {TRACEPARENT_ANNOTATION: parent} if parent else {}


def current_trace_id() -> str:
    """The trace id (32 hex digits) of the step being executed, or "" when not traced."""
    record = active_step()
    return record.trace_id if record is not None else ""


def run_trace_id(run_id: str, tags: dict[str, str]) -> str:
    """The trace id of run ``run_id`` when it is traced (and sampled), else ""."""
    if not enabled() or not run_id:
        return ""
    ids = run_trace(run_id, tags)
    return ids.trace_id_hex if sdk().sampled(ids) else ""
