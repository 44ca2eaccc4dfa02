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

from quantumlayer_dagster.observability.traced_calls import traced_sandbox_run
from quantumlayer_dagster.sandbox import command
from quantumlayer_dagster.sandbox.capture import OutputPump, has_exited
from quantumlayer_dagster.sandbox.cgroup import SandboxCgroup
from quantumlayer_dagster.sandbox.models import IsolationMode, Limit, SandboxLimits, SandboxResult

_DRAIN_GRACE_S = 2.0
_NPROC_BACKSTOP = 4


class Sandbox:
    """Runs untrusted commands with the isolation this host allows (see the package doc)."""

    def __init__(
        self,
        limits: SandboxLimits | None = None,
        *,
        mode: IsolationMode = "bwrap",
        bwrap: str = "bwrap",
        readonly_paths: tuple[str, ...] | None = None,
    ) -> None:
        """``mode`` "bwrap" (default) never falls back: without a usable bubblewrap every
        run is refused (``unavailable`` says why and how to fix it); "process" runs without
        namespaces and must be asked for. ``readonly_paths`` are host paths visible
        read-only under bwrap (default: the running interpreter's prefixes)."""
        self.limits = limits or SandboxLimits()
        self.mode: IsolationMode = mode
        self.readonly_paths = (
            readonly_paths if readonly_paths is not None else command.default_readonly_paths()
        )
        self._bwrap = bwrap
        problem = command.bwrap_problem(bwrap) if mode == "bwrap" else None
        self.unavailable = (
            f"sandbox unavailable ({problem}): install bubblewrap, or set "
            "QL_SANDBOX_ISOLATION=process for local development without isolation"
            if problem
            else None
        )
        self.uses_bwrap = mode == "bwrap" and problem is None
        self.isolation = command.isolation_label(mode, problem)

    @contextmanager
    def workspace(self) -> Iterator[Path]:
        """Yield a fresh empty folder for ``run``; it and everything in it is removed after.

        The folder sits in a root-owned 0711 parent, so the sandbox uid, which owns the
        folder during runs, cannot rename it or swap it for a symlink. As root it is a
        tmpfs of ``limits.disk_mb``: what a run writes there is bounded in total."""
        outer = Path(tempfile.mkdtemp(prefix="ql-sandbox-"))
        work = outer / "work"
        try:
            outer.chmod(0o711)
            work.mkdir(mode=0o755)
            _mount_tmpfs(work, self.limits.disk_mb)
            yield work
        finally:
            if os.path.ismount(work):
                subprocess.run(["umount", "-l", str(work)], capture_output=True, check=False)
            shutil.rmtree(outer, ignore_errors=True)

    @traced_sandbox_run
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
        if self.unavailable:
            return self._refused()
        if command.is_root():
            _hand_over(workdir)
        cgroup, cgroup_note = (
            SandboxCgroup.create(self.limits.memory_mb, self.limits.max_processes)
            if command.is_root()
            else (None, "no cgroup: not root")
        )
        # With a cgroup, pids.max is this run's limit; RLIMIT_NPROC counts every process of
        # the shared sandbox uid, so it stays only as a looser host-wide backstop.
        nproc = self.limits.max_processes * _NPROC_BACKSTOP if cgroup is not None else None
        limits = command.rlimits(self.limits, nproc=nproc)
        wrapped = [*command.privilege_drop(), *limits, *argv]
        if self.uses_bwrap:
            visible = self.readonly_paths + readonly
            prefix = command.bwrap_prefix(self._bwrap, workdir, visible, self.limits)
            wrapped = prefix + wrapped
        if cgroup is not None:
            wrapped = cgroup.join_argv() + wrapped
        disk_note = "disk: tmpfs" if os.path.ismount(workdir) else "disk: per-file limit only"
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
        hits: set[str] = set()
        cpu_used = 0.0
        try:
            finished = pump.pump_until(
                lambda: has_exited(proc.pid), start + self.limits.wall_timeout_s
            )
        finally:
            # Kill the group even after a normal exit: background children must not outlive
            # the run. Under bwrap, killing bwrap also tears down its pid namespace; the
            # cgroup catches processes that left the group with setsid().
            _kill_group(proc.pid)
            if cgroup is not None:
                hits = cgroup.limits_hit()
                cgroup.kill_and_remove()
            code, cpu_used = _reap(proc)
            pump.drain_rest(_DRAIN_GRACE_S)
        exit_code = _shell_code(code) if finished else None
        truncated = pump.stdout.truncated or pump.stderr.truncated
        limit = self._limit(finished, exit_code, hits, cpu_used, truncated, workdir)
        return SandboxResult(
            exit_code=exit_code,
            timed_out=limit in ("wall", "cpu"),
            stdout=pump.stdout.text(),
            stderr=pump.stderr.text(),
            output_truncated=truncated,
            duration_s=round(time.monotonic() - start, 3),
            isolation=self.isolation.removesuffix(")") + f"; {cgroup_note}; {disk_note})",
            killed_reason=killed_reason(self.limits, limit, exit_code),
            limit=limit,
            isolation_mode=self.mode,
        )

    def _refused(self) -> SandboxResult:
        return SandboxResult(
            exit_code=None,
            timed_out=False,
            stdout="",
            stderr="",
            output_truncated=False,
            duration_s=0.0,
            isolation=self.isolation,
            killed_reason=self.unavailable,
        )

    def _limit(
        self,
        finished: bool,
        exit_code: int | None,
        cgroup_hits: set[str],
        cpu_used: float,
        truncated: bool,
        workdir: Path,
    ) -> Limit | None:
        """Which limit stopped (or cut) the run, from evidence outside the sandbox: the
        clock, the signal that ended it, the cgroup's event counters, the work folder."""
        if not finished:
            return "wall"
        sig = exit_code - 128 if exit_code is not None and exit_code > 128 else None
        if sig == signal.SIGXCPU or (sig == signal.SIGKILL and cpu_used >= self.limits.cpu_s):
            return "cpu"
        if "memory" in cgroup_hits:
            return "memory"
        if "processes" in cgroup_hits:
            return "processes"
        if sig == signal.SIGXFSZ or _is_full(workdir):
            return "disk"
        return "output" if truncated else None


