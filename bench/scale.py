"""Benchmark: a burst of requests on one machine, against the real platform.

``dagster-webserver`` and ``dagster-daemon`` on the shipped Postgres ``dagster.yaml`` (a fresh
database), the shipped code location (``quantumlayer_dagster.definitions``: the executor
``QL_EXECUTOR`` names, in-process by default; real sandbox, scanners and capsule), and the
fake OpenAI-compatible server (``tests/fakes/openai_server.py``, a test double for the
hosted provider) answering every call after ``--latency-s`` with at most
``--max-in-flight`` calls answered at once.

1. ``--requests`` prompts uploaded at once under ``incoming/`` (the upload path: the
   ``prompt_uploads`` sensor takes them), split over ``--tenants`` tenants: one tenant's
   runs are held to half of ``max_concurrent_runs`` by the run queue's fair share.
2. ``--launch-requests`` requests through ``quantumlayer launch`` (GraphQL) from
   ``--clients`` concurrent clients.

For each phase, ``name: value`` lines (prefixed ``upload_`` / ``launch_``): ``submitted``,
``runs``, ``capsules``, ``failed`` (ended with a named failure), ``lost`` (no run, or a run
that never ended), ``duplicated`` (an upload with more than one request), ``wall_s`` (first
submission to last end), ``platform_cpu_s`` (CPU seconds of the servers and every process
they start: a cgroup ``cpuacct`` group where the machine has one, else sampled from
``/proc``, a lower bound), ``postgres_cpu_s`` (the local Postgres server's CPU seconds over
the phase: the instance's storage works for the requests; it serves the benchmark's own
status poll too, one query every 2 s), ``cpu_s`` (their sum), ``cpu_bound_wall_s``
(``cpu_s`` over the cores), ``llm_bound_wall_s`` (LLM calls x latency / max in flight),
``bound_ratio`` = wall_s / max(cpu_bound_wall_s, llm_bound_wall_s), ``latency_p50_s`` /
``latency_p95_s`` (submission to end), ``requests_per_min``, ``peak_rss_mb`` (all
platform processes together), ``start_order_inversions`` (pairs of requests started in the
opposite order of their submission; from concurrent launch clients, the moment a client
starts its call is not its place in the queue), ``queue_order_inversions`` (the same
against the order the runs entered the queue). The named failures are printed as ``failure: ...``.
Where each request's CPU went and what it wrote to the instance (``*_per_request`` lines:
start-up, Dagster in the run, the servers, our stages, Postgres; events, bytes, rows,
connections, transactions) come from ``bench/cpu_split.py``.

3. ``--trivial-requests`` runs of the trivial graph of the same shape
   (``bench/trivial_location.py``'s ``defs_beside_ours``, a second code location of the same
   servers, on our executor), launched through GraphQL: the same lines prefixed ``trivial_``,
   the baseline; a run that succeeded counts as a capsule.

``--kill``: ``kill -9`` of ``dagster-daemon`` once a quarter of the uploads' runs have ended,
a new daemon at once, and ``kill -9`` of the new daemon's code server once half have ended
(the suite's ``tests/e2e/test_restart_daemon.py`` does the same at a smaller size).
``--steps``: each step's median wall time and the median gap from a run's creation to its
first step.

Vector memory is off (``QL_MEMORY=off``), as in the other server benchmarks.

    .venv/bin/python bench/scale.py [--requests 100] [--launch-requests 20] [--clients 10]
                                    [--trivial-requests 20] [--kill] [--steps]
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("DAGSTER_DISABLE_TELEMETRY", "1")

import dagster as dg  # noqa: E402

from bench.cpu_split import PlatformProcesses, PostgresCounters, run_split  # noqa: E402
from quantumlayer_dagster.settings import Settings  # noqa: E402
from tests.fakes.openai_server import FakeOpenAIServer  # noqa: E402
from tests.fixtures import wordcount  # noqa: E402
from tests.fixtures.burst import (  # noqa: E402
    PARTITION_TAG,
    UPLOAD_TAG,
    CpuAccount,
    Outcome,
    ProcessSampler,
    postgres_cpu_s,
    upload_burst,
    wait_until_all_ended,
)
from tests.fixtures.dagster_servers import (  # noqa: E402
    code_servers_of,
    make_home,
    running_webserver,
    shipped_postgres_instance_yaml,
    start_daemon,
    stop_session,
)
from tests.fixtures.fake_llm import KEY_ENV, SECRET_KEY, llm_config_yaml  # noqa: E402
from tests.fixtures.postgres import fresh_postgres_database  # noqa: E402

CLI = str(Path(sys.executable).parent / "quantumlayer")
WORKSPACE = """\
load_from:
  - python_module:
      module_name: quantumlayer_dagster.definitions
      attribute: defs
      working_directory: {root}
      location_name: quantumlayer
  - python_module:
      module_name: bench.trivial_location
      attribute: defs_beside_ours
      working_directory: {root}
      location_name: trivial
