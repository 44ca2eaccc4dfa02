"""Hostile generated tests run through the real test stage (pytest in the sandbox): each
attack is contained, the TestRun says what happened, and the next run still works."""

import socket
import tempfile
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest

from quantumlayer_dagster.artifacts.code import ProjectTree, SourceFile
from quantumlayer_dagster.artifacts.testing import TestRun
from quantumlayer_dagster.sandbox import Sandbox, SandboxLimits
from quantumlayer_dagster.testing.test_run import run_pytest
from tests.fixtures.sandbox_modes import SANDBOX_MODES, bwrap_only, needs_root

pytestmark = pytest.mark.slow  # about 45 s: several runs wait out the 4 s wall timeout
LIMITS = SandboxLimits(wall_timeout_s=4, cpu_s=10, memory_mb=512, max_processes=32)
BWRAP = Sandbox(LIMITS)
MODULE = SourceFile(path="app/__init__.py", content="def ok():\n    return True\n")
GOOD_TEST = SourceFile(
    path="tests/test_ok.py", content="from app import ok\n\n\ndef test_ok():\n    assert ok()\n"
)


@pytest.fixture(params=SANDBOX_MODES)
def sandbox(request: pytest.FixtureRequest) -> Sandbox:
    return Sandbox(LIMITS, mode="bwrap" if request.param else "process")


def hostile(body: str) -> ProjectTree:
    """A project whose one test file holds ``body`` (dedented)."""
    test = SourceFile(path="tests/test_hostile.py", content=textwrap.dedent(body))
    return ProjectTree(package="app", sources=[MODULE], tests=[test])


def assert_next_run_works(sandbox: Sandbox) -> None:
    run = run_pytest(ProjectTree(package="app", sources=[MODULE], tests=[GOOD_TEST]), sandbox)
    assert run.ok, f"the run after the attack failed: {run.summary}"


def only_failure(run: TestRun) -> str:
    [failure] = run.failures
    return failure.message


@bwrap_only
def test_socket_to_a_host_server_is_refused_and_reported() -> None:
    with socket.create_server(("127.0.0.1", 0)) as server:
        server.settimeout(0.2)
        port = server.getsockname()[1]
        run = run_pytest(
            hostile(f"""
                import socket
                def test_phone_home():
                    socket.create_connection(("127.0.0.1", {port}), timeout=2).sendall(b"x")
            """),
            BWRAP,
        )
        with pytest.raises(TimeoutError):
            server.accept()
    assert run.failed == 1, run.summary
    assert "ConnectionRefusedError" in only_failure(run)
    assert run.isolation.startswith("bwrap (no network")
    assert_next_run_works(BWRAP)


@bwrap_only
def test_name_resolution_fails_and_is_reported() -> None:
    run = run_pytest(
        hostile("""
            import socket
            def test_resolve():
                socket.getaddrinfo("pypi.org", 443)
        """),
        BWRAP,
    )
    assert run.failed == 1, run.summary
    assert "gaierror" in only_failure(run)


def test_process_only_runs_say_they_have_no_network_isolation() -> None:
    run = run_pytest(hostile("def test_x():\n    pass\n"), Sandbox(LIMITS, mode="process"))
    assert run.ok, run.summary
    assert run.isolation.startswith("process-only (no network isolation")
    assert run.summary.endswith("process-only sandbox: no network isolation")


@pytest.fixture
def open_host_dir() -> Iterator[Path]:
    """A world-writable host folder: reachable by path unless the sandbox hides it."""
    path = Path(tempfile.mkdtemp(prefix="ql-hostile-", dir="/tmp"))
    path.chmod(0o777)
    yield path
    for child in path.iterdir():
        child.unlink()
    path.rmdir()


