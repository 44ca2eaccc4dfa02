"""Validation of file paths proposed by the LLM (untrusted input)."""

import re
from pathlib import PurePosixPath

from quantumlayer_dagster.artifacts.limits import MAX_PATH_CHARS

# \Z, not $: $ also matches before a final newline.
_SEGMENT = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_.\-]*\Z")


def check_relative_path(path: str) -> str:
    """Return ``path`` normalised, or raise ValueError saying why it is unsafe.

    Accepted: a relative POSIX path of plain segments (letters, digits, ``_ . -``),
    no absolute paths, no ``..`` or ``.`` segments, no backslashes, no hidden files.
    """
    if not path or not path.strip():
        raise ValueError("empty path")
    if len(path) > MAX_PATH_CHARS:
        raise ValueError(f"path longer than {MAX_PATH_CHARS} characters: {path[:40]}...")
    if "\\" in path or "\x00" in path:
        raise ValueError(f"path {path!r} contains a backslash or NUL")
    if path.startswith("/") or re.match(r"^[A-Za-z]:", path):
        raise ValueError(f"absolute path {path!r} is not allowed")
    parts = PurePosixPath(path).parts
    for part in parts:
        if part in ("..", "."):
            raise ValueError(f"path {path!r} has a {part!r} segment")
        if not _SEGMENT.match(part):
            raise ValueError(f"path {path!r} has an unsafe segment {part!r}")
    return str(PurePosixPath(*parts))


def check_unique(paths: list[str]) -> None:
    """Raise ValueError naming the first path that appears twice (case-insensitively)."""
    seen: set[str] = set()
    for p in paths:
        key = p.lower()
        if key in seen:
            raise ValueError(f"duplicate path {p!r}")
        seen.add(key)
