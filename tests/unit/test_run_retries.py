"""The shipped instance configs retry a run only when it failed outside its steps: a crashed
or killed run worker, a run that never started. A failed step (an LLM endpoint refusing
connections, a blocking gate) fails the same way on a retry, so it is not retried."""

import uuid
from pathlib import Path

import dagster as dg
import pytest
import yaml
from dagster._core.events import RunFailureReason
from dagster._core.execution.retries import auto_reexecution_should_retry_run
from dagster._core.storage.dagster_run import DagsterRun, DagsterRunStatus

ROOT = Path(__file__).resolve().parents[2]
SHIPPED = ["dagster.yaml", "deploy/values.yaml", "quantumlayer_dagster/config/dagster.local.yaml"]


def _chart_instance_sections(values: dict) -> dict:
    """The run retry and monitoring sections the Dagster chart writes into the instance's
    dagster.yaml from ``dagsterDaemon`` in its values (its ``_instance.tpl``)."""
    daemon = values["dagsterDaemon"]
    retries, monitoring = daemon["runRetries"], daemon["runMonitoring"]
    return {
        "run_retries": {
            "enabled": retries["enabled"],
            "max_retries": retries["maxRetries"],
            "retry_on_asset_or_op_failure": retries["retryOnAssetOrOpFailure"],
        },
        "run_monitoring": {
            "enabled": monitoring["enabled"],
            "start_timeout_seconds": monitoring["startTimeoutSeconds"],
            "max_runtime_seconds": monitoring["maxRuntimeSeconds"],
        },
    }


def _instance_with_retry_settings_of(config_file: str, tmp_path: Path) -> dg.DagsterInstance:
    """A SQLite instance with the shipped file's run retry, monitoring and queue sections
    (the Postgres configs would need a server just to read two settings)."""
    shipped = yaml.safe_load((ROOT / config_file).read_text())
    if config_file.endswith("values.yaml"):
        shipped = _chart_instance_sections(shipped)
    keys = ("run_retries", "run_monitoring", "run_coordinator")
    config = {key: shipped[key] for key in keys if key in shipped}
    home = tmp_path / "home"
    home.mkdir()
    (home / "dagster.yaml").write_text(yaml.safe_dump(config))
    return dg.DagsterInstance.from_config(str(home))


def _failed_run(instance: dg.DagsterInstance) -> DagsterRun:
    return instance.add_run(
        DagsterRun(
            job_name="generate_project", run_id=str(uuid.uuid4()), status=DagsterRunStatus.FAILURE
        )
    )


@pytest.mark.parametrize("config_file", SHIPPED)
def test_a_run_whose_step_failed_is_not_retried(config_file, tmp_path):
    instance = _instance_with_retry_settings_of(config_file, tmp_path)
    run = _failed_run(instance)
    assert not auto_reexecution_should_retry_run(instance, run, RunFailureReason.STEP_FAILURE)


@pytest.mark.parametrize("config_file", SHIPPED)
@pytest.mark.parametrize(
    "reason",
    [
        RunFailureReason.RUN_WORKER_RESTART,
        RunFailureReason.UNEXPECTED_TERMINATION,
        RunFailureReason.START_TIMEOUT,
    ],
)
def test_a_run_whose_worker_crashed_or_never_started_is_retried_once(config_file, reason, tmp_path):
    instance = _instance_with_retry_settings_of(config_file, tmp_path)
    run = _failed_run(instance)
    assert auto_reexecution_should_retry_run(instance, run, reason)
    # The retry is in the run's group; when it fails too, nothing is launched again.
    retry = instance.add_run(
        DagsterRun(
            job_name="generate_project",
            run_id=str(uuid.uuid4()),
            status=DagsterRunStatus.FAILURE,
            root_run_id=run.run_id,
            parent_run_id=run.run_id,
            tags={"dagster/root_run_id": run.run_id, "dagster/parent_run_id": run.run_id},
        )
    )
    assert not auto_reexecution_should_retry_run(instance, retry, reason)


@pytest.mark.parametrize(
    "config_file", ["dagster.yaml", "quantumlayer_dagster/config/dagster.local.yaml"]
)
def test_a_run_dequeued_while_its_code_server_is_down_stays_queued(config_file, tmp_path):
    # Dequeuing reaches the code server; without these retries a killed or restarting
    # code server fails every run dequeued meanwhile.
    queue = _instance_with_retry_settings_of(
        config_file, tmp_path
    ).run_coordinator.get_run_queue_config()
    assert queue.max_user_code_failure_retries * queue.user_code_failure_retry_delay >= 120


@pytest.mark.parametrize(
    "config_file", ["dagster.yaml", "quantumlayer_dagster/config/dagster.local.yaml"]
)
def test_a_run_whose_worker_vanished_after_starting_still_ends(config_file, tmp_path):
    # The default launcher has no worker health check; the runtime bound ends such a run.
    instance = _instance_with_retry_settings_of(config_file, tmp_path)
    assert instance.run_monitoring_enabled
    assert instance.run_monitoring_max_runtime_seconds > 0
