"""Benchmark: how much of a slow LLM's latency the full graph waits for.

The fake OpenAI-compatible server (``tests/fakes``, a real HTTP server on 127.0.0.1)
answers every call after a fixed delay; the full 14-asset graph runs for one word-count
request through ``run_request`` (the path ``quantumlayer run`` takes), with an LLM config
pointing at the server and the response cache off, so every call reaches it. A warm-up run
and a baseline run (no delay) come first, in the same process.

Prints ``name: value`` lines:

- ``llm_calls``: requests the server received in the timed run.
- ``critical_path_calls``: the longest chain of calls that must follow one another. Each
  stage's weight is its number of sequential call waves, computed from the server's request
  log: calls without a file (e.g. a structured answer and its repairs) follow one another;
  per-file calls of different files are independent and count as one wave, whose length is
  the most calls any one file needed (its attempts and repairs follow one another); calls
  for a module (``path``) and calls for its functions (``path::name``, e.g. a module's
  interface and then each function's examples) are two waves, one after the other. The
  critical path is the heaviest path through the asset graph (the Definitions' own
  dependencies), summing the weights of the stages on it. It counts what *could* overlap,
  not what did, so waiting for calls one at a time shows up in the ratio below.
- ``wall_s``: the timed run, from submission to outcome.
- ``latency_ratio`` = wall_s / (critical_path_calls x delay): 1.0 would mean only
  unavoidable LLM waits; everything else (Dagster, sandboxed tests, scans, packaging,
  calls that could have overlapped) pushes it up.
- ``llm_busy_s``: how long at least one call was waiting on the server (the union of the
  calls' intervals): above ``critical_path_calls x delay`` means calls that could overlap
  did not; ``non_llm_s`` = wall_s - llm_busy_s is everything else.
- ``baseline_wall_s``: the same run with no delay; ``llm_wait_ratio`` = (wall_s -
  baseline_wall_s) / (critical_path_calls x delay) isolates how well LLM waits overlap.
- ``stage_<name>_calls`` / ``stage_<name>_waves`` for every stage that called the LLM, and
  ``step_<name>_s`` for the six slowest steps of the timed run.

    .venv/bin/python bench/llm_latency.py [--delay 1.0]
"""

import argparse
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def stage_waves(requests: list) -> dict[str, int]:  # type: ignore[type-arg]
    """Stage -> sequential call waves (see the module docstring), from the request log."""
    unfiled: Counter[str] = Counter()
    per_file: dict[tuple[str, bool], Counter[str]] = {}
    for r in requests:
        if r.file:
            per_file.setdefault((r.stage, "::" in r.file), Counter())[r.file] += 1
        else:
            unfiled[r.stage] += 1
    stages = set(unfiled) | {stage for stage, _ in per_file}
    return {
        s: unfiled[s]
        + sum(
            max(per_file.get((s, level), Counter()).values(), default=0) for level in (False, True)
        )
        for s in stages
    }


def busy_seconds(requests: list) -> float:  # type: ignore[type-arg]
    """Seconds during which at least one request was waiting for its answer (the union of
    the requests' [received, answered] intervals on the server's clock)."""
    spans = sorted((r.received_at, r.answered_at) for r in requests if r.answered_at)
    total, end = 0.0, float("-inf")
    for start, stop in spans:
        if stop > end:
            total += stop - max(start, end)
            end = stop
    return total


def critical_path(parents: dict[str, set[str]], weights: dict[str, int]) -> tuple[int, list[str]]:
    """The heaviest path through the DAG ``parents`` (node -> its parents): its weight and
    its nodes, first to last."""
    best: dict[str, tuple[int, list[str]]] = {}

    def visit(node: str) -> tuple[int, list[str]]:
        if node not in best:
            before = max((visit(p) for p in parents[node]), default=(0, []))
            best[node] = (before[0] + weights.get(node, 0), [*before[1], node])
        return best[node]

    return max((visit(n) for n in parents), default=(0, []))


