"""Benchmark: per-step CPU and memory of one local run, and the pod plan they imply.

Runs the whole graph once in-process (scripted zero-latency LLM, word-count prompt) in a
fresh child process while a sampler thread reads the process's CPU time (own and waited-for
children) and resident memory, and the resident memory of its live descendants (bandit,
pip-audit, the sandboxed pytest), every 20 ms. Each step's window
comes from its STEP_START and STEP_SUCCESS events; in-process steps run one after another,
so the windows do not overlap. A fresh step pod holds what the process holds once the
Definitions are loaded (``baseline_rss_mb``) plus what the step itself adds (its peak RSS
minus the RSS at its start); a step of the vector memory also loads the embedding model,
which in one process only the first such step pays for, so every memory step is charged
the largest growth seen among them.

A step's children (bandit, pip-audit) add their peak RSS; the sandboxed test run's peak is
the sandbox Job pod's, printed apart. From
those figures it prints the pod requests it recommends (CPU: the step's average use, at
least 100m, and 100m for LLM-bound steps, which wait on the provider; memory: the pod's RSS
x 1.25 rounded up to 64 Mi), the requests configured in
``assets/step_pods.py`` beside them, and how many runs a cluster sustains at once when every
run holds the requests of its widest layer of parallel steps plus its run pod (and, in the
test step's layer, a sandbox Job pod): a conservative count, since real steps of one run
are rarely all alive together. LLM latency is zero here, so wall times are not a cluster's.

    .venv/bin/python bench/k8s_plan.py [--nodes 3 --node-cpu 4 --node-memory-gi 16]
"""

import argparse
import json
import math
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ALLOCATABLE = 0.9  # of a node's CPU and memory left to pods after the kubelet and system


def _rss_mb() -> float:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def _cpu_s() -> float:
    t = os.times()
    return t.user + t.system + t.children_user + t.children_system


_PAGE_MB = os.sysconf("SC_PAGE_SIZE") / (1024 * 1024)


def _descendants_rss_mb(root: int) -> float:
    """Resident memory of every live descendant of ``root`` (bandit, pip-audit, the sandboxed
    test run with its wrappers), read from /proc."""
    parent: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:
            continue
        parent[int(entry)] = int(fields[1])
    total = 0.0
    for pid in parent:
        ancestor = parent.get(pid)
        while ancestor and ancestor != root:
            ancestor = parent.get(ancestor)
        if ancestor == root:
            try:
                with open(f"/proc/{pid}/statm") as statm:
                    total += int(statm.read().split()[1]) * _PAGE_MB
            except OSError:
                continue
    return total


