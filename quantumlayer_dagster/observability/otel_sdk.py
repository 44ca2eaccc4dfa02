"""Every OpenTelemetry import of the project: imported by ``tracing`` only when an exporter
is configured, so a process with tracing off never loads the SDK.

One TracerProvider per process (not installed as the global one: libraries that trace on
their own are not switched on by ours). Root spans get the ids ``trace_ids`` derives, through
an id generator that hands out preset ids when asked to; everything else is random.
"""

import os
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider, sampling
from opentelemetry.sdk.trace.export import (
    BatchSpanProcessor,
    ConsoleSpanExporter,
    SimpleSpanProcessor,
    SpanExporter,
)
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, SpanContext, Status, StatusCode, TraceFlags

from quantumlayer_dagster.observability.trace_ids import RunTrace, traceparent
from quantumlayer_dagster.observability.tracing_config import TracingConfig

FLUSH_TIMEOUT_MS = 5000
"""How long the end of a step or run waits for its spans to leave the process."""

_preset_trace: ContextVar[int | None] = ContextVar("ql_preset_trace", default=None)
_preset_span: ContextVar[int | None] = ContextVar("ql_preset_span", default=None)


class _PresetIds(RandomIdGenerator):
    """Random ids, except the run's own while its root span is created."""

    def generate_trace_id(self) -> int:
        return _preset_trace.get() or super().generate_trace_id()

    def generate_span_id(self) -> int:
        return _preset_span.get() or super().generate_span_id()


class _State:
    provider: TracerProvider | None = None
    tracer: Any = None
    key: tuple[int, int, int] | None = None
    step_span: Any = None
    """The span of the step this process executes: parent of spans made in worker threads."""
    open_runs: int = 0
    """Root spans open in this process: its steps' spans are flushed with the run's."""


_state = _State()


def ensure(config: TracingConfig, exporter: SpanExporter | None) -> None:
    """Build this process's provider for ``config`` (or ``exporter``) unless already built."""
    key = (id(config), id(exporter), os.getpid())
    if _state.provider is not None and _state.key == key:
        return
    shutdown()
    provider = TracerProvider(
        sampler=_sampler(config),
        # process.pid: which step process (or pod) a span came from
        resource=Resource.create({"service.name": config.service_name, "process.pid": os.getpid()}),
        id_generator=_PresetIds(),
    )
    if exporter is not None:
        provider.add_span_processor(SimpleSpanProcessor(exporter))
    elif config.exporter == "otlp":
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    else:
        provider.add_span_processor(SimpleSpanProcessor(ConsoleSpanExporter()))
    _state.provider, _state.key = provider, key
    _state.tracer = provider.get_tracer("quantumlayer")


def shutdown() -> None:
    """Flush and stop this process's provider (a new configuration builds a new one)."""
    if _state.provider is not None:
        _state.provider.shutdown()
    _state.provider = _state.tracer = _state.key = _state.step_span = None


def flush() -> None:
    if _state.provider is not None:
        _state.provider.force_flush(FLUSH_TIMEOUT_MS)


def _sampler(config: TracingConfig) -> sampling.Sampler:
    roots: dict[str, sampling.Sampler] = {
        "always_on": sampling.ALWAYS_ON,
        "always_off": sampling.ALWAYS_OFF,
        "traceidratio": sampling.TraceIdRatioBased(config.sampler_arg),
    }
    name = config.sampler
    if name.startswith("parentbased_"):
        return sampling.ParentBased(roots[name.removeprefix("parentbased_")])
    return roots[name]


def sampled(ids: RunTrace) -> bool:
    """Whether the run's trace is recorded: the launcher's decision, else the sampler's on
    the trace id (deterministic, so every process of the run decides alike)."""
    if ids.sampled is not None:
        return ids.sampled
    assert _state.provider is not None
    result = _state.provider.sampler.should_sample(None, ids.trace_id, "run")
    return result.decision.is_sampled()


