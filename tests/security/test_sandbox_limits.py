"""The sandbox fails closed, names the limit that stopped a run, bounds the whole run
(memory, processes, disk) rather than each process, kills detached processes with the run,
and keeps concurrent runs apart."""

import json
import os
import secrets
import textwrap
import threading
from pathlib import Path

import pytest

from quantumlayer_cli import main
from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.sandbox.cgroup import SandboxCgroup
from quantumlayer_dagster.testing.test_run import run_pytest

pytestmark = [pytest.mark.slow, pytest.mark.sandbox]
LIMITS = SandboxLimits(wall_timeout_s=20, cpu_s=10)
BWRAP = Sandbox(LIMITS)
needs_bwrap = pytest.mark.skipif(BWRAP.unavailable is not None, reason=str(BWRAP.unavailable))
_probe, WHY_NO_CGROUP = SandboxCgroup.create(64, 8) if os.geteuid() == 0 else (None, "not root")
if _probe is not None:
    _probe.kill_and_remove()
needs_cgroup = pytest.mark.skipif(_probe is None, reason=WHY_NO_CGROUP)
MODES = [pytest.param("bwrap", marks=needs_bwrap), pytest.param("process")]
MODULE = SourceFile(path="app/__init__.py", content="def ok():\n    return True\n")


def project(body: str) -> ProjectTree:
    test = SourceFile(path="tests/test_attack.py", content=textwrap.dedent(body))
    return ProjectTree(package="app", sources=[MODULE], tests=[test])


def run(body: str, mode: str = "bwrap", **limits: float) -> TestRun:
    sandbox = Sandbox(LIMITS.model_copy(update=limits), mode=mode)  # type: ignore[arg-type]
    return run_pytest(project(body), sandbox)


PASSING = "def test_ok():\n    assert True\n"


def fake_bwrap(tmp_path: Path) -> str:
    """A bwrap that exists but cannot create namespaces, as in an unprivileged container."""
    exe = tmp_path / "bwrap"
    exe.write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
    exe.chmod(0o755)
    return str(exe)


@pytest.mark.parametrize("kind", ["missing", "no_namespaces"])
def test_sandbox_without_usable_bwrap_refuses_instead_of_falling_back(
    tmp_path: Path, kind: str
) -> None:
    bwrap = str(tmp_path / "absent") if kind == "missing" else fake_bwrap(tmp_path)
    marker = tmp_path / "ran"
    body = f"def test_runs():\n    open({str(marker)!r}, 'w')\n"
    sandbox = Sandbox(LIMITS, mode="bwrap", bwrap=bwrap)
    result = run_pytest(project(body), sandbox)
    assert not marker.exists()
    assert not result.ok and result.isolation_mode is None and result.passed == 0
    assert "install bubblewrap" in result.summary and "QL_SANDBOX_ISOLATION" in result.summary
    assert not gates.tests_pass(result, "process").passed


def test_gate_fails_a_run_isolated_less_than_the_instance_requires() -> None:
    result = run(PASSING, mode="process")
    assert result.ok and result.isolation_mode == "process"
    required_bwrap = gates.tests_pass(result, "bwrap")
    assert not required_bwrap.passed
    assert "requires bwrap" in required_bwrap.detail
    assert gates.tests_pass(result, "process").passed


@needs_bwrap
def test_bwrap_run_passes_the_gate_that_requires_bwrap() -> None:
    result = run(PASSING)
    assert result.isolation_mode == "bwrap" and gates.tests_pass(result, "bwrap").passed


@pytest.mark.parametrize("mode", MODES)
def test_endless_loop_stopped_by_the_cpu_limit_is_timed_out(mode: str) -> None:
    result = run("def test_spin():\n    while True:\n        pass\n", mode, cpu_s=2)
    assert result.timed_out and result.limit == "cpu"
    assert "CPU limit of 2s" in (result.killed_reason or "")
    assert not result.ok


