"""Where a burst's CPU goes, for ``bench/scale.py``: per request, CPU seconds split into

- ``startup``: a run worker's start up to its first step: interpreter, imports (Dagster, the
  code location, litellm when the LLM resource is built), the instance and the resources;
- ``dagster_run``: the rest of the run workers' time that is not a stage's: event log writes,
  input and output handling through the IO manager, type and asset checks, the plan;
- ``dagster_servers``: the long-lived servers themselves (daemon, webserver, their code
  servers): sensor ticks, the run queue, launches, run monitoring, the UI's queries;
- ``stages``: our stage bodies with the tools they start (sandboxed tests, scanners, type
  checks, packaging), from each step's ``cpu_s`` metadata;
- ``postgres``: the Postgres server (the instance's storage);

and the instance's writes per request: events and their bytes in ``event_logs``, rows
written to all tables, connections opened and transactions, read from Postgres itself.

How each is measured: ``PlatformProcesses`` samples ``/proc`` every ``interval_s`` for the
servers' own CPU (their children's excluded) and for each run worker (a code server's
child; its ended children, the sandbox and tools, included) a time series, from which a run's
start-up is read at its first step's start (from the event log). The run workers' total is
what the cgroup counted less the servers' own, so nothing is lost between samples; ``stages``
is what our steps report; ``dagster_run`` is the run workers' total less the other two.
"""

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import dagster as dg

_TICKS = os.sysconf("SC_CLK_TCK")
SERVER_WORDS = ("dagster-daemon", "dagster-webserver", "api grpc", "code-server")
RUN_WORKER_WORDS = ("spawn_main", "execute_run")


@dataclass
class _Process:
    kind: str  # "server", "run_worker" or "other"
    samples: list[tuple[float, float]] = field(default_factory=list)
    """(time, CPU seconds: own, plus ended children's for a run worker)."""


class PlatformProcesses:
    """The platform's processes (those of ``sessions``), sampled from ``/proc``."""

    def __init__(self, sessions: set[int], database: str = "") -> None:
        self.sessions = sessions
        self.database = database
        """Also follow the Postgres backends serving this database (their titles name it)."""
        self._seen: dict[tuple[int, int], _Process] = {}
        self._backends: dict[tuple[int, int], float] = {}
        self._not_ours: set[tuple[int, int]] = set()
        self.servers: set[int] = set()

    def sample(self) -> None:
        now = time.time()
        parents: dict[int, int] = {}
        stats: dict[int, list[str]] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat") as f:
                    head, rest = f.read().rsplit(")", 1)
            except OSError:
                continue
            fields = rest.split()
            if self.database and head.endswith("(postgres"):
                self._sample_backend(int(entry), fields)
            if int(fields[3]) in self.sessions:
                stats[int(entry)] = fields
                parents[int(entry)] = int(fields[1])
        for pid, fields in sorted(stats.items()):  # a code server before its run workers
            key = (pid, int(fields[19]))
            proc = self._seen.get(key)
            if proc is None:
                proc = self._seen[key] = _Process(self._kind(pid, parents))
                if proc.kind == "server":
                    self.servers.add(pid)
            own = int(fields[11]) + int(fields[12])
            children = int(fields[13]) + int(fields[14])
            ticks = own + children if proc.kind == "run_worker" else own
            proc.samples.append((now, ticks / _TICKS))

    def _sample_backend(self, pid: int, fields: list[str]) -> None:
        key = (pid, int(fields[19]))
        if key in self._not_ours:
            return
        if key not in self._backends:
            try:
                title = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
            except OSError:
                return
            if f" {self.database} " not in title:
                self._not_ours.add(key)
                return
        self._backends[key] = (int(fields[11]) + int(fields[12])) / _TICKS

    def backends_cpu_s(self) -> float:
        """CPU seconds of the Postgres backends that served the database, as last sampled: a
        lower bound (a backend's last moments and connections shorter than a sample are
        missed) that other databases on the server do not inflate."""
        return sum(self._backends.values())

    def _kind(self, pid: int, parents: dict[int, int]) -> str:
        try:
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            return "other"
        if any(word in command for word in SERVER_WORDS):
            return "server"
        if any(word in command for word in RUN_WORKER_WORDS) and parents.get(pid) in self.servers:
            return "run_worker"
        return "other"

    def servers_cpu_s(self) -> float:
        """The servers' own CPU seconds so far (their last samples)."""
        return sum(p.samples[-1][1] for p in self._seen.values() if p.kind == "server")

    def worker_cpu_at(self, pid: int, at: float) -> float | None:
        """The CPU seconds run worker ``pid`` had used at time ``at`` (interpolated)."""
        for (seen_pid, _), proc in self._seen.items():
            if seen_pid != pid or proc.kind != "run_worker" or not proc.samples:
                continue
            before = [s for s in proc.samples if s[0] <= at]
            after = [s for s in proc.samples if s[0] >= at]
            if not before:
                return 0.0
            if not after:
                return before[-1][1]
            (t0, c0), (t1, c1) = before[-1], after[0]
            return c0 if t1 == t0 else c0 + (c1 - c0) * (at - t0) / (t1 - t0)
        return None


