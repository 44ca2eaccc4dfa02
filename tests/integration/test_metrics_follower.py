"""The exporter follows a real Dagster instance (SQLite here; Postgres in the end-to-end
test): it counts each event once, and a restarted exporter resumes from the stored cursor
with the counts it had, counting neither twice nor from zero."""

import time

import dagster as dg
import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from quantumlayer_cli.metrics_follower import STATE_KEY, Follower
from quantumlayer_dagster.observability.prometheus_exposition import ExporterMetrics, registry_for
from quantumlayer_dagster.observability.step_record import TELEMETRY_KEY
from quantumlayer_dagster.store.artifact_store import ArtifactStoreUnavailable
from quantumlayer_dagster.store.local_dir import LocalDirStore

pytestmark = pytest.mark.slow

TELEMETRY = {
    "stage": "capsule",
    "outcome": "success",
    "duration_s": 0.2,
    "llm_calls": [
        {"group": "g", "deployment": "g/0", "outcome": "ok", "cached": False, "tokens_in": 7}
    ],
    "sandbox_runs": [{"isolation_mode": "bwrap", "limit": "wall"}],
}


@dg.asset(check_specs=[dg.AssetCheckSpec("tests_pass", asset="capsule")])
def capsule(context: dg.AssetExecutionContext):  # type: ignore[no-untyped-def]
    context.log_event(
        dg.AssetObservation(
            asset_key="capsule", metadata={TELEMETRY_KEY: dg.MetadataValue.json(TELEMETRY)}
        )
    )
    yield dg.Output(1)
    yield dg.AssetCheckResult(check_name="tests_pass", passed=False)


def scraped(metrics: ExporterMetrics) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """What a scrape of the exporter's registry shows, sample by sample."""
    text = generate_latest(registry_for(metrics)).decode()
    return {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
    }


def follower(instance: dg.DagsterInstance) -> Follower:
    return Follower(instance, ExporterMetrics(), settle_s=0.0)


def test_a_restarted_exporter_resumes_from_its_cursor_without_counting_twice(tmp_path):
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        for _ in range(2):
            dg.materialize([capsule], instance=instance, raise_on_error=False)
        first = follower(instance)
        first.load()
        assert first.poll() > 0
        gate_failures = (
            "quantumlayer_requests_total",
            (
                ("gate", "tests_pass"),
                ("outcome", "gate_failure"),
                ("stage", ""),
                ("tenant", "shared"),
            ),
        )
        assert scraped(first.metrics)[gate_failures] == 2.0

        restarted = follower(instance)
        restarted.load()
        assert restarted.metrics.state == first.metrics.state
        assert restarted.poll() == 0
        assert scraped(restarted.metrics)[gate_failures] == 2.0

        dg.materialize([capsule], instance=instance, raise_on_error=False)
        assert restarted.poll() > 0
        samples = scraped(restarted.metrics)
        assert samples[gate_failures] == 3.0
        assert (
            samples[
                ("quantumlayer_runs_created_total", (("source", "launch"), ("tenant", "shared")))
            ]
            == 3.0
        )
        llm = (
            "quantumlayer_llm_calls_total",
            (("deployment", "g/0"), ("group", "g"), ("outcome", "ok")),
        )
        assert samples[llm] == 3.0
        sandbox = (
            "quantumlayer_sandbox_runs_total",
            (("isolation_mode", "bwrap"), ("limit", "wall")),
        )
        assert samples[sandbox] == 3.0
        assert samples[("quantumlayer_runs", (("status", "queued"),))] == 0.0
        stored = instance.run_storage.get_cursor_values({STATE_KEY})[STATE_KEY]
        assert f'"cursor":{restarted.metrics.state.cursor}' in stored
    finally:
        instance.dispose()


def test_records_younger_than_the_settle_time_wait_for_the_next_poll(tmp_path):
    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        dg.materialize([capsule], instance=instance, raise_on_error=False)
        waiting = Follower(instance, ExporterMetrics(), settle_s=3600.0)
        assert waiting.poll() == 0
        assert waiting.metrics.state.cursor == -1
        waiting.settle_s = 0.0
        assert waiting.poll() > 0
    finally:
        instance.dispose()


def test_the_intake_gauges_count_uploads_waiting_and_rejected(tmp_path):
    inbox = LocalDirStore(tmp_path / "prompts")
    inbox.put_bytes("incoming/late.txt", b"count words")
    inbox.put_bytes("rejected/empty.txt", b"")
    inbox.put_bytes("rejected/empty.txt.reason.txt", b"the prompt is empty")
    (tmp_path / "dagster").mkdir()
    instance = dg.DagsterInstance.from_config(str(tmp_path / "dagster"))
    try:
        later = time.time() + 600
        watcher = Follower(instance, ExporterMetrics(), inbox=lambda: inbox, clock=lambda: later)
        watcher.poll()
        samples = scraped(watcher.metrics)
        assert samples[("quantumlayer_intake_uploads", (("state", "incoming"),))] == 1.0
        assert samples[("quantumlayer_intake_uploads", (("state", "rejected"),))] == 1.0
        assert samples[("quantumlayer_intake_oldest_incoming_age_seconds", ())] >= 599
    finally:
        instance.dispose()


def test_a_store_that_cannot_be_listed_leaves_the_intake_gauges_out(tmp_path):
    def unreachable() -> LocalDirStore:
        raise ArtifactStoreUnavailable("the prompts bucket cannot be reached")

    instance = dg.DagsterInstance.from_config(str(tmp_path))
    try:
        dg.materialize([capsule], instance=instance, raise_on_error=False)
        watcher = Follower(instance, ExporterMetrics(), inbox=unreachable, settle_s=0.0)
        assert watcher.poll() > 0
        samples = scraped(watcher.metrics)
        assert not [name for name, _ in samples if name.startswith("quantumlayer_intake")]
        assert samples[("quantumlayer_runs", (("status", "queued"),))] == 0.0
    finally:
        instance.dispose()
