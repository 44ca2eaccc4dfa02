"""The LLM config file: which models exist, how to reach them, and which stage uses which.

The file is YAML::

    models:
      local:
        model: openai/smollm2            # a litellm model string
        api_base: http://127.0.0.1:8765/v1
        api_key_env: null                 # NAME of an env var holding the key, never the key
        structured_output: json_object_schema  # or json_schema | json_object | none
        temperature: 0.1
        max_tokens: 512
        timeout_s: 300
    default: local
    stages:
      code_tree: local

Each model entry maps one-to-one onto a litellm Router ``model_list`` item
(``model_name`` = alias, ``litellm_params`` = ``ModelSpec.litellm_params()``), so the file
can grow fallbacks and retries without changing shape.
"""

import ipaddress
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal
from urllib.parse import urlparse

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationError,
    field_validator,
    model_validator,
)

PACKAGED_LLM_CONFIG = Path(__file__).resolve().parent.parent / "config" / "llm.local.yaml"
"""The embedded default: SmolLM2-135M-Instruct on a llama.cpp server on this machine."""

_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")

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


class LLMConfigError(ValueError):
    """The LLM config file is missing, unreadable or invalid; the message says where and why."""


class ModelSpec(BaseModel):
    """One model the pipeline may call, and the settings every call to it uses."""

    model_config = ConfigDict(extra="forbid")

    model: str = Field(min_length=1)
    """litellm model string, e.g. ``openai/smollm2`` or ``anthropic/claude-sonnet-4-5``."""
    api_base: str | None = None
    api_key_env: str | None = None
    """Name of the environment variable holding the API key (the key never goes in the file)."""
    structured_output: StructuredOutput = "json_schema"
    temperature: float = Field(default=0.2, ge=0.0, le=2.0)
    max_tokens: int = Field(default=1024, gt=0)
    timeout_s: float = Field(default=120.0, gt=0)
    input_cost_per_token: float | None = Field(default=None, ge=0)
    output_cost_per_token: float | None = Field(default=None, ge=0)
    """Prices in USD; leave unset to use litellm's price map (local models cost 0)."""
    extra: dict[str, Any] = Field(default_factory=dict)
    """Further keyword arguments passed to ``litellm.completion`` as they are."""

    @field_validator("api_key_env")
    @classmethod
    def _names_a_variable(cls, value: str | None) -> str | None:
        # Say what is wrong without echoing the value: it may be a pasted key.
        if value is not None and not _ENV_NAME.fullmatch(value):
            raise ValueError(
                "must be the NAME of an environment variable (e.g. OPENAI_API_KEY), "
                "never the key itself"
            )
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

    def litellm_params(self) -> dict[str, Any]:
        """The keyword arguments for ``litellm.completion`` (and a Router deployment), no key."""
        params: dict[str, Any] = {
            "model": self.model,
            "temperature": self.temperature,
            "max_tokens": self.max_tokens,
            "timeout": self.timeout_s,
            **self.extra,
        }
        if self.api_base:
            params["api_base"] = self.api_base
        return params


class LLMConfig(BaseModel):
    """All models, the default one, and the per-stage choice (stage name -> model alias)."""

    model_config = ConfigDict(extra="forbid")

    models: dict[str, ModelSpec] = Field(min_length=1)
    default: str
    stages: dict[str, str] = Field(default_factory=dict)

    @model_validator(mode="after")
    def _aliases_exist(self) -> "LLMConfig":
        known = ", ".join(sorted(self.models))
        if self.default not in self.models:
            raise ValueError(f"default: unknown model alias {self.default!r} (known: {known})")
        for stage, alias in self.stages.items():
            if alias not in self.models:
                raise ValueError(f"stages.{stage}: unknown model alias {alias!r} (known: {known})")
        return self

    def alias_for(self, stage: str) -> str:
        """The model alias a stage uses: its own entry in ``stages``, else ``default``."""
        return self.stages.get(stage, self.default)

    def model_for(self, stage: str) -> ModelSpec:
        """The model spec a stage uses."""
        return self.models[self.alias_for(stage)]

    def check_api_keys(self, env: Mapping[str, str] | None = None) -> None:
        """Raise LLMConfigError naming the first ``api_key_env`` that is not set in ``env``."""
        env = os.environ if env is None else env
        for alias, spec in self.models.items():
            if spec.api_key_env and not env.get(spec.api_key_env):
                raise LLMConfigError(
                    f"models.{alias}.api_key_env: environment variable {spec.api_key_env} is "
                    f"not set; export {spec.api_key_env}=<your key> or choose another model"
                )


def load_llm_config(
    path: str | Path = PACKAGED_LLM_CONFIG, *, env: Mapping[str, str] | None = None
) -> LLMConfig:
    """Read and validate an LLM config file, checking that every named API key is set.

    Raises LLMConfigError with one line naming the file and the offending field.
    """
    path = Path(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise LLMConfigError(
            f"{path}: cannot read LLM config ({exc.strerror or exc}); "
            "set QL_LLM_CONFIG to an existing file or run `make demo`"
        ) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = f" line {mark.line + 1}:" if mark is not None else ""
        problem = getattr(exc, "problem", None) or _first_line(exc)
        raise LLMConfigError(f"{path}:{line} not valid YAML: {problem}") from None
    if not isinstance(raw, dict):
        raise LLMConfigError(f"{path}: expected a mapping with models, default and stages")
    try:
        config = LLMConfig.model_validate(raw)
    except ValidationError as exc:
        raise LLMConfigError(f"{path}: {describe_validation_error(exc)}") from None
    try:
        config.check_api_keys(env)
    except LLMConfigError as exc:
        raise LLMConfigError(f"{path}: {exc}") from None
    return config


def describe_validation_error(exc: ValidationError, limit: int = 3) -> str:
    """A pydantic ValidationError as one line: ``field.path: message; ...``."""
    parts = []
    for err in exc.errors()[:limit]:
        loc = ".".join(str(p) for p in err["loc"])
        msg = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            msg = "unknown field (misspelt?)"
        parts.append(msg if msg.startswith(f"{loc}:") or not loc else f"{loc}: {msg}")
    more = exc.error_count() - limit
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)


def _first_line(exc: Exception) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
