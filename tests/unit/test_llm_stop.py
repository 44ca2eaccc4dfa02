"""``quantumlayer llm stop`` ends the local model server on its port, and only that one."""

import subprocess
import sys
import time

from quantumlayer_cli import main
from tests.fixtures.network import free_port

# A process whose command line is the server's (the real one takes a model and minutes).
SERVER_LIKE = "import time; time.sleep(120)"


def server_like(port: int) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [sys.executable, "-c", SERVER_LIKE, "llama_cpp.server", "--port", str(port)],
        start_new_session=True,
    )


def test_llm_stop_ends_the_server_on_its_port_and_leaves_others(capsys) -> None:  # type: ignore[no-untyped-def]
    port, other_port = free_port(), free_port()
    server, other = server_like(port), server_like(other_port)
    try:
        time.sleep(0.2)
        assert main(["llm", "stop", "--port", str(port)]) == 0
        assert server.wait(timeout=15) is not None
        assert other.poll() is None
        assert f"stopped the local model server on port {port}" in capsys.readouterr().out
    finally:
        for proc in (server, other):
            proc.kill()
            proc.wait()


def test_llm_stop_with_nothing_running_says_so(capsys) -> None:  # type: ignore[no-untyped-def]
    port = free_port()
    assert main(["llm", "stop", "--port", str(port)]) == 0
    assert f"no local model server is running on port {port}" in capsys.readouterr().out