def killed_reason(limits: SandboxLimits, limit: Limit | None, exit_code: int | None) -> str | None:
    """Why a sandboxed run was stopped: the ``limit`` it hit, else the signal, else None."""
    xcpu = exit_code == 128 + signal.SIGXCPU
    reasons: dict[Limit, str] = {
        "wall": f"wall timeout after {limits.wall_timeout_s:g}s: process group killed",
        "cpu": f"CPU limit of {limits.cpu_s}s reached ({'SIGXCPU' if xcpu else 'SIGKILL'})",
        "memory": f"memory limit of {limits.memory_mb} MB for the whole sandbox reached",
        "processes": f"process limit of {limits.max_processes} for the whole sandbox reached",
        "disk": f"disk limit reached ({limits.file_size_mb} MB per file, "
        f"{limits.disk_mb} MB in the work folder)",
        "output": f"output limit of {limits.max_output_bytes} bytes per stream reached",
    }
    if limit is not None:
        return reasons[limit]
    if exit_code is None or exit_code <= 128:
        return None
    try:
        return f"killed by {signal.Signals(exit_code - 128).name}"
    except ValueError:
        return None


def signal_limit(timed_out: bool, exit_code: int | None, truncated: bool) -> Limit | None:
    """The limit a run hit, from what is known outside it without a cgroup: the deadline, the
    rlimit signals (SIGXCPU, SIGXFSZ), the output cap."""
    if timed_out:
        return "wall"
    sig = exit_code - 128 if exit_code is not None and exit_code > 128 else None
    if sig == signal.SIGXCPU:
        return "cpu"
    if sig == signal.SIGXFSZ:
        return "disk"
    return "output" if truncated else None


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


def _reap(proc: subprocess.Popen[bytes]) -> tuple[int, float]:
    """Wait for the child; its return code and the CPU seconds it and its reaped
    descendants used."""
    try:
        _, status, usage = os.wait4(proc.pid, 0)
    except ChildProcessError:  # reaped elsewhere
        return proc.wait(), 0.0
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, usage.ru_utime + usage.ru_stime


def _mount_tmpfs(work: Path, size_mb: int) -> None:
    """Make ``work`` a tmpfs of ``size_mb`` (root with CAP_SYS_ADMIN only; elsewhere the
    folder stays on the host disk, bounded per file by RLIMIT_FSIZE)."""
    if not command.is_root() or shutil.which("mount") is None:
        return
    options = f"size={size_mb}m,mode=0755,nosuid,nodev"
    subprocess.run(
        ["mount", "-t", "tmpfs", "-o", options, "ql-sandbox", str(work)],
        capture_output=True,
        check=False,
    )


def _is_full(workdir: Path) -> bool:
    """A tmpfs work folder with (almost) no room left: the disk limit stopped a write."""
    if not os.path.ismount(workdir):
        return False
    with suppress(OSError):
        info = os.statvfs(workdir)
        return info.f_bavail * info.f_frsize < 64 * 1024
    return False


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
