"""Benchmark: what observability costs. The full graph on a zero-latency scripted LLM, run
after run, alternately with everything off and with tracing on (OTLP over HTTP to a local
receiver process) while ``quantumlayer metrics serve`` follows the same instance; then the
exporter's CPU per 1,000 event-log records, replayed from an empty cursor.

Prints ``name: value`` lines: the median wall time of each (after one warm-up run of each),
``observability_ratio`` = on / off (aim: at most 1.05), spans exported per run, the live
exporter's CPU seconds per run (polling every 5 s, as deployed), the CPU of a poll that
finds nothing, and ``exporter_cpu_ms_per_1000_events`` (the replay's CPU beyond that).

    .venv/bin/python bench/observability.py [--runs 3]
"""

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

RECEIVER = """
import sys, time
from tests.fakes.otlp_receiver import OtlpReceiver
with OtlpReceiver() as receiver:
    print(receiver.endpoint, flush=True)
    while True:
        line = sys.stdin.readline()
        if not line:
            break
        print(len(receiver.spans), flush=True)
"""


def _cpu_s(pid: int) -> float:
    """User + system CPU seconds of a running process (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _wait_http(url: str, timeout_s: float = 120) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.3)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each, after a warm-up")
    args = parser.parse_args()
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

    from quantumlayer_cli.local_run import local_instance, run_request
    from quantumlayer_cli.metrics_follower import Follower
    from quantumlayer_dagster.artifacts.request import RequestOptions
    from quantumlayer_dagster.definitions import build_definitions
    from quantumlayer_dagster.llm.scripted_provider import register_scripted_provider
    from quantumlayer_dagster.observability import tracing
    from quantumlayer_dagster.observability.prometheus_exposition import ExporterMetrics
    from quantumlayer_dagster.observability.tracing_config import TracingConfig
    from quantumlayer_dagster.settings import Settings
    from tests.conftest import SCRIPTED_CONFIG
    from tests.fixtures import wordcount
    from tests.fixtures.network import free_port

    home = Path(tempfile.mkdtemp(prefix="ql-bench-obs-"))
    (home / "llm.yaml").write_text(SCRIPTED_CONFIG)
    settings = Settings(home=home, llm_config=home / "llm.yaml", test_timeout_s=120)
    definitions, instance = build_definitions(settings), local_instance(settings)
    receiver = subprocess.Popen(
        [sys.executable, "-c", RECEIVER],
        cwd=ROOT,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert receiver.stdout is not None and receiver.stdin is not None
    os.environ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = receiver.stdout.readline().strip()

    def spans_received() -> int:
        assert receiver.stdout is not None and receiver.stdin is not None
        receiver.stdin.write("\n")
        receiver.stdin.flush()
        return int(receiver.stdout.readline())

    def one_run() -> float:
        register_scripted_provider(wordcount.STAGE_REPLIES, files=wordcount.FILE_REPLIES)
        start = time.perf_counter()
        outcome = run_request(
            settings, wordcount.PROMPT, RequestOptions(), definitions=definitions, instance=instance
        )
        if not outcome.success:
            raise SystemExit(f"run failed: {outcome.failure}")
        return time.perf_counter() - start

    off: list[float] = []
    on: list[float] = []
    exporter_cpu: list[float] = []
    spans: list[int] = []
    exporter_env = {**os.environ, "DAGSTER_HOME": str(settings.dagster_home), "QL_HOME": str(home)}
    for _ in range(args.runs + 1):
        tracing.configure(TracingConfig())
        off.append(one_run())
        port = free_port()
        command = [str(Path(sys.executable).parent / "quantumlayer"), "metrics", "serve"]
        exporter = subprocess.Popen(
            [*command, "--port", str(port)],  # polling every 5 s, as deployed
            env=exporter_env,
            stdout=subprocess.DEVNULL,
        )
        try:
            _wait_http(f"http://127.0.0.1:{port}/metrics")
            tracing.configure(TracingConfig(exporter="otlp"))
            before_cpu, before_spans = _cpu_s(exporter.pid), spans_received()
            on.append(one_run())
            time.sleep(7.5)  # the exporter's next poll: the run's last records
            exporter_cpu.append(_cpu_s(exporter.pid) - before_cpu)
            spans.append(spans_received() - before_spans)
        finally:
            exporter.terminate()
            exporter.wait(timeout=30)
    tracing.configure(TracingConfig())
    receiver.stdin.close()
    receiver.wait(timeout=30)

    replay = Follower(instance, ExporterMetrics(), settle_s=0.0)
    start_cpu = time.process_time()
    events = replay.poll()
    replay_cpu = time.process_time() - start_cpu
    start_cpu = time.process_time()
    replay.poll()  # nothing new: what every poll costs whatever it finds
    idle_cpu = time.process_time() - start_cpu
    off_s, on_s = statistics.median(off[1:]), statistics.median(on[1:])
    print(f"runs: {args.runs}")
    print(f"graph_wall_off_s: {off_s:.3f}")
    print(f"graph_wall_on_s: {on_s:.3f}")
    print(f"observability_ratio: {on_s / off_s:.3f}")
    print(f"spans_per_run: {statistics.median(spans[1:]):.0f}")
    print(f"live_exporter_cpu_s_per_run: {statistics.median(exporter_cpu[1:]):.3f}")
    print(f"replayed_events: {events}")
    print(f"exporter_idle_poll_cpu_ms: {idle_cpu * 1000:.1f}")
    per_event = max(replay_cpu - idle_cpu, 0.0) / max(events, 1)
    print(f"exporter_cpu_ms_per_1000_events: {per_event * 1000 * 1000:.1f}")
    instance.dispose()


if __name__ == "__main__":
    main()
