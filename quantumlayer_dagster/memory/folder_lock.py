"""Exclusive access to a Qdrant local-mode folder across processes, with a bounded wait.

Qdrant's local mode lets one client at a time open a storage folder and refuses a second
one outright. Every memory operation therefore takes this lock, opens the folder, does its
work and closes it, so concurrent runs (in other processes or threads) queue for a moment
instead of failing.
"""

import fcntl
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from quantumlayer_dagster.memory.protocol import MemoryUnavailable

POLL_S = 0.05


@contextmanager
def exclusive_access(lock_path: Path, wait_s: float, busy: str | None = None) -> Iterator[None]:
    """Hold an exclusive ``flock`` on ``lock_path`` for the block; wait at most ``wait_s``
    for another holder, then raise MemoryUnavailable with ``busy`` (by default: the memory
    folder is in use)."""
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    # flock belongs to the open file, so two opens in one process also exclude each other.
    with open(lock_path, "a+b") as handle:
        deadline = time.monotonic() + wait_s
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise MemoryUnavailable(
                        busy
                        or f"vector memory folder {lock_path.parent} stayed busy for "
                        f"{wait_s:g}s (another run is using it); raise the wait or use a "
                        "Qdrant server (QL_MEMORY_URL) for many concurrent runs"
                    ) from None
                time.sleep(POLL_S)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
