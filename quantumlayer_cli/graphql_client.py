"""The GraphQL calls the CLI makes against a running ``dagster-webserver``: add a request's
partition, launch its run, read the run's state and each stage's, cancel the run.

Launching uses ``dagster_graphql.DagsterGraphQLClient``; the calls it has no method for
(``addDynamicPartition``, the repository lookup, runs filtered by tag with step stats) go
through the same client's transport, so connection handling and errors are the same."""

from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

import requests
from dagster_graphql import DagsterGraphQLClient, DagsterGraphQLClientError

from quantumlayer_dagster.stages.registry import ASSET_NAMES, JOB_NAME, PARTITIONS
from quantumlayer_dagster.tenants import DEFAULT_TENANT, TENANT_TAG

PARTITION_TAG = "dagster/partition"
DEFAULT_URL = "http://127.0.0.1:3000"

_REPOSITORIES = """
query Repositories {
  repositoriesOrError {
    __typename
    ... on RepositoryConnection { nodes { name location { name } jobs { name } } }
    ... on PythonError { message }
  }
}
"""

_ADD_PARTITION = """
mutation AddPartition($selector: RepositorySelector!, $name: String!, $key: String!) {
  addDynamicPartition(repositorySelector: $selector, partitionsDefName: $name,
                      partitionKey: $key) {
    __typename
    ... on AddDynamicPartitionSuccess { partitionKey }
    ... on DuplicateDynamicPartitionError { partitionName }
    ... on UnauthorizedError { message }
    ... on PythonError { message }
  }
}
"""

_RUNS_FOR_PARTITION = """
query RunsForPartition($filter: RunsFilter!) {
  runsOrError(filter: $filter, limit: 1) {
    __typename
    ... on Runs {
      results {
        runId status startTime endTime
        stepStats { stepKey status startTime endTime }
      }
    }
    ... on InvalidPipelineRunsFilterError { message }
    ... on PythonError { message }
  }
}
"""


class GraphQLUnavailable(RuntimeError):
    """The webserver cannot be used; the message is one line saying why and what to do."""


@dataclass(frozen=True)
class StepState:
    step: str
    status: str
    """Dagster's step status (SUCCESS, FAILURE, SKIPPED, IN_PROGRESS) or NOT_STARTED."""
    start_time: float | None = None
    end_time: float | None = None


@dataclass(frozen=True)
class RequestStatus:
    request_id: str
    run_id: str
    status: str
    """Dagster's run status: QUEUED, STARTING, STARTED, SUCCESS, FAILURE, CANCELED..."""
    start_time: float | None = None
    end_time: float | None = None
    steps: list[StepState] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "request_id": self.request_id,
            "run_id": self.run_id,
            "status": self.status,
            "start_time": self.start_time,
            "end_time": self.end_time,
            "steps": [vars(s) for s in self.steps],
        }