def run_split(
    instance: dg.DagsterInstance, processes: PlatformProcesses, run_ids: list[str]
) -> dict[str, float]:
    """Summed over ``run_ids``: ``startup`` (each run worker's CPU at its first step) and
    ``stages`` (the steps' ``cpu_s`` metadata)."""
    startup = stages = 0.0
    for run_id in run_ids:
        pid = first_step = None
        for record in instance.get_records_for_run(run_id, limit=100_000).records:
            entry = record.event_log_entry
            event = entry.dagster_event
            if event is None:
                continue
            if event.event_type == dg.DagsterEventType.ENGINE_EVENT and pid is None:
                data = event.engine_event_data
                value = data.metadata.get("pid") if data and data.metadata else None
                if value is not None and "Started process" in (event.message or ""):
                    pid = int(value.value)  # type: ignore[arg-type]
            elif event.event_type == dg.DagsterEventType.STEP_START and first_step is None:
                first_step = entry.timestamp
            elif event.event_type == dg.DagsterEventType.ASSET_MATERIALIZATION:
                materialization = entry.asset_materialization
                cpu = materialization.metadata.get("cpu_s") if materialization else None
                stages += float(cpu.value) if cpu is not None else 0.0  # type: ignore[arg-type]
        if pid is not None and first_step is not None:
            startup += processes.worker_cpu_at(pid, first_step) or 0.0
    return {"startup": startup, "stages": stages}


class PostgresCounters:
    """The instance database's own counters (``pg_stat_database``, ``pg_stat_user_tables``)
    and the size of its event log."""

    def __init__(self, dbname: str, host: str = "127.0.0.1", port: int = 5432) -> None:
        self.connect_args = {"host": host, "port": port, "user": "postgres", "dbname": dbname}

    def _query(self, sql: str, args: Any = None) -> tuple[Any, ...]:
        import psycopg2

        conn = psycopg2.connect(**self.connect_args)
        try:
            with conn.cursor() as cur:
                cur.execute("SELECT pg_stat_clear_snapshot()")
                cur.execute(sql, args)
                row = cur.fetchone()
                return tuple(row) if row else ()
        finally:
            conn.close()

    def counters(self) -> dict[str, float]:
        """Connections opened, transactions, rows written (every table) so far."""
        sessions, xacts = self._query(
            "SELECT sessions, xact_commit + xact_rollback FROM pg_stat_database "
            "WHERE datname = current_database()"
        )
        (rows,) = self._query(
            "SELECT coalesce(sum(n_tup_ins + n_tup_upd + n_tup_del), 0) FROM pg_stat_user_tables"
        )
        # this query's own connection is not the platform's
        return {"sessions": float(sessions) - 1, "transactions": float(xacts), "rows": float(rows)}

    def event_log(self, run_ids: list[str]) -> tuple[int, int]:
        """Events and their stored bytes for ``run_ids``."""
        count, size = self._query(
            "SELECT count(*), coalesce(sum(octet_length(event)), 0) FROM event_logs "
            "WHERE run_id = ANY(%s)",
            (run_ids,),
        )
        return int(count), int(size)
