"""The one settings object: where a local installation keeps its state, its LLM config, its
store, its vector memory and its limits, each read from a ``QL_*`` environment variable.

Built once at the edge (``definitions.py`` or the CLI), never in stage logic. ``Settings()``
reads the environment (pydantic-settings); a test passes the fields it cares about and the
rest come from the environment or the defaults written here, once. ``Settings.from_env()``
turns a bad value into a ``SettingsError``: one line naming the variable, the value and what
is allowed (``QL_UPLOAD_BATCH=0: must be between 1 and 1000``).
"""

import json
from pathlib import Path
from typing import Any, Literal

import annotated_types
from pydantic import AliasChoices, Field, ValidationError, field_validator, model_validator
from pydantic.fields import FieldInfo
from pydantic_settings import (
    BaseSettings,
    EnvSettingsSource,
    PydanticBaseSettingsSource,
    SettingsConfigDict,
)

from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG
from quantumlayer_dagster.llm.tenant_budget import DAY_S, TenantBudgets, TenantLimits
from quantumlayer_dagster.memory.embedder import MINILM, EmbeddingService
from quantumlayer_dagster.observability.tracing_config import SamplerName, TracingConfig
from quantumlayer_dagster.quality.gates import GateThresholds
from quantumlayer_dagster.sandbox.k8s_spec import K8sSandboxConfig
from quantumlayer_dagster.sandbox.models import SandboxLimits
from quantumlayer_dagster.tenants import check_tenant

BOOLEAN_WORDS = "true/false, on/off, yes/no or 1/0"
"""What every boolean variable accepts (pydantic's one boolean parser, case-insensitive)."""


ExecutorKind = Literal["in_process", "multiprocess", "k8s"]


def _k8s_default(name: str) -> Any:
    return K8sSandboxConfig.model_fields[name].get_default()


class SettingsError(ValueError):
    """A ``QL_*`` variable holds a value outside what it allows; the message is one line."""


class StoreSettings(BaseSettings):
    """Where artifacts and uploaded prompts live: ``QL_STORE`` (``local`` or ``minio``),
    ``QL_S3_ENDPOINT``, ``QL_S3_BUCKET``, ``QL_PROMPTS_BUCKET``, ``QL_S3_SECURE``,
    ``QL_S3_REGION``. The S3 keys are not here: Definitions bind them with
    ``dg.EnvVar("QL_S3_ACCESS_KEY")`` / ``dg.EnvVar("QL_S3_SECRET_KEY")``."""

    # No populate_by_name: the kind comes from QL_STORE only, never from a QL_KIND.
    model_config = SettingsConfigDict(env_prefix="QL_", extra="ignore")

    kind: Literal["local", "minio"] = Field(
        default="local", validation_alias=AliasChoices("QL_STORE")
    )
    s3_endpoint: str = "127.0.0.1:9000"
    """host:port of MinIO (or any S3-compatible server), without a scheme."""
    s3_bucket: str = "quantumlayer-artifacts"
    prompts_bucket: str = "quantumlayer-prompts"
    s3_secure: bool = False
    """HTTPS to the endpoint; off by default for an in-cluster MinIO service."""
    s3_region: str = "us-east-1"
    backup_s3_endpoint: str = ""
    """``QL_BACKUP_S3_ENDPOINT``: host:port of the S3 server ``s3://`` backups go to (keys
    ``QL_BACKUP_S3_ACCESS_KEY`` / ``QL_BACKUP_S3_SECRET_KEY``); empty: the store's server."""


class TelemetrySettings(BaseSettings):
    """Traces, configured only by the standard OpenTelemetry variables: ``OTEL_SDK_DISABLED``,
    ``OTEL_TRACES_EXPORTER`` (``otlp`` or ``console``; unset or ``none``: off),
    ``OTEL_SERVICE_NAME``, ``OTEL_TRACES_SAMPLER`` and ``OTEL_TRACES_SAMPLER_ARG``, and the
    OTLP protocol (``http/protobuf``, the one exporter installed). The OTLP exporter reads its
    endpoint, headers, timeout and certificate itself (``OTEL_EXPORTER_OTLP_*``), so a
    collector's token never passes through these settings."""

    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True, env_ignore_empty=True)

    sdk_disabled: bool = Field(default=False, validation_alias=AliasChoices("OTEL_SDK_DISABLED"))
    traces_exporter: Literal["none", "otlp", "console"] = Field(
        default="none", validation_alias=AliasChoices("OTEL_TRACES_EXPORTER")
    )
    service_name: str = Field(
        default="quantumlayer", validation_alias=AliasChoices("OTEL_SERVICE_NAME")
    )
    traces_sampler: SamplerName = Field(
        default="parentbased_always_on", validation_alias=AliasChoices("OTEL_TRACES_SAMPLER")
    )
    traces_sampler_arg: float = Field(
        default=1.0, ge=0.0, le=1.0, validation_alias=AliasChoices("OTEL_TRACES_SAMPLER_ARG")
    )
    otlp_protocol: Literal["http/protobuf"] = Field(
        default="http/protobuf", validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_PROTOCOL")
    )
    otlp_traces_protocol: Literal["http/protobuf"] = Field(
        default="http/protobuf",
        validation_alias=AliasChoices("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"),
    )

    @property
    def tracing(self) -> TracingConfig:
        """What ``observability.tracing.configure`` takes: off when disabled or unset."""
        return TracingConfig(
            exporter="none" if self.sdk_disabled else self.traces_exporter,
            service_name=self.service_name,
            sampler=self.traces_sampler,
            sampler_arg=self.traces_sampler_arg,
        )


