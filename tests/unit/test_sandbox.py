"""The sandbox contains hostile payloads: no network, uid 65534, limits, timeout, clean env."""

import json
import socket
import sys
import tempfile
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits, SandboxResult
from tests.fixtures.sandbox_modes import SANDBOX_MODES, bwrap_only, needs_root

PY = sys.executable
LIMITS = SandboxLimits(wall_timeout_s=20, cpu_s=10)
BWRAP = Sandbox(LIMITS)


@pytest.fixture(params=SANDBOX_MODES)
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    return Sandbox(LIMITS, mode="bwrap" if request.param else "process")


@pytest.fixture
def workdir(sandbox: Sandbox) -> Iterator[Path]:
    with sandbox.workspace() as work:
        yield work


def run_python(
    sandbox: Sandbox, workdir: Path, code: str, env: dict[str, str] | None = None
) -> SandboxResult:
    return sandbox.run([PY, "-c", textwrap.dedent(code)], workdir, env=env)


@bwrap_only
def test_network_is_unreachable_inside_bwrap(tmp_path: Path) -> None:
    with socket.create_server(("127.0.0.1", 0)) as server, BWRAP.workspace() as work:
        port = server.getsockname()[1]
        code = f"import socket; print(socket.socket().connect_ex(('127.0.0.1', {port})))"
        result = run_python(BWRAP, work, code)
    assert result.exit_code == 0, result.stderr
    assert int(result.stdout) != 0


def test_process_only_mode_says_it_has_no_network_isolation() -> None:
    assert Sandbox(LIMITS, mode="process").isolation.startswith(
        "process-only (no network isolation"
    )


@needs_root
def test_process_runs_as_uid_65534(sandbox: Sandbox, workdir: Path) -> None:
    code = """
        for line in open('/proc/self/status'):
            if line.startswith(('Uid:', 'Gid:', 'CapEff:')):
                print(line.split(':')[1].split())
    """
    result = run_python(sandbox, workdir, code)
    assert result.stdout.splitlines() == [
        "['65534', '65534', '65534', '65534']",
        "['65534', '65534', '65534', '65534']",
        "['0000000000000000']",
    ], result.stderr


@pytest.mark.slow
def test_infinite_loop_is_killed_at_wall_timeout(sandbox: Sandbox, workdir: Path) -> None:
    sandbox.limits = SandboxLimits(wall_timeout_s=1)
    result = run_python(sandbox, workdir, "while True: pass")
    assert result.timed_out
    assert result.exit_code is None
    assert result.killed_reason and "wall timeout" in result.killed_reason
    assert result.duration_s < 5


HEARTBEAT = """
    import os, signal, time
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    if os.fork() == 0:
        signal.signal(signal.SIGTERM, signal.SIG_IGN)
        if os.fork() == 0:
            while True:
                with open('beat', 'a') as f:
                    f.write('.')
                time.sleep(0.02)
    {parent}
"""


def assert_heartbeat_stopped(workdir: Path) -> None:
    beat = workdir / "beat"
    size = beat.stat().st_size
    time.sleep(0.3)
    assert size > 0
    assert beat.stat().st_size == size, "a sandboxed process is still running"


@pytest.mark.slow
def test_sigterm_ignoring_child_and_grandchild_die_at_timeout(
    sandbox: Sandbox, workdir: Path
) -> None:
    sandbox.limits = SandboxLimits(wall_timeout_s=1)
    result = run_python(sandbox, workdir, HEARTBEAT.format(parent="time.sleep(60)"))
    assert result.timed_out
    assert_heartbeat_stopped(workdir)


def test_background_grandchild_dies_when_the_command_exits(sandbox: Sandbox, workdir: Path) -> None:
    result = run_python(sandbox, workdir, HEARTBEAT.format(parent="time.sleep(0.5)"))
    assert result.exit_code == 0 and not result.timed_out, result.stderr
    assert_heartbeat_stopped(workdir)


SETSID_ESCAPE = """
    import os, time
    if os.fork() == 0:
        os.setsid()
        while True:
            with open('beat', 'a') as f:
                f.write('.')
            time.sleep(0.02)
    time.sleep(0.5)
"""


