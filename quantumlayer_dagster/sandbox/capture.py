"""Bounded capture of a child's output while waiting for it, with a wall deadline."""

import os
import selectors
import subprocess
import time
from collections.abc import Callable
from typing import IO

_CHUNK = 64 * 1024
_POLL_S = 0.05


class CappedOutput:
    """Keeps the first and last ``cap // 2`` bytes of a stream and counts what it drops.

    The tail is kept because test runners print their summary last."""

    def __init__(self, cap: int) -> None:
        self._head_cap = cap // 2
        self._tail_cap = cap - self._head_cap
        self._head = bytearray()
        self._tail = bytearray()
        self.dropped = 0

    def feed(self, data: bytes) -> None:
        room = self._head_cap - len(self._head)
        if room > 0:
            self._head += data[:room]
            data = data[room:]
        if not data:
            return
        self._tail += data
        excess = len(self._tail) - self._tail_cap
        if excess > 0:
            del self._tail[:excess]
            self.dropped += excess

    @property
    def truncated(self) -> bool:
        return self.dropped > 0

    def text(self) -> str:
        marker = f"\n[... {self.dropped} bytes dropped ...]\n".encode() if self.dropped else b""
        return bytes(self._head + marker + self._tail).decode("utf-8", errors="replace")


def has_exited(pid: int) -> bool:
    """True once child ``pid`` has exited, without reaping it: while it is an unreaped
    zombie its pid (and so its process group id) cannot be reused by another process."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is not None
    except ChildProcessError:  # reaped elsewhere (a waitpid(-1) in the host process)
        return True


class OutputPump:
    """Drains a child's stdout and stderr into capped buffers from one thread."""

    def __init__(self, proc: subprocess.Popen[bytes], cap: int) -> None:
        self.stdout = CappedOutput(cap)
        self.stderr = CappedOutput(cap)
        self._selector = selectors.DefaultSelector()
        self._streams = [s for s in (proc.stdout, proc.stderr) if s is not None]
        for stream, sink in ((proc.stdout, self.stdout), (proc.stderr, self.stderr)):
            if stream is not None:
                self._selector.register(stream, selectors.EVENT_READ, sink)

    def pump_until(self, done: Callable[[], bool], deadline: float) -> bool:
        """Drain until ``done()`` is true (returns True) or ``deadline`` passes (False)."""
        while not done():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            self._drain(min(remaining, _POLL_S))
        return True

    def drain_rest(self, grace_s: float) -> None:
        """Read what is left after the child is gone, until EOF or ``grace_s`` passes."""
        end = time.monotonic() + grace_s
        while self._selector.get_map() and time.monotonic() < end:
            self._drain(_POLL_S)
        self.close()

    def close(self) -> None:
        for key in list(self._selector.get_map().values()):
            self._selector.unregister(key.fileobj)
        self._selector.close()
        for stream in self._streams:
            stream.close()

    def _drain(self, timeout: float) -> None:
        if not self._selector.get_map():
            time.sleep(timeout)
            return
        for key, _ in self._selector.select(timeout):
            data = os.read(key.fd, _CHUNK)
            if data:
                key.data.feed(data)
            else:
                stream: IO[bytes] = key.fileobj  # type: ignore[assignment]
                self._selector.unregister(stream)
