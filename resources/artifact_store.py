"""Artifact store resource: where every request's artifacts and capsules live."""

import dagster as dg

from quantumlayer_dagster.store.artifact_store import ArtifactStore
from quantumlayer_dagster.store.local_dir import LocalDirStore


class ArtifactStoreResource(dg.ConfigurableResource):
    """The embedded default is a local directory with the bucket's key layout."""

    root: str = ".ql/artifacts"

    def store(self) -> ArtifactStore:
        return LocalDirStore(self.root)