"""
SPLIT = ("startup", "dagster_run", "dagster_servers", "stages", "postgres")


def _pct(values: list[float], pct: int) -> float:
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[pct - 1]


def _inversions(found: list[Outcome], order: str = "submitted") -> int:
    """Pairs of requests whose runs started in the opposite order of their submission
    (``order="submitted"``) or of their runs' entry into the queue (``"queued"``)."""
    known = [o for o in found if o.started_at is not None]
    if order == "queued":
        known = sorted((o for o in known if o.queued_at), key=lambda o: o.queued_at or 0.0)
    starts = [o.started_at or 0.0 for o in known]
    return sum(
        1 for i in range(len(starts)) for j in range(i + 1, len(starts)) if starts[j] < starts[i]
    )


def report(prefix: str, found: list[Outcome], figures: dict[str, float]) -> None:
    ended = [o for o in found if o.ended]
    per_request = {
        f"{name}_cpu_per_request_s": f"{figures[name] / max(len(found), 1):.2f}"
        for name in (*SPLIT, "postgres_backends", "platform_postgres")
    }
    writes = {
        f"{name}_per_request": f"{figures[name] / max(len(found), 1):.1f}"
        for name in ("events", "event_bytes", "db_rows", "db_connections", "db_transactions")
    }
    wall = (
        max((o.ended_at or 0) for o in ended) - min(o.uploaded_at for o in found) if ended else 0.0
    )
    latencies = [(o.ended_at or 0) - o.uploaded_at for o in ended]
    cpu_bound = figures["cpu_s"] / (os.cpu_count() or 1)
    llm_bound = figures["llm_calls"] * figures["latency_s"] / figures["max_in_flight"]
    lines = {
        "submitted": len(found),
        "runs": sum(len(o.runs) for o in found),
        "capsules": sum(1 for o in found if o.capsule),
        "failed": sum(1 for o in found if o.ended and not o.capsule),
        "lost": sum(1 for o in found if not o.runs or not o.ended),
        "duplicated": sum(1 for o in found if o.requests > 1),
        "wall_s": f"{wall:.1f}",
        "platform_cpu_s": f"{figures['platform_cpu_s']:.1f}",
        "postgres_cpu_s": f"{figures['postgres_cpu_s']:.1f}",
        "cpu_s": f"{figures['cpu_s']:.1f}",
        "cpu_bound_wall_s": f"{cpu_bound:.1f}",
        "llm_calls": int(figures["llm_calls"]),
        "llm_bound_wall_s": f"{llm_bound:.1f}",
        "bound_ratio": f"{wall / max(cpu_bound, llm_bound, 1e-9):.2f}",
        "latency_p50_s": f"{_pct(latencies, 50):.1f}" if latencies else "n/a",
        "latency_p95_s": f"{_pct(latencies, 95):.1f}" if latencies else "n/a",
        "requests_per_min": f"{len(ended) / (wall / 60):.2f}" if wall else "n/a",
        "peak_rss_mb": f"{figures['peak_rss_mb']:.0f}",
        "start_order_inversions": _inversions(found),
        "queue_order_inversions": _inversions(found, "queued"),
        **per_request,
        **writes,
    }
    for name, value in lines.items():
        print(f"{prefix}_{name}: {value}", flush=True)
    for failure, count in Counter(o.failure for o in found if o.failure).most_common():
        print(f"{prefix}_failure: {count} x {failure}", flush=True)


