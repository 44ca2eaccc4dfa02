"""Keep API keys out of logs: a logging filter masking every key the LLM client holds.

litellm logs request parameters at debug level and echoes provider errors; the filter sits on
litellm's loggers (and the HTTP clients under it) so nothing they emit carries a key.
"""

import logging
import threading

from quantumlayer_dagster.llm.transport_errors import redact

_LOGGERS = ("LiteLLM", "LiteLLM Router", "LiteLLM Proxy", "litellm", "httpx", "openai")


class SecretFilter(logging.Filter):
    """Masks the registered secrets in every record passing through the logger."""

    def __init__(self) -> None:
        super().__init__()
        self._secrets: set[str] = set()
        self._lock = threading.Lock()

    def add(self, secrets: list[str]) -> None:
        """Mask these strings too (empty ones are ignored)."""
        with self._lock:
            self._secrets.update(s for s in secrets if s)

    def filter(self, record: logging.LogRecord) -> bool:
        """Rewrite the record's message with the secrets masked; never drops a record."""
        if not self._secrets:
            return True
        message = record.getMessage()
        masked = redact(message, self._secrets)
        if masked != message:
            record.msg, record.args = masked, ()
        return True


_FILTER = SecretFilter()


def redact_in_logs(secrets: list[str]) -> None:
    """Register ``secrets`` and make sure litellm's loggers filter them out."""
    _FILTER.add(secrets)
    for name in _LOGGERS:
        logger = logging.getLogger(name)
        if _FILTER not in logger.filters:
            logger.addFilter(_FILTER)
