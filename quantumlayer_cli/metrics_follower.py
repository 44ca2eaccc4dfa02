"""Following the Dagster instance's event log for ``quantumlayer metrics serve``.

Each poll reads the records after the stored cursor (one query per event type the exporter
counts, ``request_metrics.EVENT_KINDS``; every storage indexes these across runs, SQLite
included), counts them in record-id order and stores the new state (counters and cursor
together, in the instance's key-value store: Postgres in a deployment), so a restarted
exporter resumes where it left off. Records younger than ``settle_s`` wait for the next
poll: a writer that took a lower id may still be committing it.

The gauges (queue depth, run age) are read fresh each poll; the intake gauges (uploads
waiting or rejected: a listing of the prompts store) every ``intake_every_s``, and a store
that cannot be listed leaves them out instead of failing the poll.
"""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import dagster as dg

from quantumlayer_dagster.observability.prometheus_exposition import ExporterMetrics
from quantumlayer_dagster.observability.request_metrics import (
    EVENT_KINDS,
    RUN_CREATED,
    RUN_ENDED,
    LoggedEvent,
    MetricsState,
    apply,
    forget_stale_runs,
)
from quantumlayer_dagster.store.artifact_store import ObjectInbox

log = logging.getLogger(__name__)

STATE_KEY = "quantumlayer/metrics-exporter-state"
"""Where the exporter keeps its state in the instance's key-value store."""
GAUGE_STATUSES = {
    "queued": dg.DagsterRunStatus.QUEUED,
    "starting": dg.DagsterRunStatus.STARTING,
    "started": dg.DagsterRunStatus.STARTED,
}