def _launch_all(url: str, env: dict[str, str], prompt: Path, count: int, clients: int):  # type: ignore[no-untyped-def]
    """``count`` ``quantumlayer launch`` commands from ``clients`` threads; (request id,
    submitted at) each."""
    launched: list[tuple[str, float]] = []
    errors: list[str] = []
    lock = threading.Lock()
    todo = list(range(count))

    def client() -> None:
        while True:
            with lock:
                if not todo:
                    return
                todo.pop()
            submitted = time.time()
            out = subprocess.run(
                [CLI, "launch", str(prompt), "--url", url], env=env, capture_output=True, text=True
            )
            with lock:
                ids = [x.split()[-1] for x in out.stdout.splitlines() if x.startswith("request:")]
                if out.returncode == 0 and ids:
                    launched.append((ids[0], submitted))
                else:
                    errors.append(out.stderr.strip()[-300:])

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for error in errors:
        print(f"launch_error: {error}", flush=True)
    return sorted(launched, key=lambda x: x[1])


FINISHED = [dg.DagsterRunStatus.SUCCESS, dg.DagsterRunStatus.FAILURE, dg.DagsterRunStatus.CANCELED]


def _kill_mid_burst(instance, first, new_daemon, count: int) -> None:  # type: ignore[no-untyped-def]
    """``kill -9`` of the daemon once a quarter of the burst's runs have ended, a new daemon
    at once, and ``kill -9`` of that daemon's code server once half have ended."""
    started = time.monotonic()

    def ended() -> int:
        return instance.get_runs_count(dg.RunsFilter(statuses=FINISHED))

    def wait_for(n: int) -> None:
        while ended() < n:
            time.sleep(1)

    wait_for(count // 4)
    os.kill(first.pid, signal.SIGKILL)
    first.wait(timeout=30)
    second = new_daemon(2)
    print(f"kill: daemon at {time.monotonic() - started:.0f}s, a new one started", flush=True)
    wait_for(count // 2)
    servers = code_servers_of(second.pid)
    for pid in servers:
        os.kill(pid, signal.SIGKILL)
    print(
        f"kill: {len(servers)} code server(s) of the new daemon at "
        f"{time.monotonic() - started:.0f}s",
        flush=True,
    )


def _step_times(instance, found: list[Outcome]) -> None:  # type: ignore[no-untyped-def]
    """Where a request's time goes: per step, the median wall time across the runs
    (``step_<key>_p50_s``), and the median gap from the run's creation to its first step
    (``queued_to_first_step_p50_s``: queue, launch, run worker start)."""
    per_step: dict[str, list[float]] = {}
    gaps: list[float] = []
    for outcome in found:
        for run in outcome.runs:
            stats = instance.get_run_step_stats(run.run_id)
            starts = [s.start_time for s in stats if s.start_time]
            record = instance.get_run_record_by_id(run.run_id)
            if starts and record is not None:
                gaps.append(min(starts) - record.create_timestamp.timestamp())
            for step in stats:
                if step.start_time and step.end_time:
                    per_step.setdefault(step.step_key, []).append(step.end_time - step.start_time)
    if gaps:
        print(f"queued_to_first_step_p50_s: {statistics.median(gaps):.1f}")
    for key, times in sorted(per_step.items(), key=lambda kv: -statistics.median(kv[1])):
        print(f"step_{key}_p50_s: {statistics.median(times):.1f}")


def _cpu_s(account: CpuAccount | None, sampler: ProcessSampler) -> float:
    """CPU seconds so far: the cgroup's exact count, or the sampler's lower bound."""
    return account.cpu_s if account else sampler.cpu_s


def _launch_trivial(url: str, count: int) -> list[tuple[str, float]]:
    """``count`` partitions of the trivial graph added and launched through GraphQL, one
    after another; (request id, launched at) each."""
    from quantumlayer_cli.graphql_client import QuantumLayerGraphQL
    from quantumlayer_dagster.artifacts.request import new_request_id

    client = QuantumLayerGraphQL(url, timeout_s=600)
    client._location = ("trivial", "__repository__")  # two locations define the job
    launched = []
    for _ in range(count):
        rid = new_request_id()
        client.add_partition(rid)
        client.launch(rid)
        launched.append((rid, time.time()))
    return launched


class _Phase:
    """The counters at a phase's start; ``figures`` at its end."""

    def __init__(self, account, sampler, processes, counters, fake) -> None:  # type: ignore[no-untyped-def]
        self.account, self.sampler, self.processes = account, sampler, processes
        self.counters, self.fake = counters, fake
        processes.sample()
        self.cpu, self.pg = _cpu_s(account, sampler), postgres_cpu_s() or 0.0
        self.servers, self.calls = processes.servers_cpu_s(), fake.count()
        self.backends = processes.backends_cpu_s()
        self.db = counters.counters()
        sampler.peak_rss_bytes = 0

    def figures(self, instance, found: list[Outcome], args) -> dict[str, float]:  # type: ignore[no-untyped-def]
        self.sampler.sample()
        self.processes.sample()
        time.sleep(1)  # Postgres publishes a backend's counters within a second
        db = self.counters.counters()
        run_ids = [run.run_id for o in found for run in o.runs]
        events, event_bytes = self.counters.event_log(run_ids)
        split = run_split(instance, self.processes, run_ids)
        figures = {
            "platform_cpu_s": _cpu_s(self.account, self.sampler) - self.cpu,
            "postgres_cpu_s": (postgres_cpu_s() or 0.0) - self.pg,
            "llm_calls": self.fake.count() - self.calls,
            "latency_s": args.latency_s,
            "max_in_flight": args.max_in_flight,
            "peak_rss_mb": self.sampler.peak_rss_bytes / 2**20,
            "dagster_servers": self.processes.servers_cpu_s() - self.servers,
            "postgres_backends": self.processes.backends_cpu_s() - self.backends,
            **split,
            "events": events,
            "event_bytes": event_bytes,
            "db_rows": db["rows"] - self.db["rows"],
            "db_connections": db["sessions"] - self.db["sessions"],
            "db_transactions": db["transactions"] - self.db["transactions"],
        }
        figures["cpu_s"] = figures["platform_cpu_s"] + figures["postgres_cpu_s"]
        figures["platform_postgres"] = figures["cpu_s"]
        figures["postgres"] = figures["postgres_cpu_s"]
        workers = figures["platform_cpu_s"] - figures["dagster_servers"]
        figures["dagster_run"] = workers - figures["startup"] - figures["stages"]
        return figures


def tenant_burst(prompts: Path, count: int, tenants: int) -> list[tuple[str, float]]:
    """``count`` uploads, split evenly over ``tenants`` tenants (``t1``, ``t2``, ...; one:
    the shared tenant), each tenant's uploaded one after another."""
    if tenants <= 1:
        return upload_burst(prompts, wordcount.PROMPT, count)
    shares = [count // tenants + (i < count % tenants) for i in range(tenants)]
    return [
        upload
        for i, share in enumerate(shares)
        for upload in upload_burst(prompts, wordcount.PROMPT, share, tenant=f"t{i + 1}")
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=100, help="uploads in the burst")
    parser.add_argument(
        "--tenants",
        type=int,
        default=1,
        help="spread the uploads evenly over this many tenants (1: all the shared tenant's, "
        "whose runs the per-tenant limit holds to half of max_concurrent_runs)",
    )
    parser.add_argument("--launch-requests", type=int, default=20)
    parser.add_argument("--clients", type=int, default=10, help="concurrent launch clients")
    parser.add_argument(
        "--trivial-requests",
        type=int,
        default=20,
        help="runs of the trivial graph of the same shape (launched through GraphQL), the baseline",
    )
    parser.add_argument("--latency-s", type=float, default=1.0)
    parser.add_argument("--max-in-flight", type=int, default=16)
    parser.add_argument("--timeout-s", type=float, default=7200)
    parser.add_argument("--steps", action="store_true", help="median wall time of each step")
    parser.add_argument(
        "--kill",
        action="store_true",
        help="kill -9 the daemon a quarter into the upload burst, start another, and kill -9 "
        "its code server half-way",
    )
    args = parser.parse_args()

    with (
        FakeOpenAIServer(latency_s=args.latency_s, max_in_flight=args.max_in_flight) as fake,
        fresh_postgres_database() as db,
    ):
        root = Path(tempfile.mkdtemp(prefix="ql-bench-scale-"))
        llm_config = root / "llm.fake.yaml"
        llm_config.write_text(llm_config_yaml(fake.base_url, timeout_s=120))
        home = make_home(
            root,
            instance_yaml=shipped_postgres_instance_yaml(),
            extra_env={
                **db.env(),
                "QL_UPLOAD_POLL_S": "1",
                "QL_LLM_CONFIG": str(llm_config),
                KEY_ENV: SECRET_KEY,
            },
        )
        home.workspace.write_text(WORKSPACE.format(root=ROOT))
        print(f"executor: {Settings.from_env().executor}")
        os.environ.update(db.env())
        instance = dg.DagsterInstance.from_config(str(home.dagster_home))
        instance.get_runs(limit=1)  # the schema exists before two servers race to create it
        sampler = ProcessSampler().start()
        processes = PlatformProcesses(sampler.sessions, database=db.name)
        stop_sampling = threading.Event()

        def sample_processes() -> None:
            while not stop_sampling.wait(0.25):
                processes.sample()

        threading.Thread(target=sample_processes, daemon=True).start()
        counters = PostgresCounters(db.name)
        account = CpuAccount.create("ql-bench-scale")
        print(f"cpu_source: {'cgroup' if account else 'sampled (a lower bound)'}")

        def new_daemon(n: int) -> subprocess.Popen[bytes]:
            proc = start_daemon(home, root / f"daemon-{n}.log")
            sampler.sessions.add(proc.pid)
            if account:
                account.add(proc.pid)
            daemons.append(proc)
            return proc

        daemons: list[subprocess.Popen[bytes]] = []
        new_daemon(1)
        try:
            with running_webserver(home, on_start=account.add if account else None) as server:
                sampler.sessions.add(server.pid)
                phases = [
                    ("upload", args.requests),
                    ("launch", args.launch_requests),
                    ("trivial", args.trivial_requests),
                ]
                for phase, count in phases:
                    if count <= 0:
                        continue
                    start = _Phase(account, sampler, processes, counters, fake)
                    if phase == "upload":
                        submitted = tenant_burst(home.root / "prompts", count, args.tenants)
                        tag = UPLOAD_TAG
                        if args.kill:
                            killer = threading.Thread(
                                target=_kill_mid_burst,
                                args=(instance, daemons[0], new_daemon, count),
                                daemon=True,
                            )
                            killer.start()
                    elif phase == "launch":
                        prompt = root / "prompt.txt"
                        prompt.write_text(wordcount.PROMPT)
                        submitted = _launch_all(server.url, home.env, prompt, count, args.clients)
                        tag = PARTITION_TAG
                    else:
                        submitted = _launch_trivial(server.url, count)
                        tag = PARTITION_TAG
                    found = wait_until_all_ended(
                        instance, home.artifacts, submitted, args.timeout_s, tag=tag
                    )
                    if phase == "trivial":  # no capsule: a run that succeeded counts as one
                        for outcome in found:
                            last = outcome.runs[-1] if outcome.runs else None
                            outcome.capsule = last is not None and last.is_success
                    report(phase, found, start.figures(instance, found, args))
                    if args.steps:
                        _step_times(instance, found)
        finally:
            stop_sampling.set()
            sampler.stop()
            for daemon in daemons:
                stop_session(daemon)
            instance.dispose()
            if account:
                account.close()


if __name__ == "__main__":
    main()
