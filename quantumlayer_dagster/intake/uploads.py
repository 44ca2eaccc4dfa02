"""Prompt uploads: each object put under ``incoming/`` in the prompts store becomes exactly
one request, or is moved to ``rejected/`` with a reason a person can read.

Where an upload lands names its tenant: ``incoming/<tenant>/<name>`` is the tenant's (a name
``check_tenant`` accepts), ``incoming/<name>`` the shared tenant's. A bad tenant folder (a
path trick, empty, not lowercase ASCII, too long) or a deeper path is rejected like any other
bad upload.

How "exactly once" holds (the sensor in ``assets/sensors.py`` wraps ``scan_uploads``):

- The request id is derived from the upload (key, etag, time) and the cursor's launch
  counter, and the run key is the request id. A tick evaluated twice (the daemon died
  before committing it, or the store failed half way) starts from the same cursor, so it
  proposes the same request, writes the same submission and the same run key, and Dagster
  launches a run key only once per sensor. The counter grows with every committed launch,
  so the same content uploaded again under the same name (S3 gives it the same content
  etag) is a new request with a new run key, not a run request Dagster drops.
- An upload stays under ``incoming/`` until a *later* tick: the cursor lists the uploads
  whose run requests went out (key, etag, request id), and the next tick, which only runs
  once that cursor was committed together with the run requests, moves them to
  ``launched/<request id>/``. Moving them in the same tick could lose an upload if the
  daemon stopped before committing it. A new daemon reads the same cursor, so a restart
  launches nothing twice.
- An upload replaced under the same name (new etag or new time) is a new upload.
- No name can stop the sensor: every upload is launched or rejected on its own, under a
  derived name that is one plain key segment; an upload that cannot even be moved aside is
  remembered in the cursor and skipped, so it never takes a place in later batches.
- The read is checked against the listing: an object replaced between the two (another
  size) is left for the next tick, which sees it with its new etag and size.
- Invalid uploads are rejected immediately: the reason file is written first, then the
  object is moved; repeating either step after a crash is harmless.
- At most ``batch`` new uploads are taken per tick, each tenant's oldest name first, taking
  the tenants in turn (one of each, then a second of each, ...), so one tenant's burst does
  not hold another's uploads back for several ticks; the rest wait.
- With an audit log, each launch and rejection is recorded (before the upload is moved) under
  an event key derived from the request id or the upload, so a repeated tick records nothing
  twice; a trail that cannot be written stops the tick like an unreachable store.
"""

import hashlib
import re
import unicodedata
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import chain, zip_longest

from pydantic import ValidationError

from quantumlayer_dagster.artifacts.limits import PROMPT_MAX_BYTES
from quantumlayer_dagster.artifacts.request import RequestOptions, prompt_digest
from quantumlayer_dagster.audit.content import reason_text, sha256_hex
from quantumlayer_dagster.audit.log import AuditLog, AuditUnavailable
from quantumlayer_dagster.audit.record import AuditEvent
from quantumlayer_dagster.intake.front_matter import request_text
from quantumlayer_dagster.intake.prompt_checks import PromptRejected, decode_prompt
from quantumlayer_dagster.model import Model
from quantumlayer_dagster.store.artifact_store import (
    ArtifactNotFound,
    ArtifactStore,
    ArtifactStoreUnavailable,
    ObjectInbox,
    StoredObject,
)
from quantumlayer_dagster.store.submissions import store_submission
from quantumlayer_dagster.tenants import DEFAULT_TENANT, check_tenant

INCOMING = "incoming/"
LAUNCHED = "launched/"
REJECTED = "rejected/"
REASON_SUFFIX = ".reason.txt"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")
MAX_NAME_BYTES = 1024
"""S3's own key limit; longer names can only come from a local folder."""
SENSOR_ACTOR = "sensor prompt_uploads"


class PendingLaunch(Model):
    etag: str
    request_id: str
    last_modified: datetime | None = None


