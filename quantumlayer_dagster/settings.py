"""The one settings object: where a local installation keeps its state and its LLM config.

Read from the environment once, at the edge (Definitions or the CLI), never in stage logic.
"""

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

from quantumlayer_dagster.llm.config import PACKAGED_LLM_CONFIG
from quantumlayer_dagster.sandbox.k8s_spec import K8sSandboxConfig

ExecutorKind = Literal["in_process", "multiprocess", "k8s"]


class StoreSettings(BaseModel):
    """Where artifacts and uploaded prompts live. The S3 keys are not here: Definitions bind
    them with ``EnvVar("QL_S3_ACCESS_KEY")`` / ``EnvVar("QL_S3_SECRET_KEY")``."""

    kind: Literal["local", "minio"] = "local"
    s3_endpoint: str = "127.0.0.1:9000"
    """host:port of MinIO (or any S3-compatible server), without a scheme."""
    s3_bucket: str = "quantumlayer-artifacts"
    prompts_bucket: str = "quantumlayer-prompts"
    s3_secure: bool = False
    """HTTPS to the endpoint; off by default for an in-cluster MinIO service."""
    s3_region: str = "us-east-1"

    @classmethod
    def from_env(cls) -> "StoreSettings":
        """``QL_STORE`` (``local`` or ``minio``), ``QL_S3_ENDPOINT``, ``QL_S3_BUCKET``,
        ``QL_PROMPTS_BUCKET``, ``QL_S3_SECURE`` (``true``/``false``), ``QL_S3_REGION``."""
        default = cls()
        kind = os.environ.get("QL_STORE", default.kind)
        if kind not in ("local", "minio"):
            raise ValueError(f"QL_STORE={kind!r}: set it to 'local' or 'minio'")
        return cls(
            kind=kind,  # type: ignore[arg-type]
            s3_endpoint=os.environ.get("QL_S3_ENDPOINT", default.s3_endpoint),
            s3_bucket=os.environ.get("QL_S3_BUCKET", default.s3_bucket),
            prompts_bucket=os.environ.get("QL_PROMPTS_BUCKET", default.prompts_bucket),
            s3_secure=os.environ.get("QL_S3_SECURE", "false").lower() in ("1", "true", "yes"),
            s3_region=os.environ.get("QL_S3_REGION", default.s3_region),
        )


