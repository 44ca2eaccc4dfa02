"""What a backup is taken from and restored into: one deployment's instance (its folder and,
for a platform, its Postgres database), its two stores and its vector memory."""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from quantumlayer_dagster.store.artifact_store import ArtifactStore


class PointStore(Protocol):
    """The vector memory as a backup sees it (``QdrantMemory``)."""

    location: str

    def export_points(self) -> list[dict[str, Any]]: ...

    def import_points(self, points: list[dict[str, Any]]) -> None: ...

    def count(self) -> int: ...


@dataclass
class Deployment:
    instance_folder: Path
    """``$DAGSTER_HOME``: the instance config, and for the local instance its SQLite files,
    the spend ledger and any other SQLite file kept beside them."""
    postgres_url: str | None
    """The instance's database on a platform (it holds the spend ledger and audit tables
    too); None for the local SQLite instance."""
    artifacts: ArtifactStore
    prompts: ArtifactStore
    memory: PointStore | None
    """None when the memory is turned off."""
    stores_where: str = ""
    """For messages: where the stores are."""
    tool_environment: dict[str, str] = field(default_factory=dict)
    """The environment pg_dump and pg_restore start with (PATH, locale); the connection is
    added from ``postgres_url``."""
