"""The exporter's counters, counted from event-log records and kept together with the
cursor they were counted up to: the state is stored as one value, so after a restart the
exporter resumes at the cursor with the counts it had (nothing counted twice, nothing lost).

Only events that every Dagster storage indexes across runs are read (run status changes,
asset materializations and observations, asset check evaluations): stage times, LLM calls,
sandbox runs and host tools come from each step's telemetry observation
(``step_record.TELEMETRY_KEY``). Events arrive as ``LoggedEvent``s, plain data the
CLI's follower makes from Dagster's records."""

import re
from datetime import UTC, datetime
from typing import Any

from pydantic import Field, model_validator

from quantumlayer_dagster.model import Model
from quantumlayer_dagster.observability.metric_catalogue import (
    COUNTERS,
    HISTOGRAMS,
    MAX_TENANT_LABELS,
)
from quantumlayer_dagster.observability.step_record import TELEMETRY_KEY
from quantumlayer_dagster.tenants import DEFAULT_TENANT, tag_tenant

UPLOAD_TAG = "quantumlayer/upload"
PARTITION_TAG = "dagster/partition"
RETRY_TAG = "dagster/retry_number"
RUN_CREATED = ("RUN_ENQUEUED", "RUN_STARTING", "RUN_START")
RUN_ENDED = ("RUN_SUCCESS", "RUN_FAILURE", "RUN_CANCELED")
EVENT_KINDS = (
    *RUN_CREATED,
    *RUN_ENDED,
    "ASSET_MATERIALIZATION",
    "ASSET_OBSERVATION",
    "ASSET_CHECK_EVALUATION",
)
"""The event types the exporter reads (all indexed across runs by every Dagster storage)."""
CAPSULE_ASSET = "capsule"
PENDING_RUN_MAX_AGE_S = 7 * 24 * 3600.0
"""A run not heard of for this long (deleted, or its end never stored) is forgotten."""
_REQUEST_TIME = re.compile(r"^r([0-9]{14})-")
OTHER_TENANTS = "other"
"""The ``tenant`` label of tenants past ``MAX_TENANT_LABELS``."""
INVALID_TENANT = "invalid"
"""The ``tenant`` label of a run whose tenant tag is not a tenant name (its run is refused)."""


class LoggedEvent(Model):
    """One event-log record, as plain data."""

    storage_id: int
    kind: str
    """The Dagster event type's value, e.g. ``RUN_SUCCESS``."""
    run_id: str
    timestamp: float
    asset: str = ""
    metadata: dict[str, Any] = Field(default_factory=dict)
    """Metadata values as JSON (numbers, text, the telemetry record)."""
    check_name: str = ""
    passed: bool = True
    blocking: bool = False
    """A failed check of severity ERROR: it stops the run."""
    tags: dict[str, str] = Field(default_factory=dict)
    """The run's tags (run status events only)."""


class Histogram(Model):
    counts: list[int]
    """Per bucket, not cumulative; the last one is +Inf."""
    total: float = 0.0
    count: int = 0


class PendingRun(Model):
    """What is known of a run that has not ended."""

    seen: float
    created_counted: bool = False
    request_time: float | None = None
    failed_gates: list[str] = Field(default_factory=list)
    stopping_gate: str = ""
    failed_stages: list[str] = Field(default_factory=list)
    capsule: bool = False
    tenant: str = ""
    """The ``tenant`` label of the run (from its tenant tag when it was created)."""


