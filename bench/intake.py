"""Benchmark: how fast requests get in.

1. GraphQL, against a real ``dagster-webserver`` (SQLite instance, runs queued and never
   dequeued, so no run executes while measuring): ``--clients`` concurrent clients (threads,
   one client object each) each make ``--calls`` launches (the two GraphQL calls of
   ``quantumlayer launch``: ``addDynamicPartition`` + ``launchRun``) and as many
   ``quantumlayer status`` reads (``runsOrError`` by partition tag with step stats), for
   our runs and for the trivial job's (``status_trivial``: the same query, Dagster's cost),
   then again with a second, ``--read-only`` webserver on the same instance taking half of
   the clients (``status_two_servers``: how a deployment scales reads).
   Baselines from the same server and clients: the ``/server_info`` HTTP round trip, a
   trivial GraphQL query (``{ version }``) and ``launch_trivial``: the same two launch
   calls for a trivial 14-asset partitioned job (``bench/trivial_location.py``, a second
   code location in the same webserver); ``launch_over_trivial`` is the ratio of medians;
   ``launch_trivial_checks`` is the trivial job with our asset checks (the same module's
   ``defs_with_checks``), and ``launch_over_trivial_checks`` its ratio.
2. The upload sensor, with ``dagster-daemon`` running (not ticked in-process): a prompt file
   is put under ``incoming/`` in the local store, and the time is taken from the end of the
   upload to the run's creation (the sensor's tick) and to its RUN_START event (queue +
   run process start), read from the instance. The sensor interval is 1 s. Uploads are
   sequential; each run finishes before the next upload, so runs do not overlap.

The LLM is the scripted test double (the test-only code location). Prints ``name: value``
lines.

    .venv/bin/python bench/intake.py [--clients 10] [--calls 5] [--uploads 3]
                                       [--only graphql|sensor]
"""

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

from tests.fixtures.dagster_servers import (  # noqa: E402  (after the path and env)
    make_home,
    running_daemon,
    running_webserver,
)

TRIVIAL_LOCATIONS = "".join(
    f"""\
  - python_module:
      module_name: bench.trivial_location
      attribute: {attribute}
      working_directory: {ROOT}
      location_name: {name}
"""
    for attribute, name in (("defs", "trivial"), ("defs_with_checks", "checks"))
)
LOCATIONS = ("quantumlayer", "trivial", "checks")
"""Ours and the two trivial baselines, all served by the one webserver."""

STATUS_ROUNDS = 3
"""Each client reads each of its requests' status this many times: a p95 of 150 reads."""

QUEUED_ONLY = """\
telemetry:
  enabled: false
run_coordinator:
  module: dagster._core.run_coordinator
  class: QueuedRunCoordinator
"""


def _concurrently(clients: int, work: Callable[[int], list[float]]) -> list[float]:
    """Run ``work(client_index)`` in ``clients`` threads started together; all timings."""
    results: list[list[float]] = [[] for _ in range(clients)]
    errors: list[BaseException] = []
    start = threading.Barrier(clients)

    def run(i: int) -> None:
        try:
            start.wait()
            results[i] = work(i)
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise SystemExit(f"a client failed: {errors[0]}")
    return [x for r in results for x in r]


def _timed(call: Callable[[], object]) -> float:
    start = time.perf_counter()
    call()
    return (time.perf_counter() - start) * 1000


def _p(values: list[float], pct: int) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def graphql_figures(clients: int, calls: int) -> dict[str, list[float]]:
    from quantumlayer_cli.graphql_client import QuantumLayerGraphQL
    from quantumlayer_dagster.artifacts.request import new_request_id

    home = make_home(Path(tempfile.mkdtemp(prefix="ql-bench-intake-")), QUEUED_ONLY)
    home.workspace.write_text(home.workspace.read_text() + TRIVIAL_LOCATIONS)
    with running_webserver(home) as server:
        for location in LOCATIONS:  # warm: all loaded and cached
            warm = QuantumLayerGraphQL(server.url)
            warm._location = (location, "__repository__")
            warm.add_partition(f"warm-{location}")
        requests: dict[str, list[list[str]]] = {
            location: [[] for _ in range(clients)] for location in LOCATIONS
        }

        def server_info(_i: int) -> list[float]:
            with httpx.Client() as http:
                return [_timed(lambda: http.get(f"{server.url}/server_info")) for _ in range(calls)]

        def trivial(_i: int) -> list[float]:
            with httpx.Client() as http:
                query = {"query": "{ version }"}
                return [
                    _timed(lambda: http.post(f"{server.url}/graphql", json=query))
                    for _ in range(calls)
                ]

        def launch(i: int, location: str = "quantumlayer") -> list[float]:
            client = QuantumLayerGraphQL(server.url, timeout_s=600)
            client._location = (location, "__repository__")  # two locations define the job
            timings = []
            for _ in range(calls):
                rid = new_request_id()
                timings.append(_timed(lambda: (client.add_partition(rid), client.launch(rid))))  # noqa: B023
                requests[location][i].append(rid)
            return timings

        def launch_trivial(i: int) -> list[float]:
            return launch(i, "trivial")

        def status_on(
            urls: list[str], location: str = "quantumlayer"
        ) -> Callable[[int], list[float]]:
            def status(i: int) -> list[float]:
                # client i asks server i mod len(urls): the clients split over the servers
                client = QuantumLayerGraphQL(urls[i % len(urls)], timeout_s=600)
                timings = []
                for rid in requests[location][i] * STATUS_ROUNDS:
                    found: list[object] = []
                    timings.append(_timed(lambda: found.append(client.status(rid))))  # noqa: B023
                    if found[0] is None:
                        raise RuntimeError(f"no run for {rid}")
                return timings

            return status

        figures = {
            "server_info": _concurrently(clients, server_info),
            "graphql_trivial": _concurrently(clients, trivial),
            "launch_trivial": _concurrently(clients, launch_trivial),
            "launch_trivial_checks": _concurrently(clients, lambda i: launch(i, "checks")),
            "launch": _concurrently(clients, launch),
        }
        # Steady state, as a long-lived server is in: whichever burst of status queries comes
        # first after the launches has a p95 near 300 ms, for either job's runs; one burst,
        # not counted, goes first.
        _concurrently(clients, status_on([server.url], "trivial"))
        figures |= {
            "status": _concurrently(clients, status_on([server.url])),
            "status_trivial": _concurrently(clients, status_on([server.url], "trivial")),
        }
        # The deployment's way to scale reads: a second, read-only webserver on the same
        # instance (deploy/values.yaml runs one for status), half of the clients on each.
        with running_webserver(home, read_only=True) as reader:
            _concurrently(clients, status_on([server.url, reader.url], "trivial"))  # warm too
            figures["status_two_servers"] = _concurrently(
                clients, status_on([server.url, reader.url])
            )
        return figures