def test_cli_json_names_the_wall_time_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    tree = tmp_path / "tree"
    (tree / "tests").mkdir(parents=True)
    (tree / "tests" / "test_sleep.py").write_text(
        "import time\n\ndef test_s():\n    time.sleep(60)\n"
    )
    monkeypatch.setenv("QL_HOME", str(tmp_path / "home"))
    code = main(["test", str(tree), "--json", "--timeout", "3"])
    out = json.loads(capsys.readouterr().out)
    assert code == 1
    assert out["limit"] == "wall" and out["timed_out"] is True and out["ok"] is False
    assert out["isolation_mode"] in ("bwrap", "process")


@needs_cgroup
@pytest.mark.parametrize("mode", MODES)
def test_memory_spread_over_processes_hits_the_whole_sandbox_limit(mode: str) -> None:
    """Each child stays under the per-process limit; together they exceed the total."""
    body = """
        import subprocess, sys
        HOG = "b = bytearray(90 * 1024 * 1024); import time; time.sleep(5)"
        def test_hog():
            kids = [subprocess.Popen([sys.executable, "-c", HOG]) for _ in range(6)]
            for kid in kids:
                kid.wait()
    """
    result = run(body, mode, memory_mb=256)
    assert result.limit == "memory", result.summary
    assert "whole sandbox" in (result.killed_reason or "")


@needs_cgroup
@pytest.mark.parametrize("mode", MODES)
def test_process_swarm_hits_the_whole_sandbox_process_limit(mode: str) -> None:
    body = """
        import subprocess
        def test_swarm():
            kids = []
            try:
                for _ in range(64):
                    kids.append(subprocess.Popen(["sleep", "5"]))
            finally:
                for kid in kids:
                    kid.kill()
    """
    result = run(body, mode, max_processes=24)
    assert result.limit == "processes", result.summary
    assert not result.ok


@pytest.mark.skipif(os.geteuid() != 0, reason="the tmpfs work folder needs root")
@pytest.mark.parametrize("mode", MODES)
def test_many_small_files_hit_the_work_folder_disk_limit(mode: str) -> None:
    body = """
        def test_fill():
            for i in range(64):
                with open(f"fill-{i}.bin", "wb") as out:
                    out.write(b"x" * 1024 * 1024)
    """
    result = run(body, mode, disk_mb=16, file_size_mb=4)
    assert result.limit == "disk", result.summary
    assert not result.ok


def test_output_flood_names_the_output_limit() -> None:
    result = run("def test_flood():\n    print('x' * 3_000_000)\n    assert False\n")
    assert result.limit == "output" and result.output_truncated


def _processes_with(token: str) -> list[int]:
    found = []
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            if token.encode() in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except OSError:
            continue
    return found


@pytest.mark.parametrize("mode", [pytest.param("bwrap", marks=needs_bwrap),
                                  pytest.param("process", marks=needs_cgroup)])  # fmt: skip
def test_detached_double_forked_process_dies_with_the_sandbox(mode: str) -> None:
    token = f"ql-detached-{secrets.token_hex(4)}"
    body = f"""
        import os, sys, time
        def test_detach():
            if os.fork() == 0:
                os.setsid()
                if os.fork() == 0:
                    os.execv(sys.executable, [sys.executable, "-c",
                             "import time; time.sleep(120)", {token!r}])
                os._exit(0)
            time.sleep(0.5)
    """
    result = run(body, mode)
    assert result.passed == 1
    assert _processes_with(token) == []


@needs_bwrap
def test_concurrent_sandboxes_cannot_see_each_others_work_folders() -> None:
    secret = f"ql-secret-{secrets.token_hex(4)}"
    owner = f"""
        import time
        def test_hold():
            open({secret!r}, "w").write("mine")
            time.sleep(4)
    """
    snoop = f"""
        import glob, os, time
        def test_snoop():
            time.sleep(1)
            seen = glob.glob("/tmp/**/{secret}", recursive=True)
            parent = os.path.dirname(os.getcwd())
            seen += glob.glob(os.path.dirname(parent) + "/*/*/{secret}")
            assert seen == [] and os.listdir(parent) == ["work"]
    """
    results: dict[str, TestRun] = {}
    threads = [
        threading.Thread(target=lambda k=k, b=b: results.__setitem__(k, run(b)))
        for k, b in (("owner", owner), ("snoop", snoop))
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results["owner"].ok, results["owner"].summary
    assert results["snoop"].ok, results["snoop"].summary
