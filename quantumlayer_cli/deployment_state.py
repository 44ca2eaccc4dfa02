"""The deployment a backup is taken from or restored into, as the CLI finds it: the Dagster
instance of ``$DAGSTER_HOME`` (else ``$QL_HOME/dagster``), the configured stores and memory;
and what only Dagster knows about it (runs, daemons) or can change (runs left in flight)."""

import os
import time
from pathlib import Path

import dagster as dg

from quantumlayer_dagster.backup.deployment import Deployment
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.store.minio_store import S3Connection
from resources.artifact_store import open_artifact_store
from resources.memory import VectorMemoryResource

IN_FLIGHT = (
    dg.DagsterRunStatus.STARTING,
    dg.DagsterRunStatus.STARTED,
    dg.DagsterRunStatus.CANCELING,
)
DAEMON_ALIVE_S = 120.0
TOOL_VARIABLES = ("PATH", "LANG", "LC_ALL", "HOME", "TMPDIR", "PGSSLMODE", "PGSSLROOTCERT")


def instance_folder(settings: Settings) -> Path:
    """``$DAGSTER_HOME`` when set (a platform's pods set it), else ``$QL_HOME/dagster``."""
    return Path(os.environ.get("DAGSTER_HOME") or settings.dagster_home).resolve()


def open_instance(settings: Settings) -> dg.DagsterInstance:
    folder = instance_folder(settings)
    folder.mkdir(parents=True, exist_ok=True)
    return dg.DagsterInstance.from_config(str(folder))


def describe_deployment(settings: Settings, instance: dg.DagsterInstance) -> Deployment:
    resource = open_artifact_store(settings)
    memory = VectorMemoryResource.from_settings(settings).process_config_and_initialize()
    url = getattr(instance.run_storage, "postgres_url", None)
    return Deployment(
        instance_folder=instance_folder(settings),
        postgres_url=url if isinstance(url, str) and url else None,
        artifacts=resource.store(),
        prompts=resource.prompts(),
        memory=memory.memory(),  # type: ignore[arg-type]
        stores_where=resource.where,
        tool_environment={k: os.environ[k] for k in TOOL_VARIABLES if k in os.environ},
    )


def backup_s3_connection(settings: Settings) -> S3Connection:
    """The S3 server of ``s3://`` backup locations: ``QL_BACKUP_S3_ENDPOINT`` and its keys
    (``QL_BACKUP_S3_ACCESS_KEY``, ``QL_BACKUP_S3_SECRET_KEY``), else the store's server and
    keys. Keep backups off the deployment's own MinIO where you can: it is what they protect."""
    cfg = settings.store
    own = bool(cfg.backup_s3_endpoint)
    prefix = "QL_BACKUP_S3_" if own else "QL_S3_"
    return S3Connection(
        cfg.backup_s3_endpoint or cfg.s3_endpoint,
        access_key=os.environ.get(f"{prefix}ACCESS_KEY"),
        secret_key=os.environ.get(f"{prefix}SECRET_KEY"),
        secure=cfg.s3_secure,
        region=cfg.s3_region,
        ca_certs=os.environ.get("SSL_CERT_FILE") or None,
    )


def live_daemons(instance: dg.DagsterInstance) -> list[str]:
    """Daemons that reported to this instance within the last two minutes."""
    now = time.time()
    return sorted(
        name
        for name, beat in instance.get_daemon_heartbeats().items()
        if now - beat.timestamp < DAEMON_ALIVE_S
    )


def fail_runs_in_flight(instance: dg.DagsterInstance, backup: str) -> list[str]:
    """Mark the runs that were executing when the backup was taken as failed: their workers
    belonged to the lost deployment, so nothing would ever end them. They can then be
    re-executed from failure (their finished steps are kept). Queued runs stay queued: the
    new deployment's daemon starts them. The run ids marked."""
    marked = []
    for run in instance.get_runs(dg.RunsFilter(statuses=list(IN_FLIGHT))):
        instance.report_run_failed(
            run,
            message=f"run was executing when backup {backup} was taken; restored without its "
            "worker: re-execute it from failure",
        )
        marked.append(run.run_id)
    return marked
