"""Where backups are kept: a folder, or a prefix in an S3 bucket (``s3://bucket/prefix``).

A location holds backups, one per sub-folder (``ql-backup-<UTC time>``); each backup is a
few part files and its manifest, written last."""

import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from quantumlayer_dagster.backup.manifest import MANIFEST_NAME, BackupInvalid
from quantumlayer_dagster.store.artifact_store import ArtifactNotFound

if TYPE_CHECKING:  # the minio SDK loads only for an S3 location
    from quantumlayer_dagster.store.minio_store import MinioStore, S3Connection

BACKUP_PREFIX = "ql-backup-"


class BackupLocation(Protocol):
    description: str
    """For messages: the folder or ``s3://bucket/prefix``."""

    def put_file(self, name: str, path: Path) -> None:
        """Store the local file ``path`` as ``name`` (whole or not at all)."""
        ...

    def get_file(self, name: str, path: Path) -> None:
        """Copy ``name`` into the local file ``path``; BackupInvalid when it is missing."""
        ...

    def exists(self, name: str) -> bool: ...

    def child(self, name: str) -> "BackupLocation":
        """The location of one backup inside this one."""
        ...

    def children(self) -> list[str]:
        """Names of the sub-folders, sorted (oldest backup first: names hold the time)."""
        ...

    def delete(self) -> None:
        """Remove everything under this location."""
        ...


class FolderLocation:
    def __init__(self, root: Path) -> None:
        self.root = root.resolve()
        self.description = str(self.root)

    def put_file(self, name: str, path: Path) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        target = self.root / name
        fd, tmp = tempfile.mkstemp(dir=self.root, prefix=f".{name}.", suffix=".part")
        try:
            with open(fd, "wb") as out, path.open("rb") as src:
                shutil.copyfileobj(src, out, 1 << 20)
                out.flush()
            Path(tmp).replace(target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def get_file(self, name: str, path: Path) -> None:
        try:
            shutil.copyfile(self.root / name, path)
        except FileNotFoundError:
            raise BackupInvalid(
                f"{self.root / name} is missing: the backup is incomplete"
            ) from None

    def exists(self, name: str) -> bool:
        return (self.root / name).is_file()

    def child(self, name: str) -> "FolderLocation":
        return FolderLocation(self.root / name)

    def children(self) -> list[str]:
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if p.is_dir())

    def delete(self) -> None:
        shutil.rmtree(self.root, ignore_errors=True)


class S3Location:
    def __init__(self, store: "MinioStore", prefix: str) -> None:
        self.store = store
        self.prefix = prefix.strip("/")
        self.description = f"s3://{store.bucket}/{self.prefix}".rstrip("/")

    def _key(self, name: str) -> str:
        return f"{self.prefix}/{name}" if self.prefix else name

    def put_file(self, name: str, path: Path) -> None:
        self.store.put_file(self._key(name), str(path))

    def get_file(self, name: str, path: Path) -> None:
        try:
            self.store.get_file(self._key(name), str(path))
        except ArtifactNotFound:
            raise BackupInvalid(
                f"{self.description}/{name} is missing: the backup is incomplete"
            ) from None

    def exists(self, name: str) -> bool:
        return self.store.exists(self._key(name))

    def child(self, name: str) -> "S3Location":
        return S3Location(self.store, self._key(name))

    def children(self) -> list[str]:
        base = f"{self.prefix}/" if self.prefix else ""
        names = {k[len(base) :].split("/", 1)[0] for k in self.store.list_keys(base)}
        return sorted(n for n in names if n and not n.endswith(MANIFEST_NAME))

    def delete(self) -> None:
        for key in self.store.list_keys(f"{self.prefix}/"):
            self.store.delete(key)


def open_location(
    text: str, s3_connection: "Callable[[], S3Connection]"
) -> FolderLocation | S3Location:
    """A folder path, or ``s3://bucket[/prefix]`` on the S3 server ``s3_connection()`` names."""
    if not text.startswith("s3://"):
        return FolderLocation(Path(text))
    bucket, _, prefix = text.removeprefix("s3://").partition("/")
    if not bucket:
        raise ValueError(f"{text!r} names no bucket: write s3://BUCKET/PREFIX")
    from quantumlayer_dagster.store.minio_store import MinioStore

    return S3Location(MinioStore(s3_connection(), bucket), prefix)


def backups_in(location: BackupLocation) -> list[str]:
    """Names of the complete backups (their manifest written) under ``location``, oldest first."""
    return [
        name
        for name in location.children()
        if name.startswith(BACKUP_PREFIX) and location.child(name).exists(MANIFEST_NAME)
    ]


def prune(location: BackupLocation, keep: int) -> list[str]:
    """Keep the newest ``keep`` complete backups; delete older ones, and incomplete ones
    older than the oldest kept (a newer incomplete one may be a backup being written).
    Returns the names deleted."""
    complete = backups_in(location)
    if len(complete) <= keep:
        return []
    kept = complete[-keep:] if keep else []
    oldest_kept = kept[0] if kept else None
    doomed = [
        name
        for name in location.children()
        if name.startswith(BACKUP_PREFIX)
        and name not in kept
        and (oldest_kept is None or name < oldest_kept)
    ]
    for name in doomed:
        location.child(name).delete()
    return doomed
