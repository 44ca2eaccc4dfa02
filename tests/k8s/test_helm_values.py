"""deploy/values.yaml sets only keys the Dagster chart 1.13.27 documents, and the settings
the issue asks for. The chart's values.schema.json is not obtainable offline here, so the
keys are checked against those written down from the chart's schema models (chart_keys)."""

from typing import Any

from tests.k8s import chart
from tests.k8s.chart_keys import ENUMS, unknown_keys


def _get(values: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        values = values[key]
    return values


def test_every_key_we_set_is_one_the_chart_documents() -> None:
    assert unknown_keys(chart.values()) == []


def test_a_misspelt_key_is_reported() -> None:
    values = chart.values()
    values["dagsterWebserver"]["enableReadonly"] = True
    assert unknown_keys(values) == ["dagsterWebserver.enableReadonly"]


def test_enumerated_values_are_ones_the_chart_accepts() -> None:
    values = chart.values()
    for path, allowed in ENUMS.items():
        assert _get(values, path) in allowed, path


def test_postgres_is_external_with_a_precreated_password_secret() -> None:
    values = chart.values()
    assert values["postgresql"]["enabled"] is False
    assert values["generatePostgresqlPasswordSecret"] is False
    assert "postgresqlPassword" not in values["postgresql"]
    assert values["global"]["postgresqlSecretName"] == "quantumlayer-postgresql"


def test_read_only_webserver_for_viewers_and_queued_runs_are_limited() -> None:
    values = chart.values()
    assert values["dagsterWebserver"]["enableReadOnly"] is True
    coordinator = values["dagsterDaemon"]["runCoordinator"]
    assert coordinator["type"] == "QueuedRunCoordinator"
    assert coordinator["config"]["queuedRunCoordinator"]["maxConcurrentRuns"] >= 1


def test_user_code_runs_under_the_k8s_executor_and_sandbox_with_config_in_runs() -> None:
    [deployment] = chart.values()["dagster-user-deployments"]["deployments"]
    assert deployment["includeConfigInLaunchedRuns"] == {"enabled": True}
    env = {e["name"]: e["value"] for e in deployment["env"]}
    assert (env["QL_EXECUTOR"], env["QL_SANDBOX"]) == ("k8s", "k8s")
    assert env["QL_SANDBOX_IMAGE"] == chart.image(chart.values())
    assert deployment["securityContext"]["readOnlyRootFilesystem"] is True