class MetricsState(Model):
    cursor: int = -1
    """The last event-log record id counted."""
    counters: dict[str, dict[str, float]] = Field(default_factory=dict)
    """metric -> label values joined by ``\\x1f`` -> value."""
    histograms: dict[str, dict[str, Histogram]] = Field(default_factory=dict)
    runs: dict[str, PendingRun] = Field(default_factory=dict)
    tenants: list[str] = Field(default_factory=list)
    """The tenants given a label of their own so far (at most ``MAX_TENANT_LABELS``)."""

    @model_validator(mode="after")
    def _series_counted_before_tenants(self) -> "MetricsState":
        """A state stored before metrics had a ``tenant`` label holds series without one:
        they were all the shared tenant's, so they get that label (merged with any series of
        the same labels counted since)."""
        for name, series in self.counters.items():
            for old, new in _untenanted(series, COUNTERS[name].labels if name in COUNTERS else ()):
                series[new] = series.get(new, 0.0) + series.pop(old)
        for name, hists in self.histograms.items():
            labels = HISTOGRAMS[name].labels if name in HISTOGRAMS else ()
            for old, new in _untenanted(hists, labels):
                hist, before = hists.pop(old), hists.get(new)
                if before is not None:
                    hist.counts = [a + b for a, b in zip(hist.counts, before.counts, strict=True)]
                    hist.total += before.total
                    hist.count += before.count
                hists[new] = hist
        return self

    def tenant_label(self, tags: dict[str, str]) -> str:
        """The ``tenant`` label for a run's tags: the tenant's name while fewer than
        ``MAX_TENANT_LABELS`` have been seen, else ``other``."""
        try:
            tenant = tag_tenant(tags)
        except ValueError:
            return INVALID_TENANT
        if tenant in self.tenants:
            return tenant
        if len(self.tenants) >= MAX_TENANT_LABELS:
            return OTHER_TENANTS
        self.tenants.append(tenant)
        return tenant

    def inc(self, name: str, labels: tuple[str, ...] = (), by: float = 1.0) -> None:
        assert len(labels) == len(COUNTERS[name].labels), name
        series = self.counters.setdefault(name, {})
        key = "\x1f".join(labels)
        series[key] = series.get(key, 0.0) + by

    def observe(self, name: str, labels: tuple[str, ...], value: float) -> None:
        spec = HISTOGRAMS[name]
        assert len(labels) == len(spec.labels), name
        series = self.histograms.setdefault(name, {})
        key = "\x1f".join(labels)
        hist = series.get(key) or Histogram(counts=[0] * (len(spec.buckets) + 1))
        index = next((i for i, b in enumerate(spec.buckets) if value <= b), len(spec.buckets))
        hist.counts[index] += 1
        hist.total += value
        hist.count += 1
        series[key] = hist

    def value(self, name: str, labels: tuple[str, ...] = ()) -> float:
        return self.counters.get(name, {}).get("\x1f".join(labels), 0.0)


def _untenanted(series: dict[str, Any], labels: tuple[str, ...]) -> list[tuple[str, str]]:
    """(old key, key with the shared tenant) of each series stored without its tenant."""
    if not labels or labels[-1] != "tenant":
        return []
    if len(labels) == 1:  # the label was the only one: its old series had the empty key
        return [("", DEFAULT_TENANT)] if "" in series else []
    return [
        (key, f"{key}\x1f{DEFAULT_TENANT}")
        for key in series
        if len(key.split("\x1f")) == len(labels) - 1
    ]


def request_time(partition: str) -> float | None:
    """When a request was submitted, from its id (``r<UTC yyyymmddhhmmss>-...``)."""
    match = _REQUEST_TIME.match(partition or "")
    if match is None:
        return None
    return datetime.strptime(match[1], "%Y%m%d%H%M%S").replace(tzinfo=UTC).timestamp()


def apply(state: MetricsState, event: LoggedEvent) -> None:
    """Count ``event`` into ``state`` and move the cursor past it."""
    state.cursor = max(state.cursor, event.storage_id)
    state.inc("quantumlayer_exporter_events", (event.kind,))
    if event.kind in RUN_ENDED:
        _run_ended(state, event)
        return
    run = state.runs.get(event.run_id) or PendingRun(seen=event.timestamp)
    state.runs[event.run_id] = run
    run.seen = event.timestamp
    if event.kind in RUN_CREATED:
        _run_created(state, run, event)
    elif event.kind == "ASSET_OBSERVATION":
        telemetry = event.metadata.get(TELEMETRY_KEY)
        if isinstance(telemetry, dict):
            _step_telemetry(state, run, telemetry)
    elif event.kind == "ASSET_MATERIALIZATION" and event.asset == CAPSULE_ASSET:
        run.capsule = True
        if run.request_time is not None:
            elapsed = max(0.0, event.timestamp - run.request_time)
            state.observe("quantumlayer_upload_to_capsule_seconds", (run.tenant,), elapsed)
    elif event.kind == "ASSET_CHECK_EVALUATION":
        result = "pass" if event.passed else "fail"
        state.inc("quantumlayer_gate_evaluations", (event.check_name, result))
        if not event.passed:
            run.failed_gates.append(event.check_name)
            if event.blocking and not run.stopping_gate:
                run.stopping_gate = event.check_name


