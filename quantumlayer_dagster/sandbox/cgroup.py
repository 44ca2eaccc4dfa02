"""A cgroup per sandboxed run: total memory and total processes of everything it starts.

rlimits are per process (RLIMIT_AS) or per uid (RLIMIT_NPROC, shared by every sandbox of
uid 65534); a cgroup bounds the run as a whole and lets us kill every process in it, even
one that called setsid() to leave the process group. cgroup v2 is used when the unified
hierarchy delegates the memory and pids controllers to our cgroup; else the v1 memory and
pids hierarchies when they are mounted writable (as on this host); else there is none and
the run says so (``isolation``: "no cgroup: ...").
"""

import os
import secrets
import shlex
import signal
import time
from contextlib import suppress
from pathlib import Path

_ROOT = Path("/sys/fs/cgroup")
_REMOVE_WAIT_S = 2.0


class SandboxCgroup:
    """Per-run cgroup directories (one for v2, two for v1) with their limits set."""

    def __init__(self, version: int, dirs: dict[str, Path]) -> None:
        self.version = version
        self.dirs = dirs
        """controller ("memory", "pids"; "unified" for v2) -> cgroup directory"""

    @classmethod
    def create(cls, memory_mb: int, max_processes: int) -> "tuple[SandboxCgroup | None, str]":
        """A new cgroup with ``memory_mb`` total memory and ``max_processes`` tasks, and
        a one-line description; (None, why not) when this host does not allow one."""
        name = f"ql-sandbox-{secrets.token_hex(6)}"
        memory = str(memory_mb * 1024 * 1024)
        v2 = _v2_parent()
        if v2 is not None:
            group = v2 / name
            try:
                group.mkdir()
                (group / "memory.max").write_text(memory)
                (group / "pids.max").write_text(str(max_processes))
                if (group / "memory.swap.max").exists():
                    (group / "memory.swap.max").write_text("0")
            except OSError as exc:
                _remove(group)
                return None, f"no cgroup: cgroup v2 refused ({exc.strerror})"
            return cls(2, {"unified": group}), "cgroup v2 memory+pids"
        made: dict[str, Path] = {}
        try:
            for controller in ("memory", "pids"):
                base = _ROOT / controller
                if not (base / "cgroup.procs").exists():
                    raise FileNotFoundError(f"no writable v1 {controller} hierarchy")
                group = base / _own_path(controller) / name
                group.mkdir()
                made[controller] = group
            (made["memory"] / "memory.limit_in_bytes").write_text(memory)
            with suppress(OSError):  # absent without swap accounting
                (made["memory"] / "memory.memsw.limit_in_bytes").write_text(memory)
            (made["pids"] / "pids.max").write_text(str(max_processes))
        except OSError as exc:
            for group in made.values():
                _remove(group)
            return None, f"no cgroup: {exc.strerror or exc}"
        return cls(1, made), "cgroup v1 memory+pids"

    def join_argv(self) -> list[str]:
        """A ``sh`` prefix that moves itself into the cgroup, then execs the rest; if it
        cannot join, it does not run the command (fail closed)."""
        steps = [f"echo $$ > {shlex.quote(str(d / 'cgroup.procs'))}" for d in self.dirs.values()]
        return ["/bin/sh", "-c", " && ".join([*steps, 'exec "$@"']), "ql-sandbox"]

    def limits_hit(self) -> set[str]:
        """Which whole-sandbox limits stopped something: "memory" (an OOM kill) and/or
        "processes" (a fork refused at pids.max)."""
        hit: set[str] = set()
        if self.version == 2:
            group = self.dirs["unified"]
            if _count(group / "memory.events", "oom_kill") > 0:
                hit.add("memory")
            if _count(group / "pids.events", "max") > 0:
                hit.add("processes")
            return hit
        if _count(self.dirs["memory"] / "memory.oom_control", "oom_kill") > 0:
            hit.add("memory")
        if _count(self.dirs["pids"] / "pids.events", "max") > 0:
            hit.add("processes")
        return hit

    def kill_and_remove(self) -> None:
        """SIGKILL every process still in the cgroup (detached ones included), then remove
        the cgroup once it is empty."""
        end = time.monotonic() + _REMOVE_WAIT_S
        for group in self.dirs.values():
            while True:
                pids = _pids(group)
                if not pids or time.monotonic() > end:
                    break
                if self.version == 2 and (group / "cgroup.kill").exists():
                    with suppress(OSError):
                        (group / "cgroup.kill").write_text("1")
                for pid in pids:
                    with suppress(ProcessLookupError, PermissionError):
                        os.kill(pid, signal.SIGKILL)
                time.sleep(0.02)
            _remove(group)


def _own_path(controller: str) -> str:
    """This process's cgroup path in a v1 hierarchy (or v2's, controller "")."""
    with suppress(OSError):
        for line in Path("/proc/self/cgroup").read_text().splitlines():
            _, names, path = line.split(":", 2)
            if controller in names.split(",") or (not controller and names == ""):
                return path.lstrip("/")
    return ""


def _v2_parent() -> Path | None:
    """Our v2 cgroup when it delegates memory and pids to children, else None."""
    for mount in (_ROOT, _ROOT / "unified"):
        if not (mount / "cgroup.controllers").exists():
            continue
        parent = mount / _own_path("")
        with suppress(OSError):
            enabled = (parent / "cgroup.subtree_control").read_text().split()
            if {"memory", "pids"} <= set(enabled):
                return parent
    return None


def _count(path: Path, key: str) -> int:
    with suppress(OSError, ValueError):
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    return 0


def _pids(group: Path) -> list[int]:
    with suppress(OSError, ValueError):
        return [int(p) for p in (group / "cgroup.procs").read_text().split()]
    return []


def _remove(group: Path) -> None:
    with suppress(OSError):
        group.rmdir()
