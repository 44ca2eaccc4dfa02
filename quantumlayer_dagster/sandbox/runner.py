"""``Sandbox``: run a command on a throwaway folder under bwrap (or process-only) limits."""

import os
import shutil
import signal
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

from quantumlayer_dagster.sandbox import command
from quantumlayer_dagster.sandbox.capture import OutputPump, has_exited
from quantumlayer_dagster.sandbox.models import SandboxLimits, SandboxResult

_DRAIN_GRACE_S = 2.0


class Sandbox:
    """Runs untrusted commands with the isolation this host allows (see the package doc)."""

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        *,
        prefer_bwrap: bool = True,
        bwrap: str = "bwrap",
        readonly_paths: tuple[str, ...] | None = None,
    ) -> None:
        """``readonly_paths`` are host paths visible read-only under bwrap (default: the
        running interpreter's prefixes); set ``prefer_bwrap=False`` to force process-only."""
        self.limits = limits or SandboxLimits()
        self.readonly_paths = (
            readonly_paths if readonly_paths is not None else command.default_readonly_paths()
        )
        self._bwrap = bwrap
        self._problem = command.bwrap_problem(bwrap) if prefer_bwrap else "bwrap not requested"
        self.uses_bwrap = self._problem is None
        self.isolation = command.isolation_label(self.uses_bwrap, self._problem)

    @contextmanager
    def workspace(self) -> Iterator[Path]:
        """Yield a fresh empty folder for ``run``; it and everything in it is removed after.

        The folder sits in a root-owned 0711 parent, so the sandbox uid, which owns the
        folder during runs, cannot rename it or swap it for a symlink."""
        outer = Path(tempfile.mkdtemp(prefix="ql-sandbox-"))
        try:
            outer.chmod(0o711)
            work = outer / "work"
            work.mkdir(mode=0o755)
            yield work
        finally:
            shutil.rmtree(outer, ignore_errors=True)

    def run(
        self,
        argv: list[str],
        workdir: Path,
        *,
        env: dict[str, str] | None = None,
        readonly: tuple[str, ...] = (),
    ) -> SandboxResult:
        """Run ``argv`` in ``workdir`` (a throwaway folder, e.g. from ``workspace()``; it is
        handed to the sandbox uid) with only the scrubbed environment plus ``env``;
        ``readonly`` adds host paths visible read-only under bwrap (e.g. a tool's prefix).

        Returns exit code, captured (capped) output, timing and how it was isolated. Never
        raises for anything the command does; raises ValueError for a bad ``workdir``."""
        if not argv:
            raise ValueError("empty argv")
        workdir = Path(workdir).resolve()
        if not workdir.is_dir():
            raise ValueError(f"workdir {workdir} is not a directory")
        if command.is_root():
            _hand_over(workdir)
        wrapped = [*command.privilege_drop(), *command.rlimits(self.limits), *argv]
        if self.uses_bwrap:
            visible = self.readonly_paths + readonly
            prefix = command.bwrap_prefix(self._bwrap, workdir, visible, self.limits)
            wrapped = prefix + wrapped
        start = time.monotonic()
        proc = subprocess.Popen(
            wrapped,
            cwd=workdir,
            env=scrubbed_env(workdir, env),
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            start_new_session=True,
        )
        pump = OutputPump(proc, self.limits.max_output_bytes)
        try:
            finished = pump.pump_until(
                lambda: has_exited(proc.pid), start + self.limits.wall_timeout_s
            )
        finally:
            # Kill the group even after a normal exit: background children must not outlive
            # the run. Under bwrap, killing bwrap also tears down its pid namespace.
            _kill_group(proc.pid)
            code = proc.wait()
            pump.drain_rest(_DRAIN_GRACE_S)
        exit_code = _shell_code(code) if finished else None
        return SandboxResult(
            exit_code=exit_code,
            timed_out=not finished,
            stdout=pump.stdout.text(),
            stderr=pump.stderr.text(),
            output_truncated=pump.stdout.truncated or pump.stderr.truncated,
            duration_s=round(time.monotonic() - start, 3),
            isolation=self.isolation,
            killed_reason=killed_reason(self.limits, finished, exit_code),
        )


def killed_reason(limits: SandboxLimits, finished: bool, exit_code: int | None) -> str | None:
    """Why a sandboxed run was stopped (wall timeout, a limit, a signal), or None."""
    if not finished:
        return f"wall timeout after {limits.wall_timeout_s:g}s: process group killed"
    if exit_code is None or exit_code <= 128:
        return None
    try:
        sig = signal.Signals(exit_code - 128)
    except ValueError:
        return None
    if sig == signal.SIGXCPU:
        return f"CPU limit of {limits.cpu_s}s reached (SIGXCPU)"
    if sig == signal.SIGXFSZ:
        return f"file size limit of {limits.file_size_mb} MB reached (SIGXFSZ)"
    return f"killed by {sig.name}"


def scrubbed_env(workdir: Path, extra: dict[str, str] | None) -> dict[str, str]:
    """The whole environment a sandboxed command gets: nothing is inherited from the host."""
    env = {
        "PATH": command.SANDBOX_PATH,
        "HOME": str(workdir),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
    }
    env.update(extra or {})
    return env


def _shell_code(returncode: int) -> int:
    return 128 - returncode if returncode < 0 else returncode


def _kill_group(pgid: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(pgid, signal.SIGKILL)


def _hand_over(workdir: Path) -> None:
    """Give the tree to the sandbox uid without following links (fd-relative walk), and
    skip multiply-linked files: a hard link planted by an earlier run may point at a host
    file."""
    uid, gid = command.SANDBOX_UID, command.SANDBOX_GID
    os.chown(workdir, uid, gid, follow_symlinks=False)
    for _root, dirs, files, dir_fd in os.fwalk(workdir, follow_symlinks=False):
        for name in dirs + files:
            st = os.stat(name, dir_fd=dir_fd, follow_symlinks=False)
            if stat.S_ISLNK(st.st_mode) or (stat.S_ISREG(st.st_mode) and st.st_nlink > 1):
                continue
            os.chown(name, uid, gid, dir_fd=dir_fd, follow_symlinks=False)
