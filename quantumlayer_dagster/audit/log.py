"""The audit log as hooks see it: a small protocol, so a stage or the intake can record
without knowing the database behind it (``sql_log.py``)."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from quantumlayer_dagster.audit.record import Action, AuditEvent, AuditRecord
from quantumlayer_dagster.tenants import DEFAULT_TENANT


class AuditUnavailable(RuntimeError):
    """The audit table cannot be written; the message is one line saying why and what to do.
    Hooks let it propagate: an action that cannot be recorded does not happen silently."""


class AuditLog(Protocol):
    def append(self, event: AuditEvent) -> AuditRecord | None:
        """Add ``event`` at the head of the chain and return the stored record; None when
        its ``event_key`` is already recorded (the event was recorded before)."""
        ...


@dataclass(frozen=True)
class RequestAudit:
    """The audit log bound to one request's run: what a stage needs to record an action
    about its request in one call (``budget_stop``, ``capsule_write``)."""

    log: AuditLog
    request_id: str
    run_id: str | None = None
    tenant: str | Callable[[], str] = DEFAULT_TENANT
    """The request's tenant, or how to look it up when a record is written (a stored
    submission is read only if a stage records something)."""
    actor: str = "run"

    def record(self, action: Action, **fields: Any) -> AuditRecord | None:
        """Append one record about the request; ``fields`` are further ``AuditEvent`` fields."""
        tenant = self.tenant if isinstance(self.tenant, str) else self.tenant()
        return self.log.append(
            AuditEvent(
                action=action,
                request_id=self.request_id,
                run_id=self.run_id,
                tenant=tenant,
                actor=self.actor,
                **fields,
            )
        )
