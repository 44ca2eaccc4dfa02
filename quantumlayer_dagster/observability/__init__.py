"""Operating the platform: traces, per-step telemetry, structured logs and request metrics.

- ``tracing``: OpenTelemetry spans (a run, its steps, LLM calls, sandbox runs, host tools),
  configured by the standard ``OTEL_*`` variables through ``Settings``; nothing of
  OpenTelemetry is imported unless an exporter is set (``otel_sdk`` holds every import).
- ``trace_ids``: a run's trace and root span ids, derived from its run id (and a launcher's
  ``traceparent`` tag), so every process of a run names the same trace without asking.
- ``step_record``: what a step did (LLM calls, sandbox runs, host tools), recorded whether
  or not tracing is on; the step logs it as an observation the metrics exporter reads.
- ``log_format``: request, run, stage and trace ids on every line; JSON with
  ``QL_LOG_FORMAT=json``.
- ``request_metrics`` / ``prometheus_exposition``: the exporter's counters, kept with the
  event-log cursor they were counted up to.
"""