class Sampler(threading.Thread):
    def __init__(self) -> None:
        super().__init__(daemon=True)
        self.samples: list[tuple[float, float, float, float]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            me = os.getpid()
            self.samples.append((time.time(), _cpu_s(), _rss_mb(), _descendants_rss_mb(me)))
            time.sleep(0.02)


def _child() -> None:
    sys.path.insert(0, str(ROOT))
    import dagster as dg

    from quantumlayer_cli.local_run import local_instance, run_request
    from quantumlayer_dagster.artifacts.request import RequestOptions
    from quantumlayer_dagster.definitions import build_definitions
    from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
    from quantumlayer_dagster.settings import Settings
    from tests.conftest import SCRIPTED_CONFIG
    from tests.fixtures import wordcount

    home = Path(tempfile.mkdtemp(prefix="ql-bench-k8s-"))
    (home / "llm.yaml").write_text(SCRIPTED_CONFIG)
    settings = Settings(home=home, llm_config=home / "llm.yaml", test_timeout_s=120)
    definitions, instance = build_definitions(settings), local_instance(settings)
    register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
    baseline_rss = _rss_mb()
    sampler = Sampler()
    sampler.start()
    outcome = run_request(
        settings, wordcount.PROMPT, RequestOptions(), definitions=definitions, instance=instance
    )
    sampler.stop.set()
    sampler.join()
    if not outcome.success:
        raise SystemExit(f"run failed: {outcome.failure}")
    starts = {
        r.step_key: r.timestamp
        for r in instance.all_logs(outcome.run_id, of_type=dg.DagsterEventType.STEP_START)
    }
    ends = {
        r.step_key: r.timestamp
        for r in instance.all_logs(outcome.run_id, of_type=dg.DagsterEventType.STEP_SUCCESS)
    }
    steps = {}
    for key, start in starts.items():
        end = ends.get(key, start)
        window = [s for s in sampler.samples if start <= s[0] <= end] or [
            min(sampler.samples, key=lambda s: abs(s[0] - start))
        ]
        before = max((s for s in sampler.samples if s[0] <= start), default=window[0])
        after = min((s for s in sampler.samples if s[0] >= end), default=window[-1])
        steps[key] = {
            "wall_s": end - start,
            "cpu_s": max(0.0, after[1] - before[1]),
            "peak_rss_mb": max(s[2] for s in window),
            "start_rss_mb": before[2],
            "child_peak_mb": max(s[3] for s in window),
        }
    print(json.dumps({"baseline_rss_mb": baseline_rss, "steps": steps}))


def _round_up(value: float, step: int) -> int:
    return int(math.ceil(value / step) * step)


def recommend(cpu_s: float, wall_s: float, peak_mb: float) -> tuple[int, int]:
    """(CPU millicores, memory MiB) to request for a step with these measurements."""
    cores = cpu_s / wall_s if wall_s > 0 else 0.0
    return max(100, _round_up(cores * 1000, 50)), _round_up(peak_mb * 1.25, 64)


def _parse_quantity(value: str) -> float:
    """CPU in millicores or memory in MiB from a Kubernetes quantity like 250m, 1, 512Mi, 2Gi."""
    if value.endswith("m"):
        return float(value[:-1])
    if value.endswith("Mi"):
        return float(value[:-2])
    if value.endswith("Gi"):
        return float(value[:-2]) * 1024
    return float(value) * 1000


def _layers(graph: dict[str, set[str]]) -> list[list[str]]:
    """Steps grouped by longest distance from the root: the ones that may run together."""
    depth: dict[str, int] = {}

    def level(name: str) -> int:
        if name not in depth:
            depth[name] = 1 + max((level(p) for p in graph[name]), default=-1)
        return depth[name]

    layers: dict[int, list[str]] = {}
    for name in graph:
        layers.setdefault(level(name), []).append(name)
    return [sorted(layers[k]) for k in sorted(layers)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--child", action="store_true")
    parser.add_argument("--nodes", type=int, default=3)
    parser.add_argument("--node-cpu", type=float, default=4.0)
    parser.add_argument("--node-memory-gi", type=float, default=16.0)
    args = parser.parse_args()
    if args.child:
        _child()
        return
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True", "DAGSTER_DISABLE_TELEMETRY": "1"}
    out = subprocess.run(
        [sys.executable, __file__, "--child"], capture_output=True, text=True, env=env, check=False
    )
    if out.returncode != 0:
        raise SystemExit(f"the measured run failed:\n{out.stderr[-3000:]}")
    measured = json.loads(out.stdout.strip().splitlines()[-1])
    sys.path.insert(0, str(ROOT))
    from assets.step_pods import LLM_STEPS, MEMORY_STEPS, RUN_POD, SANDBOX_POD, STEP_PODS
    from tests.integration.test_graph import DESIGN_GRAPH

    baseline = measured["baseline_rss_mb"]
    growth = {
        k: max(0.0, m["peak_rss_mb"] - m["start_rss_mb"]) for k, m in measured["steps"].items()
    }
    model_mb = max(growth.get(s, 0.0) for s in MEMORY_STEPS)
    print(f"baseline_rss_mb: {baseline:.0f}")
    print(f"memory_model_mb: {model_mb:.0f}")
    for step, m in sorted(measured["steps"].items()):
        own = max(growth[step], model_mb) if step in MEMORY_STEPS else growth[step]
        # In the cluster the test run's processes are the sandbox Job's pod, not the step's.
        children = 0.0 if step == "test_suite" else m["child_peak_mb"]
        pod_mb = baseline + own + children
        cpu_m, mem_mi = recommend(m["cpu_s"], m["wall_s"], pod_mb)
        if step in LLM_STEPS:  # the provider's latency (zero here) dominates its wall time
            cpu_m = 100
        print(f"step.{step}.wall_s: {m['wall_s']:.3f}")
        print(f"step.{step}.cpu_s: {m['cpu_s']:.3f}")
        print(f"step.{step}.rss_growth_mb: {growth[step]:.0f}")
        print(f"step.{step}.child_peak_rss_mb: {m['child_peak_mb']:.0f}")
        print(f"step.{step}.pod_rss_mb: {pod_mb:.0f}")
        print(f"step.{step}.recommended_cpu_m: {cpu_m}")
        print(f"step.{step}.recommended_memory_mi: {mem_mi}")
        configured = STEP_PODS[step]
        print(f"step.{step}.configured_cpu: {configured.cpu}")
        print(f"step.{step}.configured_memory: {configured.memory}")
    sandbox_mb = measured["steps"]["test_suite"]["child_peak_mb"]
    print(f"sandbox.peak_rss_mb: {sandbox_mb:.0f}")
    print(f"sandbox.recommended_memory_mi: {recommend(0, 1, sandbox_mb)[1]}")
    print(f"sandbox.configured_memory: {SANDBOX_POD.memory}")
    worst_cpu = worst_mem = 0.0
    for layer in _layers(DESIGN_GRAPH):
        pods = [STEP_PODS[s] for s in layer] + ([SANDBOX_POD] if "test_suite" in layer else [])
        worst_cpu = max(worst_cpu, sum(_parse_quantity(p.cpu) for p in pods))
        worst_mem = max(worst_mem, sum(_parse_quantity(p.memory) for p in pods))
    run_cpu = worst_cpu + _parse_quantity(RUN_POD.cpu)
    run_mem = worst_mem + _parse_quantity(RUN_POD.memory)
    cluster_cpu = args.nodes * args.node_cpu * 1000 * ALLOCATABLE
    cluster_mem = args.nodes * args.node_memory_gi * 1024 * ALLOCATABLE
    print(f"cluster.nodes: {args.nodes}")
    print(f"cluster.node_cpu: {args.node_cpu:g}")
    print(f"cluster.node_memory_gi: {args.node_memory_gi:g}")
    print(f"per_run.peak_requested_cpu_m: {run_cpu:.0f}")
    print(f"per_run.peak_requested_memory_mi: {run_mem:.0f}")
    by_cpu, by_mem = int(cluster_cpu // run_cpu), int(cluster_mem // run_mem)
    print(f"cluster.concurrent_runs_by_cpu: {by_cpu}")
    print(f"cluster.concurrent_runs_by_memory: {by_mem}")
    print(f"cluster.concurrent_runs: {min(by_cpu, by_mem)}")


if __name__ == "__main__":
    main()
