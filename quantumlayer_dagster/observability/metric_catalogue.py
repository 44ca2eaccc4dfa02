"""Every metric the exporter serves: name, help, labels and (for histograms) buckets. The
alerting rules, the Grafana dashboard and the README name these, and a test checks that
every metric they use is here."""

from dataclasses import dataclass

MAX_TENANT_LABELS = 50
"""Most distinct ``tenant`` label values the exporter keeps: tenants past them (first seen
later) are counted as ``other``, so anyone able to upload into a new ``incoming/<tenant>/``
folder cannot grow the number of series without bound. Each per-request metric has at most
this many times the series it had without the label."""


@dataclass(frozen=True)
class MetricSpec:
    name: str
    """Without ``_total`` for counters (the exposition adds it)."""
    help: str
    labels: tuple[str, ...] = ()
    buckets: tuple[float, ...] = ()
    """Upper bounds of a histogram's buckets (``+Inf`` is implied); empty for a counter."""


STAGE_BUCKETS = (0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800)
LLM_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300)
START_BUCKETS = (1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1800, 3600)
CAPSULE_BUCKETS = (30, 60, 120, 180, 300, 600, 900, 1200, 1800, 3600, 7200, 14400)

COUNTERS = {
    spec.name: spec
    for spec in (
        MetricSpec(
            "quantumlayer_requests",
            "Finished runs of generate_project by outcome: capsule (every gate passed), "
            "gate_failure (gate: the blocking gate that stopped it, else the first that "
            "failed), stage_failure (stage: the step that failed), canceled, partial (a run "
            "that succeeded without building a capsule, e.g. a re-run of some assets)",
            ("outcome", "gate", "stage", "tenant"),
        ),
        MetricSpec(
            "quantumlayer_runs_created",
            "Runs created, by source: upload (the upload sensor accepted an upload), launch "
            "(GraphQL, the CLI, the UI), retry (Dagster retried a crashed run)",
            ("source", "tenant"),
        ),
        MetricSpec(
            "quantumlayer_gate_evaluations",
            "Quality gate (asset check) evaluations by result: pass or fail",
            ("gate", "result"),
        ),
        MetricSpec(
            "quantumlayer_llm_calls",
            "Requests sent to LLM providers (cache hits excluded) by outcome: ok or error "
            "(failed after the router's retries and fallbacks)",
            ("group", "deployment", "outcome"),
        ),
        MetricSpec(
            "quantumlayer_llm_tokens",
            "LLM tokens by direction: in (prompt) or out (completion)",
            ("group", "deployment", "direction", "tenant"),
        ),
        MetricSpec(
            "quantumlayer_llm_cost_usd",
            "LLM spend in US dollars (0 for unpriced deployments)",
            ("group", "deployment", "tenant"),
        ),
        MetricSpec(
            "quantumlayer_llm_cache_hits",
            "LLM replies served from the response cache (nothing sent, nothing paid)",
            ("group",),
        ),
        MetricSpec(
            "quantumlayer_llm_budget_stops",
            "Stages stopped by an LLM budget (the request's, or its tenant's window budget) "
            "before sending a call",
            ("stage", "tenant"),
        ),
        MetricSpec(
            "quantumlayer_sandbox_runs",
            "Sandboxed runs of generated code by isolation mode and the limit that stopped "
            "them (none, wall, cpu, memory, processes, output, disk)",
            ("isolation_mode", "limit"),
        ),
        MetricSpec(
            "quantumlayer_host_tool_runs",
            "Runs of host tools (bandit, mypy, tsc, ESLint, pip-audit, ...) by outcome: ok "
            "(finished, whatever it found) or timeout",
            ("tool", "outcome"),
        ),
        MetricSpec(
            "quantumlayer_exporter_events",
            "Event-log records the exporter has counted, by kind",
            ("kind",),
        ),
    )
}

HISTOGRAMS = {
    spec.name: spec
    for spec in (
        MetricSpec(
            "quantumlayer_stage_duration_seconds",
            "Wall time of each stage's asset body, by outcome: success or failure",
            ("stage", "outcome"),
            STAGE_BUCKETS,
        ),
        MetricSpec(
            "quantumlayer_llm_call_duration_seconds",
            "Latency of each request sent to an LLM provider (cache hits excluded)",
            ("group", "deployment"),
            LLM_BUCKETS,
        ),
        MetricSpec(
            "quantumlayer_request_start_latency_seconds",
            "From a request's submission (its upload's time, in the request id) to its run "
            "being created",
            ("source", "tenant"),
            START_BUCKETS,
        ),
        MetricSpec(
            "quantumlayer_upload_to_capsule_seconds",
            "From a request's submission (its upload's time) to its capsule being stored",
            ("tenant",),
            CAPSULE_BUCKETS,
        ),
    )
}

GAUGES = {
    spec.name: spec
    for spec in (
        MetricSpec(
            "quantumlayer_runs",
            "Runs of the instance by status: queued, starting, started",
            ("status",),
        ),
        MetricSpec(
            "quantumlayer_oldest_run_age_seconds",
            "Age of the oldest run in a status (queued: since created; started: since it "
            "started); 0 when there is none",
            ("status",),
        ),
        MetricSpec(
            "quantumlayer_intake_uploads",
            "Objects in the prompts store by state: incoming (waiting for the sensor) or "
            "rejected (moved aside with a reason)",
            ("state",),
        ),
        MetricSpec(
            "quantumlayer_intake_oldest_incoming_age_seconds",
            "Age of the oldest upload still under incoming/ (0 when none): a stuck intake",
        ),
        MetricSpec(
            "quantumlayer_exporter_cursor",
            "The event-log record id the exporter has counted up to",
        ),
        MetricSpec(
            "quantumlayer_exporter_last_poll_timestamp_seconds",
            "When the exporter last read the event log successfully (Unix time)",
        ),
    )
}