def _remote(trace_id: int, span_id: int, is_sampled: bool) -> Any:
    flags = TraceFlags(TraceFlags.SAMPLED if is_sampled else TraceFlags.DEFAULT)
    span = NonRecordingSpan(SpanContext(trace_id, span_id, is_remote=True, trace_flags=flags))
    return trace.set_span_in_context(span)


class SpanHandle:
    """What the facade hands out: attributes and an error status for one span."""

    def __init__(self, span: Any):
        self.span = span

    @property
    def trace_id(self) -> str:
        context = self.span.get_span_context()
        return f"{context.trace_id:032x}" if context.trace_flags.sampled else ""

    def set(self, attributes: dict[str, Any]) -> None:
        self.span.set_attributes(attributes)

    def error(self, kind: str) -> None:
        """Mark the span failed with ``kind`` (a class or outcome name, never a message)."""
        self.span.set_status(Status(StatusCode.ERROR, kind))


@contextmanager
def run_span(ids: RunTrace, name: str, attributes: dict[str, Any]) -> Iterator[SpanHandle]:
    """The run's root span, with the run's own ids, ended and flushed after the block."""
    parent = (
        _remote(ids.trace_id, ids.parent_span_id, sampled(ids))
        if ids.parent_span_id is not None
        else None
    )
    trace_token, span_token = _preset_trace.set(ids.trace_id), _preset_span.set(ids.span_id)
    try:
        span = _state.tracer.start_span(name, context=parent, attributes=attributes)
    finally:
        _preset_span.reset(span_token)
        _preset_trace.reset(trace_token)
    _state.open_runs += 1
    try:
        yield SpanHandle(span)
    finally:
        _state.open_runs -= 1
        span.end()
        flush()


@contextmanager
def step_span(ids: RunTrace, name: str, attributes: dict[str, Any]) -> Iterator[SpanHandle]:
    """A step's span, child of the run's root span wherever that is, current in this
    thread and the parent of spans made in the step's worker threads. A step process (or
    pod) may end as soon as its step has, so its spans are flushed then; in the run
    worker's own process they go with the run's."""
    parent = _remote(ids.trace_id, ids.span_id, sampled(ids))
    span = _state.tracer.start_span(name, context=parent, attributes=attributes)
    previous, _state.step_span = _state.step_span, span
    try:
        with trace.use_span(span, record_exception=False, set_status_on_exception=False):
            yield SpanHandle(span)
    finally:
        _state.step_span = previous
        span.end()
        if not _state.open_runs:
            flush()


def _parent() -> Any:
    """The thread's current span, else the step's (a worker thread of the step)."""
    if trace.get_current_span().get_span_context().is_valid:
        return None
    if _state.step_span is not None:
        return trace.set_span_in_context(_state.step_span)
    return None


@contextmanager
def child_span(name: str, attributes: dict[str, Any]) -> Iterator[SpanHandle]:
    """A span under the current one, current itself while the block runs."""
    span = _state.tracer.start_span(name, context=_parent(), attributes=attributes)
    try:
        with trace.use_span(span, record_exception=False, set_status_on_exception=False):
            yield SpanHandle(span)
    finally:
        span.end()


def finished_span(name: str, attributes: dict[str, Any], start_ns: int, failed: str = "") -> None:
    """A span for something already over (one LLM call of a request), from ``start_ns``."""
    span = _state.tracer.start_span(
        name, context=_parent(), attributes=attributes, start_time=start_ns
    )
    if failed:
        span.set_status(Status(StatusCode.ERROR, failed))
    span.end()


def current_traceparent() -> str:
    """The W3C traceparent of the current span (or the step's), or "" outside any."""
    span = trace.get_current_span()
    if not span.get_span_context().is_valid:
        span = _state.step_span
    if span is None:
        return ""
    context = span.get_span_context()
    return traceparent(context.trace_id, context.span_id, context.trace_flags.sampled)
