"""The machine's embedding service, found or started by the first run that embeds: runs that
start at once start one service between them, later runs reuse it, its vectors are the
in-process model's, and a port held by something else or a service that cannot start is
an error that says what to do. The service is real (a subprocess loading MiniLM) on a free
port, stopped after."""

import os
import signal
import subprocess
import threading
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from quantumlayer_dagster.memory import local_service
from quantumlayer_dagster.memory.embedder import (
    LocalServiceEmbedder,
    MiniLMEmbedder,
    MiniLMServiceEmbedder,
)
from quantumlayer_dagster.memory.local_service import local_service_base, service_files
from quantumlayer_dagster.memory.protocol import MemoryUnavailable
from quantumlayer_dagster.settings import Settings
from resources.memory import VectorMemoryResource
from tests.fixtures.memory import WEATHER_STATION, WORD_COUNTER, minilm
from tests.fixtures.network import free_port

__all__ = ["minilm"]  # fixture, used by name

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def _service_pids(port: int) -> list[int]:
    out = subprocess.run(["ps", "-eww", "-o", "pid=,args="], capture_output=True, text=True).stdout
    return [
        int(line.split()[0])
        for line in out.splitlines()
        if "quantumlayer_dagster.memory.embedding_server" in line and f"--port {port}" in line
    ]


@pytest.fixture
def port() -> Iterator[int]:
    chosen = free_port()
    yield chosen
    for pid in _service_pids(chosen):
        os.kill(pid, signal.SIGKILL)
    for path in service_files(chosen):
        path.unlink(missing_ok=True)


def test_runs_starting_at_once_start_one_service_and_later_runs_reuse_it(port, minilm) -> None:
    with ThreadPoolExecutor(max_workers=3) as pool:
        bases = list(pool.map(lambda _: local_service_base(port), range(3)))

    assert bases == [f"http://127.0.0.1:{port}/v1"] * 3
    [pid] = _service_pids(port)
    assert local_service_base(port) == bases[0]
    assert _service_pids(port) == [pid]
    texts = [WORD_COUNTER, WEATHER_STATION]
    assert MiniLMServiceEmbedder(bases[0]).embed(texts) == minilm.embed(texts)


def test_a_port_held_by_another_server_is_never_used(port) -> None:
    class Other(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", "2")
            self.end_headers()
            self.wfile.write(b"{}")

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", port), Other)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        with pytest.raises(MemoryUnavailable, match=f"port {port} .* not the embedding service"):
            local_service_base(port)
    finally:
        server.shutdown()
        server.server_close()
    assert _service_pids(port) == []


def test_a_service_that_cannot_start_is_an_error_with_its_output(port, monkeypatch) -> None:
    monkeypatch.setattr(local_service, "SERVICE_MODULE", "quantumlayer_dagster.no_such_server")

    with pytest.raises(MemoryUnavailable) as caught:
        local_service_base(port, timeout_s=30)

    message = str(caught.value)
    assert "exited at start (code 1)" in message
    assert "No module named quantumlayer_dagster.no_such_server" in message
    assert "QL_MEMORY_EMBEDDING_SERVICE=process" in message


def test_the_memory_uses_the_machines_service_unless_told_to_load_the_model_itself(
    tmp_path,
) -> None:
    def embedder(**env: str):  # type: ignore[no-untyped-def]
        settings = Settings(home=tmp_path, **env)
        resource = VectorMemoryResource.from_settings(settings)
        return resource.memory().embedder  # type: ignore[union-attr]

    assert isinstance(embedder(memory_embedding_service="local"), LocalServiceEmbedder)
    assert type(embedder(memory_embedding_service="process")) is MiniLMEmbedder
    assert Settings.model_fields["memory_embedding_service"].default == "local"
