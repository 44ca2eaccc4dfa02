"""The LLM response cache kept in the artifact store, under ``llm-cache/<digest>.json``: the
key layout stays in ``store/``, the LLM layer only sees a ``ResponseCache``."""

import logging

from quantumlayer_dagster.llm.response_cache import CachedReply, parse_cached_reply
from quantumlayer_dagster.store.artifact_store import ArtifactNotFound, ArtifactStore
from quantumlayer_dagster.store.keys import llm_cache_key

log = logging.getLogger(__name__)


class StoreResponseCache:
    """Entries as JSON objects in the artifact store (local directory or bucket)."""

    def __init__(self, store: ArtifactStore):
        self.store = store

    def get(self, digest: str) -> CachedReply | None:
        try:
            data = self.store.get_bytes(llm_cache_key(digest))
        except ArtifactNotFound:
            return None
        return parse_cached_reply(data, digest)

    def put(self, digest: str, reply: CachedReply) -> None:
        try:
            self.store.put_bytes(llm_cache_key(digest), reply.model_dump_json().encode())
        except OSError as exc:
            log.warning("LLM reply not cached (artifact store: %s)", exc)
