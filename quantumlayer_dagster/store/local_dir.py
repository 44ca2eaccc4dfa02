"""The embedded default store: a local directory with the same key layout as the bucket."""

import errno
import os
import re
import tempfile
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath

from quantumlayer_dagster.artifacts.paths import check_relative_path
from quantumlayer_dagster.store.artifact_store import (
    ArtifactNotFound,
    ArtifactStoreUnavailable,
    StoredObject,
)

_DISK_FULL = (errno.ENOSPC, errno.EDQUOT)


class LocalDirStore:
    """Objects are files under ``root``; keys are validated relative paths."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_relative_path(key)

    def _object_path(self, key: str) -> Path:
        """A key as found by a listing: uploads may carry names (spaces, accents) that keys
        we write never do, so only escaping the root is refused here."""
        parts = PurePosixPath(key).parts
        if (
            not key.strip()
            or "\x00" in key
            or key.startswith("/")
            or re.match(r"^[A-Za-z]:", key)
            or any(p in ("..", ".") for p in parts)
        ):
            raise ValueError(f"key {key!r} is not a relative path inside the store")
        return self.root.joinpath(*parts)

    def put_bytes(self, key: str, data: bytes) -> str:
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        # Write to a temporary file in the same folder, then rename: readers see the old
        # object or the new one, never a partial one.
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException as exc:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(exc, OSError) and exc.errno in _DISK_FULL:
                raise ArtifactStoreUnavailable(
                    f"local store {self.root}: no space left on its disk writing {key} "
                    f"({os.strerror(exc.errno)}): free space there (QL_HOME), then re-execute "
                    "the run from failure; nothing half-written was kept"
                ) from None
            raise
        return str(path)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._object_path(key).read_bytes()
        except FileNotFoundError:
            raise ArtifactNotFound(f"no artifact {key!r} under {self.root}") from None

    def exists(self, key: str) -> bool:
        return self._object_path(key).is_file()

    def list_keys(self, prefix: str) -> list[str]:
        # Validated like a key, so ``..`` or an absolute prefix cannot list outside the root.
        folder = prefix.rstrip("/")
        base = self._path(folder) if folder else self.root
        if not base.exists():
            return []
        return sorted(
            str(p.relative_to(self.root))
            for p in base.rglob("*")
            if p.is_file() and not p.name.endswith(".part")
        )

    def list_objects(self, prefix: str) -> list[StoredObject]:
        """Files under ``prefix``; the etag is mtime and size, which change on every write
        (a rename or replace gives a new mtime)."""
        found = []
        for key in self.list_keys(prefix):
            st = (self.root / key).stat()
            found.append(
                StoredObject(
                    key=key,
                    etag=f"{st.st_mtime_ns:x}-{st.st_size:x}",
                    size=st.st_size,
                    last_modified=datetime.fromtimestamp(st.st_mtime, UTC),
                )
            )
        return found

    def move(self, key: str, new_key: str) -> None:
        source = self._object_path(key)
        target = self._path(new_key)
        target.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.replace(source, target)
        except FileNotFoundError:
            if source.exists():
                raise

    def location(self, key: str) -> str:
        return str(self._path(key))

    def mtime_ns(self, key: str) -> int:
        """The object's modification time: part of its listing etag."""
        return self._object_path(key).stat().st_mtime_ns

    def restore_bytes(self, key: str, data: bytes, mtime_ns: int | None = None) -> None:
        """Write an object read back from a backup under the key it was listed with (an
        upload's name may hold what our own keys never do) and, given one, its old
        modification time, so its etag is the one the upload sensor's cursor remembers."""
        path = self._object_path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".restore.", suffix=".part")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
            if mtime_ns is not None:
                os.utime(tmp, ns=(mtime_ns, mtime_ns))
            os.replace(tmp, path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
