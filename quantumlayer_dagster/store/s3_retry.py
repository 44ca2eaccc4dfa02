"""Bounded retry with backoff for transient S3 errors (5xx, SlowDown, dropped connections)."""

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import urllib3
from minio.error import InvalidResponseError, S3Error, ServerError

from quantumlayer_dagster.store.artifact_store import ArtifactStoreUnavailable

log = logging.getLogger(__name__)

T = TypeVar("T")

# S3 error codes that mean "try again later", whatever the HTTP status says.
_TRANSIENT_CODES = {"SlowDown", "InternalError", "ServiceUnavailable", "RequestTimeout"}


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4
    """Tries in all, the first included."""
    first_delay_s: float = 0.2
    max_delay_s: float = 2.0

    def delay(self, attempt: int) -> float:
        """Seconds to wait after failed try number ``attempt`` (1-based): doubling, capped."""
        return float(min(self.max_delay_s, self.first_delay_s * 2 ** (attempt - 1)))


DEFAULT_RETRY = RetryPolicy()


def is_transient(exc: BaseException) -> bool:
    """True for errors worth retrying: server-side 5xx, throttling, network failures."""
    if isinstance(exc, S3Error):
        return exc.code in _TRANSIENT_CODES or exc.response.status >= 500
    if isinstance(exc, ServerError):
        return exc.status_code >= 500
    if isinstance(exc, InvalidResponseError):
        # A proxy or load balancer in front of S3 answers 502/503 without an XML body.
        return "Response code: 5" in str(exc)
    return isinstance(exc, urllib3.exceptions.HTTPError | ConnectionError | TimeoutError)


def with_retry(
    operation: Callable[[], T], what: str, where: str, policy: RetryPolicy = DEFAULT_RETRY
) -> T:
    """Run ``operation``; retry transient failures with backoff, logging each; after the
    last attempt raise ArtifactStoreUnavailable naming ``where`` and the fix. Other errors
    pass through unchanged."""
    for attempt in range(1, policy.attempts + 1):
        try:
            return operation()
        except Exception as exc:
            if not is_transient(exc):
                raise
            reason = _one_line(exc)
            if attempt == policy.attempts:
                raise ArtifactStoreUnavailable(
                    f"S3 store {where} unavailable for {what} after {attempt} attempts "
                    f"({reason}): check that the server is running and QL_S3_ENDPOINT"
                ) from None
            delay = policy.delay(attempt)
            log.warning(
                "S3 %s on %s failed (%s); retry %d/%d in %.1fs",
                what, where, reason, attempt, policy.attempts - 1, delay,
            )  # fmt: skip
            time.sleep(delay)
    raise AssertionError("unreachable: the loop returns or raises")


def _one_line(exc: BaseException) -> str:
    if isinstance(exc, S3Error):
        return f"{exc.code} (HTTP {exc.response.status})"
    text = str(exc).splitlines()[0] if str(exc) else ""
    return f"{type(exc).__name__}: {text[:160]}"
