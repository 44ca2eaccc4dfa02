"""Our log lines carry the request, run, stage and trace ids of the step being executed:
as one JSON object per line with ``QL_LOG_FORMAT=json`` (for a log pipeline), or as plain
text with the ids at the end (the default, for a person at a terminal).

``configure_logging`` puts one handler on our packages' loggers (the core, the CLI, assets,
resources); Dagster's own lines get the same JSON from ``assets/loggers.py``. Levels are
left as they are (warnings and errors by default)."""

import json
import logging
import sys
from datetime import UTC, datetime
from typing import Any, Literal

from quantumlayer_dagster.observability.step_record import active_step

LogFormat = Literal["text", "json"]
OUR_LOGGERS = ("quantumlayer_dagster", "quantumlayer_cli", "assets", "resources")
ID_FIELDS = ("request_id", "run_id", "stage", "trace_id")


def run_ids() -> dict[str, str]:
    """The ids of the step being executed (empty strings outside a step)."""
    step = active_step()
    if step is None:
        return dict.fromkeys(ID_FIELDS, "")
    return {
        "request_id": step.request_id,
        "run_id": step.run_id,
        "stage": step.stage,
        "trace_id": step.trace_id,
    }


def json_line(
    level: str, logger: str, message: str, ids: dict[str, str], created: float, **extra: Any
) -> str:
    """One log line as JSON: time (UTC, ISO 8601), level, logger, message, the ids, extras."""
    stamp = datetime.fromtimestamp(created, UTC).isoformat(timespec="milliseconds")
    payload = {"time": stamp, "level": level, "logger": logger, "message": message}
    payload.update(ids)
    payload.update({k: v for k, v in extra.items() if v not in (None, "")})
    return json.dumps(payload, ensure_ascii=False, default=str)


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        exception = self.formatException(record.exc_info) if record.exc_info else None
        return json_line(
            record.levelname,
            record.name,
            record.getMessage(),
            run_ids(),
            record.created,
            exception=exception,
        )


class TextFormatter(logging.Formatter):
    """``time LEVEL logger: message [request=... run=... stage=... trace=...]``."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = {k.removesuffix("_id"): v for k, v in run_ids().items() if v}
        if not ids:
            return line
        return line + " [" + " ".join(f"{k}={v}" for k, v in ids.items()) + "]"


class _StderrHandler(logging.StreamHandler):
    """Writes to whatever ``sys.stderr`` is at the time (pytest swaps it, and closes the
    one it swapped out: a handler holding that one would fail)."""

    @property
    def stream(self) -> Any:
        return sys.stderr

    @stream.setter
    def stream(self, _value: Any) -> None:
        pass


def configure_logging(log_format: LogFormat) -> None:
    """One handler of ``log_format`` on each of our packages' loggers (replacing ours)."""
    handler = _StderrHandler()
    handler.setFormatter(JsonFormatter() if log_format == "json" else TextFormatter())
    handler.set_name("quantumlayer")
    for name in OUR_LOGGERS:
        logger = logging.getLogger(name)
        for old in [h for h in logger.handlers if h.get_name() == "quantumlayer"]:
            logger.removeHandler(old)
        logger.addHandler(handler)
