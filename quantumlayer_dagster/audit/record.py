"""One audit record: what happened, to which request, by whom as far as it is known, and
the digests of the objects involved; chained to the record before it by digest.

The digest of a record is the sha256 of its canonical form: its stored columns as text
(``row``), with the previous record's digest, as JSON with sorted keys and no spaces. The
sequence number is not in it: the chain, not the numbering, fixes the order.
"""

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Literal

from pydantic import ConfigDict, Field, ValidationInfo, field_validator

from quantumlayer_dagster.artifacts.request import REQUEST_ID_PATTERN
from quantumlayer_dagster.audit.content import (
    MAX_REASON,
    MAX_SUBJECT,
    digests_problem,
    sha256_hex,
    text_problem,
)
from quantumlayer_dagster.model import Model
from quantumlayer_dagster.tenants import DEFAULT_TENANT, check_tenant

Action = Literal[
    "submission",
    "launch",
    "cancellation",
    "rejection",
    "budget_stop",
    "capsule_write",
    "fetch",
]
ACTIONS: tuple[Action, ...] = (
    "submission",
    "launch",
    "cancellation",
    "rejection",
    "budget_stop",
    "capsule_write",
    "fetch",
)
RECORD_VERSION = 1
GENESIS = "0" * 64
"""The previous digest of the first record."""
COLUMNS = (
    "version",
    "at",
    "action",
    "tenant",
    "actor",
    "user_name",
    "credential",
    "client",
    "request_id",
    "run_id",
    "subject",
    "reason",
    "digests",
    "event_key",
)
"""The columns a record's digest covers, besides the previous digest."""


class AuditEvent(Model):
    """What a hook appends. Every field is a name, id or digest, except ``subject`` and
    ``reason``, which are one bounded line each (``content.py``): no prompt text, no secret."""

    model_config = ConfigDict(defer_build=True, frozen=True, extra="forbid")

    action: Action
    at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    tenant: str = DEFAULT_TENANT
    actor: str = Field(pattern=r"^[a-z][a-z0-9 ._:/-]{0,63}$")
    """What acted: ``cli``, ``sensor prompt_uploads``, ``run``, ``dagster-ui or graphql``."""
    user_name: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.@+-]{1,128}$")
    """The person, as far as it is known: the CLI's login name, or a proxy's user."""
    credential: str | None = Field(default=None, pattern=r"^[a-z0-9-]{1,32}:[0-9a-f]{16}$")
    """A fingerprint of the credential used (``content.fingerprint``), never the credential."""
    client: str | None = Field(default=None, pattern=r"^[A-Za-z0-9_.:%/-]{1,255}$")
    """Where the CLI ran: ``<host name>/<address>``."""
    request_id: str | None = None
    run_id: str | None = Field(default=None, pattern=r"^[0-9a-f-]{8,64}$")
    subject: str | None = None
    """The object acted on: an object key, a stage name."""
    reason: str | None = None
    digests: dict[str, str] = {}
    """sha256 of the objects involved (``prompt``, ``upload``, ``capsule``...)."""
    event_key: str | None = Field(default=None, pattern=r"^[a-z_]{1,32}:[A-Za-z0-9._:-]{1,160}$")
    """Names the event so repeating it appends nothing (a sensor tick evaluated twice)."""

    @field_validator("at")
    @classmethod
    def _utc(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("the time must carry its time zone")
        return value.astimezone(UTC)

    @field_validator("tenant")
    @classmethod
    def _tenant(cls, value: str) -> str:
        return check_tenant(value)

    @field_validator("request_id")
    @classmethod
    def _request_id(cls, value: str | None) -> str | None:
        if value is not None and not REQUEST_ID_PATTERN.match(value):
            raise ValueError(f"{value[:40]!r} is not a request id (r<14 digits>-<8 hex>)")
        return value

    @field_validator("subject", "reason")
    @classmethod
    def _text(cls, value: str | None, info: ValidationInfo) -> str | None:
        limit = MAX_SUBJECT if info.field_name == "subject" else MAX_REASON
        problem = None if value is None else text_problem(value, limit)
        if problem:
            raise ValueError(f"{info.field_name} {problem}")
        return value

    @field_validator("digests")
    @classmethod
    def _digests(cls, value: dict[str, str]) -> dict[str, str]:
        problem = digests_problem(value)
        if problem:
            raise ValueError(f"digests: {problem}")
        return value

    def row(self) -> dict[str, str | int | None]:
        """The record's columns as stored: the digest is computed over exactly these."""
        return {
            "version": RECORD_VERSION,
            "at": format_time(self.at),
            "action": self.action,
            "tenant": self.tenant,
            "actor": self.actor,
            "user_name": self.user_name,
            "credential": self.credential,
            "client": self.client,
            "request_id": self.request_id,
            "run_id": self.run_id,
            "subject": self.subject,
            "reason": self.reason,
            "digests": json.dumps(self.digests, sort_keys=True, separators=(",", ":")),
            "event_key": self.event_key,
        }


class AuditRecord(AuditEvent):
    """A stored record: the event, its place in the table and in the chain."""

    seq: int
    prev_digest: str
    digest: str

    @classmethod
    def from_row(cls, row: Mapping[str, object]) -> "AuditRecord":
        """A record from its stored columns (``digests`` as its JSON text)."""
        fields = {k: v for k, v in row.items() if k != "version"}
        fields["digests"] = json.loads(str(row["digests"]))
        return cls.model_validate(fields)

    def as_json(self) -> dict[str, object]:
        return {"seq": self.seq, **self.model_dump(mode="json", exclude={"seq"})}


def format_time(at: datetime) -> str:
    """``2026-12-06T09:30:00.123456Z``: fixed width, so text order is time order."""
    return at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def canonical(row: Mapping[str, object], prev_digest: str) -> str:
    """The text a record's digest is taken over: its columns and the previous digest."""
    fields = {name: row.get(name) for name in COLUMNS}
    fields["prev_digest"] = prev_digest
    return json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=True)


def record_digest(row: Mapping[str, object], prev_digest: str) -> str:
    return sha256_hex(canonical(row, prev_digest))
