"""Configuration and result models of the sandbox."""

from pydantic import BaseModel, Field


class SandboxLimits(BaseModel):
    """Resource limits applied to every sandboxed run."""

    wall_timeout_s: float = Field(default=120.0, gt=0)
    """Wall-clock time after which the whole process group (and pid namespace) is killed."""
    cpu_s: int = Field(default=60, ge=1)
    """CPU seconds per process (RLIMIT_CPU): SIGXCPU at the limit, SIGKILL a second later."""
    memory_mb: int = Field(default=1024, ge=64)
    """Address space per process (RLIMIT_AS)."""
    file_size_mb: int = Field(default=64, ge=1)
    """Largest file a process may write (RLIMIT_FSIZE)."""
    max_processes: int = Field(default=64, ge=1)
    """Processes and threads of the sandbox uid (RLIMIT_NPROC; not enforced for root)."""
    open_files: int = Field(default=256, ge=16)
    """Open file descriptors per process (RLIMIT_NOFILE)."""
    max_output_bytes: int = Field(default=256 * 1024, ge=1024)
    """Bytes kept of stdout and of stderr each; the rest is drained and dropped."""
    tmpfs_mb: int = Field(default=64, ge=1)
    """Size of the private /tmp under bubblewrap."""


class SandboxResult(BaseModel):
    """What a sandboxed command did.

    ``exit_code`` follows the shell convention (128 + N when killed by signal N) and is None
    when the wall timeout killed it."""

    exit_code: int | None
    timed_out: bool
    stdout: str
    stderr: str
    output_truncated: bool
    duration_s: float
    isolation: str
    """How the command was isolated, e.g. ``bwrap (...)`` or ``process-only (...)``."""
    killed_reason: str | None = None

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.timed_out