class UploadCursor(Model):
    """The sensor's cursor: uploads launched but not yet moved out of ``incoming/``, the
    number of launches so far, and uploads that could be neither launched nor moved."""

    pending: dict[str, PendingLaunch] = {}
    launches: int = 0
    stuck: dict[str, str] = {}
    """upload key -> etag of an upload that failed even to be moved aside."""

    @classmethod
    def parse(cls, text: str | None) -> "UploadCursor":
        if not text:
            return cls()
        try:
            return cls.model_validate_json(text)
        except ValidationError:
            # A damaged cursor loses only the pending moves; relaunches are refused by
            # their run keys, so starting empty is safe.
            return cls()


@dataclass(frozen=True)
class Launch:
    request_id: str
    upload_key: str
    etag: str
    tenant: str = DEFAULT_TENANT

    @property
    def run_key(self) -> str:
        # The request id, unique per launch: never the content etag alone, which repeats.
        return self.request_id


@dataclass(frozen=True)
class Rejection:
    upload_key: str
    moved_to: str
    reason: str


@dataclass
class UploadScan:
    """What one tick did and proposes; ``cursor`` is the JSON to store with the launches."""

    launches: list[Launch] = field(default_factory=list)
    rejections: list[Rejection] = field(default_factory=list)
    moved_to_launched: list[str] = field(default_factory=list)
    stuck: list[Rejection] = field(default_factory=list)
    """Uploads that could be neither launched nor moved aside (left in place, skipped)."""
    changed: list[str] = field(default_factory=list)
    """Uploads replaced between listing and reading, left for the next tick."""
    waiting: int = 0
    """New uploads left for the next tick (over the batch)."""
    cursor: str = ""


def upload_request_id(upload: StoredObject, launch_number: int = 0) -> str:
    """``r<upload time>-<8 hex of key, etag, time and launch number>``: the same upload at
    the same cursor always gets the same id; a later launch of equal content a new one."""
    identity = f"{upload.key}\0{upload.etag}\0{upload.last_modified.isoformat()}\0{launch_number}"
    digest = hashlib.sha256(identity.encode()).hexdigest()[:8]
    return f"r{upload.last_modified.astimezone(UTC):%Y%m%d%H%M%S}-{digest}"


def safe_name(name: str) -> str:
    """An upload's name made into one plain key segment (for ``launched/`` and ``rejected/``):
    ASCII letters, digits and ``_ . -``, starting with a letter, digit or ``_``, at most 80
    characters, so every store and ``check_relative_path`` accept it."""
    plain = _UNSAFE.sub("_", name)
    while ".." in plain:
        plain = plain.replace("..", "_")
    return plain.lstrip(".-")[:80].rstrip(".") or "upload"


def upload_tenant(name: str) -> tuple[str, str]:
    """(tenant, file name) of an upload named ``name`` under ``incoming/``: ``<tenant>/<file>``
    or, directly there, the shared tenant's ``<file>``; PromptRejected with the reason for a
    tenant folder ``check_tenant`` refuses or a path deeper than one folder."""
    folder, slash, file_name = name.partition("/")
    if not slash:
        return DEFAULT_TENANT, name
    if "/" in file_name:
        raise PromptRejected(
            f"{name!r}: uploads go directly under {INCOMING} or under {INCOMING}<tenant>/, "
            "not deeper; move the file up"
        )
    try:
        return check_tenant(folder), file_name
    except ValueError as exc:
        raise PromptRejected(
            f"{name!r}: the folder is not a tenant: {exc}; upload under "
            f"{INCOMING}<tenant>/ (`quantumlayer submit --tenant NAME`)"
        ) from None


def _tenant_group(key: str) -> str:
    """The tenant folder an upload key sits in, for taking tenants in turn (never refuses:
    a bad folder is judged, and rejected, when the upload is taken)."""
    folder, slash, _ = key[len(INCOMING) :].partition("/")
    return folder if slash else DEFAULT_TENANT