@bwrap_only
def test_write_outside_the_project_folder_does_not_reach_the_host(open_host_dir: Path) -> None:
    run = run_pytest(
        hostile(f"""
            def test_escape():
                open("{open_host_dir}/planted", "w").write("x")
        """),
        BWRAP,
    )
    assert run.failed == 1, run.summary
    assert "FileNotFoundError" in only_failure(run)
    assert not (open_host_dir / "planted").exists()


@needs_root
def test_write_into_a_root_owned_folder_fails_in_both_modes(sandbox: Sandbox) -> None:
    target = Path(tempfile.mkdtemp(prefix="ql-hostile-root-"))
    try:
        run = run_pytest(
            hostile(f"""
                def test_escape():
                    open("{target}/planted", "w").write("x")
            """),
            sandbox,
        )
        assert run.failed == 1, run.summary
        assert not (target / "planted").exists()
    finally:
        target.rmdir()


def test_host_secret_is_not_in_the_sandbox_environment(
    sandbox: Sandbox, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("QL_FAKE_API_KEY", "sk-hostile-0123456789")
    run = run_pytest(
        hostile("""
            import os
            def test_steal():
                assert False, "ENV=" + repr(sorted(os.environ.items()))
        """),
        sandbox,
    )
    message = only_failure(run)
    assert "ENV=" in message
    assert "sk-hostile" not in message and "QL_FAKE_API_KEY" not in message
    assert "sk-hostile" not in run.output_tail


@needs_root
def test_fork_bomb_is_stopped_and_the_next_run_works(sandbox: Sandbox) -> None:
    run = run_pytest(
        hostile("""
            import os
            def test_bomb():
                while True:
                    try:
                        os.fork()
                    except OSError:
                        pass
        """),
        sandbox,
    )
    assert run.timed_out, run.summary
    assert not run.ok
    assert "wall timeout" in run.summary
    assert_next_run_works(sandbox)


def test_memory_hog_hits_the_memory_limit(sandbox: Sandbox) -> None:
    run = run_pytest(
        hostile("""
            def test_hog():
                hoard = bytearray(2 * 1024 * 1024 * 1024)
                assert hoard
        """),
        sandbox,
    )
    assert run.failed == 1, run.summary
    assert "MemoryError" in only_failure(run)
    assert_next_run_works(sandbox)


def test_endless_loop_ignoring_sigterm_is_killed_at_the_wall_timeout(sandbox: Sandbox) -> None:
    run = run_pytest(
        hostile("""
            import signal
            def test_stubborn():
                signal.signal(signal.SIGTERM, signal.SIG_IGN)
                while True:
                    pass
        """),
        sandbox,
    )
    assert run.timed_out
    assert run.killed_reason == "wall timeout after 4s: process group killed"
    assert run.duration_s < LIMITS.wall_timeout_s + 3
    assert run.junit_error  # pytest never got to write its report
    assert_next_run_works(sandbox)


def test_output_flood_is_truncated_and_the_result_still_read(sandbox: Sandbox) -> None:
    run = run_pytest(
        hostile("""
            import atexit, os
            def flood():
                for _ in range(200):
                    os.write(1, b"x" * 100_000)
            def test_flood():
                atexit.register(flood)  # after pytest's capture is gone: straight to stdout
        """),
        sandbox,
    )
    assert run.output_truncated
    assert run.passed == 1
    assert "output truncated" in run.summary
    assert len(run.output_tail) <= 4096


def test_report_rewritten_by_the_tests_is_caught(sandbox: Sandbox) -> None:
    run = run_pytest(
        hostile("""
            import atexit, glob
            FORGED = '<testsuites><testsuite><testcase classname="t" name="test_fine"/>' \\
                '</testsuite></testsuites>'
            def forge():
                for report in glob.glob(".ql-junit-*.xml"):
                    open(report, "w").write(FORGED)
            def test_fails_but_lies():
                atexit.register(forge)
                assert False
        """),
        sandbox,
    )
    assert run.passed == 1 and run.failed == 0  # the forged report was read...
    assert run.report_warnings  # ...and caught against pytest's exit code and summary
    assert not run.ok
