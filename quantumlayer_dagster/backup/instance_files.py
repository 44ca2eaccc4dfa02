"""The instance folder (``$DAGSTER_HOME``) into an archive part and back: every SQLite file
(the local instance's runs, event logs and schedules, the spend ledger, any audit file) as a
consistent copy taken with SQLite's online backup, every other file as it is."""

import sqlite3
import tempfile
from pathlib import Path

from quantumlayer_dagster.backup.archive_files import ArchiveWriter, read_members
from quantumlayer_dagster.backup.manifest import ObjectEntry

SQLITE_HEADER = b"SQLite format 3\x00"
TRANSIENT_SUFFIXES = ("-journal", "-wal", "-shm", ".lock", ".part")
"""Journals and locks: the online backup already folds a journal's committed pages in."""
INSTANCE_CONFIG = "dagster.yaml"
SQLITE_TIMEOUT_S = 30.0


def is_sqlite(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(len(SQLITE_HEADER)) == SQLITE_HEADER


def sqlite_snapshot(path: Path) -> bytes:
    """A consistent copy of the database at ``path``, even while another process writes it."""
    with tempfile.TemporaryDirectory(prefix="ql-sqlite-") as tmp:
        copy = Path(tmp) / "copy.db"
        source = sqlite3.connect(path, timeout=SQLITE_TIMEOUT_S)
        target = sqlite3.connect(copy)
        try:
            source.backup(target)
        finally:
            target.close()
            source.close()
        return copy.read_bytes()


def instance_files(folder: Path) -> list[Path]:
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.rglob("*")
        if p.is_file() and not p.is_symlink() and not p.name.endswith(TRANSIENT_SUFFIXES)
    )


def archive_instance_folder(folder: Path, out: Path) -> tuple[dict[str, ObjectEntry], list[str]]:
    """Archive ``folder``; the digest of each file, and which files are SQLite databases."""
    databases = []
    with ArchiveWriter(out) as archive:
        for path in instance_files(folder):
            name = path.relative_to(folder).as_posix()
            try:
                if is_sqlite(path):
                    data = sqlite_snapshot(path)
                    databases.append(name)
                else:
                    data = path.read_bytes()
            except FileNotFoundError:
                continue  # a temporary file that went away while we listed
            archive.add(name, data)
    return archive.entries, databases


def restore_instance_folder(
    archive: Path, expected: dict[str, ObjectEntry], part: str, folder: Path
) -> int:
    """Write the archived files into ``folder``; the target's own ``dagster.yaml`` is kept
    (its storage settings are the new deployment's). How many files were written."""
    count = 0
    for name, data, _entry in read_members(archive, expected, part):
        target = folder.joinpath(*name.split("/"))
        if not target.resolve().is_relative_to(folder.resolve()):
            continue  # read_members only yields names the manifest lists; belt and braces
        if name == INSTANCE_CONFIG and target.exists():
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        for suffix in ("-journal", "-wal", "-shm"):
            target.with_name(target.name + suffix).unlink(missing_ok=True)
        tmp = target.with_name(f".{target.name}.part")
        tmp.write_bytes(data)
        tmp.replace(target)
        count += 1
    return count
