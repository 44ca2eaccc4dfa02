"""The hooks: decorators that record an LLM request, a sandbox run or a host tool in the
active step's record and, with tracing on, as a span. Each hook point is one decorator
(``llm/client.py``, ``sandbox/runner.py``, ``sandbox/k8s_job.py``,
``sandbox/tool_process.py``) or one ``tool_span`` block for a tool run in-process."""

import functools
import inspect
import subprocess
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, TypeVar

from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.llm.budget import BudgetExceeded
from quantumlayer_dagster.observability import span_attributes as attrs
from quantumlayer_dagster.observability.step_record import active_step
from quantumlayer_dagster.observability.tracing import child_span, enabled, finished_span

if TYPE_CHECKING:  # annotations only: the sandbox package imports these hooks
    from quantumlayer_dagster.sandbox.models import SandboxResult

F = TypeVar("F", bound=Callable[..., Any])


def traced_llm_request(fn: F) -> F:
    """For ``LiteLLMClient._send_choices``: each call it made (its replies' calls, or the
    failed call it appended to ``calls`` before raising) is recorded with its outcome; a
    BudgetExceeded before anything was sent is a budget stop."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        arguments = signature.bind(*args, **kwargs).arguments
        calls = arguments.get("calls")
        before = len(calls) if isinstance(calls, list) else 0
        started = time.time_ns()
        try:
            replies = fn(*args, **kwargs)
        except Exception as exc:
            made = list(calls[before:]) if isinstance(calls, list) else []
            _llm_failed(str(arguments.get("stage", "")), made, started, exc)
            raise
        _llm_answered([(r.call, r.truncated) for r in replies], started)
        return replies

    return wrapper  # type: ignore[return-value]


def _llm_answered(answered: Sequence[tuple[LLMCall, bool]], started: int) -> None:
    step = active_step()
    for call, truncated in answered:
        if step is not None:
            step.add("llm_calls", attrs.llm_call_entry(call, "ok"))
        if enabled():
            attributes = attrs.llm_call_attributes(call, "ok", truncated)
            finished_span(f"llm {call.stage}", attributes, started)


def _llm_failed(stage: str, made: list[LLMCall], started: int, exc: Exception) -> None:
    step = active_step()
    if isinstance(exc, BudgetExceeded) and not made:
        if step is not None:
            step.budget_stop()
        finished_span(
            f"llm {stage}",
            {"quantumlayer.stage": stage, "quantumlayer.llm.outcome": "budget_exceeded"},
            started,
            failed="budget_exceeded",
        )
        return
    for call in made:
        if step is not None:
            step.add("llm_calls", attrs.llm_call_entry(call, "error"))
        if enabled():
            attributes = attrs.llm_call_attributes(call, "error", False)
            finished_span(f"llm {call.stage}", attributes, started, failed="error")


def traced_sandbox_run(fn: F) -> F:
    """For ``Sandbox.run`` and ``K8sJobSandbox.run`` (same signature): one span per run,
    current while it runs (a sandbox Job is annotated with it), and the step's record."""

    @functools.wraps(fn)
    def wrapper(self: Any, argv: list[str], workdir: Any, **kwargs: Any) -> "SandboxResult":
        with child_span("sandbox run", {"quantumlayer.sandbox.isolation": self.isolation}) as span:
            result: SandboxResult = fn(self, argv, workdir, **kwargs)
            span.set(attrs.sandbox_attributes(result))
            if result.limit or result.exit_code is None:
                span.error(result.limit or "not run")
        step = active_step()
        if step is not None:
            step.add("sandbox_runs", attrs.sandbox_entry(result))
        return result

    return wrapper  # type: ignore[return-value]


def traced_host_tool(fn: F) -> F:
    """For ``run_host_tool``: the tool named by its ``name`` argument, its exit code and
    time, or that it timed out."""
    signature = inspect.signature(fn)

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        name = str(signature.bind(*args, **kwargs).arguments.get("name") or "tool")
        with tool_span(name) as finish:
            done = fn(*args, **kwargs)
            finish(done)
        return done

    return wrapper  # type: ignore[return-value]


@contextmanager
def tool_span(name: str) -> Iterator[Callable[["subprocess.CompletedProcess[str]"], None]]:
    """A host tool's run around the block; call the yielded function with the finished
    process (a tool run in-process has none, and no exit code). A block that raises
    TimeoutExpired is recorded as timed out."""
    started = time.monotonic()
    seen: list[subprocess.CompletedProcess[str]] = []
    exit_code: int | None = None
    with child_span(f"tool {name}", {"quantumlayer.tool.name": name}) as span:
        try:
            yield seen.append
        except subprocess.TimeoutExpired:
            span.error("timeout")
            _record_tool(name, started, None, timed_out=True)
            raise
        if seen:
            exit_code = seen[0].returncode
            span.set({"quantumlayer.tool.exit_code": exit_code})
    _record_tool(name, started, exit_code, timed_out=False)


def _record_tool(name: str, started: float, exit_code: int | None, *, timed_out: bool) -> None:
    step = active_step()
    if step is not None:
        entry = attrs.tool_entry(name, time.monotonic() - started, exit_code, timed_out)
        step.add("host_tools", entry)
