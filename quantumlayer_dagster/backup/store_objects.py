"""Every object of an artifact or prompts store into an archive part, and back into a store."""

from pathlib import Path

from quantumlayer_dagster.backup.archive_files import ArchiveWriter, read_members
from quantumlayer_dagster.backup.manifest import ObjectEntry
from quantumlayer_dagster.store.artifact_store import ArtifactNotFound, ArtifactStore
from quantumlayer_dagster.store.local_dir import LocalDirStore


def archive_store(store: ArtifactStore, out: Path) -> dict[str, ObjectEntry]:
    """Write every object of ``store`` into the archive ``out``; the digest of each.

    An object gone between listing and reading (an upload moved to ``launched/``) is picked
    up under its new key by a second listing."""
    with ArchiveWriter(out) as archive:
        for _ in range(2):
            for key in store.list_keys(""):
                if key in archive.entries:
                    continue
                try:
                    data = store.get_bytes(key)
                except ArtifactNotFound:
                    continue
                mtime = store.mtime_ns(key) if isinstance(store, LocalDirStore) else None
                archive.add(key, data, mtime)
    return archive.entries


def count_objects(store: ArtifactStore) -> int:
    return len(store.list_keys(""))


def restore_store(
    archive: Path, expected: dict[str, ObjectEntry], part: str, store: ArtifactStore
) -> int:
    """Put every member of ``archive`` back into ``store`` (digests checked again on the way);
    how many."""
    count = 0
    for key, data, entry in read_members(archive, expected, part):
        if isinstance(store, LocalDirStore):
            store.restore_bytes(key, data, entry.mtime_ns)
        else:
            store.put_bytes(key, data)
        count += 1
    return count
