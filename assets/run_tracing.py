"""The run's root span for runs launched through an instance (webserver, daemon, ``dg
launch``): the executor that Definitions use is wrapped, with tracing on, in one that holds
the span for as long as it orchestrates the run, in the run worker. ``quantumlayer run``
(``execute_in_process``, which brings its own executor) opens the same span itself."""

from collections.abc import Iterator
from typing import Any

import dagster as dg

from quantumlayer_dagster.observability.trace_ids import TRACE_ID_TAG
from quantumlayer_dagster.observability.tracing import run_span


class TracedExecutor(dg.Executor):
    """``inner`` with the run's root span around its ``execute``."""

    def __init__(self, inner: dg.Executor):
        self.inner = inner

    @property
    def retries(self) -> Any:
        return self.inner.retries

    @property
    def step_dependency_config(self) -> Any:
        return self.inner.step_dependency_config

    def execute(self, plan_context: Any, execution_plan: Any) -> Iterator[Any]:
        run = plan_context.dagster_run
        tags = dict(run.tags)
        with run_span(
            run.run_id, tags, job=run.job_name, request_id=tags.get("dagster/partition", "")
        ) as span:
            if span.trace_id:
                plan_context.instance.add_run_tags(run.run_id, {TRACE_ID_TAG: span.trace_id})
            failed: list[str] = []
            try:
                for event in self.inner.execute(plan_context, execution_plan):
                    if event.is_step_failure:
                        failed.append(event.step_key or "")
                    yield event
            except BaseException as exc:  # interrupted, canceled or crashed
                span.error(type(exc).__name__)
                raise
            if failed:
                span.set({"quantumlayer.failed_steps": ",".join(failed)})
                span.error("step_failure")


def traced(executor: dg.ExecutorDefinition) -> dg.ExecutorDefinition:
    """``executor`` whose executors are ``TracedExecutor``s; same name, config and needs."""
    create = executor.executor_creation_fn
    assert create is not None

    return dg.ExecutorDefinition(
        name=executor.name,
        config_schema=executor.config_schema,
        requirements=executor.get_requirements,
        executor_creation_fn=lambda init_context: TracedExecutor(create(init_context)),
        description=executor.description,
    )
