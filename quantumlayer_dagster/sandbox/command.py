"""The command line that wraps a sandboxed argv: bwrap, then the uid drop, then rlimits."""

import functools
import os
import shutil
import subprocess
import sys
from pathlib import Path, PurePosixPath

from quantumlayer_dagster.sandbox.models import SandboxLimits

SANDBOX_UID = 65534
SANDBOX_GID = 65534
SANDBOX_PATH = "/usr/local/bin:/usr/bin:/bin"

_MERGED_USR = ("/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# World-readable bits of /etc that programs commonly need; the rest of /etc stays hidden.
_ETC_FILES = (
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/localtime",
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/ssl",
    "/etc/mime.types",
)
# Root has CAP_SYS_ADMIN, so bwrap makes these namespaces without a user namespace; a user
# namespace would map the sandbox uid back to host root, where RLIMIT_NPROC is not enforced.
_ROOT_NAMESPACES = (
    "--unshare-net",
    "--unshare-pid",
    "--unshare-ipc",
    "--unshare-uts",
    "--unshare-cgroup-try",
)
_USER_NAMESPACES = ("--unshare-all",)


def is_root() -> bool:
    return os.geteuid() == 0


def default_readonly_paths() -> tuple[str, ...]:
    """The running interpreter's prefixes, so ``sys.executable`` works inside bwrap."""
    return tuple(dict.fromkeys((sys.prefix, sys.base_prefix, sys.exec_prefix)))


def _namespaces() -> tuple[str, ...]:
    return _ROOT_NAMESPACES if is_root() else _USER_NAMESPACES


@functools.cache
def bwrap_problem(bwrap: str = "bwrap") -> str | None:
    """Why bubblewrap cannot sandbox here (missing, or namespaces refused); None when it can."""
    exe = shutil.which(bwrap)
    if exe is None:
        return f"{bwrap} not found"
    probe = [exe, *_namespaces(), "--ro-bind", "/", "/", "--", "/bin/true"]
    try:
        done = subprocess.run(probe, capture_output=True, timeout=10, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bwrap probe failed: {exc}"
    if done.returncode != 0:
        return f"bwrap cannot create namespaces: {done.stderr.decode(errors='replace').strip()}"
    return None


def isolation_label(mode: str, problem: str | None) -> str:
    """The honest one-line description stored in every ``SandboxResult``."""
    uid = f"uid {SANDBOX_UID}" if is_root() else "no uid drop: not root"
    if mode == "bwrap" and problem is None:
        return f"bwrap (no network; private pid/ipc/uts namespaces, /tmp and mounts; {uid})"
    if mode == "bwrap":
        return f"none (not run: {problem})"
    return f"process-only (no network isolation; set explicitly; {uid})"


def privilege_drop() -> list[str]:
    """setpriv argv that makes the real, effective and saved uid/gid the sandbox's, with no
    supplementary groups, no capabilities and no way back through setuid binaries."""
    if not is_root():
        return []
    return [
        shutil.which("setpriv") or "/usr/bin/setpriv",
        f"--reuid={SANDBOX_UID}",
        f"--regid={SANDBOX_GID}",
        "--clear-groups",
        "--inh-caps=-all",
        "--bounding-set=-all",
        "--no-new-privs",
        "--",
    ]


def rlimits(limits: SandboxLimits, *, nproc: int | None = None) -> list[str]:
    """prlimit argv; it runs after the uid drop, since a later setuid could fail on NPROC.
    ``nproc`` overrides RLIMIT_NPROC (a uid-wide backstop when a cgroup bounds the run)."""
    prlimit = shutil.which("prlimit")
    if prlimit is None:
        raise RuntimeError(
            "prlimit not found: install util-linux; the sandbox never runs unlimited"
        )
    mb = 1024 * 1024
    return [
        prlimit,
        f"--cpu={limits.cpu_s}:{limits.cpu_s + 1}",
        f"--as={limits.memory_mb * mb}",
        f"--fsize={limits.file_size_mb * mb}",
        f"--nproc={nproc or limits.max_processes}",
        f"--nofile={limits.open_files}",
        "--core=0",
        "--",
    ]


def bwrap_prefix(
    bwrap: str, workdir: Path, readonly: tuple[str, ...], limits: SandboxLimits
) -> list[str]:
    """bwrap argv: a fresh root with read-only system dirs, ``readonly`` paths, a private
    /tmp, and ``workdir`` as the only writable host folder."""
    args = [bwrap, "--die-with-parent", *_namespaces(), "--hostname", "sandbox"]
    args += ["--ro-bind", "/usr", "/usr"]
    for top in _MERGED_USR:
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--perms", "0755", "--dir", "/etc"]
    for path in _ETC_FILES:
        args += ["--ro-bind-try", path, path]
    args += ["--dev", "/dev", "--proc", "/proc"]
    args += ["--perms", "01777", "--size", str(limits.tmpfs_mb * 1024 * 1024), "--tmpfs", "/tmp"]
    made: set[str] = {"/", "/usr", "/etc", "/tmp", "/dev", "/proc"}
    for path in _outermost(readonly):
        args += [*_parents(path, made), "--ro-bind", path, path]
    args += [*_parents(str(workdir), made), "--bind", str(workdir), str(workdir)]
    return [*args, "--chdir", str(workdir), "--"]


def _outermost(paths: tuple[str, ...]) -> list[str]:
    """Existing paths not already under /usr or under another listed path."""
    real = sorted({os.path.abspath(p) for p in paths if os.path.exists(p)})
    kept: list[str] = []
    for p in real:
        pp = PurePosixPath(p)
        if pp.is_relative_to("/usr") or any(pp.is_relative_to(k) for k in kept):
            continue
        kept.append(p)
    return kept


def _parents(path: str, made: set[str]) -> list[str]:
    """bwrap creates missing parents as 0700, unreadable to the sandbox uid: make them 0755."""
    args: list[str] = []
    for parent in reversed(PurePosixPath(path).parents):
        key = str(parent)
        if key not in made:
            made.add(key)
            args += ["--perms", "0755", "--dir", key]
    return args
