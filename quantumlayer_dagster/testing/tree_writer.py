"""Writing generated files to disk, for tools that read a tree (pytest, bandit)."""

import os
from pathlib import Path

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.paths import check_relative_path


def write_source_files(files: list[SourceFile], root: Path) -> None:
    """Write every file under ``root``; raise ValueError for a path that would land outside
    it. Never follows a link and never overwrites: each file is created new."""
    base = root.resolve()
    for source in files:
        target = base / check_relative_path(source.path)
        if not target.resolve().is_relative_to(base):
            raise ValueError(f"{source.path!r} resolves outside the project folder")
        target.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(source.content)