def sensor_figures(uploads: int) -> tuple[list[float], list[float]]:
    import dagster as dg

    from quantumlayer_dagster.settings import Settings
    from resources.artifact_store import open_artifact_store
    from tests.fixtures import wordcount

    home = make_home(
        Path(tempfile.mkdtemp(prefix="ql-bench-sensor-")),
        QUEUED_ONLY,
        extra_env={"QL_UPLOAD_POLL_S": "1"},
    )
    for name in ("QL_HOME", "QL_STORE", "DAGSTER_HOME"):
        os.environ[name] = home.env[name]
    inbox = open_artifact_store(Settings.from_env()).prompts()
    to_created, to_started = [], []
    # Created (with its SQLite schema) before the daemon starts: processes creating the
    # same SQLite storage at once can leave two schema heads behind.
    instance = dg.DagsterInstance.from_config(str(home.dagster_home))
    instance.get_runs(limit=1)
    with running_daemon(home):
        # Upload 0 is a warm-up, not counted: it waits for the daemon to load the code
        # location and tick the sensor for the first time.
        for i in range(uploads + 1):
            key = f"incoming/bench-{i}-{time.time_ns()}.txt"
            inbox.put_bytes(key, wordcount.PROMPT.encode())
            uploaded = time.time()
            record = _wait_for_start(instance, key, uploaded + 300)
            if i > 0:
                to_created.append(record.create_timestamp.timestamp() - uploaded)
                to_started.append(record.start_time - uploaded)
            _wait_for_end(instance, record.dagster_run.run_id, time.time() + 600)
    instance.dispose()
    return to_created, to_started


def _wait_for_start(instance, key: str, deadline: float):  # type: ignore[no-untyped-def]
    import dagster as dg

    while time.time() < deadline:
        records = instance.get_run_records(dg.RunsFilter(tags={"quantumlayer/upload": key}))
        if records and records[0].start_time:
            return records[0]
        time.sleep(0.05)
    raise SystemExit(f"no run started for {key} in time; is the sensor loaded?")


def _wait_for_end(instance, run_id: str, deadline: float) -> None:  # type: ignore[no-untyped-def]
    while time.time() < deadline:
        run = instance.get_run_by_id(run_id)
        if run is not None and run.is_finished:
            return
        time.sleep(1)
    raise SystemExit(f"run {run_id} did not finish in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=10)
    parser.add_argument("--calls", type=int, default=5, help="launches (and statuses) per client")
    parser.add_argument("--uploads", type=int, default=3)
    parser.add_argument("--only", choices=["graphql", "sensor"], help="measure one part")
    args = parser.parse_args()

    if args.only != "sensor":
        _print_graphql(args.clients, args.calls)
    if args.only != "graphql":
        _print_sensor(args.uploads)


def _print_graphql(clients: int, calls: int) -> None:
    figures = graphql_figures(clients, calls)
    print(f"clients: {clients}")
    print(f"calls_per_client: {calls}")
    for name, values in figures.items():
        print(f"{name}_p50_ms: {statistics.median(values):.1f}")
        print(f"{name}_p95_ms: {_p(values, 95):.1f}")
    base = statistics.median(figures["server_info"])
    print(f"launch_p50_over_server_info: {statistics.median(figures['launch']) / base:.1f}")
    print(f"status_p50_over_server_info: {statistics.median(figures['status']) / base:.1f}")
    trivial = statistics.median(figures["launch_trivial"])
    print(f"launch_over_trivial: {statistics.median(figures['launch']) / trivial:.2f}")
    checks = statistics.median(figures["launch_trivial_checks"])
    print(f"launch_over_trivial_checks: {statistics.median(figures['launch']) / checks:.2f}")
    status_trivial = _p(figures["status_trivial"], 95)
    print(f"status_p95_over_trivial: {_p(figures['status'], 95) / status_trivial:.2f}")


def _print_sensor(uploads: int) -> None:
    to_created, to_started = sensor_figures(uploads)
    print(f"uploads: {uploads}")
    print("sensor_interval_s: 1")
    print(f"upload_to_run_created_s_median: {statistics.median(to_created):.2f}")
    print(f"upload_to_run_start_s_median: {statistics.median(to_started):.2f}")
    print(f"upload_to_run_start_s_max: {max(to_started):.2f}")


if __name__ == "__main__":
    main()