def tenants_in_turn(uploads: list[StoredObject]) -> list[StoredObject]:
    """``uploads`` ordered one tenant after another (each tenant's in key order)."""
    groups: dict[str, list[StoredObject]] = defaultdict(list)
    for upload in sorted(uploads, key=lambda o: o.key):
        groups[_tenant_group(upload.key)].append(upload)
    turns = zip_longest(*(groups[t] for t in sorted(groups)))
    return [u for u in chain.from_iterable(turns) if u is not None]


def name_problem(name: str) -> str | None:
    """Why an upload's name is refused, or None."""
    if not name.strip():
        return "the name is empty"
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "the name holds control characters"
    if ".." in name:
        return "the name contains '..'"
    if len(name.encode("utf-8", "surrogatepass")) > MAX_NAME_BYTES:
        return f"the name is longer than {MAX_NAME_BYTES} bytes"
    return None


def scan_uploads(
    inbox: ObjectInbox,
    artifacts: ArtifactStore,
    cursor: str | None,
    batch: int = 50,
    now: datetime | None = None,
    audit: AuditLog | None = None,
) -> UploadScan:
    """One tick: move last tick's launched uploads aside, then validate up to ``batch`` new
    ones, writing a submission for each valid one and rejecting the rest (each recorded in
    ``audit``). Raises ArtifactStoreUnavailable when a store cannot be reached, and
    AuditUnavailable when the audit trail cannot be written (the caller keeps its cursor)."""
    state = UploadCursor.parse(cursor)
    scan = UploadScan()
    # A key ending in "/" is a folder marker some S3 consoles create, not an upload.
    current = {o.key: o for o in inbox.list_objects(INCOMING) if not o.key.endswith("/")}
    for key, pending in state.pending.items():
        upload = current.get(key)
        if upload is not None and _is_pending(upload, pending):
            target = f"{LAUNCHED}{pending.request_id}/{safe_name(key[len(INCOMING) :])}"
            inbox.move(key, target)
            scan.moved_to_launched.append(target)
            del current[key]
        # Gone already (moved before a crash), or replaced by a new upload: nothing to move.
    next_state = UploadCursor(launches=state.launches)
    for key, etag in state.stuck.items():
        upload = current.get(key)
        if upload is not None and upload.etag == etag:
            next_state.stuck[key] = etag
            del current[key]
    new = tenants_in_turn(list(current.values()))
    scan.waiting = max(0, len(new) - batch)
    for upload in new[:batch]:
        try:
            _take(inbox, artifacts, upload, scan, next_state, now or datetime.now(UTC), audit)
        except (ArtifactStoreUnavailable, AuditUnavailable):
            raise
        except Exception as exc:
            problem = f"{type(exc).__name__}: {exc}"
            scan.stuck.append(Rejection(upload.key, upload.key, problem))
            next_state.stuck[upload.key] = upload.etag
    scan.cursor = next_state.model_dump_json()
    return scan


def _is_pending(upload: StoredObject, pending: PendingLaunch) -> bool:
    """The listed upload is the one launched (not a replacement of equal content)."""
    same_time = pending.last_modified is None or pending.last_modified == upload.last_modified
    return upload.etag == pending.etag and same_time


def _take(
    inbox: ObjectInbox,
    artifacts: ArtifactStore,
    upload: StoredObject,
    scan: UploadScan,
    state: UploadCursor,
    now: datetime,
    audit: AuditLog | None = None,
) -> None:
    """Launch one new upload, reject it with a reason, or leave it (gone or replaced)."""
    try:
        tenant, prompt, fields = _read_prompt(inbox, upload)
    except ArtifactNotFound:
        return  # deleted between listing and reading: nothing to launch or move
    except _Replaced:
        scan.changed.append(upload.key)
        return
    except PromptRejected as exc:
        scan.rejections.append(_reject(inbox, upload, str(exc), now, audit))
        return
    state.launches += 1
    rid = upload_request_id(upload, state.launches)
    options = RequestOptions.model_validate({**fields, "tenant": tenant})
    store_submission(
        artifacts,
        prompt,
        options,
        f"upload {_where(inbox, upload.key)}",
        request_id=rid,
        submitted_at=upload.last_modified,
    )
    if audit is not None:
        audit.append(
            AuditEvent(
                action="launch",
                actor=SENSOR_ACTOR,
                tenant=options.tenant,
                request_id=rid,
                subject=f"{LAUNCHED}{rid}/{safe_name(upload.key[len(INCOMING) :])}",
                digests={"prompt": prompt_digest(prompt)},
                event_key=f"launch:{rid}",
            )
        )
    scan.launches.append(Launch(rid, upload.key, upload.etag, tenant))
    state.pending[upload.key] = PendingLaunch(
        etag=upload.etag, request_id=rid, last_modified=upload.last_modified
    )


