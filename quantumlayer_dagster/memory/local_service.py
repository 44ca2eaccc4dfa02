"""The machine's embedding service, found or started on first use.

In the daemon set-up every run is a new process, and loading MiniLM in each cost 15-25 s per
request. With ``QL_MEMORY_EMBEDDING_SERVICE=local`` (the default) the first run that needs a
vector looks for the service on ``127.0.0.1:<port>``; when none answers, it starts one
(``memory/embedding_server.py``, in its own session, so it outlives the run) and waits until
the model is loaded. Every later run, of any code location on the machine, calls it. One
machine-wide lock (a file in the temporary folder, per port) makes concurrent first runs
start one service between them; the service's output goes to a log file beside the lock.

A server on the port that is not the service (its ``/health`` does not name the model) is
never used: the error says to free the port, point ``QL_MEMORY_EMBEDDING_API_BASE`` at a
service, or load the model in the process (``QL_MEMORY_EMBEDDING_SERVICE=process``).
"""

import os
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from quantumlayer_dagster.memory.embedding_server import DEFAULT_PORT, SERVED_MODEL
from quantumlayer_dagster.memory.folder_lock import exclusive_access
from quantumlayer_dagster.memory.protocol import MemoryUnavailable
from quantumlayer_dagster.sandbox.tool_process import tool_argv, tool_env

SERVICE_MODULE = "quantumlayer_dagster.memory.embedding_server"
START_TIMEOUT_S = 180.0
"""Longest wait for a started service to load the model (15-25 s on a busy 2-core machine)."""


def service_files(port: int) -> tuple[Path, Path]:
    """The machine-wide lock and log of the service on ``port``."""
    stem = Path(tempfile.gettempdir()) / f"quantumlayer-embedding-{port}"
    return stem.with_suffix(".lock"), stem.with_suffix(".log")


def local_service_base(port: int = DEFAULT_PORT, timeout_s: float = START_TIMEOUT_S) -> str:
    """The API base (``http://127.0.0.1:<port>/v1``) of the machine's embedding service,
    started here if none answers. Raises MemoryUnavailable with the reason and the fix."""
    root = f"http://127.0.0.1:{port}"
    if _is_service(root, port):
        return f"{root}/v1"
    lock, log = service_files(port)
    busy = f"another run has been starting the embedding service for over {timeout_s:g}s; see {log}"
    with exclusive_access(lock, timeout_s, busy=busy):
        if _is_service(root, port):  # started by the run that held the lock
            return f"{root}/v1"
        proc = _start(port, log)
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise MemoryUnavailable(
                    f"the embedding service exited at start (code {proc.returncode}): "
                    f"{_tail(log)}; start it with `make embedding-service`, or set "
                    "QL_MEMORY_EMBEDDING_SERVICE=process to load the model in each run"
                )
            if _is_service(root, port):
                return f"{root}/v1"
            time.sleep(0.5)
        proc.kill()
        raise MemoryUnavailable(
            f"the embedding service did not load the model within {timeout_s:g}s: {_tail(log)}"
        )


def _is_service(root: str, port: int) -> bool:
    """True when the embedding service answers on ``root``; False when nothing listens.
    Raises MemoryUnavailable when something else holds the port."""
    try:
        reply = httpx.get(f"{root}/health", timeout=2.0)
    except httpx.HTTPError:
        return False
    try:
        models = [m.get("id") for m in reply.json().get("data", [])]
    except (ValueError, AttributeError):
        models = []
    if reply.status_code == 200 and SERVED_MODEL in models:
        return True
    raise MemoryUnavailable(
        f"port {port} on 127.0.0.1 is held by a server that is not the embedding service "
        f"(GET /health answered {reply.status_code}): free the port, set "
        "QL_MEMORY_EMBEDDING_API_BASE to a running service, or "
        "QL_MEMORY_EMBEDDING_SERVICE=process"
    )


def _start(port: int, log: Path) -> subprocess.Popen[bytes]:
    fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_NOFOLLOW, 0o600)
    try:
        # our interpreter, isolated, with an environment built from scratch: the run's API
        # keys and secrets stay with the run
        return subprocess.Popen(
            tool_argv(SERVICE_MODULE, ["--port", str(port)]),
            stdin=subprocess.DEVNULL,
            stdout=fd,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # not the run's: it serves the next runs too
            close_fds=True,
            cwd=tempfile.gettempdir(),
            env=tool_env(Path(tempfile.gettempdir())),
        )
    finally:
        os.close(fd)


def _tail(log: Path) -> str:
    try:
        lines = log.read_text(errors="replace").strip().splitlines()
    except OSError:
        return "no log"
    return " | ".join(lines[-3:]) or "no output"