class QuantumLayerGraphQL:
    """The webserver at ``url`` (e.g. ``http://127.0.0.1:3000``), seen from the CLI."""

    def __init__(self, url: str, timeout_s: int = 120):
        parts = urlsplit(url if "://" in url else f"http://{url}")
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise GraphQLUnavailable(f"{url!r} is not a webserver URL; use e.g. {DEFAULT_URL}")
        self.url = url
        self._client = DagsterGraphQLClient(
            parts.hostname,
            port_number=parts.port,
            use_https=parts.scheme == "https",
            timeout=timeout_s,
            path_prefix=parts.path.rstrip("/"),
        )
        self._location: tuple[str, str] | None = None

    def check(self) -> None:
        """Raise GraphQLUnavailable unless the webserver answers and serves the job."""
        self._job_location()

    def add_partition(self, request_id: str) -> None:
        """Add ``request_id`` to the ``requests`` dynamic partitions (already there is fine)."""
        location, repository = self._job_location()
        result = self._query(
            _ADD_PARTITION,
            {
                "selector": {"repositoryLocationName": location, "repositoryName": repository},
                "name": PARTITIONS,
                "key": request_id,
            },
        )["addDynamicPartition"]
        kind = result["__typename"]
        if kind not in ("AddDynamicPartitionSuccess", "DuplicateDynamicPartitionError"):
            raise GraphQLUnavailable(f"adding partition {request_id} failed: {_message(result)}")

    def launch(self, request_id: str, tenant: str = DEFAULT_TENANT) -> str:
        """Launch ``generate_project`` for the request's partition, tagged with its tenant
        (the run queue's fair share counts the tag); return the run id."""
        location, repository = self._job_location()
        try:
            return self._client.submit_job_execution(
                JOB_NAME,
                repository_location_name=location,
                repository_name=repository,
                tags={PARTITION_TAG: request_id, TENANT_TAG: tenant},
            )
        except DagsterGraphQLClientError as exc:
            raise self._unavailable(exc, f"launching the run for {request_id}") from None

    def cancel(self, run_id: str) -> None:
        """Ask the webserver to terminate the run (a queued run is canceled at once)."""
        try:
            self._client.terminate_run(run_id)
        except DagsterGraphQLClientError as exc:
            raise self._unavailable(exc, f"canceling run {run_id}") from None

    def status(self, request_id: str) -> RequestStatus | None:
        """The latest run of the request's partition with each stage's state, or None."""
        data = self._query(
            _RUNS_FOR_PARTITION,
            {"filter": {"tags": [{"key": PARTITION_TAG, "value": request_id}]}},
        )["runsOrError"]
        if data["__typename"] != "Runs":
            raise GraphQLUnavailable(f"reading runs failed: {_message(data)}")
        if not data["results"]:
            return None
        run = data["results"][0]
        seen = {s["stepKey"]: s for s in run["stepStats"]}
        # Every stage is listed, in graph order; those the run has not reached yet too.
        steps = [
            StepState(
                step=name,
                status=(seen[name]["status"] or "IN_PROGRESS") if name in seen else "NOT_STARTED",
                start_time=seen.get(name, {}).get("startTime"),
                end_time=seen.get(name, {}).get("endTime"),
            )
            for name in ASSET_NAMES
        ]
        return RequestStatus(
            request_id=request_id,
            run_id=run["runId"],
            status=run["status"],
            start_time=run["startTime"],
            end_time=run["endTime"],
            steps=steps,
        )

    def _job_location(self) -> tuple[str, str]:
        """(code location, repository) holding the ``generate_project`` job."""
        if self._location is None:
            data = self._query(_REPOSITORIES)["repositoriesOrError"]
            if data["__typename"] != "RepositoryConnection":
                raise GraphQLUnavailable(f"listing code locations failed: {_message(data)}")
            found = [
                (repo["location"]["name"], repo["name"])
                for repo in data["nodes"]
                if any(job["name"] == JOB_NAME for job in repo["jobs"])
            ]
            if len(found) != 1:
                where = "no code location" if not found else f"{len(found)} code locations"
                raise GraphQLUnavailable(
                    f"{where} at {self.url} defines the {JOB_NAME} job; load "
                    "quantumlayer_dagster.definitions once (see workspace.yaml)"
                )
            self._location = found[0]
        return self._location

    def _query(self, query: str, variables: dict[str, Any] | None = None) -> dict[str, Any]:
        try:
            # The client has no public call for arbitrary queries; this is the one it uses.
            result: dict[str, Any] = self._client._execute(query, variables)
        except DagsterGraphQLClientError as exc:
            raise self._unavailable(exc, "the GraphQL query") from None
        return result

    def _unavailable(self, exc: DagsterGraphQLClientError, doing: str) -> GraphQLUnavailable:
        causes = _causes(exc)
        # Timeout first: a connect timeout is also a ConnectionError.
        if any(isinstance(c, requests.exceptions.Timeout) for c in causes):
            return GraphQLUnavailable(f"{self.url} did not answer in time during {doing}")
        if any(isinstance(c, requests.exceptions.ConnectionError) for c in causes):
            return GraphQLUnavailable(
                f"cannot reach {self.url}: is dagster-webserver running at {self.url}? "
                "start it with `make ui`"
            )
        detail = " ".join(str(a) for a in exc.args).strip().splitlines()
        return GraphQLUnavailable(f"{doing} failed: {detail[0] if detail else type(exc).__name__}")


def _causes(exc: BaseException) -> list[BaseException]:
    """The exception and everything it was raised from (gql wraps requests' errors)."""
    chain: list[BaseException] = [exc]
    while (nxt := chain[-1].__cause__ or chain[-1].__context__) and nxt not in chain:
        chain.append(nxt)
    return chain


def _message(result: dict[str, Any]) -> str:
    return str(result.get("message") or result["__typename"]).strip().splitlines()[0]
