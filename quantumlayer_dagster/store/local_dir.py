"""The embedded default store: a local directory with the same key layout as the bucket."""

import os
import tempfile
from pathlib import Path

from quantumlayer_dagster.artifacts.paths import check_relative_path
from quantumlayer_dagster.store.artifact_store import ArtifactNotFound


class LocalDirStore:
    """Objects are files under ``root``; keys are validated relative paths."""

    def __init__(self, root: str | Path):
        self.root = Path(root).resolve()

    def _path(self, key: str) -> Path:
        return self.root / check_relative_path(key)

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
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return str(path)

    def get_bytes(self, key: str) -> bytes:
        try:
            return self._path(key).read_bytes()
        except FileNotFoundError:
            raise ArtifactNotFound(f"no artifact {key!r} under {self.root}") from None

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()

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

    def location(self, key: str) -> str:
        return str(self._path(key))