class Settings(BaseSettings):
    """Every ``QL_*`` variable of a local installation or a deployment (README lists them)."""

    model_config = SettingsConfigDict(env_prefix="QL_", populate_by_name=True, extra="ignore")

    home: Path = Path(".ql")
    """``QL_HOME``: state of an installation: ``artifacts/`` (the store), ``dagster/``
    (instance), ``prompts/``, ``qdrant/``, ``cache/``. Made absolute when read."""
    llm_config: Path = PACKAGED_LLM_CONFIG
    """``QL_LLM_CONFIG``: the YAML file naming the LLM model(s)."""
    test_timeout_s: int = Field(
        default=int(SandboxLimits.model_fields["wall_timeout_s"].default), ge=1, le=3600
    )
    """``QL_TEST_TIMEOUT_S``: wall time of one sandboxed test run."""
    sandbox_isolation: Literal["bwrap", "process"] = "bwrap"
    """``QL_SANDBOX_ISOLATION``: ``bwrap`` (a run is refused when bubblewrap cannot sandbox)
    or ``process``, for local development only; the tests_pass gate fails a run isolated
    less than this."""
    sandbox: Literal["local", "k8s"] = "local"
    """``QL_SANDBOX``: ``local`` (bubblewrap on this machine) or ``k8s`` (a sandbox Job per
    test run, in a cluster; needs ``QL_SANDBOX_IMAGE``)."""
    sandbox_image: str = ""
    sandbox_namespace: str = _k8s_default("namespace")
    sandbox_runtime_class: str = _k8s_default("runtime_class_name")
    """``QL_SANDBOX_RUNTIME_CLASS``: e.g. ``runsc`` (gVisor); empty: the cluster's default."""
    sandbox_cpu: str = _k8s_default("cpu")
    sandbox_memory: str = _k8s_default("memory")
    sandbox_ephemeral_storage: str = _k8s_default("ephemeral_storage")
    executor: ExecutorKind = "in_process"
    """``QL_EXECUTOR``: in_process (local default), multiprocess, or k8s (one pod per step)."""
    advisory_db: str = ""
    """``QL_ADVISORY_DB``: OSV advisory directory for the dependency audit (empty: the
    snapshot by the checkout)."""
    advisory_online: bool = False
    """``QL_ADVISORY_ONLINE``: ask osv.dev first, the directory only when it is unreachable."""
    types_blocking: bool = GateThresholds.types_blocking
    """``QL_TYPES_BLOCKING``: mypy's findings on generated Python are errors that stop the
    ``code_parses`` gate and go back to the model while code is written (off: warnings)."""
    node_tools: str = ""
    """``QL_NODE_TOOLS``: the folder holding ``tsc`` and ``eslint`` for TypeScript/JavaScript
    projects (empty: ``tools/node`` of the checkout, installed by ``make node-tools``, else the
    image's ``/opt/quantumlayer/tools/node/node_modules/.bin``)."""
    store: StoreSettings = Field(default_factory=StoreSettings)
    """Read by StoreSettings from its own variables (``QL_STORE`` is its ``kind``)."""
    upload_batch: int = Field(default=50, ge=1, le=1000)
    """``QL_UPLOAD_BATCH``: most new uploads the prompt sensor takes per tick."""
    upload_poll_s: int = Field(default=10, ge=1)
    """``QL_UPLOAD_POLL_S``: seconds between prompt-sensor ticks."""
    tenant_budget_window_s: int = Field(default=DAY_S, ge=60, le=366 * DAY_S)
    """``QL_TENANT_BUDGET_WINDOW_S``: the window a tenant's LLM budget is counted over (a
    fixed window from 00:00 UTC for a day)."""
    tenant_max_tokens: int | None = Field(default=None, gt=0)
    """``QL_TENANT_MAX_TOKENS``: every tenant's token limit per window (unset: none)."""
    tenant_max_usd: float | None = Field(default=None, ge=0)
    """``QL_TENANT_MAX_USD``: every tenant's USD limit per window (unset: none)."""
    tenant_budgets_json: str = Field(
        default="", validation_alias=AliasChoices("QL_TENANT_BUDGETS", "tenant_budgets_json")
    )
    """``QL_TENANT_BUDGETS``: limits of named tenants, instead of the two above, as JSON:
    ``{"acme": {"max_tokens": 2000000}, "globex": {"max_usd": 5}}``."""

    memory_enabled: bool = Field(default=True, validation_alias=AliasChoices("QL_MEMORY"))
    """``QL_MEMORY``: vector memory of past requests (``off`` turns it off)."""
    memory_url: str | None = None
    """``QL_MEMORY_URL``: a Qdrant server; unset keeps the memory in local mode under
    ``memory_dir``."""
    memory_collection: str = "past_requests"
    memory_embedder: str = MINILM
    """``QL_MEMORY_EMBEDDER``: ``minilm`` (packaged, offline) or a litellm embedding model."""
    memory_embedding_api_base: str | None = None
    """``QL_MEMORY_EMBEDDING_API_BASE``: an embedding service (OpenAI API) for ``minilm``."""
    memory_embedding_service: EmbeddingService = "local"
    """``QL_MEMORY_EMBEDDING_SERVICE``: without an API base, ``minilm`` runs in the machine's
    embedding service, found or started on first use (``local``: the model loads once per
    machine), or in each process that embeds (``process``; ``quantumlayer run``'s default)."""
    log_format: Literal["text", "json"] = "text"
    """``QL_LOG_FORMAT``: ``json`` prints one JSON object per log line (request, run, stage
    and trace ids as fields); ``text`` (default) is for a person at a terminal."""
    telemetry: TelemetrySettings = Field(default_factory=TelemetrySettings)
    """Read by TelemetrySettings from the ``OTEL_*`` variables."""
    memory_api_key: str | None = Field(default=None, repr=False, exclude=True)
    """``QL_MEMORY_API_KEY``: the Qdrant server's key; only whether it is set is used here,
    the memory resource binds the value with ``dg.EnvVar``."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments first, then the environment; no .env or secrets files."""
        return init_settings, _EnvWithoutStore(settings_cls)

    @field_validator("home")
    @classmethod
    def _absolute_home(cls, home: Path) -> Path:
        return home.resolve()

    @field_validator("tenant_budgets_json")
    @classmethod
    def _tenant_budgets_parse(cls, text: str) -> str:
        parse_tenant_limits(text)
        return text

    @property
    def tenant_budgets(self) -> TenantBudgets:
        """Every tenant's LLM budget per window (``QL_TENANT_*``)."""
        return TenantBudgets(
            window_s=self.tenant_budget_window_s,
            default=TenantLimits(max_tokens=self.tenant_max_tokens, max_usd=self.tenant_max_usd),
            tenants=parse_tenant_limits(self.tenant_budgets_json),
        )

    @field_validator("memory_url", "memory_embedding_api_base")
    @classmethod
    def _empty_is_unset(cls, value: str | None) -> str | None:
        return value or None

    @model_validator(mode="after")
    def _k8s_sandbox_needs_an_image(self) -> "Settings":
        if self.sandbox == "k8s" and not self.sandbox_image:
            raise ValueError("QL_SANDBOX=k8s needs QL_SANDBOX_IMAGE: set it to this image's name")
        return self

    @property
    def memory_api_key_set(self) -> bool:
        return bool(self.memory_api_key)

    @property
    def k8s_sandbox(self) -> K8sSandboxConfig | None:
        """The sandbox Job settings when ``QL_SANDBOX=k8s``, else None."""
        if self.sandbox != "k8s":
            return None
        return K8sSandboxConfig(
            image=self.sandbox_image,
            namespace=self.sandbox_namespace,
            runtime_class_name=self.sandbox_runtime_class,
            cpu=self.sandbox_cpu,
            memory=self.sandbox_memory,
            ephemeral_storage=self.sandbox_ephemeral_storage,
        )

    @property
    def memory_dir(self) -> Path:
        return self.home / "qdrant"

    @property
    def artifacts_dir(self) -> Path:
        return self.home / "artifacts"

    @property
    def prompts_dir(self) -> Path:
        """The local stand-in for the prompts bucket: ``incoming/``, ``launched/``,
        ``rejected/``."""
        return self.home / "prompts"

    @property
    def dagster_home(self) -> Path:
        return self.home / "dagster"

    @property
    def package_index_cache(self) -> Path:
        """Where the package index's answers are cached between runs."""
        return self.home / "cache" / "package-index.json"

    @classmethod
    def from_env(cls) -> "Settings":
        """The settings the ``QL_*`` environment describes; SettingsError (one line) when a
        variable holds a value it does not allow."""
        try:
            return cls()
        except ValidationError as exc:
            raise SettingsError(describe_settings_error(exc)) from None