@dataclass
class Follower:
    instance: dg.DagsterInstance
    metrics: ExporterMetrics
    inbox: Callable[[], ObjectInbox] | None = None
    """The prompts store, for the intake gauges (None: not measured)."""
    batch: int = 1000
    settle_s: float = 2.0
    intake_every_s: float = 30.0
    clock: Callable[[], float] = time.time
    _intake: dict[str, dict[tuple[str, ...], float]] = field(default_factory=dict)
    _intake_at: float = float("-inf")

    def load(self) -> None:
        """The stored state, or a fresh one."""
        stored = self.instance.run_storage.get_cursor_values({STATE_KEY}).get(STATE_KEY)
        state = MetricsState.model_validate_json(stored) if stored else MetricsState()
        with self.metrics.lock:
            self.metrics.state = state

    def poll(self) -> int:
        """Count what was logged since the cursor (in batches until caught up), store the
        state, refresh the gauges; returns how many records were counted."""
        counted = 0
        while True:
            done = self._one_batch()
            counted += done
            if done < self.batch:
                break
        self._refresh_gauges()
        return counted

    def _one_batch(self) -> int:
        state = self.metrics.state.model_copy(deep=True)
        records = self._records_after(state.cursor)
        fresh_after = self.clock() - self.settle_s
        runs: dict[str, dict[str, str]] = {}
        counted = 0
        for storage_id, entry in records:
            if entry.timestamp > fresh_after:
                break
            event = _logged_event(storage_id, entry)
            if event is None:
                state.cursor = max(state.cursor, storage_id)
                continue
            if event.kind in RUN_CREATED or event.kind in RUN_ENDED:
                if event.run_id not in runs:
                    run = self.instance.get_run_by_id(event.run_id)
                    runs[event.run_id] = dict(run.tags) if run is not None else {}
                event.tags = runs[event.run_id]
            apply(state, event)
            counted += 1
        forget_stale_runs(state, self.clock())
        if counted or state.cursor != self.metrics.state.cursor:
            self.instance.run_storage.set_cursor_values({STATE_KEY: state.model_dump_json()})
        with self.metrics.lock:
            self.metrics.state = state
        return counted

    def _records_after(self, cursor: int) -> list[tuple[int, Any]]:
        """Records of every counted kind after ``cursor``, in id order, up to the point all
        kinds are known (a kind that filled its batch may have more beyond it)."""
        storage = self.instance.event_log_storage
        merged: dict[int, Any] = {}
        bound = float("inf")
        for kind in EVENT_KINDS:
            found = storage.get_logs_for_all_runs_by_log_id(
                after_cursor=cursor,
                dagster_event_type=dg.DagsterEventType[kind],
                limit=self.batch,
            )
            merged.update(found)
            if len(found) >= self.batch:
                bound = min(bound, max(found))
        return sorted((i, e) for i, e in merged.items() if i <= bound)

    def _refresh_gauges(self) -> None:
        now = self.clock()
        gauges: dict[str, dict[tuple[str, ...], float]] = {
            "quantumlayer_runs": {},
            "quantumlayer_oldest_run_age_seconds": {},
        }
        for name, status in GAUGE_STATUSES.items():
            count = self.instance.get_runs_count(dg.RunsFilter(statuses=[status]))
            gauges["quantumlayer_runs"][(name,)] = float(count)
            oldest = self.instance.get_run_records(
                dg.RunsFilter(statuses=[status]), limit=1, ascending=True
            )
            age = 0.0
            if oldest:
                record = oldest[0]
                since = record.start_time if name == "started" else None
                since = since or record.create_timestamp.timestamp()
                age = max(0.0, now - since)
            gauges["quantumlayer_oldest_run_age_seconds"][(name,)] = age
        if now - self._intake_at >= self.intake_every_s:
            self._intake_at = now
            try:
                self._intake = self._intake_gauges(now)
            except Exception as exc:  # the store is down: say so, keep the other gauges
                log.warning("listing the prompts store failed: %s", exc)
                self._intake = {}
        gauges.update(self._intake)
        gauges["quantumlayer_exporter_cursor"] = {(): float(self.metrics.state.cursor)}
        gauges["quantumlayer_exporter_last_poll_timestamp_seconds"] = {(): now}
        with self.metrics.lock:
            self.metrics.gauges = gauges

    def _intake_gauges(self, now: float) -> dict[str, dict[tuple[str, ...], float]]:
        if self.inbox is None:
            return {}
        inbox = self.inbox()
        incoming = inbox.list_objects("incoming/")
        rejected = [k for k in inbox.list_keys("rejected/") if not k.endswith(".reason.txt")]
        oldest = min((o.last_modified for o in incoming), default=None)
        return {
            "quantumlayer_intake_uploads": {
                ("incoming",): float(len(incoming)),
                ("rejected",): float(len(rejected)),
            },
            "quantumlayer_intake_oldest_incoming_age_seconds": {
                (): max(0.0, now - oldest.timestamp()) if isinstance(oldest, datetime) else 0.0
            },
        }


def _logged_event(storage_id: int, entry: Any) -> LoggedEvent | None:
    """The record as plain data, or None for one without a Dagster event."""
    event = entry.dagster_event
    if event is None:
        return None
    logged = LoggedEvent(
        storage_id=storage_id,
        kind=event.event_type.name,
        run_id=entry.run_id,
        timestamp=entry.timestamp,
        asset=event.asset_key.to_user_string() if event.asset_key else "",
    )
    if event.is_step_materialization:
        logged.metadata = _plain(event.step_materialization_data.materialization.metadata)
    elif event.event_type.name == "ASSET_OBSERVATION":
        logged.metadata = _plain(event.asset_observation_data.asset_observation.metadata)
    elif event.event_type.name == "ASSET_CHECK_EVALUATION":
        check = event.asset_check_evaluation_data
        logged.check_name = check.check_name
        logged.passed = check.passed
        logged.blocking = check.severity == dg.AssetCheckSeverity.ERROR
    return logged


def _plain(metadata: Any) -> dict[str, Any]:
    """Metadata values as JSON-able data (numbers, text, JSON); others as their text."""
    plain: dict[str, Any] = {}
    for key, value in (metadata or {}).items():
        raw = getattr(value, "value", value)
        plain[key] = raw if isinstance(raw, (int, float, str, bool, dict, list)) else str(raw)
    return plain
