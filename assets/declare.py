"""The one way to declare a per-request asset: partitioned by request, versioned by stage."""

import functools
import inspect
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import dagster as dg

from assets.partitions import requests_partitions
from assets.step_telemetry import observed_step
from quantumlayer_dagster.artifacts.llm_usage import LLMCall
from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.llm.protocol import LLMStageError
from quantumlayer_dagster.stages.registry import stage

LLM_POOL = "llm"
"""Dagster concurrency pool of every LLM-bound asset: caps LLM steps across runs (its limit is
``concurrency.pools`` in the instance's dagster.yaml)."""


def request_asset(
    group: str,
    kinds: set[str],
    *,
    checks: Sequence[str] = (),
    blocking_checks: Sequence[str] = (),
) -> Callable[[Callable[..., Any]], dg.AssetsDefinition]:
    """Decorate a function as the asset named after its stage in the registry, on the
    ``requests`` partitions, with the stage's code version and artifact model and the named
    asset checks (blocking ones stop downstream assets when they fail). An asset of kind
    ``llm`` joins the ``llm`` concurrency pool, and when its stage fails on the LLM, the
    failure carries every attempt as metadata. Every step runs in its step scope (trace
    span, log ids, telemetry observation: ``assets/step_telemetry.py``)."""

    def declare(fn: Callable[..., Any]) -> dg.AssetsDefinition:
        name = fn.__name__
        spec = stage(name)
        specs = [dg.AssetCheckSpec(c, asset=name) for c in checks] + [
            dg.AssetCheckSpec(c, asset=name, blocking=True) for c in blocking_checks
        ]
        uses_llm = "llm" in kinds
        return dg.asset(
            name=name,
            partitions_def=requests_partitions,
            code_version=spec.code_version,
            # The registry's model: the UI shows it and Dagster checks the output against it.
            dagster_type=spec.model,
            group_name=group,
            kinds=kinds,
            check_specs=specs or None,
            pool=LLM_POOL if uses_llm else None,
        )(observed_step(_reporting_llm_failures(fn) if uses_llm else fn))

    return declare


def _reporting_llm_failures(fn: Callable[..., Any]) -> Callable[..., Any]:
    """``fn`` raising ``dg.Failure`` with the attempts table instead of a bare LLMStageError,
    so the run's record keeps every reply, error and token count of the failed stage."""
    if inspect.isgeneratorfunction(fn):

        @functools.wraps(fn)
        def generator(*args: Any, **kwargs: Any) -> Iterator[Any]:
            try:
                yield from fn(*args, **kwargs)
            except LLMStageError as exc:
                raise llm_failure(exc) from exc

        return generator

    @functools.wraps(fn)
    def function(*args: Any, **kwargs: Any) -> Any:
        try:
            return fn(*args, **kwargs)
        except LLMStageError as exc:
            raise llm_failure(exc) from exc

    return function


def llm_failure(exc: LLMStageError) -> dg.Failure:
    """A Dagster Failure saying why the stage failed, with each attempt in a Markdown table."""
    calls = exc.calls
    return dg.Failure(
        description=str(exc),
        metadata={
            "stage": exc.stage,
            "llm_calls": len(calls),
            "tokens_in": sum(c.tokens_in for c in calls),
            "tokens_out": sum(c.tokens_out for c in calls),
            "cost_usd": dg.MetadataValue.float(float(round(sum(c.cost_usd for c in calls), 6))),
            "attempts": dg.MetadataValue.md(attempts_table(calls)),
        },
    )


def attempts_table(calls: list[LLMCall]) -> str:
    """Every call of a stage as a Markdown table: attempt (and best-of-n candidate), model,
    file, tokens, error, reply."""
    rows = [
        [
            str(c.attempt) + (f" (candidate {c.candidate})" if c.candidate else ""),
            markdown_cell(c.model),
            markdown_cell(c.file or "-"),
            f"{c.tokens_in}/{c.tokens_out}",
            "yes" if c.cached else "no",
            markdown_cell(c.error or "accepted"),
            markdown_cell(c.raw_reply or "-", limit=200),
        ]
        for c in calls
    ]
    header = ["attempt", "model", "file", "tokens in/out", "cached", "result", "reply"]
    return markdown_table(header, rows)
