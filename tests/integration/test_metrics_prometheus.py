"""End to end: a real Prometheus scrapes ``quantumlayer metrics serve`` while the whole
graph runs two requests on the scripted provider (one capsule with every gate passed, one
capsule with a failed gate), on the shipped Postgres instance config; what Prometheus's HTTP
API then answers equals what the runs recorded. Our alerting rules are loaded too.

The failed gate is ``complexity_budget`` with a budget of 0 (every function is over it), so
the test does not depend on what the scripted conversation generates."""

import shutil
import time
from pathlib import Path

import dagster as dg
import pytest

from quantumlayer_cli.local_run import RunOutcome, run_request
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.definitions import build_definitions
from quantumlayer_dagster.observability.step_record import TELEMETRY_KEY
from quantumlayer_dagster.settings import Settings
from resources.quality_gates import QualityGatesResource
from tests.conftest import SCRIPTED_CONFIG
from tests.fixtures import wordcount
from tests.fixtures.dagster_servers import ROOT
from tests.fixtures.prometheus_server import Prometheus, running_exporter, running_prometheus

pytestmark = [pytest.mark.sandbox, pytest.mark.server, pytest.mark.slow]

RULES = ROOT / "deploy" / "observability" / "alerts.yml"


def strict_gates(definitions: dg.Definitions) -> dg.Definitions:
    """The same Definitions with a complexity budget of 0: the gate fails, the run goes on."""
    return dg.Definitions(
        assets=definitions.assets,
        jobs=definitions.jobs,
        executor=definitions.executor,
        resources={
            **definitions.resources,
            "quality_gates": QualityGatesResource(max_complexity=0),
        },
    )


def wait_for(prometheus: Prometheus, expr: str, value: float, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while prometheus.value(expr) != value:
        assert time.monotonic() < deadline, f"{expr} is {prometheus.value(expr)}, not {value}"
        time.sleep(1)


def recorded(instance: dg.DagsterInstance, outcomes: list[RunOutcome]) -> dict[str, float]:
    """Totals the runs recorded in the event log: LLM calls and tokens (the assets'
    metadata), steps, and sandbox runs (the step telemetry)."""
    totals = dict.fromkeys(("llm_calls", "tokens_in", "tokens_out", "steps", "sandbox"), 0.0)
    for outcome in outcomes:
        kinds = dg.DagsterEventType.ASSET_MATERIALIZATION, dg.DagsterEventType.ASSET_OBSERVATION
        for kind in kinds:
            for entry in instance.all_logs(outcome.run_id, of_type=kind):
                event = entry.dagster_event
                assert event is not None
                if kind == dg.DagsterEventType.ASSET_MATERIALIZATION:
                    metadata = event.step_materialization_data.materialization.metadata
                    totals["steps"] += 1
                    if "llm_calls" in metadata:  # a stage's own use (the capsule's is the sum)
                        for key in ("llm_calls", "tokens_in", "tokens_out"):
                            totals[key] += float(metadata[key].value)
                else:
                    telemetry = event.asset_observation_data.asset_observation.metadata
                    totals["sandbox"] += len(telemetry[TELEMETRY_KEY].value["sandbox_runs"])
    return totals


def test_prometheus_finds_what_the_runs_recorded(
    postgres_database, register_script, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    register_script()
    env = {**postgres_database.env(), "DAGSTER_HOME": str(tmp_path / "dagster")}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    Path(env["DAGSTER_HOME"]).mkdir()
    shutil.copy(ROOT / "dagster.yaml", Path(env["DAGSTER_HOME"]) / "dagster.yaml")
    config = tmp_path / "llm.yaml"
    config.write_text(SCRIPTED_CONFIG + "cache: {backend: none}\n")  # every call is sent
    settings = Settings(
        home=tmp_path / "home", llm_config=config, test_timeout_s=60, memory_enabled=False
    )
    env["QL_HOME"] = str(settings.home)
    instance = dg.DagsterInstance.from_config(env["DAGSTER_HOME"])
    try:
        with (
            running_exporter(env, tmp_path) as target,
            running_prometheus(target, RULES, tmp_path) as prometheus,
        ):
            definitions = build_definitions(settings)
            outcomes = [
                run_request(
                    settings, wordcount.PROMPT, RequestOptions(), definitions=d, instance=instance
                )
                for d in (definitions, strict_gates(definitions))
            ]
            assert [o.success for o in outcomes] == [True, True]
            assert [o.gates_passed for o in outcomes] == [True, False]
            wait_for(prometheus, "sum(quantumlayer_requests_total)", 2)
            totals = recorded(instance, outcomes)

            # Prometheus drops empty labels: the capsule has no gate and no stage
            by_outcome = "sum by (outcome, gate, stage) (quantumlayer_requests_total)"
            assert prometheus.query(by_outcome) == {
                (("outcome", "capsule"),): 1.0,
                (("gate", "complexity_budget"), ("outcome", "gate_failure")): 1.0,
            }
            assert prometheus.value("sum(quantumlayer_llm_calls_total)") == totals["llm_calls"] > 0
            assert prometheus.value('sum(quantumlayer_llm_calls_total{outcome="error"})') == 0
            tokens = 'sum(quantumlayer_llm_tokens_total{direction="%s"})'
            assert prometheus.value(tokens % "in") == totals["tokens_in"] > 0
            assert prometheus.value(tokens % "out") == totals["tokens_out"] > 0
            gates = [g for o in outcomes for g in o.gates]
            evaluations = "sum(quantumlayer_gate_evaluations_total{result=%r})"
            assert prometheus.value(evaluations % "pass") == sum(g.passed for g in gates)
            assert prometheus.value(evaluations % "fail") == sum(not g.passed for g in gates) == 1
            steps = "sum(quantumlayer_stage_duration_seconds_count)"
            assert prometheus.value(steps) == totals["steps"]
            assert (
                prometheus.value("sum(quantumlayer_sandbox_runs_total)") == totals["sandbox"] >= 2
            )
            assert prometheus.value("quantumlayer_upload_to_capsule_seconds_count") == 2
            created = 'quantumlayer_runs_created_total{source="launch"}'
            assert prometheus.value(created) == 2
            assert prometheus.value('up{job="quantumlayer-exporter"}') == 1
            assert prometheus.value('quantumlayer_runs{status="queued"}') == 0
            groups = {g["name"] for g in prometheus.get("/api/v1/rules")["groups"]}
            assert {"quantumlayer-slo-burn-rate", "quantumlayer-operations"} <= groups
    finally:
        instance.dispose()
