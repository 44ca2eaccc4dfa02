"""Archive parts: a gzipped tar of named byte strings whose digests go into the manifest, read
back member by member with every digest checked."""

import hashlib
import io
import tarfile
from collections.abc import Iterator
from pathlib import Path

from quantumlayer_dagster.backup.manifest import BackupInvalid, ObjectEntry

COMPRESS_LEVEL = 6
"""tarfile's default is 9: several times slower for a few per cent on JSON."""


class ArchiveWriter:
    """Add members one at a time; ``entries`` holds each member's digest."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.entries: dict[str, ObjectEntry] = {}
        self._tar = tarfile.open(  # noqa: SIM115 (closed by close(), as a context manager)
            path, "w:gz", compresslevel=COMPRESS_LEVEL, format=tarfile.PAX_FORMAT
        )

    def add(self, name: str, data: bytes, mtime_ns: int | None = None) -> None:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        info.mode = 0o644
        info.mtime = (mtime_ns or 0) // 1_000_000_000
        self._tar.addfile(info, io.BytesIO(data))
        self.entries[name] = ObjectEntry(
            sha256=hashlib.sha256(data).hexdigest(), size=len(data), mtime_ns=mtime_ns
        )

    def close(self) -> None:
        self._tar.close()

    def __enter__(self) -> "ArchiveWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def read_members(
    path: Path, expected: dict[str, ObjectEntry], part: str
) -> Iterator[tuple[str, bytes, ObjectEntry]]:
    """Each member of the archive with its manifest entry, once its digest was checked;
    BackupInvalid on a member the manifest does not list, one whose digest differs, anything
    but a regular file, or (at the end) a listed member that is missing."""
    seen: set[str] = set()
    try:
        with tarfile.open(path, "r:gz") as tar:
            for member in tar:
                entry = expected.get(member.name)
                if entry is None or not member.isreg() or member.name in seen:
                    raise BackupInvalid(
                        f"{part}: member {member.name!r} is not in the manifest: the backup was "
                        "changed; restore another one"
                    )
                handle = tar.extractfile(member)
                data = handle.read() if handle else b""
                if len(data) != entry.size or hashlib.sha256(data).hexdigest() != entry.sha256:
                    raise BackupInvalid(
                        f"{part}: {member.name!r} does not match its sha256 in the manifest: "
                        "the backup was changed or damaged; restore another one"
                    )
                seen.add(member.name)
                yield member.name, data, entry
    except (tarfile.TarError, EOFError, OSError) as exc:
        raise BackupInvalid(f"{part} cannot be read ({exc}): the backup is damaged") from None
    missing = sorted(set(expected) - seen)
    if missing:
        raise BackupInvalid(
            f"{part}: {len(missing)} listed members missing (first {missing[0]!r}): the backup "
            "is incomplete; restore another one"
        )
