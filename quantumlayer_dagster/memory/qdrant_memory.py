"""The vector memory in Qdrant: local mode in a folder (the embedded default) or a server.

Each request is one point: its id derived from the request id (recording again replaces
it), the vector of its enhanced prompt, and a payload holding the text, the outcome and the
request's tenant. Every search filters on the tenant inside Qdrant, so a tenant's requests
are never among another's hits (points recorded before tenants existed match no tenant).
"""

import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from quantumlayer_dagster.artifacts.past_requests import (
    MAX_RECORDED_TEXT_CHARS,
    PastRequest,
    RequestOutcome,
)
from quantumlayer_dagster.artifacts.request import DEFAULT_TENANT
from quantumlayer_dagster.memory.embedder import Embedder
from quantumlayer_dagster.memory.folder_lock import POLL_S, exclusive_access
from quantumlayer_dagster.memory.protocol import MemoryUnavailable

if TYPE_CHECKING:
    from qdrant_client import QdrantClient

_POINT_NAMESPACE = uuid.UUID("6f1d3c1e-8a4f-4a55-9a8e-2f0c6c3b9d17")
LOCK_FILE = "ql-access.lock"
EXPORT_BATCH = 256
_BUSY = "already accessed by another instance"


class QdrantMemory:
    """Records and searches past requests in one Qdrant collection.

    Give ``path`` for local mode (a folder, opened per operation under a cross-process lock
    held at most ``wait_s``) or ``url`` for a Qdrant server, with ``api_key`` when the
    server requires one (sent on every request).
    """

    def __init__(
        self,
        embedder: Embedder,
        *,
        path: Path | None = None,
        url: str | None = None,
        collection: str = "past_requests",
        wait_s: float = 30.0,
        api_key: str | None = None,
    ):
        if (path is None) == (not url):
            raise ValueError("QdrantMemory needs exactly one of path (local mode) or url")
        self.embedder = embedder
        self.path = path
        self.url = url or None
        self.collection = collection
        self.wait_s = wait_s
        self._api_key = api_key or None

    @property
    def location(self) -> str:
        return self.url or str(self.path)

    def record(
        self, request_id: str, text: str, outcome: RequestOutcome, *, tenant: str = DEFAULT_TENANT
    ) -> None:
        """Embed ``text`` and store it with ``outcome`` under ``request_id`` in ``tenant``."""
        from qdrant_client import models

        text = text[:MAX_RECORDED_TEXT_CHARS]
        [vector] = self.embedder.embed([text])
        payload = PastRequest(
            request_id=request_id,
            score=0.0,
            text=text,
            outcome=outcome,
            embedder=self.embedder.name,
            recorded_at=datetime.now(UTC).isoformat(timespec="seconds"),
            tenant=tenant,
        ).model_dump(exclude={"score"})
        point = models.PointStruct(id=point_id(request_id), vector=vector, payload=payload)
        with self._client() as client:
            self._ensure_collection(client, len(vector))
            client.upsert(self.collection, points=[point], wait=True)

    def similar(
        self,
        text: str,
        limit: int,
        min_score: float,
        *,
        exclude: str | None = None,
        tenant: str = DEFAULT_TENANT,
    ) -> list[PastRequest]:
        """Stored requests of ``tenant`` most similar to ``text``, best first (see
        ``Memory.similar``)."""
        from qdrant_client import models

        [vector] = self.embedder.embed([text])
        scope = models.Filter(
            must=[models.FieldCondition(key="tenant", match=models.MatchValue(value=tenant))],
            must_not=[
                models.FieldCondition(key="request_id", match=models.MatchValue(value=exclude))
            ]
            if exclude
            else None,
        )
        with self._client() as client:
            if not client.collection_exists(self.collection):
                return []
            self._check_dimension(client, len(vector))
            hits = client.query_points(
                self.collection,
                query=vector,
                query_filter=scope,
                limit=limit,
                score_threshold=min_score,
                with_payload=True,
            ).points
        found = []
        for hit in hits:
            try:
                payload = {**(hit.payload or {}), "score": hit.score}
                past = PastRequest.model_validate(payload)
            except ValidationError:
                continue  # a point written by something else: not ours to interpret
            if past.tenant == tenant:  # checked again here: the filter is the server's
                found.append(past)
        return found

    def count(self) -> int:
        """How many requests are stored."""
        with self._client() as client:
            if not client.collection_exists(self.collection):
                return 0
            return client.count(self.collection, exact=True).count

    def export_points(self) -> list[dict[str, Any]]:
        """Every stored point (id, vector, payload), for a backup: the same on a local folder
        and a server, and readable by any Qdrant version."""
        with self._client() as client:
            if not client.collection_exists(self.collection):
                return []
            found: list[dict[str, Any]] = []
            offset = None
            while True:
                points, offset = client.scroll(
                    self.collection,
                    limit=EXPORT_BATCH,
                    offset=offset,
                    with_payload=True,
                    with_vectors=True,
                )
                found.extend(
                    {"id": str(p.id), "vector": p.vector, "payload": p.payload or {}}
                    for p in points
                )
                if offset is None:
                    return found

    def import_points(self, points: list[dict[str, Any]]) -> None:
        """Store exported points (replacing points with the same id)."""
        from qdrant_client import models

        if not points:
            return
        with self._client() as client:
            self._ensure_collection(client, len(points[0]["vector"]))
            for start in range(0, len(points), EXPORT_BATCH):
                batch = points[start : start + EXPORT_BATCH]
                client.upsert(
                    self.collection,
                    points=[
                        models.PointStruct(id=p["id"], vector=p["vector"], payload=p["payload"])
                        for p in batch
                    ],
                    wait=True,
                )

    @contextmanager
    def _client(self) -> Iterator["QdrantClient"]:
        from qdrant_client import QdrantClient

        if self.url:
            client = QdrantClient(url=self.url, api_key=self._api_key, timeout=int(self.wait_s))
            try:
                yield client
            except Exception as exc:
                raise _unavailable(self.location, exc) from exc
            finally:
                client.close()
            return
        assert self.path is not None
        with exclusive_access(self.path / LOCK_FILE, self.wait_s):
            client = self._open_local(QdrantClient, time.monotonic() + self.wait_s)
            try:
                yield client
            finally:
                client.close()

    def _open_local(self, factory: type["QdrantClient"], deadline: float) -> "QdrantClient":
        # Our lock queues QuantumLayer's own processes; a client opened by anything else
        # (a notebook, a script) still holds Qdrant's own lock, so retry on that as well.
        while True:
            try:
                return factory(path=str(self.path))
            except RuntimeError as exc:
                if _BUSY not in str(exc):
                    raise
                if time.monotonic() >= deadline:
                    raise MemoryUnavailable(
                        f"vector memory folder {self.path} is held open by another Qdrant "
                        f"client for more than {self.wait_s:g}s; close it or use a Qdrant "
                        "server (QL_MEMORY_URL)"
                    ) from exc
                time.sleep(POLL_S)

    def _ensure_collection(self, client: "QdrantClient", size: int) -> None:
        from qdrant_client import models

        if client.collection_exists(self.collection):
            self._check_dimension(client, size)
            return
        client.create_collection(
            self.collection,
            vectors_config=models.VectorParams(size=size, distance=models.Distance.COSINE),
        )
        if self.url:  # local mode filters without indexes (and warns about them)
            for field in ("request_id", "tenant"):
                client.create_payload_index(
                    self.collection, field, models.PayloadSchemaType.KEYWORD
                )

    def _check_dimension(self, client: "QdrantClient", size: int) -> None:
        vectors = client.get_collection(self.collection).config.params.vectors
        stored = getattr(vectors, "size", None)
        if stored is not None and stored != size:
            raise MemoryUnavailable(
                f"collection {self.collection!r} at {self.location} holds {stored}-dimension "
                f"vectors but embedder {self.embedder.name} makes {size}: choose another "
                "collection (QL_MEMORY_COLLECTION) when changing the embedder"
            )


def point_id(request_id: str) -> str:
    """The point id of a request: a UUID derived from its id (Qdrant ids are UUIDs/ints)."""
    return str(uuid.uuid5(_POINT_NAMESPACE, request_id))


def _unavailable(location: str, exc: Exception) -> MemoryUnavailable:
    if isinstance(exc, MemoryUnavailable):
        return exc
    return MemoryUnavailable(
        f"Qdrant server {location} failed: {type(exc).__name__}: {str(exc)[:200]}; "
        "check that it is running and QL_MEMORY_URL"
    )
