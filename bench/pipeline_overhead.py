"""Benchmark: the full 14-asset graph on a zero-latency scripted LLM, against a trivial
Dagster graph of the same shape, each in its own process on its own SQLite instance.

Prints ``name: value`` lines: wall times (median of the timed runs, after one warm-up run),
peak RSS of each process, ``overhead_ratio`` = full / trivial, and the five slowest steps
of the full graph's last run.

    .venv/bin/python bench/pipeline_overhead.py [--runs 3]
"""

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _full_graph(runs: int) -> tuple[list[float], dict[str, float]]:
    from quantumlayer_cli.local_run import local_instance, run_request
    from quantumlayer_dagster.artifacts.request import RequestOptions
    from quantumlayer_dagster.definitions import build_definitions
    from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
    from quantumlayer_dagster.settings import Settings
    from tests.conftest import SCRIPTED_CONFIG
    from tests.fixtures import wordcount

    home = Path(tempfile.mkdtemp(prefix="ql-bench-"))
    (home / "llm.yaml").write_text(SCRIPTED_CONFIG)
    settings = Settings(home=home, llm_config=home / "llm.yaml", test_timeout_s=120)
    definitions, instance = build_definitions(settings), local_instance(settings)
    walls = []
    for _ in range(runs + 1):
        register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
        start = time.perf_counter()
        outcome = run_request(
            settings, wordcount.PROMPT, RequestOptions(), definitions=definitions, instance=instance
        )
        walls.append(time.perf_counter() - start)
        if not outcome.success:
            raise SystemExit(f"full graph run failed: {outcome.failure}")
    return walls[1:], _step_seconds(instance, outcome.run_id)


def _step_seconds(instance, run_id: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Seconds each step of the last run took, from its STEP_SUCCESS events."""
    import dagster as dg

    records = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
    return {r.step_key: r.dagster_event.event_specific_data.duration_ms / 1000 for r in records}


def _trivial_graph(runs: int) -> tuple[list[float], dict[str, float]]:
    import dagster as dg

    from tests.integration.test_graph import DESIGN_GRAPH

    partitions = dg.DynamicPartitionsDefinition(name="requests")

    def make(name: str, parents: set[str]) -> dg.AssetsDefinition:
        @dg.asset(name=name, deps=sorted(parents), partitions_def=partitions)
        def _asset() -> None:
            return None

        return _asset

    assets = [make(name, parents) for name, parents in DESIGN_GRAPH.items()]
    job = dg.define_asset_job("trivial", partitions_def=partitions)
    defs = dg.Definitions(assets=assets, jobs=[job])
    home = tempfile.mkdtemp(prefix="ql-bench-trivial-")
    instance = dg.DagsterInstance.from_config(home)
    resolved = defs.resolve_job_def("trivial")
    walls = []
    for i in range(runs + 1):
        key = f"r{i}"
        instance.add_dynamic_partitions("requests", [key])
        start = time.perf_counter()
        result = resolved.execute_in_process(instance=instance, partition_key=key)
        walls.append(time.perf_counter() - start)
        assert result.success
    return walls[1:], {}


def _child(kind: str, runs: int) -> None:
    sys.path.insert(0, str(ROOT))
    walls, steps = _full_graph(runs) if kind == "full" else _trivial_graph(runs)
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"walls": walls, "peak_rss_mb": peak_kb / 1024, "steps": steps}))


def _measure(kind: str, runs: int) -> dict:
    env = {
        **os.environ,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        "DAGSTER_DISABLE_TELEMETRY": "1",
    }
    out = subprocess.run(
        [sys.executable, __file__, "--child", kind, "--runs", str(runs)],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )
    if out.returncode != 0:
        raise SystemExit(f"{kind} benchmark failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--child", choices=["full", "trivial"])
    args = parser.parse_args()
    if args.child:
        _child(args.child, args.runs)
        return
    trivial = _measure("trivial", args.runs)
    full = _measure("full", args.runs)
    full_s, trivial_s = statistics.median(full["walls"]), statistics.median(trivial["walls"])
    print(f"runs: {args.runs}")
    print(f"full_graph_wall_s: {full_s:.3f}")
    print(f"trivial_graph_wall_s: {trivial_s:.3f}")
    print(f"full_graph_peak_rss_mb: {full['peak_rss_mb']:.1f}")
    print(f"trivial_graph_peak_rss_mb: {trivial['peak_rss_mb']:.1f}")
    print(f"overhead_ratio: {full_s / trivial_s:.2f}")
    # Where the full graph's time goes (last run): the stages doing real work stand out.
    for step, seconds in sorted(full["steps"].items(), key=lambda kv: -kv[1])[:5]:
        print(f"full_step_{step}_s: {seconds:.3f}")


if __name__ == "__main__":
    main()
