"""Every asset step runs inside a step scope (``observability.tracing.step_scope``): its
record is active (log lines carry the request, run, stage and trace ids; LLM calls, sandbox
runs and host tools are counted) and, with tracing on, its span is current. When the body
ends, the record is logged as an observation of the asset, which the metrics exporter
follows (``quantumlayer metrics serve``)."""

import functools
import inspect
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg

from quantumlayer_dagster.observability.step_record import TELEMETRY_KEY, StepRecord
from quantumlayer_dagster.observability.tracing import step_scope


def observed_step(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` (an asset body, plain or a generator) run inside its step's scope."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            with _scope():
                yield from fn(*args, **kwargs)

        return generator

    @functools.wraps(fn)
    def function(*args: Any, **kwargs: Any) -> Any:
        with _scope():
            return fn(*args, **kwargs)

    return function


@contextmanager
def _scope() -> Iterator[None]:
    try:
        context = dg.AssetExecutionContext.get()
    except Exception:  # called directly, outside Dagster's execution (a unit test)
        yield
        return
    run = context.run
    stage = context.asset_key.to_user_string()
    partition = context.partition_key if context.has_partition_key else ""
    with step_scope(run.run_id, dict(run.tags), stage, partition) as record:
        outcome = "failure"
        try:
            yield
            outcome = "success"
        finally:
            _observe(context, record, outcome)


def _observe(context: dg.AssetExecutionContext, record: StepRecord, outcome: str) -> None:
    """The step's record as an observation of its asset (also when the body raised)."""
    context.log_event(
        dg.AssetObservation(
            asset_key=context.asset_key,
            partition=context.partition_key if context.has_partition_key else None,
            metadata={TELEMETRY_KEY: dg.MetadataValue.json(record.as_json(outcome))},
        )
    )
