"""Why an LLM request failed, as one line a user can act on, with every API key masked."""

from collections.abc import Iterable
from functools import cache

from quantumlayer_dagster.llm.config import ModelGroup

LOCAL_SERVER_FIX = "is the local model server running? run `quantumlayer llm serve` or `make demo`"

_STATUS_FIX = {
    429: "rate limited; wait, raise retries.rate_limit or add a fallback group",
    500: "the server failed; raise retries.internal_server_error or add a fallback group",
    503: "the server is unavailable; raise retries.service_unavailable or add a fallback group",
}


@cache
def _error_kinds() -> tuple[tuple[type[BaseException], ...], tuple[type[BaseException], ...], type]:
    """(timeouts, connection failures, authentication error); openai is imported on first use
    since it costs most of a second at import."""
    import httpx
    import openai

    timeouts = (openai.APITimeoutError, httpx.TimeoutException, TimeoutError)
    connection = (openai.APIConnectionError, httpx.TransportError, ConnectionError, *timeouts)
    return timeouts, connection, openai.AuthenticationError


def failure_reason(
    exc: BaseException, name: str, group: ModelGroup, *, secrets: Iterable[str] = ()
) -> str:
    """A one-line reason for a failed request naming the group's deployment(s) and the fix.

    Every string in ``secrets`` (the API keys in use) is masked wherever a provider echoed it.
    """
    deployments = group.deployments
    where = (
        f"model {deployments[0].label()}"
        if len(deployments) == 1
        else f"model group {name} ({', '.join(d.label() for d in deployments)})"
    )
    timeouts, connection, authentication = _error_kinds()
    chain = _causes(exc)
    status = getattr(exc, "status_code", None)
    if any(isinstance(e, timeouts) for e in chain):
        reason = (
            f"{where}: no reply within timeout_s={group.timeout_s:g}; raise timeout_s or lower "
            "max_tokens in the LLM config"
        )
        if group.is_local:
            reason += f" ({LOCAL_SERVER_FIX})"
    elif any(isinstance(e, connection) for e in chain):
        # Checked before the status: litellm reports a refused connection as a 500.
        fix = LOCAL_SERVER_FIX if group.is_local else "check the network and api_base"
        reason = f"{where}: cannot connect ({_one_line(chain[-1])}); {fix}"
    elif isinstance(exc, authentication):
        keys = ", ".join(sorted({d.api_key_env for d in deployments if d.api_key_env}))
        reason = f"{where}: authentication failed; check {keys or 'the provider API key'}"
    elif isinstance(status, int) and status in _STATUS_FIX:
        reason = f"{where}: HTTP {status}: {_one_line(exc)}; {_STATUS_FIX[status]}"
    else:
        reason = f"{where}: request failed: {_one_line(exc)}"
    return redact(reason, secrets)


def redact(text: str, secrets: Iterable[str]) -> str:
    """``text`` with every non-empty secret replaced by ``***``."""
    for secret in secrets:
        if secret:
            text = text.replace(secret, "***")
    return text


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    # litellm appends its own advice after the provider's message; keep the message.
    text = text.split(" LiteLLM: model group")[0].split(" Received Model Group=")[0]
    return text if len(text) <= limit else text[: limit - 3] + "..."
