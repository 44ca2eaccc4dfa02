"""The LLM config file: the litellm Router's model groups, how they fail over, and what the
pipeline may spend. One YAML file, validated at load; a bad field is named in one line.

A full example (every section but ``groups`` and ``default`` may be left out)::

    groups:                                # litellm model groups (the Router's model_name)
      strong:
        structured_output: json_schema     # json_schema | json_object_schema | json_object | none
        temperature: 0.2
        max_tokens: 2048                   # per request; also the budget's token estimate
        timeout_s: 120
        candidates: 1                      # best-of-n: replies asked per generated file
        retry_temperature_step: 0.0        # + this per repair of an answer (at most 1.0)
        grammar: null                      # python: decode Python files under a GBNF grammar
        deployments:                       # interchangeable deployments, load-balanced
          - model: openai/gpt-4o           # any litellm model string
            api_key_env: OPENAI_API_KEY    # NAME of the env var holding the key, never the key
            input_cost_per_token: 0.0000025    # optional; else litellm's price map
            output_cost_per_token: 0.00001
          - model: azure/gpt-4o-eu
            api_base: https://example.openai.azure.com
            api_key_env: AZURE_API_KEY
            extra: {api_version: "2024-10-21"} # further litellm_params, passed as they are
      cheap:
        structured_output: json_schema
        deployments:
          - model: anthropic/claude-haiku-4-5
            api_key_env: ANTHROPIC_API_KEY
    default: cheap                         # the group of every stage not listed below
    stages:                                # stage name -> group
      code_tree: strong
      test_suite: strong
    fallbacks:                             # group -> groups tried in order when it fails
      strong: [cheap]
    retries:                               # retries per error kind (litellm RetryPolicy)
      rate_limit: 3                        # 429 (Retry-After is honoured)
      timeout: 1
      internal_server_error: 2             # 500
      service_unavailable: 2               # 503
      bad_request: 0
      authentication: 0
      content_policy: 0
      not_found: 0
      default: 1                           # connection errors and anything else
    cooldown:
      allowed_fails: 3                     # failures (per minute) before a deployment rests
      cooldown_time_s: 30
    budget:                                # per request (all stages of one run together)
      max_tokens: 200000
      max_usd: 2.50
    cache:                                 # response cache: a re-run pays nothing twice
      backend: store                       # store (the artifact store) | redis | none
      redis_url_env: QL_REDIS_URL          # for backend: redis
      ttl_s: 604800                        # redis only; unset = never expire (store: kept)
    concurrency:
      max_parallel_calls: 4                # LLM calls in flight inside one stage

Groups map onto the Router's ``model_list`` (``model_name`` = group, one item per deployment,
``litellm_params`` = ``Deployment.litellm_params(group)``); ``llm/router.py`` builds it.
Fallback groups get the same request as the group they stand in for (the Router resends it),
so they must use the same ``structured_output`` mode (and the same ``grammar``).

``candidates: N`` (best-of-n, default 1) asks for N replies to the first request for each
generated file (``code_tree``, ``test_suite``): in one request with ``n=N`` where litellm
says every deployment that may answer takes ``n``, topped up with single requests where a
server sends fewer choices (llama-cpp-python's server ignores ``n``), at most
``max_parallel_calls`` at once. The first candidate that passes every blocking check is
kept; when none does, the repair loop goes on from the one with the fewest findings. Each
candidate is paid for, counted by the budget and recorded as an attempt; the cache keeps
each candidate under its own index, so it never hands one reply back as N candidates.

``grammar: python`` decodes the Python files of the group's per-file stages under the
packaged GBNF grammar (``llm/grammars/python.gbnf``), sent as the per-request ``grammar``
field that llama.cpp servers (llama-cpp-python's included) take; set it only on groups
whose every deployment accepts that field.
"""

import ipaddress
import re
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal
from urllib.parse import urlparse

