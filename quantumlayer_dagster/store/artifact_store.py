"""The artifact store interface every stage output and capsule goes through."""

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


class ArtifactNotFound(KeyError):
    """No object under that key."""


class ArtifactStoreUnavailable(OSError):
    """The store cannot be reached (after bounded retries); the message says what to check."""


@dataclass(frozen=True)
class StoredObject:
    """One object as a listing sees it: enough to tell a new upload from one already seen."""

    key: str
    etag: str
    """Changes whenever the object's content is replaced."""
    size: int
    last_modified: datetime


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


class ObjectInbox(ArtifactStore, Protocol):
    """What the prompt-upload sensor needs beyond the artifact store: listings with etags,
    and moving an upload aside (to ``launched/`` or ``rejected/``)."""

    def list_objects(self, prefix: str) -> list[StoredObject]:
        """Objects under ``prefix`` with their etag, size and time, sorted by key."""
        ...

    def move(self, key: str, new_key: str) -> None:
        """Put the object under ``new_key``, then delete ``key``; a missing ``key`` is not an
        error (an earlier, interrupted move already finished)."""
        ...
