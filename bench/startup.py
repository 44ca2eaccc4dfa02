"""Benchmark: the fixed cost of starting a run, ours against Dagster's own.

1. Import cost, in fresh interpreters taking turns (``--imports`` each, median):
   ``import dagster`` and ``import quantumlayer_dagster.definitions``, and their ratio
   (the aim is at most 1.5).
2. Run start, through a real ``dagster-webserver`` on a SQLite instance whose runs launch at
   once (Dagster's default run launcher: one run-worker process per run, which imports its
   code location; the in-process executor, ``QL_EXECUTOR``'s default, runs the steps in
   it). Two code locations in the same webserver: ours
   (``quantumlayer_dagster.definitions``, as shipped) and a trivial graph of the same shape
   (``bench/trivial_location.py``). For ``--runs`` runs of each, read from the run's events:
   ``launch_to_run_start_s`` (RUN_STARTING to RUN_START: the run worker starting and loading
   the code) and ``run_start_to_first_step_s`` (RUN_START to the first STEP_START: the
   executor starting the first step). Our runs have no LLM behind them and fail at
   the first LLM-bound step, after the figures are taken.

Prints ``name: value`` lines.

    .venv/bin/python bench/startup.py [--imports 5] [--runs 3]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

from tests.fixtures.dagster_servers import make_home, running_webserver  # noqa: E402

WORKSPACE = f"""\
load_from:
  - python_module:
      module_name: quantumlayer_dagster.definitions
      attribute: defs
      working_directory: {ROOT}
      location_name: quantumlayer
  - python_module:
      module_name: bench.trivial_location
      attribute: defs
      working_directory: {ROOT}
      location_name: trivial
"""

_IMPORT = "import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"


def import_seconds(module: str, env: dict[str, str]) -> float:
    """Seconds a fresh interpreter spends importing ``module`` (interpreter start excluded)."""
    out = subprocess.run(
        [sys.executable, "-c", _IMPORT.format(module=module)],
        cwd=tempfile.gettempdir(),
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


def import_figures(times: int) -> dict[str, float]:
    home = Path(tempfile.mkdtemp(prefix="ql-bench-startup-"))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "QL_HOME": str(home)}
    dagster, ours = [], []
    for _ in range(times):  # taking turns, so load on the machine hits both alike
        dagster.append(import_seconds("dagster", env))
        ours.append(import_seconds("quantumlayer_dagster.definitions", env))
    return {"dagster": statistics.median(dagster), "definitions": statistics.median(ours)}


def run_start_figures(runs: int) -> dict[str, dict[str, list[float]]]:
    import dagster as dg

    from quantumlayer_cli.graphql_client import QuantumLayerGraphQL
    from quantumlayer_dagster.artifacts.request import new_request_id

    home = make_home(Path(tempfile.mkdtemp(prefix="ql-bench-startup-")))
    home.workspace.write_text(WORKSPACE)
    # The shipped location reads its settings from the environment: no LLM is reachable.
    home.env.pop("QL_LLM_CONFIG", None)
    instance = dg.DagsterInstance.from_config(str(home.dagster_home))
    figures: dict[str, dict[str, list[float]]] = {}
    with running_webserver(home) as server:
        for location in ("trivial", "quantumlayer"):
            client = QuantumLayerGraphQL(server.url, timeout_s=600)
            client._location = (location, "__repository__")  # two locations define the job
            for _ in range(runs):
                rid = new_request_id()
                client.add_partition(rid)
                run_id = client.launch(rid)
                launch, start, step = _wait_for_first_step(instance, run_id, time.time() + 600)
                got = figures.setdefault(location, {"launch": [], "first_step": []})
                got["launch"].append(start - launch)
                got["first_step"].append(step - start)
                _wait_for_end(instance, run_id, time.time() + 600)
    instance.dispose()
    return figures


def _event_time(instance, run_id: str, kind) -> float | None:  # type: ignore[no-untyped-def]
    records = instance.get_records_for_run(run_id, of_type=kind, limit=1).records
    return records[0].event_log_entry.timestamp if records else None


def _wait_for_first_step(instance, run_id: str, deadline: float) -> tuple[float, float, float]:  # type: ignore[no-untyped-def]
    import dagster as dg

    kinds = (
        dg.DagsterEventType.RUN_STARTING,
        dg.DagsterEventType.RUN_START,
        dg.DagsterEventType.STEP_START,
    )
    while time.time() < deadline:
        times = [_event_time(instance, run_id, kind) for kind in kinds]
        if all(t is not None for t in times):
            return times[0], times[1], times[2]  # type: ignore[return-value]
        run = instance.get_run_by_id(run_id)
        if run is not None and run.is_finished and times[2] is None:
            raise SystemExit(f"run {run_id} ended before its first step; see the webserver log")
        time.sleep(0.1)
    raise SystemExit(f"run {run_id} did not reach its first step in time")


def _wait_for_end(instance, run_id: str, deadline: float) -> None:  # type: ignore[no-untyped-def]
    while time.time() < deadline:
        run = instance.get_run_by_id(run_id)
        if run is not None and run.is_finished:
            return
        time.sleep(0.5)
    raise SystemExit(f"run {run_id} did not finish in time")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--imports", type=int, default=5, help="fresh interpreters per module")
    parser.add_argument("--runs", type=int, default=3, help="runs per code location")
    args = parser.parse_args()
    imports = import_figures(args.imports)
    print(f"dagster_import_s: {imports['dagster']:.3f}")
    print(f"definitions_import_s: {imports['definitions']:.3f}")
    print(f"import_ratio: {imports['definitions'] / imports['dagster']:.2f}")
    if args.runs <= 0:
        return
    figures = run_start_figures(args.runs)
    for location, name in (("quantumlayer", "ours"), ("trivial", "trivial")):
        got = figures[location]
        print(f"{name}_launch_to_run_start_s: {statistics.median(got['launch']):.3f}")
        print(f"{name}_run_start_to_first_step_s: {statistics.median(got['first_step']):.3f}")


if __name__ == "__main__":
    main()