class _Replaced(Exception):
    """The object read is not the one listed (another size): it was replaced meanwhile."""


def _where(inbox: ObjectInbox, key: str) -> str:
    """Where an upload lives, for a person; a name the store's own writer would refuse is
    shown as the key itself."""
    try:
        return inbox.location(key)
    except ValueError:
        return repr(key)


def _read_prompt(inbox: ObjectInbox, upload: StoredObject) -> tuple[str, str, dict[str, str]]:
    """The upload's tenant (from its folder), its prompt and the options of its front-matter
    block (``front_matter``)."""
    name = upload.key[len(INCOMING) :]
    problem = name_problem(name)
    if problem:
        raise PromptRejected(f"{name!r}: {problem}; rename the file with plain characters")
    tenant, _ = upload_tenant(name)
    # Checked from the listing, so an oversized upload is never downloaded.
    if upload.size > PROMPT_MAX_BYTES:
        raise PromptRejected(
            f"{name} is {upload.size} bytes, over the {PROMPT_MAX_BYTES}-byte limit: shorten it"
        )
    data = inbox.get_bytes(upload.key)
    # Checked again by what was read: the object may have been replaced since the listing.
    if len(data) > PROMPT_MAX_BYTES:
        raise PromptRejected(
            f"{name} was {len(data)} bytes when read, over the {PROMPT_MAX_BYTES}-byte limit: "
            "shorten it"
        )
    if len(data) != upload.size:
        raise _Replaced(upload.key)
    return (tenant, *request_text(decode_prompt(data, name), name))


def _reject(
    inbox: ObjectInbox,
    upload: StoredObject,
    reason: str,
    now: datetime,
    audit: AuditLog | None = None,
) -> Rejection:
    name = upload.key[len(INCOMING) :]
    target = f"{REJECTED}{safe_name(name)}"
    if inbox.exists(target):
        # An earlier rejected upload of the same name stays; this one gets its etag.
        stem, dot, ext = target.rpartition(".") if "." in safe_name(name) else (target, "", "")
        target = f"{stem}-{upload.etag[:8]}{dot}{ext}"
    if audit is not None:
        identity = f"{upload.key}\0{upload.etag}\0{upload.last_modified.isoformat()}"
        try:
            tenant = upload_tenant(name)[0]
        except PromptRejected:  # the tenant folder is why it is rejected
            tenant = DEFAULT_TENANT
        audit.append(
            AuditEvent(
                action="rejection",
                actor=SENSOR_ACTOR,
                tenant=tenant,
                subject=target,
                reason=reason_text(reason),
                event_key=f"rejection:{sha256_hex(identity)[:32]}",
            )
        )
    report = (
        f"upload:      {upload.key!r} ({upload.size} bytes)\n"
        f"rejected at: {now.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC\n"
        f"moved to:    {target}\n"
        f"reason:      {reason}\n\n"
        f"To submit it again, fix the file and upload it under {INCOMING} or "
        f"{INCOMING}<tenant>/ (UTF-8 text, at most {PROMPT_MAX_BYTES} bytes, a plain file name, "
        "a tenant folder of a-z 0-9 _ . -), e.g. `quantumlayer submit --tenant NAME FILE`.\n"
    )
    inbox.put_bytes(f"{target}{REASON_SUFFIX}", report.encode("utf-8"))
    inbox.move(upload.key, target)
    return Rejection(upload.key, target, reason)
