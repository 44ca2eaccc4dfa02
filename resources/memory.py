"""VectorMemoryResource: the vector memory of past requests (Qdrant, local folder or server)."""

from pathlib import Path

import dagster as dg
from pydantic import PrivateAttr

from quantumlayer_dagster.memory.embedder import EmbeddingService, embedder_named
from quantumlayer_dagster.memory.protocol import Memory
from quantumlayer_dagster.settings import Settings, setting_default
from resources.environment import bound_to_env


class VectorMemoryResource(dg.ConfigurableResource):
    """Where past requests are remembered and how their briefs are embedded.

    ``url`` selects a Qdrant server; otherwise ``path`` is a local-mode folder. ``embedder``
    is ``minilm`` (the packaged all-MiniLM-L6-v2, offline) or a litellm embedding model name.
    ``enabled=False`` turns memory off: stages then run without it.
    """

    enabled: bool = True
    path: str = ""
    url: str = ""
    collection: str = setting_default("memory_collection")
    embedder: str = setting_default("memory_embedder")
    embedding_api_base: str = ""
    embedding_service: str = setting_default("memory_embedding_service")
    """``local`` (the machine's service, started on first use) or ``process``."""
    api_key: str = ""
    """The Qdrant server's API key; Definitions bind it to ``EnvVar("QL_MEMORY_API_KEY")``."""
    wait_s: float = 30.0
    """Longest wait for a local folder another run is using, and the server timeout."""

    _memory: Memory | None = PrivateAttr(default=None)

    @classmethod
    def from_settings(cls, settings: Settings) -> "VectorMemoryResource":
        """The memory the settings describe (``QL_MEMORY*`` variables); the URLs are bound
        as ``dg.EnvVar`` when they came from the environment, so initialise the resource
        (Dagster does; elsewhere ``process_config_and_initialize()``) before use."""
        return cls(
            enabled=settings.memory_enabled,
            path=str(settings.memory_dir),
            url=bound_to_env("QL_MEMORY_URL", settings.memory_url or ""),
            collection=settings.memory_collection,
            embedder=settings.memory_embedder,
            embedding_api_base=bound_to_env(
                "QL_MEMORY_EMBEDDING_API_BASE", settings.memory_embedding_api_base or ""
            ),
            embedding_service=settings.memory_embedding_service,
            api_key=dg.EnvVar("QL_MEMORY_API_KEY") if settings.memory_api_key_set else "",
        )

    def memory(self) -> Memory | None:
        """The memory stage functions take, or None when it is turned off. Nothing is
        opened or loaded here: the store and the model are reached on first use."""
        if not self.enabled:
            return None
        if self._memory is None:
            from quantumlayer_dagster.memory.qdrant_memory import QdrantMemory

            if not self.url and not self.path:
                raise ValueError(
                    "vector memory has neither a folder nor a server: set QL_HOME or "
                    "QL_MEMORY_URL, or QL_MEMORY=off"
                )
            self._memory = QdrantMemory(
                embedder_named(
                    self.embedder,
                    api_base=self.embedding_api_base or None,
                    service=self._service(),
                ),
                path=None if self.url else Path(self.path),
                url=self.url or None,
                collection=self.collection,
                wait_s=self.wait_s,
                api_key=self.api_key or None,
            )
        return self._memory

    def _service(self) -> EmbeddingService:
        if self.embedding_service == "local":
            return "local"
        if self.embedding_service == "process":
            return "process"
        raise ValueError(
            f"embedding_service is {self.embedding_service!r}: use 'local' (the machine's "
            "embedding service) or 'process' (QL_MEMORY_EMBEDDING_SERVICE)"
        )
