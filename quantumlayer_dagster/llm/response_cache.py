"""Valid LLM replies kept by a digest of their full request, so a re-run pays nothing twice.

The digest covers everything that shapes the reply: the group, the identity of every
deployment that may answer it (its own and its fallback groups': model string, ``api_base``,
extra litellm parameters), the messages and the parameters (response_format, max_tokens,
temperature). Two deployments with the same model string at different endpoints (or with
different parameters) therefore never share entries. It never covers an API key, and an
entry holds only the reply, its token counts and which deployment gave it. Two backends,
both surviving a restart: the artifact store (the default;
``store/llm_cache.py``, which knows its keys)
and Redis. litellm's own cache is not used: its hits need the
proxy extras and it has no disk backend any more.
"""

import hashlib
import json
import logging
from collections.abc import Mapping, Sequence
from typing import Any, Protocol

from pydantic import ValidationError

from quantumlayer_dagster.llm.config import CacheSettings, Deployment
from quantumlayer_dagster.model import Model

log = logging.getLogger(__name__)

REDIS_PREFIX = "quantumlayer:llm-cache:"


class CachedReply(Model):
    """What a cache entry holds: the accepted reply and what it cost when it was paid for."""

    text: str
    model: str
    deployment: str | None = None
    tokens_in: int = 0
    tokens_out: int = 0


class ResponseCache(Protocol):
    def get(self, digest: str) -> CachedReply | None:
        """The reply cached under ``digest``, or None."""
        ...

    def put(self, digest: str, reply: CachedReply) -> None:
        """Keep ``reply`` under ``digest`` (a failure to write is logged, never raised)."""
        ...


def deployment_identity(dep: Deployment) -> dict[str, Any]:
    """What tells one deployment's replies from another's (never its key or key variable)."""
    return {"model": dep.model, "api_base": dep.api_base, "extra": dep.extra}


def request_digest(
    group: str,
    deployments: Sequence[str | Mapping[str, Any]],
    messages: Sequence[Mapping[str, Any]],
    params: Mapping[str, Any],
) -> str:
    """sha256 over the canonical JSON of the request (``deployments``: the identities of
    everything that may answer it); keys are never part of ``params``."""
    body = {"group": group, "models": deployments, "messages": messages, "params": params}
    canonical = json.dumps(
        body, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class RedisResponseCache:
    """Entries as Redis strings under ``prefix + digest``, expiring after ``ttl_s`` if set."""

    def __init__(self, url: str, *, prefix: str = REDIS_PREFIX, ttl_s: int | None = None):
        import redis

        self.client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
        self.prefix = prefix
        self.ttl_s = ttl_s

    def get(self, digest: str) -> CachedReply | None:
        import redis

        try:
            data = self.client.get(self.prefix + digest)
        except redis.RedisError as exc:
            log.warning("LLM cache lookup skipped (redis: %s)", type(exc).__name__)
            return None
        return parse_cached_reply(data, digest) if isinstance(data, bytes) else None

    def put(self, digest: str, reply: CachedReply) -> None:
        import redis

        try:
            self.client.set(self.prefix + digest, reply.model_dump_json(), ex=self.ttl_s)
        except redis.RedisError as exc:
            log.warning("LLM reply not cached (redis: %s)", type(exc).__name__)


def build_response_cache(
    settings: CacheSettings, in_store: ResponseCache | None, env: Mapping[str, str]
) -> ResponseCache | None:
    """The cache the config asks for: Redis at the URL ``env`` holds, or ``in_store`` (the
    artifact store's cache, built by the caller); None when it is off or not given."""
    if settings.backend == "redis" and settings.redis_url_env:
        return RedisResponseCache(env[settings.redis_url_env], ttl_s=settings.ttl_s)
    if settings.backend == "store":
        return in_store
    return None


def parse_cached_reply(data: bytes, digest: str) -> CachedReply | None:
    """A stored entry, or None (logged) when it is damaged."""
    try:
        return CachedReply.model_validate_json(data)
    except ValidationError:
        # A damaged entry costs one new call, not a failed run.
        log.warning("LLM cache entry %s unreadable; asking again", digest[:12])
        return None
