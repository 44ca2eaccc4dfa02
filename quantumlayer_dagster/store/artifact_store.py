"""The artifact store interface every stage output and capsule goes through."""

from typing import Protocol


class ArtifactNotFound(KeyError):
    """No object under that key."""


class ArtifactStore(Protocol):
    def put_bytes(self, key: str, data: bytes) -> str:
        """Store ``data`` under ``key`` atomically (never half-written under the final key);
        return a location a person can open (a path or URL)."""
        ...

    def get_bytes(self, key: str) -> bytes:
        """The object's bytes; ArtifactNotFound when absent."""
        ...

    def exists(self, key: str) -> bool: ...

    def list_keys(self, prefix: str) -> list[str]:
        """Keys under ``prefix``, sorted."""
        ...

    def location(self, key: str) -> str:
        """Where the object under ``key`` lives (path or URL), whether or not it exists."""
        ...
