"""The chart's run queue bounds the runs of any one tenant (per value of the run tag
``quantumlayer/tenant``) to the share of ``maxConcurrentRuns`` the capacity module gives,
as the instance configs do for their machine size."""

from quantumlayer_dagster.capacity import tenant_run_limit
from quantumlayer_dagster.tenants import TENANT_TAG
from tests.k8s import chart


def test_the_queue_limits_each_tenants_runs_to_its_share_of_the_runs() -> None:
    queue = chart.values()["dagsterDaemon"]["runCoordinator"]["config"]["queuedRunCoordinator"]
    [tenant] = [limit for limit in queue["tagConcurrencyLimits"] if limit["key"] == TENANT_TAG]
    assert tenant["value"] == {"applyLimitPerUniqueValue": True}
    assert tenant["limit"] == tenant_run_limit(queue["maxConcurrentRuns"])
    assert 1 <= tenant["limit"] < queue["maxConcurrentRuns"]
