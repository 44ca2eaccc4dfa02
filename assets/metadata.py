"""Metadata every materialization carries, built one way for all assets."""

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import dagster as dg

from quantumlayer_dagster.artifacts.capsule import GateResult
from quantumlayer_dagster.artifacts.llm_usage import LLMUsage


def llm_metadata(usage: LLMUsage) -> dict[str, Any]:
    """Models, calls, failed attempts, tokens in/out and cost of a stage's LLM use."""
    return {
        "models": ", ".join(usage.models) or "none",
        "llm_calls": len(usage.calls),
        "llm_failed_attempts": usage.failed_attempts,
        "tokens_in": usage.tokens_in,
        "tokens_out": usage.tokens_out,
        "cost_usd": dg.MetadataValue.float(float(round(usage.cost_usd, 6))),
    }


def markdown(text: str) -> dg.MetadataValue:
    return dg.MetadataValue.md(text)


class Stopwatch:
    seconds: float = 0.0
    cpu_seconds: float = 0.0


def _process_cpu_s() -> float:
    """CPU seconds of this process and of its children that ended (the sandboxed tests,
    bandit, mypy: each is waited for)."""
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


@contextmanager
def timed() -> Iterator[Stopwatch]:
    """Measure the wall time of the block into ``.seconds`` and the CPU time it took (this
    process's and its tools') into ``.cpu_seconds``."""
    watch = Stopwatch()
    start, cpu = time.perf_counter(), _process_cpu_s()
    try:
        yield watch
    finally:
        watch.seconds = round(time.perf_counter() - start, 3)
        watch.cpu_seconds = round(_process_cpu_s() - cpu, 3)


def check_result(gate: GateResult, **metadata: str | int | float) -> dg.AssetCheckResult:
    """An asset check result from a gate, with its reason readable in the UI."""
    return dg.AssetCheckResult(
        check_name=gate.name,
        passed=gate.passed,
        # A blocking check stops what follows only when it fails with ERROR severity.
        severity=dg.AssetCheckSeverity.ERROR if gate.stops else dg.AssetCheckSeverity.WARN,
        description=gate.detail,
        metadata={"detail": gate.detail, **metadata},
    )


def stage_output(
    artifact: Any, watch: Stopwatch, usage: LLMUsage | None = None, **metadata: Any
) -> dg.Output:
    """The asset's output with what every stage carries: its duration and CPU time (what a
    request costs, and what a step pod needs), its LLM use (models, calls, tokens, cost) when
    it has one, and the stage's own ``metadata``."""
    common: dict[str, Any] = {"duration_s": watch.seconds, "cpu_s": watch.cpu_seconds}
    if usage is not None:
        common.update(llm_metadata(usage))
    return dg.Output(artifact, metadata={**common, **metadata})