import yaml
from pydantic import (
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

from quantumlayer_dagster.model import Model

PACKAGED_LLM_CONFIG = Path(__file__).resolve().parent.parent / "config" / "llm.local.yaml"
"""The embedded default: SmolLM2-135M-Instruct on a llama.cpp server on this machine."""

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

GrammarName = Literal["python"]
"""A decoding grammar shipped in ``llm/grammars/`` (``<name>.gbnf``), for files of that
language."""

MAX_CANDIDATES = 8

StructuredOutput = Literal["json_schema", "json_object_schema", "json_object", "none"]
"""How a JSON reply is constrained, i.e. the ``response_format`` sent:

- ``json_schema``: ``{"type": "json_schema", "json_schema": {"name", "schema"}}`` (OpenAI and
  most hosted providers; litellm translates it for Anthropic, Gemini, Bedrock).
- ``json_object_schema``: ``{"type": "json_object", "schema": {...}}``, the form
  llama-cpp-python's server turns into a grammar (its 0.3.x server rejects ``json_schema``).
- ``json_object``: plain JSON mode; the schema goes into the system message.
- ``none``: no ``response_format``; the schema goes into the system message.

Every reply is validated against the pydantic model whatever the mode.
"""

CacheBackend = Literal["store", "redis", "none"]

NO_ENV: Mapping[str, str] = MappingProxyType({})
"""No environment variables: the default wherever a function takes ``env``. The values of
the variables a config names reach the LLM layer only as this mapping, filled by the edge
(``resources/llm.py`` bound with ``dg.EnvVar``, or the CLI), never from ``os.environ`` here."""


class LLMConfigError(ValueError):
    """The LLM config file is missing, unreadable or invalid; the message says where and why."""


def _env_name(value: str | None) -> str | None:
    # Say what is wrong without echoing the value: it may be a pasted key.
    if value is not None and not _ENV_NAME.fullmatch(value):
        raise ValueError(
            "must be the NAME of an environment variable (e.g. OPENAI_API_KEY), "
            "never the key itself"
        )
    return value


class Deployment(Model):
    """One endpoint serving a group: a litellm model string, where it is, what it costs."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    """litellm model string, e.g. ``openai/smollm2`` or ``anthropic/claude-sonnet-4-5``."""
    api_base: str | None = None
    api_key_env: str | None = None
    """Name of the environment variable holding the API key (the key never goes in the file)."""
    input_cost_per_token: float | None = Field(default=None, ge=0)
    output_cost_per_token: float | None = Field(default=None, ge=0)
    """Prices in USD; leave unset to use litellm's price map (local servers cost 0)."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Further litellm_params for this deployment (e.g. ``api_version``), passed as they are."""

    @field_validator("api_key_env")
    @classmethod
    def _names_a_variable(cls, value: str | None) -> str | None:
        return _env_name(value)

    @field_validator("extra")
    @classmethod
    def _no_key_in_extra(cls, value: dict[str, Any]) -> dict[str, Any]:
        if "api_key" in value:
            raise ValueError("api_key may not be given here; name its variable in api_key_env")
        return value

    @property
    def is_local(self) -> bool:
        """True when ``api_base`` points at this machine (a loopback address or localhost)."""
        host = urlparse(self.api_base or "").hostname
        if host is None:
            return False
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(host).is_loopback
        except ValueError:
            return False

    def label(self) -> str:
        """``model`` and, when set, ``api_base``: how errors and records name the deployment."""
        return self.model + (f" at {self.api_base}" if self.api_base else "")


class ModelGroup(Model):
    """Deployments the Router treats as interchangeable, and the settings of every request."""

    model_config = ConfigDict(extra="forbid")

    deployments: list[Deployment] = Field(min_length=1)
    structured_output: StructuredOutput = "json_schema"
    temperature: float = Field(default=0.2, ge=0.0, le=2.0)
    max_tokens: int = Field(default=1024, gt=0)
    timeout_s: float = Field(default=120.0, gt=0)
    candidates: int = Field(default=1, ge=1, le=MAX_CANDIDATES)
    """Replies asked for each generated file's first request (best-of-n)."""
    retry_temperature_step: float = Field(default=0.0, ge=0.0, le=1.0)
    """Added to ``temperature`` for each repair of an answer (attempt k asks at
    ``temperature + step * (k - 1)``, at most 1.0): at a low temperature a small model
    answers a repair prompt with the very reply it was asked to fix."""

    def temperature_for(self, attempt: int) -> float:
        """The sampling temperature of the ``attempt``-th request for one answer."""
        if attempt <= 1 or not self.retry_temperature_step:
            return self.temperature
        return max(
            self.temperature,
            min(1.0, self.temperature + self.retry_temperature_step * (attempt - 1)),
        )

    grammar: GrammarName | None = None
    """Decode files of this language under the packaged grammar (llama.cpp GBNF)."""

    @property
    def is_local(self) -> bool:
        """True when every deployment is on this machine."""
        return all(d.is_local for d in self.deployments)


class RetrySettings(Model):
    """Retries per error kind; the Router backs off between them (and honours Retry-After)."""

    model_config = ConfigDict(extra="forbid")

    rate_limit: int = Field(default=3, ge=0)
    timeout: int = Field(default=1, ge=0)
    internal_server_error: int = Field(default=2, ge=0)
    service_unavailable: int = Field(default=2, ge=0)
    bad_request: int = Field(default=0, ge=0)
    authentication: int = Field(default=0, ge=0)
    content_policy: int = Field(default=0, ge=0)
    not_found: int = Field(default=0, ge=0)
    default: int = Field(default=1, ge=0)
    """Connection errors and every kind not listed."""


class CooldownSettings(Model):
    """When the Router rests a failing deployment (and sends its traffic elsewhere)."""

    model_config = ConfigDict(extra="forbid")

    allowed_fails: int = Field(default=3, ge=0)
    cooldown_time_s: float = Field(default=30.0, ge=0)


class BudgetSettings(Model):
    """What one request (one run over all stages) may spend; unset = unlimited."""

    model_config = ConfigDict(extra="forbid")

    max_tokens: int | None = Field(default=None, gt=0)
    max_usd: float | None = Field(default=None, ge=0)


class CacheSettings(Model):
    """Where valid replies are kept so that re-executing a run pays for nothing twice."""

    model_config = ConfigDict(extra="forbid")

    backend: CacheBackend = "store"
    redis_url_env: str | None = None
    """Name of the env var holding the Redis URL (it may carry a password)."""
    ttl_s: int | None = Field(default=None, gt=0)
    """Seconds a Redis entry lives; store entries stay until the store is cleaned."""

    @field_validator("redis_url_env")
    @classmethod
    def _names_a_variable(cls, value: str | None) -> str | None:
        return _env_name(value)

    @model_validator(mode="after")
    def _redis_needs_url(self) -> "CacheSettings":
        if self.backend == "redis" and not self.redis_url_env:
            raise ValueError("redis_url_env: required when backend is redis (e.g. QL_REDIS_URL)")
        return self


class ConcurrencySettings(Model):
    """How many independent LLM calls of one stage (e.g. one per file) run at once."""

    model_config = ConfigDict(extra="forbid")

    max_parallel_calls: int = Field(default=4, ge=1, le=64)


class LLMConfig(Model):
    """The whole file: groups, default and per-stage group, fallbacks, retries, cooldowns,
    budget, cache and concurrency."""

    model_config = ConfigDict(extra="forbid")

    groups: dict[str, ModelGroup] = Field(min_length=1)
    default: str
    stages: dict[str, str] = Field(default_factory=dict)
    fallbacks: dict[str, list[str]] = Field(default_factory=dict)
    retries: RetrySettings = Field(default_factory=RetrySettings)
    cooldown: CooldownSettings = Field(default_factory=CooldownSettings)
    budget: BudgetSettings = Field(default_factory=BudgetSettings)
    cache: CacheSettings = Field(default_factory=CacheSettings)
    concurrency: ConcurrencySettings = Field(default_factory=ConcurrencySettings)

    @model_validator(mode="after")
    def _groups_exist(self) -> "LLMConfig":
        known = ", ".join(sorted(self.groups))

        def unknown(field: str, name: str) -> ValueError:
            return ValueError(f"{field}: unknown group {name!r} (known: {known})")

        if self.default not in self.groups:
            raise unknown("default", self.default)
        for stage, group in self.stages.items():
            if group not in self.groups:
                raise unknown(f"stages.{stage}", group)
        for group, targets in self.fallbacks.items():
            if group not in self.groups:
                raise unknown(f"fallbacks.{group}", group)
            for target in targets:
                if target not in self.groups:
                    raise unknown(f"fallbacks.{group}", target)
                if target == group:
                    raise ValueError(f"fallbacks.{group}: a group cannot fall back to itself")
                mode, other = self.groups[group].structured_output, self.groups[target]
                if other.structured_output != mode:
                    raise ValueError(
                        f"fallbacks.{group}: {target} uses structured_output "
                        f"{other.structured_output} but {group} uses {mode}; the Router resends "
                        "the same request, so fallback groups must use the same mode"
                    )
                if other.grammar != self.groups[group].grammar:
                    raise ValueError(
                        f"fallbacks.{group}: {target} uses grammar {other.grammar} but {group} "
                        f"uses {self.groups[group].grammar}; the Router resends the same "
                        "request, so fallback groups must use the same grammar"
                    )
        return self

    def group_for(self, stage: str) -> str:
        """The group a stage uses: its own entry in ``stages``, else ``default``."""
        return self.stages.get(stage, self.default)

    def settings_for(self, stage: str) -> ModelGroup:
        """The group settings a stage's requests use."""
        return self.groups[self.group_for(stage)]

    def deployments(self) -> list[tuple[str, Deployment]]:
        """Every (group, deployment) pair, in file order."""
        return [(name, d) for name, group in self.groups.items() for d in group.deployments]

    def env_names(self) -> list[str]:
        """Every environment variable the file names: API keys and the Redis URL."""
        names = [dep.api_key_env for _, dep in self.deployments() if dep.api_key_env]
        if self.cache.backend == "redis" and self.cache.redis_url_env:
            names.append(self.cache.redis_url_env)
        return sorted(set(names))

    def check_env(self, env: Mapping[str, str] = NO_ENV) -> None:
        """Raise LLMConfigError naming the first env variable the file names that is not set
        in ``env``."""
        for name, group in self.groups.items():
            for index, dep in enumerate(group.deployments):
                if dep.api_key_env and not env.get(dep.api_key_env):
                    raise LLMConfigError(
                        f"groups.{name}.deployments.{index}.api_key_env: environment variable "
                        f"{dep.api_key_env} is not set; export {dep.api_key_env}=<your key> or "
                        "choose another group"
                    )
        url_env = self.cache.redis_url_env
        if self.cache.backend == "redis" and url_env and not env.get(url_env):
            raise LLMConfigError(
                f"cache.redis_url_env: environment variable {url_env} is not set; export "
                f"{url_env}=redis://host:6379/0 or set cache.backend: store"
            )


def load_llm_config(
    path: str | Path = PACKAGED_LLM_CONFIG, *, env: Mapping[str, str] = NO_ENV
) -> LLMConfig:
    """Read and validate an LLM config file, checking that every variable it names is set
    in ``env`` (the values of those variables; see ``NO_ENV``).

    Raises LLMConfigError with one line naming the file and the offending field.
    """
    config = read_llm_config(path)
    try:
        config.check_env(env)
    except LLMConfigError as exc:
        raise LLMConfigError(f"{path}: {exc}") from None
    return config


def read_llm_config(path: str | Path) -> LLMConfig:
    """Read and validate an LLM config file without looking at the variables it names (to
    learn their names). Raises LLMConfigError with one line naming the file and field."""
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LLMConfigError(
            f"{path}: cannot read LLM config ({exc.strerror or exc}); "
            "set QL_LLM_CONFIG to an existing file or run `make demo`"
        ) from None
    except UnicodeDecodeError as exc:
        raise LLMConfigError(
            f"{path}: not UTF-8 text (bad byte at offset {exc.start}); save the file as UTF-8"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}:" if mark is not None else ""
        problem = getattr(exc, "problem", None) or _first_line(exc)
        raise LLMConfigError(f"{path}:{line} not valid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise LLMConfigError(f"{path}: expected a mapping with groups, default and stages")
    if "models" in raw and "groups" not in raw:
        raise LLMConfigError(
            f"{path}: models: this format is gone; put each model under groups.<name>.deployments "
            "(see examples/llm/ and the README's LLM configuration section)"
        )
    try:
        config = LLMConfig.model_validate(raw)
    except ValidationError as exc:
        raise LLMConfigError(f"{path}: {describe_validation_error(exc)}") from None
    try:
        _check_usd_budget_is_priced(config)
    except LLMConfigError as exc:
        raise LLMConfigError(f"{path}: {exc}") from None
    return config


def _check_usd_budget_is_priced(config: LLMConfig) -> None:
    """A USD budget over a model nobody knows the price of would count its calls as free,
    so it could be spent without limit: refuse the file instead."""
    if config.budget.max_usd is None:
        return
    from quantumlayer_dagster.llm.router import token_prices  # router imports this module

    for name, group in config.groups.items():
        for index, dep in enumerate(group.deployments):
            if token_prices(dep) is None:
                raise LLMConfigError(
                    f"groups.{name}.deployments.{index}: budget.max_usd is set but no price is "
                    f"known for {dep.model}; set input_cost_per_token and "
                    "output_cost_per_token on it, or remove budget.max_usd"
                )


def describe_validation_error(exc: ValidationError, limit: int = 3) -> str:
    """A pydantic ValidationError as one line: ``field.path: message; ...``."""
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (misspelt?)"
        if loc and not msg.startswith(f"{loc}:") and _names_field(msg):
            # A model-level check names its own (nested) field: prefix only the section.
            loc_msg = f"{loc}.{msg}"
        else:
            loc_msg = msg if msg.startswith(f"{loc}:") or not loc else f"{loc}: {msg}"
        parts.append(loc_msg)
    more = exc.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def _names_field(msg: str) -> bool:
    head = msg.split(":", 1)[0]
    return ":" in msg and re.fullmatch(r"[A-Za-z_][\w.]*", head) is not None


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
