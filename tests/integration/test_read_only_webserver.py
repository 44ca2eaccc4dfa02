"""The viewers' webserver as deployed (``dagster-webserver --read-only``, deploy/values.yaml
``dagsterWebserver.enableReadOnly``) on a real subprocess with our code location: it answers
reads, and refuses every mutation a viewer could try over GraphQL (launch, add a request
partition, terminate, delete, wipe): Dagster's UnauthorizedError, or for a run that exists
the failure "You do not have permission to terminate this run"."""

import json
import urllib.request
from collections.abc import Iterator
from typing import Any

import pytest
from dagster import DagsterInstance, DagsterRunStatus
from dagster._core.test_utils import create_run_for_test

from tests.fixtures.dagster_servers import DagsterHome, Webserver, make_home, running_webserver

pytestmark = [pytest.mark.server, pytest.mark.slow]

REPOSITORY = {"repositoryLocationName": "quantumlayer", "repositoryName": "__repository__"}


@pytest.fixture(scope="module")
def viewers_webserver(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[tuple[DagsterHome, Webserver, str]]:
    home = make_home(tmp_path_factory.mktemp("read-only"))
    # A started run to try to terminate and delete, written straight into the instance.
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DAGSTER_HOME", str(home.dagster_home))
        with DagsterInstance.get() as instance:
            run = create_run_for_test(
                instance, job_name="generate_project", status=DagsterRunStatus.STARTED
            )
            run_id = run.run_id
    with running_webserver(home, read_only=True) as server:
        yield home, server, run_id


def _graphql(server: Webserver, query: str, variables: dict[str, Any] | None = None) -> Any:
    body = json.dumps({"query": query, "variables": variables or {}}).encode()
    request = urllib.request.Request(
        f"{server.url}/graphql", data=body, headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=60) as response:
        answer = json.loads(response.read())
    assert "errors" not in answer, answer
    return answer["data"]


def test_a_viewer_can_read_runs(viewers_webserver) -> None:
    _, server, run_id = viewers_webserver
    data = _graphql(server, "{ runsOrError { ... on Runs { results { runId } } } }")
    assert run_id in [r["runId"] for r in data["runsOrError"]["results"]]


MUTATIONS = {
    "launch": (
        """mutation($selector: JobOrPipelineSelector!) {
             launchRun(executionParams: {selector: $selector, runConfigData: {}}) { __typename }
           }""",
        lambda run_id: {"selector": {**REPOSITORY, "jobName": "generate_project"}},
        "launchRun",
    ),
    "add a request partition": (
        """mutation($repo: RepositorySelector!) {
             addDynamicPartition(repositorySelector: $repo, partitionsDefName: "requests",
                                 partitionKey: "viewer-made") { __typename }
           }""",
        lambda run_id: {"repo": REPOSITORY},
        "addDynamicPartition",
    ),
    "terminate": (
        """mutation($id: String!) { terminateRun(runId: $id) {
             __typename ... on TerminateRunFailure { message } } }""",
        lambda run_id: {"id": run_id},
        "terminateRun",
    ),
    "delete": (
        "mutation($id: String!) { deleteRun(runId: $id) { __typename } }",
        lambda run_id: {"id": run_id},
        "deleteRun",
    ),
    "wipe": (
        """mutation { wipeAssets(assetPartitionRanges: [{assetKey: {path: ["capsule"]}}]) {
             __typename } }""",
        lambda run_id: {},
        "wipeAssets",
    ),
}


@pytest.mark.parametrize("action", list(MUTATIONS))
def test_a_viewer_cannot_change_anything(viewers_webserver, action: str) -> None:
    home, server, run_id = viewers_webserver
    query, variables, field = MUTATIONS[action]
    answer = _graphql(server, query, variables(run_id))[field]
    if action == "terminate":
        assert answer["__typename"] == "TerminateRunFailure"
        assert "do not have permission" in answer["message"]
    else:
        assert answer["__typename"] == "UnauthorizedError"
    # ... and nothing changed: the run is still there, still started, and the only one
    with pytest.MonkeyPatch.context() as env:
        env.setenv("DAGSTER_HOME", str(home.dagster_home))
        with DagsterInstance.get() as instance:
            run = instance.get_run_by_id(run_id)
            assert run is not None and run.status == DagsterRunStatus.STARTED
            assert instance.get_runs_count() == 1
            assert not instance.has_dynamic_partition("requests", "viewer-made")