@bwrap_only
def test_process_that_leaves_the_group_with_setsid_still_dies() -> None:
    with BWRAP.workspace() as work:
        result = run_python(BWRAP, work, SETSID_ESCAPE)
        assert result.exit_code == 0, result.stderr
        assert_heartbeat_stopped(work)


def test_environment_has_no_host_variable(
    sandbox: Sandbox, workdir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QL_FAKE_SECRET", "hunter2")
    result = run_python(sandbox, workdir, "import os, json; print(json.dumps(dict(os.environ)))")
    env = json.loads(result.stdout)
    assert "QL_FAKE_SECRET" not in env
    # bwrap's --chdir sets PWD, to the work folder.
    assert set(env) <= {"PATH", "HOME", "LANG", "PYTHONDONTWRITEBYTECODE", "PYTHONHASHSEED", "PWD"}
    assert env["HOME"] == str(workdir)


def test_caller_env_is_passed_explicitly(sandbox: Sandbox, workdir: Path) -> None:
    code = "import os; print(os.environ['QL_FLAG'])"
    assert run_python(sandbox, workdir, code, env={"QL_FLAG": "on"}).stdout == "on\n"


def test_output_flood_is_capped_and_drained(sandbox: Sandbox, workdir: Path) -> None:
    sandbox.limits = SandboxLimits(max_output_bytes=4096)
    code = "import sys; sys.stdout.write('x' * 20_000_000 + 'END')"
    result = run_python(sandbox, workdir, code)
    assert result.exit_code == 0
    assert result.output_truncated
    assert len(result.stdout) < 4096 + 100
    assert result.stdout.endswith("END")


@bwrap_only
def test_world_writable_host_folder_is_not_reachable_from_bwrap() -> None:
    host_dir = Path(tempfile.mkdtemp(prefix="ql-outside-", dir="/tmp"))
    try:
        host_dir.chmod(0o777)
        with BWRAP.workspace() as work:
            code = f"open('{host_dir}/escaped', 'w').write('x')"
            run_python(BWRAP, work, code)
        assert not (host_dir / "escaped").exists()
    finally:
        for child in host_dir.iterdir():
            child.unlink()
        host_dir.rmdir()


@needs_root
def test_writing_next_to_the_workdir_fails(sandbox: Sandbox, workdir: Path) -> None:
    result = run_python(sandbox, workdir, "open('../escaped', 'w').write('x')")
    assert result.exit_code != 0
    assert "Error" in result.stderr
    assert not (workdir.parent / "escaped").exists()


def test_memory_limit_stops_a_large_allocation(sandbox: Sandbox, workdir: Path) -> None:
    sandbox.limits = SandboxLimits(memory_mb=256)
    result = run_python(sandbox, workdir, "b = bytearray(1024 * 1024 * 1024)")
    assert result.exit_code != 0
    assert "MemoryError" in result.stderr


@pytest.mark.slow
def test_cpu_limit_kills_a_busy_loop_and_counts_as_timed_out(
    sandbox: Sandbox, workdir: Path
) -> None:
    sandbox.limits = SandboxLimits(cpu_s=1, wall_timeout_s=20)
    result = run_python(sandbox, workdir, "while True: pass")
    assert result.timed_out and result.limit == "cpu"
    assert result.killed_reason == "CPU limit of 1s reached (SIGXCPU)"


def test_file_size_limit_stops_a_large_write(sandbox: Sandbox, workdir: Path) -> None:
    sandbox.limits = SandboxLimits(file_size_mb=1)
    result = run_python(sandbox, workdir, "open('big', 'wb').write(b'x' * 2 * 1024 * 1024)")
    assert result.exit_code != 0
    assert (workdir / "big").stat().st_size <= 1024 * 1024


@needs_root
def test_process_limit_stops_a_fork_bomb(sandbox: Sandbox, workdir: Path) -> None:
    sandbox.limits = SandboxLimits(max_processes=8)
    code = """
        import os, time
        started = 0
        for _ in range(40):
            try:
                if os.fork() == 0:
                    time.sleep(2)
                    os._exit(0)
                started += 1
            except BlockingIOError:
                break
        print(started)
    """
    result = run_python(sandbox, workdir, code)
    assert int(result.stdout) < 8, result.stderr
