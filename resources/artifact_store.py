"""Artifact store resource: where every request's artifacts and capsules live, and where
users upload prompts. A local directory by default, MinIO when configured."""

import os
from typing import TYPE_CHECKING, Literal

import dagster as dg
from pydantic import PrivateAttr

from quantumlayer_dagster.settings import Settings, setting_default
from quantumlayer_dagster.store.artifact_store import ArtifactStore, ObjectInbox
from quantumlayer_dagster.store.local_dir import LocalDirStore

if TYPE_CHECKING:  # the minio SDK loads only when MinIO is configured
    from quantumlayer_dagster.store.minio_store import MinioStore


class ArtifactStoreResource(dg.ConfigurableResource):
    """``kind="local"``: folders ``root`` (artifacts) and ``prompts_root`` (uploads) with the
    buckets' key layout. ``kind="minio"``: buckets ``bucket`` and ``prompts_bucket`` at
    ``endpoint``; bind the keys with ``dg.EnvVar`` so they never reach the UI or logs."""

    kind: Literal["local", "minio"] = setting_default("kind")
    root: str = ""
    prompts_root: str = ""
    endpoint: str = setting_default("s3_endpoint")
    bucket: str = setting_default("s3_bucket")
    prompts_bucket: str = setting_default("prompts_bucket")
    secure: bool = setting_default("s3_secure")
    region: str = setting_default("s3_region")
    access_key: str | None = None
    secret_key: str | None = None

    # One client per resource instance, not one per artifact written.
    _stores: "dict[str, MinioStore | LocalDirStore]" = PrivateAttr(default_factory=dict)

    def _open(self, which: Literal["artifacts", "prompts"]) -> "MinioStore | LocalDirStore":
        if which not in self._stores:
            if self.kind == "minio":
                from quantumlayer_dagster.store.minio_store import MinioStore, S3Connection

                connection = S3Connection(
                    self.endpoint,
                    access_key=self.access_key,
                    secret_key=self.secret_key,
                    secure=self.secure,
                    region=self.region,
                    # The SDK's own default: a CA bundle named by SSL_CERT_FILE, else certifi's.
                    ca_certs=os.environ.get("SSL_CERT_FILE") or None,
                )
                bucket = self.bucket if which == "artifacts" else self.prompts_bucket
                self._stores[which] = MinioStore(connection, bucket)
            else:
                folder = self.root if which == "artifacts" else self.prompts_root
                if not folder:
                    raise ValueError(f"the local artifact store has no {which} folder: set QL_HOME")
                self._stores[which] = LocalDirStore(folder)
        return self._stores[which]

    def store(self) -> ArtifactStore:
        """Artifacts: ``requests/<id>/<asset>.json``, ``submission.json``, the capsule."""
        return self._open("artifacts")

    def prompts(self) -> ObjectInbox:
        """Uploads: ``incoming/``, then ``launched/<request id>/`` or ``rejected/``."""
        return self._open("prompts")

    @property
    def where(self) -> str:
        """Where the stores are, for messages (never the keys)."""
        if self.kind == "minio":
            return f"MinIO at {self.endpoint} (buckets {self.bucket}, {self.prompts_bucket})"
        return f"local folders {self.root} and {self.prompts_root}"


def artifact_store_resource(settings: Settings) -> ArtifactStoreResource:
    """The resource for ``settings``; with MinIO, the keys come from ``QL_S3_ACCESS_KEY`` and
    ``QL_S3_SECRET_KEY`` when the resource is initialised (``dg.EnvVar``)."""
    cfg = settings.store
    if cfg.kind == "local":
        return ArtifactStoreResource(
            root=str(settings.artifacts_dir), prompts_root=str(settings.prompts_dir)
        )
    return ArtifactStoreResource(
        kind="minio",
        endpoint=cfg.s3_endpoint,
        bucket=cfg.s3_bucket,
        prompts_bucket=cfg.prompts_bucket,
        secure=cfg.s3_secure,
        region=cfg.s3_region,
        access_key=dg.EnvVar("QL_S3_ACCESS_KEY"),
        secret_key=dg.EnvVar("QL_S3_SECRET_KEY"),
    )


class StoreNotConfigured(ValueError):
    """The settings ask for MinIO but its keys are missing; the message says which."""


def open_artifact_store(settings: Settings) -> ArtifactStoreResource:
    """The resource for ``settings`` with its keys read from the environment, for use
    outside a Dagster run (the CLI)."""
    resource = artifact_store_resource(settings)
    if resource.kind == "minio":
        missing = [v for v in ("QL_S3_ACCESS_KEY", "QL_S3_SECRET_KEY") if not os.environ.get(v)]
        if missing:
            raise StoreNotConfigured(
                f"QL_STORE=minio needs {' and '.join(missing)} in the environment: export "
                "the MinIO access and secret keys (or unset QL_STORE for the local folders)"
            )
        return resource.process_config_and_initialize()  # resolves the keys' EnvVars
    # Nothing to resolve: initialising would build an ephemeral Dagster instance (its SQLite
    # schema migrated in memory, about 0.5 s of CPU) for every CLI command that opens the store.
    return resource
