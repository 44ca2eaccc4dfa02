"""The instance configs we ship are valid Dagster instance configs and say what they claim."""

import shutil
from pathlib import Path

import pytest
from dagster._core.instance.config import dagster_instance_config

ROOT = Path(__file__).resolve().parents[2]
LOCAL_CONFIG = ROOT / "quantumlayer_dagster" / "config" / "dagster.local.yaml"
PG_VARS = (
    "DAGSTER_PG_HOST",
    "DAGSTER_PG_PORT",
    "DAGSTER_PG_USERNAME",
    "DAGSTER_PG_PASSWORD",
    "DAGSTER_PG_DB",
)


def _load(config_file: Path, tmp_path: Path) -> dict:
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(config_file, home / "dagster.yaml")
    config, _ = dagster_instance_config(str(home))
    return config


@pytest.fixture
def pg_env(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in PG_VARS:
        monkeypatch.setenv(name, "5432" if name.endswith("PORT") else "x")


def test_top_level_config_is_postgres_from_the_environment_queued_and_retried(tmp_path, pg_env):
    config = _load(ROOT / "dagster.yaml", tmp_path)
    storage = config["storage"]["custom"]
    assert (storage["module"], storage["class"]) == (
        "resources.postgres_storage",
        "PooledPostgresStorage",
    )
    db = storage["config"]["postgres_db"]
    assert db == {
        "hostname": {"env": "DAGSTER_PG_HOST"},
        "port": {"env": "DAGSTER_PG_PORT"},
        "username": {"env": "DAGSTER_PG_USERNAME"},
        "password": {"env": "DAGSTER_PG_PASSWORD"},
        "db_name": {"env": "DAGSTER_PG_DB"},
        "scheme": "postgresql+psycopg2",
    }
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["concurrency"]["runs"]["max_concurrent_runs"] >= 1
    assert config["concurrency"]["pools"]["default_limit"] >= 1  # the "llm" pool
    assert config["run_retries"] == {
        "enabled": True,
        "max_retries": 1,
        "retry_on_asset_or_op_failure": False,
    }
    assert config["telemetry"]["enabled"] is False


def test_top_level_config_names_the_missing_variable(tmp_path, monkeypatch):
    for name in PG_VARS:
        monkeypatch.delenv(name, raising=False)
    home = tmp_path / "home"
    home.mkdir()
    shutil.copy(ROOT / "dagster.yaml", home / "dagster.yaml")
    import dagster as dg

    with pytest.raises(Exception, match="DAGSTER_PG_"):
        dg.DagsterInstance.from_config(str(home))


def test_local_config_is_sqlite_under_the_home_queued_and_retried(tmp_path):
    config = _load(LOCAL_CONFIG, tmp_path)
    assert "storage" not in config  # Dagster's default: SQLite under $DAGSTER_HOME
    assert config["run_coordinator"]["class"] == "QueuedRunCoordinator"
    assert config["run_retries"]["enabled"] is True
    assert config["telemetry"]["enabled"] is False


def test_makefile_installs_the_local_config_not_the_postgres_one():
    makefile = (ROOT / "Makefile").read_text()
    assert "cp quantumlayer_dagster/config/dagster.local.yaml $@" in makefile


def test_a_broken_instance_config_is_refused(tmp_path):
    (tmp_path / "dagster.yaml").write_text("run_coordinator:\n  nonsense: 1\n")
    with pytest.raises(Exception, match="run_coordinator"):
        dagster_instance_config(str(tmp_path))
