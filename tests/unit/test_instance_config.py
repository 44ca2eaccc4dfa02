"""The instance configs we ship are valid Dagster instance configs."""

from pathlib import Path

import pytest
from dagster._core.instance.config import dagster_instance_config

ROOT = Path(__file__).resolve().parents[2]


def test_local_instance_config_is_valid_and_queues_runs():
    config, _ = dagster_instance_config(str(ROOT))
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["telemetry"]["enabled"] is False


def test_kubernetes_instance_config_is_valid_with_postgres_from_the_environment(monkeypatch):
    for name in ("DAGSTER_PG_HOST", "DAGSTER_PG_USER", "DAGSTER_PG_PASSWORD", "DAGSTER_PG_DB"):
        monkeypatch.setenv(name, "x")
    config, _ = dagster_instance_config(str(ROOT / "deploy"))
    assert config["run_launcher"]["class"] == "K8sRunLauncher"
    assert config["storage"]["postgres"]["postgres_db"]["password"] == {
        "env": "DAGSTER_PG_PASSWORD"
    }


def test_a_broken_instance_config_is_refused(tmp_path):
    (tmp_path / "dagster.yaml").write_text("run_coordinator:\n  nonsense: 1\n")
    with pytest.raises(Exception, match="run_coordinator"):
        dagster_instance_config(str(tmp_path))
