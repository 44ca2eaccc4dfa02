"""Why an LLM request failed, as one line a user can act on."""

import httpx
import openai

from quantumlayer_dagster.llm.config import ModelSpec

LOCAL_SERVER_FIX = "is the local model server running? run `quantumlayer llm serve` or `make demo`"

_TIMEOUTS = (openai.APITimeoutError, httpx.TimeoutException, TimeoutError)
_CONNECTION = (openai.APIConnectionError, httpx.TransportError, ConnectionError, *_TIMEOUTS)


def failure_reason(exc: BaseException, spec: ModelSpec, *, secret: str | None = None) -> str:
    """A one-line reason for a failed request naming the model, its api_base and the fix.

    ``secret`` (the API key used) is masked wherever a provider echoed it back.
    """
    where = f"model {spec.model}" + (f" at {spec.api_base}" if spec.api_base else "")
    chain = _causes(exc)
    if any(isinstance(e, _TIMEOUTS) for e in chain):
        reason = (
            f"{where}: no reply within timeout_s={spec.timeout_s:g}; raise timeout_s or lower "
            "max_tokens in the LLM config"
        )
        if spec.is_local:
            reason += f" ({LOCAL_SERVER_FIX})"
    elif any(isinstance(e, _CONNECTION) for e in chain):
        fix = LOCAL_SERVER_FIX if spec.is_local else "check the network and api_base"
        reason = f"{where}: cannot connect ({_one_line(chain[-1])}); {fix}"
    elif isinstance(exc, openai.AuthenticationError):
        key = spec.api_key_env or "the provider's API key variable"
        reason = f"{where}: authentication failed; check {key}"
    else:
        reason = f"{where}: request failed: {_one_line(exc)}"
    if secret:
        reason = reason.replace(secret, "***")
    return reason


def _causes(exc: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


def _one_line(exc: BaseException, limit: int = 300) -> str:
    text = " ".join(str(exc).split()) or type(exc).__name__
    return text if len(text) <= limit else text[: limit - 3] + "..."