def _asset_parents(definitions) -> dict[str, set[str]]:  # type: ignore[no-untyped-def]
    graph = definitions.resolve_asset_graph()
    return {
        key.to_user_string(): {p.to_user_string() for p in graph.get(key).parent_keys}
        for key in graph.get_all_asset_keys()
    }


def _step_seconds(instance, run_id: str) -> dict[str, float]:  # type: ignore[no-untyped-def]
    """Seconds each step of a run took, from its STEP_SUCCESS events."""
    import dagster as dg

    records = instance.all_logs(run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
    return {r.step_key: r.dagster_event.event_specific_data.duration_ms / 1000 for r in records}


def _run_once(delay: float, home: Path) -> tuple[float, list, dict, dict]:  # type: ignore[type-arg]
    """One full run against a fresh fake server answering after ``delay``."""
    from quantumlayer_cli.local_run import local_instance, run_request
    from quantumlayer_dagster.artifacts.request import RequestOptions
    from quantumlayer_dagster.definitions import build_definitions
    from quantumlayer_dagster.settings import Settings
    from tests.fakes.openai_server import FakeOpenAIServer
    from tests.fixtures import wordcount
    from tests.fixtures.fake_llm import llm_config_yaml

    with FakeOpenAIServer(latency_s=delay) as server:
        home.mkdir(parents=True)
        config = home / "llm.yaml"
        # No key (the fake needs none), no cache (every call must reach the server), and a
        # timeout far above the delay so no call is retried.
        config.write_text(
            llm_config_yaml(server.base_url, timeout_s=max(30.0, 10 * delay), key_env=None)
        )
        settings = Settings(home=home, llm_config=config, test_timeout_s=120)
        definitions, instance = build_definitions(settings), local_instance(settings)
        start = time.perf_counter()
        outcome = run_request(
            settings, wordcount.PROMPT, RequestOptions(), definitions=definitions, instance=instance
        )
        wall = time.perf_counter() - start
        steps = _step_seconds(instance, outcome.run_id)
        instance.dispose()
        if not outcome.success:
            raise SystemExit(f"full graph run failed: {outcome.failure}")
        return wall, list(server.requests), _asset_parents(definitions), steps


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--delay", type=float, default=1.0, help="seconds before each answer")
    args = parser.parse_args()
    if args.delay <= 0:
        raise SystemExit("--delay must be positive")
    home = Path(tempfile.mkdtemp(prefix="ql-bench-llm-"))
    _run_once(0.0, home / "warmup")  # imports, first-use caches
    baseline, _, _, _ = _run_once(0.0, home / "baseline")
    wall, requests, parents, steps = _run_once(args.delay, home / "timed")
    waves = stage_waves(requests)
    critical, path = critical_path(parents, waves)
    ideal = critical * args.delay
    print(f"delay_s: {args.delay:g}")
    print(f"llm_calls: {len(requests)}")
    print(f"critical_path_calls: {critical}")
    print(f"critical_path: {' > '.join(s for s in path if waves.get(s))}")
    print(f"wall_s: {wall:.3f}")
    print(f"latency_ratio: {wall / ideal:.2f}")
    busy = busy_seconds(requests)
    print(f"llm_busy_s: {busy:.3f}")
    print(f"non_llm_s: {wall - busy:.3f}")
    print(f"baseline_wall_s: {baseline:.3f}")
    print(f"llm_wait_ratio: {(wall - baseline) / ideal:.2f}")
    calls = Counter(r.stage for r in requests)
    for stage in sorted(calls):
        print(f"stage_{stage}_calls: {calls[stage]}")
        print(f"stage_{stage}_waves: {waves[stage]}")
    # Where the timed run's time went: the slowest steps.
    for step, seconds in sorted(steps.items(), key=lambda kv: -kv[1])[:6]:
        print(f"step_{step}_s: {seconds:.3f}")


if __name__ == "__main__":
    main()
