"""The shared LLM spend ledger a run's steps reserve their calls in, taken from the Dagster
instance the run belongs to: its Postgres (a platform: steps in separate pods), or an SQLite
file in its folder (a laptop: steps in separate processes of one machine). An ephemeral
instance (tests, ``dg.materialize``) runs every step in one process: no ledger needed."""

from pathlib import Path

import dagster as dg

from quantumlayer_dagster.llm.spend_ledger import SpendLedger
from quantumlayer_dagster.llm.tenant_budget import TenantWindow
from quantumlayer_dagster.store.spend_ledger_sql import SqlSpendLedger
from quantumlayer_dagster.tenants import DEFAULT_TENANT

LEDGER_FILE = "ql_llm_spend.db"


def instance_spend_ledger(
    instance: dg.DagsterInstance,
    request_id: str,
    tenant: str = DEFAULT_TENANT,
    tenant_window: TenantWindow | None = None,
) -> SpendLedger | None:
    """The ledger for ``request_id`` of ``tenant`` in ``instance``'s storage (checking the
    tenant's window budget when one is given), or None when ephemeral: one process, no other
    request to share a tenant's budget with, so tenant budgets are not kept there."""
    postgres_url = getattr(instance.run_storage, "postgres_url", None)
    if isinstance(postgres_url, str) and postgres_url:
        return SqlSpendLedger(postgres_url, request_id, tenant, tenant_window)
    if instance.is_ephemeral:
        return None
    path = str(Path(instance.root_directory) / LEDGER_FILE)
    return SqlSpendLedger(path, request_id, tenant, tenant_window)
