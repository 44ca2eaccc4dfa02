"""The CLI's side of the audit trail: the trail of the instance the CLI works against
(``$DAGSTER_HOME``, else ``$QL_HOME/dagster``: Postgres when its dagster.yaml says so, else
an SQLite file in that folder) and the actor fields of a record made from this command line."""

import os
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from quantumlayer_cli.deployment_state import instance_folder
from quantumlayer_dagster.artifacts.request import DEFAULT_TENANT
from quantumlayer_dagster.audit.actor import cli_actor
from quantumlayer_dagster.audit.content import fingerprint, reason_text, sha256_hex
from quantumlayer_dagster.audit.log import AuditUnavailable
from quantumlayer_dagster.audit.record import GENESIS, AuditEvent
from quantumlayer_dagster.audit.sql_log import AUDIT_FILE, SqlAuditLog
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.store.artifact_store import ArtifactStoreUnavailable


def cli_audit_log(settings: Settings) -> SqlAuditLog:
    """The audit log of the CLI's instance, reached once (its table created if new), so a
    command refuses before it acts; AuditUnavailable (one line) when the instance's
    configuration cannot be loaded or the trail cannot be reached."""
    folder = instance_folder(settings)
    if (folder / "dagster.yaml").exists():
        log = _configured_log(folder)
    else:  # Dagster's default for a folder without a config: SQLite in the folder
        log = SqlAuditLog(str(folder / AUDIT_FILE))
    log.seq_of(GENESIS)
    return log


def _configured_log(folder: Path) -> SqlAuditLog:
    import dagster as dg

    from resources.audit_log import instance_audit_log

    try:
        with dg.DagsterInstance.from_config(str(folder)) as instance:
            log = instance_audit_log(instance)
    except Exception as exc:  # any config, driver or connection error: one line, not a trace
        raise AuditUnavailable(
            f"cannot open the Dagster instance in {folder} for its audit trail: "
            f"{str(exc).splitlines()[0] if str(exc) else type(exc).__name__}; check the "
            "database its dagster.yaml names, or point DAGSTER_HOME at the instance's folder"
        ) from None
    if log is None:  # from_config never builds an ephemeral instance; kept for the type
        raise AuditUnavailable(f"the instance in {folder} keeps no audit trail")
    return log


def cli_fields(settings: Settings, server_url: str | None = None) -> dict[str, Any]:
    """Actor fields of a record made here: ``cli``, the login name, ``<host>/<address>``
    (the address the webserver at ``server_url`` is reached from, when there is one) and a
    fingerprint of the object-store access key in use."""
    host = urlsplit(server_url if "://" in (server_url or "") else f"http://{server_url}").hostname
    fields: dict[str, Any] = cli_actor(host if server_url else None).fields()
    access_key = os.environ.get("QL_S3_ACCESS_KEY")
    if settings.store.kind == "minio" and access_key:
        fields["credential"] = fingerprint(access_key, "s3-access-key")
    return fields


def record_refusal(settings: Settings, prompt_file: str, problem: str) -> str | None:
    """Record that the CLI refused a request (its file's digest, the reason without quoted
    content); returns a line to print when the refusal could not be recorded."""
    digests: dict[str, str] = {}
    try:
        with open(prompt_file, "rb") as fh:
            data = fh.read(10 * 1024 * 1024 + 1)
        if len(data) <= 10 * 1024 * 1024:
            digests["upload"] = sha256_hex(data)
    except OSError:
        pass
    try:
        cli_audit_log(settings).append(
            AuditEvent(
                action="rejection",
                reason=reason_text(problem),
                digests=digests,
                **cli_fields(settings),
            )
        )
    except AuditUnavailable as exc:
        return f"warning: the refusal was not recorded: {exc}"
    return None


def request_tenant(settings: Settings, request_id: str) -> str:
    """The tenant of a request, from its stored submission (``shared`` when unknown)."""
    from quantumlayer_dagster.store.submissions import stored_tenant
    from resources.artifact_store import StoreNotConfigured, open_artifact_store

    try:
        return stored_tenant(open_artifact_store(settings).store(), request_id)
    except (StoreNotConfigured, ArtifactStoreUnavailable):
        return DEFAULT_TENANT
