"""The one place that builds the litellm ``Router`` from an ``LLMConfig``.

Each group becomes a Router model group (``model_name``), each of its deployments one
``model_list`` item whose ``model_info.id`` is ``<group>/<index>``, so a reply says which
deployment answered. Fallbacks, retries per error kind, timeouts and cooldowns are the
Router's; this module only translates the file. API keys are taken from the ``env`` mapping
the caller passes, when the Router is built, and live only inside it.
"""

from collections.abc import Mapping
from typing import Any

from quantumlayer_dagster.llm.config import (
    NO_ENV,
    Deployment,
    LLMConfig,
    ModelGroup,
    RetrySettings,
)

NO_KEY = "no-key"
"""Sent to keyless servers: the OpenAI client refuses to send a request without a key."""


def deployment_id(group: str, index: int) -> str:
    """The Router's id for the ``index``-th deployment of ``group`` (``model_info.id``)."""
    return f"{group}/{index}"


def build_router(config: LLMConfig, env: Mapping[str, str] = NO_ENV) -> Any:
    """A ``litellm.Router`` serving every group of ``config``, keys taken from ``env``."""
    from quantumlayer_dagster.llm.litellm_offline import litellm  # 3 s: loaded when first used

    register_prices(config)
    model_list = [
        {
            "model_name": name,
            "litellm_params": _litellm_params(group, dep, env),
            "model_info": {"id": deployment_id(name, index)},
        }
        for name, group in config.groups.items()
        for index, dep in enumerate(group.deployments)
    ]
    return litellm.Router(
        model_list=model_list,
        fallbacks=[{name: list(targets)} for name, targets in config.fallbacks.items()],
        retry_policy=retry_policy(config.retries),
        num_retries=config.retries.default,
        allowed_fails=config.cooldown.allowed_fails,
        cooldown_time=config.cooldown.cooldown_time_s,
    )


def retry_policy(retries: RetrySettings) -> Any:
    """The file's retries per error kind as a litellm ``RetryPolicy``."""
    from litellm.types.router import RetryPolicy

    return RetryPolicy(
        RateLimitErrorRetries=retries.rate_limit,
        TimeoutErrorRetries=retries.timeout,
        InternalServerErrorRetries=retries.internal_server_error,
        ServiceUnavailableErrorRetries=retries.service_unavailable,
        BadRequestErrorRetries=retries.bad_request,
        AuthenticationErrorRetries=retries.authentication,
        ContentPolicyViolationErrorRetries=retries.content_policy,
        NotFoundErrorRetries=retries.not_found,
        DefaultRetries=retries.default,
    )


def api_keys(config: LLMConfig, env: Mapping[str, str] = NO_ENV) -> list[str]:
    """Every API key the config's deployments use (for redaction), read from ``env``."""
    keys = {env.get(dep.api_key_env) for _, dep in config.deployments() if dep.api_key_env}
    return sorted(k for k in keys if k)


def _litellm_params(group: ModelGroup, dep: Deployment, env: Mapping[str, str]) -> dict[str, Any]:
    params: dict[str, Any] = {
        "model": dep.model,
        "timeout": group.timeout_s,
        # The Router does the retrying; the OpenAI client underneath must not retry as well.
        "max_retries": 0,
        **dep.extra,
    }
    if dep.api_base:
        params["api_base"] = dep.api_base
    if dep.api_key_env:
        params["api_key"] = env.get(dep.api_key_env, "")
    elif dep.api_base:
        params["api_key"] = NO_KEY
    return params


def register_prices(config: LLMConfig) -> None:
    """Tell litellm what each deployment costs: the config's prices, or zero when local."""
    from quantumlayer_dagster.llm.litellm_offline import litellm

    for _, dep in config.deployments():
        unpriced = dep.input_cost_per_token is None and dep.output_cost_per_token is None
        if unpriced and not dep.is_local:
            continue
        entry: dict[str, Any] = {
            "input_cost_per_token": dep.input_cost_per_token or 0.0,
            "output_cost_per_token": dep.output_cost_per_token or 0.0,
            # Given explicitly so litellm does not warn that cache pricing defaults to zero.
            "cache_creation_input_token_cost": 0.0,
            "cache_read_input_token_cost": 0.0,
            "mode": "chat",
        }
        provider, sep, _ = dep.model.partition("/")
        if sep:
            entry["litellm_provider"] = provider
        litellm.register_model({dep.model: entry})


def token_prices(dep: Deployment) -> tuple[float, float] | None:
    """(input, output) USD per token for a deployment, from the config or litellm's price map;
    None when nobody knows (the call is then recorded at cost 0 with a warning)."""
    if dep.input_cost_per_token is not None or dep.output_cost_per_token is not None:
        return dep.input_cost_per_token or 0.0, dep.output_cost_per_token or 0.0
    if dep.is_local:
        return 0.0, 0.0
    from quantumlayer_dagster.llm.litellm_offline import litellm

    entry = litellm.model_cost.get(dep.model) or litellm.model_cost.get(dep.model.partition("/")[2])
    if not entry:
        return None
    return float(entry.get("input_cost_per_token") or 0.0), float(
        entry.get("output_cost_per_token") or 0.0
    )
