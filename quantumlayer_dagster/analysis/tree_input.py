"""Loading any code tree from disk for the stand-alone commands (validate, scan, test, analyze).

The tree is untrusted input: ``load_tree`` never follows a link out of it, never reads a
file over the size limit, and turns every file it cannot use (unreadable, binary, not
UTF-8, too large, an unsafe name) into a ``SkippedFile`` with the reason, so the caller
reports it and still checks the rest. A bad root (missing, not a folder) raises
``CodeTreeInputError`` whose message says what to pass instead.

    tree = load_tree("path/to/project")      # raises CodeTreeInputError for a bad path
    tree.files                               # list[SourceFile], paths relative to the root
    tree.skipped                             # list[SkippedFile(path, reason)]
"""

import os
import stat
from pathlib import Path

from pydantic import Field, ValidationError

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.limits import MAX_FILE_BYTES, MAX_TREE_FILES
from quantumlayer_dagster.model import Model

EXCLUDED_DIRS = frozenset(
    {
        ".git",
        ".hg",
        ".svn",
        ".venv",
        "venv",
        "node_modules",
        "__pycache__",
        ".mypy_cache",
        ".pytest_cache",
        ".ruff_cache",
        ".tox",
        "target",
        "dist",
        "build",
    }
)
"""Folders of tools, caches and installed dependencies: not the project's own code."""

_BINARY_SNIFF_BYTES = 8192

MAX_REFERENCE_BYTES = 4 * 1024 * 1024
"""Largest Python file still read (not validated) for the names other files import from it."""


class CodeTreeInputError(Exception):
    """The path given cannot be loaded at all; the message names it and the fix."""


class SkippedFile(Model):
    """A file (or excluded folder) left out of the tree; ``path`` is relative to the root."""

    path: str
    reason: str


class LoadedTree(Model):
    """The usable files of a tree on disk plus everything left out, both sorted by path."""

    root: str
    files: list[SourceFile] = Field(default_factory=list)
    skipped: list[SkippedFile] = Field(default_factory=list)
    references: dict[str, str] = Field(default_factory=dict)
    """Python files skipped for their size but read for what they define (path -> text), so
    imports from them still resolve."""

    def file(self, path: str) -> SourceFile | None:
        return next((f for f in self.files if f.path == path), None)


def load_tree(
    path: str | os.PathLike[str],
    *,
    max_file_bytes: int = MAX_FILE_BYTES,
    max_files: int = MAX_TREE_FILES,
) -> LoadedTree:
    """Read every text file under ``path`` into ``SourceFile``s, reporting the rest.

    Folders in ``EXCLUDED_DIRS`` are skipped (reported once each). Links are read only
    when they point at a regular file inside the tree; links to folders are not followed.
    Files past ``max_files`` are skipped with that reason. Raises ``CodeTreeInputError``
    when ``path`` does not exist, is not a folder or cannot be listed.
    """
    root = _checked_root(path)
    files: list[SourceFile] = []
    skipped: list[SkippedFile] = []
    references: dict[str, str] = {}
    for rel, full in _walk(root, skipped):
        if len(files) >= max_files:
            skipped.append(SkippedFile(path=rel, reason=f"over the limit of {max_files} files"))
            continue
        source, reason = _read(root, rel, full, max_file_bytes)
        if source is not None:
            files.append(source)
            continue
        skipped.append(SkippedFile(path=rel, reason=reason))
        if rel.endswith(".py") and "-byte limit" in reason:
            text = _reference_text(root, full)
            if text is not None:
                references[rel] = text
    skipped.sort(key=lambda s: s.path)
    return LoadedTree(root=str(root), files=files, skipped=skipped, references=references)


def _reference_text(root: Path, full: Path) -> str | None:
    """An oversized file's text, read under the same link rules, up to MAX_REFERENCE_BYTES."""
    try:
        if full.is_symlink():
            full = full.resolve()
            if not full.is_relative_to(root):
                return None
        fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(MAX_REFERENCE_BYTES + 1)
        if len(data) > MAX_REFERENCE_BYTES or b"\x00" in data[:_BINARY_SNIFF_BYTES]:
            return None
        return data.decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return None


def _checked_root(path: str | os.PathLike[str]) -> Path:
    given = Path(path).expanduser()
    if not given.exists():
        raise CodeTreeInputError(f"{given}: no such file or folder; pass the project's folder")
    if not given.is_dir():
        raise CodeTreeInputError(f"{given}: not a folder; pass the folder holding the code")
    root = given.resolve()
    if not os.access(root, os.R_OK | os.X_OK):
        raise CodeTreeInputError(f"{given}: cannot be read (permission denied)")
    return root


def _walk(root: Path, skipped: list[SkippedFile]) -> list[tuple[str, Path]]:
    """(relative path, full path) of every non-folder entry, sorted; records excluded folders."""
    found: list[tuple[str, Path]] = []

    def on_error(exc: OSError) -> None:
        where = Path(exc.filename).relative_to(root).as_posix() if exc.filename else "."
        skipped.append(SkippedFile(path=where, reason=f"folder cannot be read: {exc.strerror}"))

    for folder, dirs, names in os.walk(root, onerror=on_error, followlinks=False):
        base = Path(folder)
        kept = []
        for name in sorted(dirs):
            full = base / name
            rel = full.relative_to(root).as_posix()
            if full.is_symlink():
                skipped.append(SkippedFile(path=rel, reason="link to a folder, not followed"))
            elif name in EXCLUDED_DIRS:
                skipped.append(SkippedFile(path=rel, reason="tool, cache or dependency folder"))
            else:
                kept.append(name)
        dirs[:] = kept  # os.walk descends only into what is left here
        found += [((base / n).relative_to(root).as_posix(), base / n) for n in names]
    return sorted(found)


def _read(root: Path, rel: str, full: Path, max_bytes: int) -> tuple[SourceFile | None, str]:
    """The file as a SourceFile, or None and the reason it was skipped."""
    try:
        if full.is_symlink():
            target = full.resolve()
            if not target.is_relative_to(root):
                return None, "link pointing outside the tree, not followed"
            full = target
        info = full.stat()
        if not stat.S_ISREG(info.st_mode):
            return None, "not a regular file"
        if info.st_size > max_bytes:
            return None, f"file is {info.st_size} bytes, over the {max_bytes}-byte limit"
        # O_NOFOLLOW: a file swapped for a link after the check above is still not followed
        fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW)
        with os.fdopen(fd, "rb") as handle:
            data = handle.read(max_bytes + 1)
    except OSError as exc:
        return None, f"cannot be read: {exc.strerror or exc}"
    if len(data) > max_bytes:
        return None, f"file grew past the {max_bytes}-byte limit while being read"
    if b"\x00" in data[:_BINARY_SNIFF_BYTES]:
        return None, "binary file (contains NUL bytes)"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return None, f"not UTF-8 text (invalid byte at offset {exc.start})"
    try:
        return SourceFile(path=rel, content=text), ""
    except ValidationError as exc:
        error = exc.errors()[0]
        what = "unusable file name" if error["loc"] == ("path",) else "rejected"
        return None, f"{what}: {error['msg'].removeprefix('Value error, ')}"