def parse_tenant_limits(text: str) -> dict[str, TenantLimits]:
    """``QL_TENANT_BUDGETS``'s JSON as limits per tenant (empty: none); ValueError with a
    one-line reason naming the tenant and what is wrong."""
    if not text.strip():
        return {}
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"not JSON ({exc.msg}); write e.g. {_TENANT_BUDGETS_EXAMPLE}") from None
    if not isinstance(document, dict):
        raise ValueError(f"must be a JSON object of tenants, e.g. {_TENANT_BUDGETS_EXAMPLE}")
    limits = {}
    for name, value in document.items():
        check_tenant(name)
        try:
            limits[name] = TenantLimits.model_validate(value)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"]) or "its limits"
            raise ValueError(
                f"tenant {name}: {where}: {first['msg']} (max_tokens above 0, max_usd 0 or more)"
            ) from None
    return limits


_TENANT_BUDGETS_EXAMPLE = '{"acme": {"max_tokens": 2000000}, "globex": {"max_usd": 5}}'


class _EnvWithoutStore(EnvSettingsSource):
    """The environment, except that ``QL_STORE`` names the store's kind, not ``store``, and
    the telemetry settings read their own ``OTEL_*`` variables."""

    def get_field_value(self, field: FieldInfo, field_name: str) -> tuple[Any, str, bool]:
        if field_name in ("store", "telemetry"):
            return None, field_name, False
        return super().get_field_value(field, field_name)