def forget_stale_runs(state: MetricsState, now: float) -> None:
    """Drop runs not heard of for ``PENDING_RUN_MAX_AGE_S``."""
    for run_id in [r for r, p in state.runs.items() if now - p.seen > PENDING_RUN_MAX_AGE_S]:
        del state.runs[run_id]


def _run_created(state: MetricsState, run: PendingRun, event: LoggedEvent) -> None:
    if run.created_counted:
        return
    run.created_counted = True
    tags = event.tags
    source = "retry" if RETRY_TAG in tags else "upload" if UPLOAD_TAG in tags else "launch"
    run.tenant = state.tenant_label(tags)
    state.inc("quantumlayer_runs_created", (source, run.tenant))
    run.request_time = request_time(tags.get(PARTITION_TAG, ""))
    if run.request_time is not None and source != "retry":
        elapsed = max(0.0, event.timestamp - run.request_time)
        state.observe("quantumlayer_request_start_latency_seconds", (source, run.tenant), elapsed)


def _run_ended(state: MetricsState, event: LoggedEvent) -> None:
    run = state.runs.pop(event.run_id, None) or PendingRun(seen=event.timestamp)
    tenant = run.tenant or state.tenant_label(event.tags)
    if event.kind == "RUN_CANCELED":
        labels = ("canceled", "", "")
    elif event.kind == "RUN_SUCCESS":
        if run.failed_gates:
            labels = ("gate_failure", run.failed_gates[0], "")
        else:
            labels = ("capsule", "", "") if run.capsule else ("partial", "", "")
    elif run.stopping_gate:
        labels = ("gate_failure", run.stopping_gate, "")
    else:
        labels = ("stage_failure", "", run.failed_stages[0] if run.failed_stages else "unknown")
    state.inc("quantumlayer_requests", (*labels, tenant))


def _step_telemetry(state: MetricsState, run: PendingRun, telemetry: dict[str, Any]) -> None:
    stage = str(telemetry.get("stage", ""))
    outcome = str(telemetry.get("outcome", ""))
    state.observe(
        "quantumlayer_stage_duration_seconds",
        (stage, outcome),
        float(telemetry.get("duration_s", 0.0)),
    )
    if outcome == "failure":
        run.failed_stages.append(stage)
    tenant = run.tenant or state.tenant_label({})
    for call in telemetry.get("llm_calls", []):
        _llm_call(state, call, tenant)
    if telemetry.get("budget_stops"):
        stops = float(telemetry["budget_stops"])
        state.inc("quantumlayer_llm_budget_stops", (stage, tenant), stops)
    for sandbox in telemetry.get("sandbox_runs", []):
        labels = (str(sandbox.get("isolation_mode", "")), str(sandbox.get("limit", "none")))
        state.inc("quantumlayer_sandbox_runs", labels)
    for tool in telemetry.get("host_tools", []):
        outcome = "timeout" if tool.get("timed_out") else "ok"
        state.inc("quantumlayer_host_tool_runs", (str(tool.get("tool", "")), outcome))


def _llm_call(state: MetricsState, call: dict[str, Any], tenant: str) -> None:
    group, deployment = str(call.get("group", "")), str(call.get("deployment", ""))
    if call.get("cached"):
        state.inc("quantumlayer_llm_cache_hits", (group,))
        return
    state.inc("quantumlayer_llm_calls", (group, deployment, str(call.get("outcome", "ok"))))
    tokens_in, tokens_out = float(call.get("tokens_in", 0)), float(call.get("tokens_out", 0))
    state.inc("quantumlayer_llm_tokens", (group, deployment, "in", tenant), tokens_in)
    state.inc("quantumlayer_llm_tokens", (group, deployment, "out", tenant), tokens_out)
    cost = float(call.get("cost_usd", 0.0))
    state.inc("quantumlayer_llm_cost_usd", (group, deployment, tenant), cost)
    state.observe(
        "quantumlayer_llm_call_duration_seconds",
        (group, deployment),
        float(call.get("duration_s", 0.0)),
    )
