"""Live progress of an in-process run: follow the run's event log from a thread."""

import threading
import time
from collections.abc import Callable

from dagster import DagsterEventType, DagsterInstance, EventLogEntry

from quantumlayer_cli.errors import root_cause

_SHOWN = {
    DagsterEventType.STEP_START: "started",
    DagsterEventType.STEP_SUCCESS: "done",
    DagsterEventType.STEP_FAILURE: "FAILED",
    DagsterEventType.STEP_SKIPPED: "skipped",
}


class RunProgress:
    """Prints one line per stage start/finish and per progress message of a stage."""

    def __init__(self, instance: DagsterInstance, run_id: str, emit: Callable[[str], None]):
        self._instance, self._run_id, self._emit = instance, run_id, emit
        self._stop = threading.Event()
        self._cursor: str | None = None
        self._start = time.monotonic()
        self._thread = threading.Thread(target=self._follow, daemon=True)

    def __enter__(self) -> "RunProgress":
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
        self._drain()

    def _follow(self) -> None:
        while not self._stop.wait(0.5):
            self._drain()

    def _drain(self) -> None:
        try:
            # Only the records after the last cursor: each poll reads what is new.
            page = self._instance.get_records_for_run(self._run_id, cursor=self._cursor)
        except Exception:  # the run may not be registered yet
            return
        for record in page.records:
            line = self._describe(record.event_log_entry)
            if line:
                self._emit(f"[{time.monotonic() - self._start:7.1f}s] {line}")
        self._cursor = page.cursor

    @staticmethod
    def _describe(record: EventLogEntry) -> str | None:
        step = record.step_key or ""
        event = record.dagster_event
        if event is None:
            # Stages report per-file progress as "<stage>: ..." log messages.
            msg = record.user_message or ""
            return msg if step and msg.startswith(f"{step}: ") else None
        label = _SHOWN.get(event.event_type)
        if label is None:
            return None
        if event.event_type == DagsterEventType.STEP_FAILURE and event.step_failure_data:
            return f"{step}: {label}: {root_cause(event.step_failure_data.error, step)}"
        return f"{step}: {label}"
