"""Running one of our own tools (bandit, pip, ESLint) over untrusted input on the host.

The tool is trusted; the tree it reads is not. ``python -m tool`` from inside the tree
would put the tree first on ``sys.path``, so a generated ``bandit/`` (a name an LLM may
well choose for a "one-armed bandit" game), ``yaml.py`` or ``stevedore/`` would run in its
place with our uid and environment. So every tool runs:

- in isolated mode (``python -I``): no script or working folder on ``sys.path``, no
  ``PYTHON*`` variables, no user site-packages (so no ``usercustomize``);
- from a fresh empty working folder outside the tree, the tree passed as an argument;
- with an environment built from scratch (no provider, store or cloud keys);
- under rlimits (CPU, address space, file size) when the caller gives them.
"""

import subprocess
import sys
import tempfile
from pathlib import Path

from quantumlayer_dagster.observability.traced_calls import traced_host_tool
from quantumlayer_dagster.sandbox.command import SANDBOX_PATH, rlimits
from quantumlayer_dagster.sandbox.models import SandboxLimits


def tool_env(home: Path) -> dict[str, str]:
    """The whole environment a host tool gets: nothing is inherited."""
    return {"PATH": SANDBOX_PATH, "HOME": str(home), "LANG": "C.UTF-8", "PYTHONHASHSEED": "0"}


def tool_argv(module: str, args: list[str], python: str = sys.executable) -> list[str]:
    """``python -I -m module args...``: the interpreter ignores the working folder and the
    environment when it builds ``sys.path``."""
    return [python, "-I", "-m", module, *args]


def run_python_tool(
    module: str,
    args: list[str],
    timeout_s: float,
    python: str = sys.executable,
    *,
    limits: SandboxLimits | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``python -I -m module args`` from an empty temporary folder with a scrubbed
    environment, under ``limits``' rlimits when given (``prlimit``; a tool over its CPU
    time or address space is killed, not trusted to stop); raises
    ``subprocess.TimeoutExpired`` after ``timeout_s``."""
    return run_host_tool(
        tool_argv(module, args, python), timeout_s, name=module.split(".")[0], limits=limits
    )


@traced_host_tool
def run_host_tool(
    argv: list[str],
    timeout_s: float,
    *,
    name: str = "tool",
    cwd: Path | None = None,
    extra_env: dict[str, str] | None = None,
    limits: SandboxLimits | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` (a trusted tool given by absolute path) with a scrubbed environment
    (``tool_env`` plus ``extra_env``), a fresh empty HOME, stdin closed, a wall-clock limit
    and ``limits``' rlimits when given; ``cwd`` defaults to that empty folder. Raises
    ``subprocess.TimeoutExpired`` after ``timeout_s``. A tool whose configuration could be
    read from its working folder (Node tools such as ESLint) must be told its own
    configuration explicitly."""
    prefix = rlimits(limits) if limits is not None else []
    with tempfile.TemporaryDirectory(prefix=f"ql-{name}-cwd-") as home:
        return subprocess.run(
            [*prefix, *argv],
            cwd=cwd or home,
            env={**tool_env(Path(home)), **(extra_env or {})},
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=timeout_s,
            check=False,
        )
