"""Dagster's own log lines as JSON (``QL_LOG_FORMAT=json``): the job's ``console`` logger
is replaced by one that writes each line as ``observability.log_format.json_line`` does
ours, with the request (partition), run, stage (step) and trace ids as fields."""

import logging
import sys

import dagster as dg

from quantumlayer_dagster.observability.log_format import json_line
from quantumlayer_dagster.observability.tracing import run_trace_id


class DagsterJsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        meta = getattr(record, "dagster_meta", None) or {}
        tags = dict(meta.get("job_tags") or {})
        run_id = meta.get("run_id") or ""
        event = meta.get("dagster_event")
        return json_line(
            record.levelname,
            "dagster",
            meta.get("orig_message") or record.getMessage(),
            {
                "request_id": tags.get("dagster/partition", ""),
                "run_id": run_id,
                "stage": meta.get("step_key") or "",
                "trace_id": run_trace_id(run_id, tags),
            },
            record.created,
            job=meta.get("job_name"),
            event=event.event_type_value if event is not None else None,
        )


@dg.logger(
    {
        "log_level": dg.Field(str, is_required=False, default_value="INFO"),
        "name": dg.Field(str, is_required=False, default_value="dagster"),
    },
    description="Dagster's log lines as JSON with request, run, stage and trace ids.",
)
def json_console(init_context: dg.InitLoggerContext) -> logging.Logger:
    config = init_context.logger_config
    logger = logging.Logger(config["name"], level=config["log_level"].upper())
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(DagsterJsonFormatter())
    logger.addHandler(handler)
    return logger
