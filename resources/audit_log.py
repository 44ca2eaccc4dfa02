"""The audit trail of a Dagster instance: a table in its Postgres, or an SQLite file in its
folder for a local instance (as the spend ledger, ``resources/spend_ledger.py``). An
ephemeral instance (tests, ``dg.materialize``) keeps no trail: there is nowhere to keep it."""

from collections.abc import Callable
from pathlib import Path

import dagster as dg

from quantumlayer_dagster.audit.log import RequestAudit
from quantumlayer_dagster.audit.sql_log import AUDIT_FILE, SqlAuditLog
from quantumlayer_dagster.tenants import DEFAULT_TENANT, TENANT_TAG


def instance_audit_log(instance: dg.DagsterInstance) -> SqlAuditLog | None:
    """The audit log in ``instance``'s storage, or None when the instance is ephemeral."""
    postgres_url = getattr(instance.run_storage, "postgres_url", None)
    if isinstance(postgres_url, str) and postgres_url:
        return SqlAuditLog(postgres_url)
    if instance.is_ephemeral:
        return None
    return SqlAuditLog(str(Path(instance.root_directory) / AUDIT_FILE))


def run_audit(
    instance: dg.DagsterInstance | None,
    run: dg.DagsterRun | None,
    tenant: str | Callable[[], str] = DEFAULT_TENANT,
) -> RequestAudit | None:
    """The audit log bound to a run of one request (its partition), or None outside one.
    The tenant is the run's tag when it has one, else ``tenant`` (a name, or how to read it)."""
    if instance is None or run is None:
        return None
    request_id = run.tags.get("dagster/partition")
    log = instance_audit_log(instance)
    if not request_id or log is None:
        return None
    tagged = run.tags.get(TENANT_TAG)
    return RequestAudit(log, request_id, run_id=run.run_id, tenant=tagged or tenant)