def setting_default(name: str) -> Any:
    """The default of a ``Settings`` (or ``StoreSettings``) field, for a resource field that
    takes the same value, so that each default is written once, here."""
    for model in (Settings, StoreSettings, TelemetrySettings):
        if name in model.model_fields:
            return model.model_fields[name].get_default(call_default_factory=False)
    raise KeyError(name)


def describe_settings_error(exc: ValidationError) -> str:
    """``QL_NAME=value: what is allowed`` for each bad variable, on one line."""
    model = _model_named(exc.title)
    problems = []
    for error in exc.errors():
        name = str(error["loc"][0]) if error["loc"] else "?"
        field = _field(model, name)
        variable = name if name.startswith(("QL_", "OTEL_")) else f"QL_{name.upper()}"
        if field is None or error["type"] == "value_error":
            # A validator's own message says more than the field's type.
            allowed = error["msg"].removeprefix("Value error, ")
        else:
            allowed = _allowed(field)
        if error["type"] == "int_parsing" and "whole number" not in allowed:
            allowed = allowed.replace("must be", "must be a whole number", 1)
        problems.append(f"{variable}={error.get('input')}: {allowed}")
    return "; ".join(problems)


def _model_named(title: str) -> type[BaseSettings]:
    models: dict[str, type[BaseSettings]] = {
        m.__name__: m for m in (StoreSettings, TelemetrySettings)
    }
    return models.get(title, Settings)


def _field(model: type[BaseSettings], name: str) -> FieldInfo | None:
    for field_name, field in model.model_fields.items():
        aliases = getattr(field.validation_alias, "choices", [])
        if name.lower() == field_name or name in aliases:
            return field
    return None


def _allowed(field: FieldInfo) -> str:
    """What a field accepts, in the words of the README's configuration table."""
    low = high = None
    for constraint in field.metadata:
        if isinstance(constraint, annotated_types.Ge):
            low = constraint.ge
        if isinstance(constraint, annotated_types.Le):
            high = constraint.le
    if low is not None and high is not None:
        return f"must be between {low} and {high}"
    if low is not None:
        return f"must be at least {low}"
    kind: Any = field.annotation
    if kind is bool:
        return f"must be {BOOLEAN_WORDS}"
    if kind is int:
        return "must be a whole number"
    choices = getattr(kind, "__args__", ())
    if choices and all(isinstance(c, str) for c in choices):
        return "must be one of " + ", ".join(choices)
    return f"must be a {getattr(kind, '__name__', kind)}"