class Settings(BaseModel):
    home: Path
    """State of a local installation: ``artifacts/`` (the store) and ``dagster/`` (instance)."""
    llm_config: Path
    """The YAML file naming the LLM model(s)."""
    test_timeout_s: int = 120
    sandbox_isolation: Literal["bwrap", "process"] = "bwrap"
    """How generated tests are isolated (``QL_SANDBOX_ISOLATION``): ``bwrap`` (default; a run
    is refused when bubblewrap cannot sandbox) or ``process``, for local development only;
    the tests_pass gate fails a run isolated less than this."""
    advisory_db: str = ""
    """OSV advisory directory for the dependency audit (empty: the snapshot by the checkout)."""
    advisory_online: bool = False
    """Ask osv.dev first, the advisory directory only when it cannot be reached."""
    store: StoreSettings = Field(default_factory=StoreSettings)
    upload_batch: int = 50
    """Most new uploads the prompt sensor takes per tick (the rest wait for the next)."""
    upload_poll_s: int = 10
    """Seconds between prompt-sensor ticks."""

    memory_enabled: bool = True
    """Vector memory of past requests (``QL_MEMORY=off`` turns it off)."""
    memory_url: str | None = None
    """A Qdrant server; None keeps the memory in local mode under ``memory_dir``."""
    memory_collection: str = "past_requests"
    memory_embedder: str = "minilm"
    """``minilm`` (packaged, offline) or a litellm embedding model name."""
    memory_embedding_api_base: str | None = None
    memory_api_key_set: bool = False
    """Whether ``QL_MEMORY_API_KEY`` (the Qdrant server's key) is set; its value is bound
    with ``EnvVar`` by the memory resource, never held here."""

    executor: ExecutorKind = "in_process"
    """``QL_EXECUTOR``: in_process (local default), multiprocess, or k8s (one pod per step)."""
    k8s_sandbox: K8sSandboxConfig | None = None
    """``QL_SANDBOX=k8s``: generated tests run in a sandbox Job per run (in a cluster)."""

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

    @classmethod
    def from_env(cls) -> "Settings":
        """``QL_HOME`` (default ``.ql`` in the working folder), ``QL_LLM_CONFIG`` (default:
        the packaged local llama.cpp config), ``QL_TEST_TIMEOUT_S``, ``QL_SANDBOX_ISOLATION``
        (``bwrap``/``process``), the store's variables (see ``StoreSettings.from_env``),
        ``QL_UPLOAD_BATCH``, ``QL_UPLOAD_POLL_S``,
        ``QL_MEMORY`` (on/off), ``QL_MEMORY_URL``, ``QL_MEMORY_COLLECTION``,
        ``QL_MEMORY_EMBEDDER``, ``QL_MEMORY_EMBEDDING_API_BASE``, ``QL_MEMORY_API_KEY``,
        ``QL_EXECUTOR``, ``QL_SANDBOX*``."""
        return cls(
            home=Path(os.environ.get("QL_HOME", ".ql")).resolve(),
            llm_config=Path(os.environ.get("QL_LLM_CONFIG", str(PACKAGED_LLM_CONFIG))),
            test_timeout_s=int(os.environ.get("QL_TEST_TIMEOUT_S", "120")),
            sandbox_isolation=_isolation(os.environ.get("QL_SANDBOX_ISOLATION", "bwrap")),
            advisory_db=os.environ.get("QL_ADVISORY_DB", ""),
            advisory_online=os.environ.get("QL_ADVISORY_ONLINE", "") in {"1", "on", "true"},
            store=StoreSettings.from_env(),
            upload_batch=int(os.environ.get("QL_UPLOAD_BATCH", "50")),
            upload_poll_s=int(os.environ.get("QL_UPLOAD_POLL_S", "10")),
            memory_enabled=os.environ.get("QL_MEMORY", "on").lower() not in {"off", "0", "false"},
            memory_url=os.environ.get("QL_MEMORY_URL") or None,
            memory_collection=os.environ.get("QL_MEMORY_COLLECTION", "past_requests"),
            memory_embedder=os.environ.get("QL_MEMORY_EMBEDDER", "minilm"),
            memory_embedding_api_base=os.environ.get("QL_MEMORY_EMBEDDING_API_BASE") or None,
            memory_api_key_set=bool(os.environ.get("QL_MEMORY_API_KEY")),
            executor=_executor_from_env(),
            k8s_sandbox=_k8s_sandbox_from_env(),
        )


def _isolation(value: str) -> Literal["bwrap", "process"]:
    if value not in ("bwrap", "process"):
        raise ValueError(f"QL_SANDBOX_ISOLATION={value!r}: set it to 'bwrap' or 'process'")
    return value  # type: ignore[return-value]


def _executor_from_env() -> ExecutorKind:
    kind = os.environ.get("QL_EXECUTOR", "in_process")
    if kind not in ("in_process", "multiprocess", "k8s"):
        raise ValueError(f"QL_EXECUTOR={kind!r}: set it to in_process, multiprocess or k8s")
    return kind  # type: ignore[return-value]


def _k8s_sandbox_from_env() -> K8sSandboxConfig | None:
    """``QL_SANDBOX`` (``local`` or ``k8s``); for k8s ``QL_SANDBOX_IMAGE`` (required),
    ``QL_SANDBOX_NAMESPACE``, ``QL_SANDBOX_RUNTIME_CLASS``, ``QL_SANDBOX_CPU``,
    ``QL_SANDBOX_MEMORY``, ``QL_SANDBOX_EPHEMERAL_STORAGE``."""
    kind = os.environ.get("QL_SANDBOX", "local")
    if kind == "local":
        return None
    if kind != "k8s":
        raise ValueError(f"QL_SANDBOX={kind!r}: set it to 'local' or 'k8s'")
    image = os.environ.get("QL_SANDBOX_IMAGE", "")
    if not image:
        raise ValueError("QL_SANDBOX=k8s needs QL_SANDBOX_IMAGE: set it to this image's name")
    fields = {
        "namespace": "QL_SANDBOX_NAMESPACE",
        "runtime_class_name": "QL_SANDBOX_RUNTIME_CLASS",
        "cpu": "QL_SANDBOX_CPU",
        "memory": "QL_SANDBOX_MEMORY",
        "ephemeral_storage": "QL_SANDBOX_EPHEMERAL_STORAGE",
    }
    given = {field: os.environ[var] for field, var in fields.items() if var in os.environ}
    return K8sSandboxConfig.model_validate({"image": image, **given})
