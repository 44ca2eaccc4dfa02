"""Configuration and result models of the sandbox."""

from typing import Literal

from pydantic import Field

from quantumlayer_dagster.model import Model

IsolationMode = Literal["bwrap", "process", "k8s-job"]
"""``bwrap``: namespaces, no network (the default; required unless set otherwise).
``process``: rlimits and the uid drop only, for local development when set explicitly.
``k8s-job``: a pod of its own without network, token or secrets (in a cluster); it ranks
with ``bwrap``, the isolation it replaces where a pod cannot create namespaces."""
ISOLATION_RANK: dict[str, int] = {"process": 1, "bwrap": 2, "k8s-job": 2}
Limit = Literal["wall", "cpu", "memory", "processes", "output", "disk"]


class SandboxLimits(Model):
    """Resource limits applied to every sandboxed run."""

    wall_timeout_s: float = Field(default=120.0, gt=0)
    """Wall-clock time after which the whole process group (and pid namespace) is killed."""
    cpu_s: int = Field(default=60, ge=1)
    """CPU seconds per process (RLIMIT_CPU): SIGXCPU at the limit, SIGKILL a second later."""
    memory_mb: int = Field(default=1024, ge=64)
    """Address space per process (RLIMIT_AS), and total memory of the run (cgroup)."""
    file_size_mb: int = Field(default=64, ge=1)
    """Largest file a process may write (RLIMIT_FSIZE)."""
    max_processes: int = Field(default=64, ge=1)
    """Processes and threads of the run (cgroup pids.max) and of the sandbox uid
    (RLIMIT_NPROC; not enforced for root)."""
    open_files: int = Field(default=256, ge=16)
    """Open file descriptors per process (RLIMIT_NOFILE)."""
    max_output_bytes: int = Field(default=256 * 1024, ge=1024)
    """Bytes kept of stdout and of stderr each; the rest is drained and dropped."""
    tmpfs_mb: int = Field(default=64, ge=1)
    """Size of the private /tmp under bubblewrap."""
    disk_mb: int = Field(default=256, ge=1)
    """Size of the work folder (a tmpfs mounted for the run, where the host allows it)."""


class SandboxResult(Model):
    """What a sandboxed command did.

    ``exit_code`` follows the shell convention (128 + N when killed by signal N) and is None
    when the wall timeout killed it or it never ran. ``timed_out`` is True for the wall
    and the CPU time limit alike."""

    exit_code: int | None
    timed_out: bool
    stdout: str
    stderr: str
    output_truncated: bool
    duration_s: float
    isolation: str
    """How the command was isolated, e.g. ``bwrap (...)`` or ``process-only (...)``."""
    killed_reason: str | None = None
    limit: Limit | None = None
    """The limit that stopped the run (wall or CPU time, memory, processes, output, disk)."""
    isolation_mode: IsolationMode | None = None
    """The mode the command ran in; None when it did not run (sandbox unavailable)."""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out
