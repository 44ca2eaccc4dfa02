"""Prompt uploads: each object put under ``incoming/`` in the prompts store becomes exactly
one request, or is moved to ``rejected/`` with a reason a person can read.

How "exactly once" holds (the sensor in ``assets/sensors.py`` wraps ``scan_uploads``):

- The request id and run key are derived from the upload itself (key, etag, time), so a
  tick evaluated twice (the daemon died before committing it, or the store failed half
  way) proposes the same request, writes the same submission and the same run key, and
  Dagster launches a run key only once per sensor.
- An upload stays under ``incoming/`` until a *later* tick: the cursor lists the uploads
  whose run requests went out (key, etag, request id), and the next tick, which only runs
  once that cursor was committed together with the run requests, moves them to
  ``launched/<request id>/``. Moving them in the same tick could lose an upload if the
  daemon stopped before committing it. A new daemon reads the same cursor, so a restart
  launches nothing twice.
- An upload replaced under the same name (new etag) is a new upload.
- Invalid uploads are rejected immediately: the reason file is written first, then the
  object is moved; repeating either step after a crash is harmless.
- At most ``batch`` new uploads are taken per tick, oldest name first; the rest wait.
"""

import hashlib
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime

from pydantic import BaseModel, ValidationError

from quantumlayer_dagster.artifacts.limits import PROMPT_MAX_BYTES
from quantumlayer_dagster.artifacts.request import RequestOptions
from quantumlayer_dagster.intake.prompt_checks import PromptRejected, decode_prompt
from quantumlayer_dagster.store.artifact_store import (
    ArtifactNotFound,
    ArtifactStore,
    ObjectInbox,
    StoredObject,
)
from quantumlayer_dagster.store.submissions import store_submission

INCOMING = "incoming/"
LAUNCHED = "launched/"
REJECTED = "rejected/"
REASON_SUFFIX = ".reason.txt"
_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]")


class PendingLaunch(BaseModel):
    etag: str
    request_id: str


class UploadCursor(BaseModel):
    """The sensor's cursor: uploads launched but not yet moved out of ``incoming/``."""

    pending: dict[str, PendingLaunch] = {}

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

    @property
    def run_key(self) -> str:
        return f"{self.upload_key}@{self.etag}"


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
    waiting: int = 0
    """New uploads left for the next tick (over the batch)."""
    cursor: str = ""


def upload_request_id(upload: StoredObject) -> str:
    """``r<upload time>-<8 hex of key and etag>``: the same upload always gets the same id."""
    digest = hashlib.sha256(f"{upload.key}\0{upload.etag}".encode()).hexdigest()[:8]
    return f"r{upload.last_modified.astimezone(UTC):%Y%m%d%H%M%S}-{digest}"


def safe_name(name: str) -> str:
    """An upload's name made into one plain key segment (for ``launched/`` and ``rejected/``)."""
    plain = _UNSAFE.sub("_", name)
    while ".." in plain:
        plain = plain.replace("..", "_")
    return plain.lstrip(".")[:80] or "upload"


def name_problem(name: str) -> str | None:
    """Why an upload's name is refused, or None."""
    if not name.strip():
        return "the name is empty"
    if any(unicodedata.category(c) == "Cc" for c in name):
        return "the name holds control characters"
    if ".." in name:
        return "the name contains '..'"
    return None


def scan_uploads(
    inbox: ObjectInbox,
    artifacts: ArtifactStore,
    cursor: str | None,
    batch: int = 50,
    now: datetime | None = None,
) -> UploadScan:
    """One tick: move last tick's launched uploads aside, then validate up to ``batch`` new
    ones, writing a submission for each valid one and rejecting the rest. Raises
    ArtifactStoreUnavailable when a store cannot be reached (the caller keeps its cursor)."""
    state = UploadCursor.parse(cursor)
    scan = UploadScan()
    # A key ending in "/" is a folder marker some S3 consoles create, not an upload.
    current = {o.key: o for o in inbox.list_objects(INCOMING) if not o.key.endswith("/")}
    for key, pending in state.pending.items():
        upload = current.get(key)
        if upload is not None and upload.etag == pending.etag:
            target = f"{LAUNCHED}{pending.request_id}/{safe_name(key[len(INCOMING) :])}"
            inbox.move(key, target)
            scan.moved_to_launched.append(target)
            del current[key]
        # Gone already (moved before a crash), or replaced by a new upload: nothing to move.
    new = sorted(current.values(), key=lambda o: o.key)
    scan.waiting = max(0, len(new) - batch)
    next_state = UploadCursor()
    for upload in new[:batch]:
        try:
            prompt = _read_prompt(inbox, upload)
        except ArtifactNotFound:
            continue  # deleted between listing and reading: nothing to launch or move
        except PromptRejected as exc:
            scan.rejections.append(_reject(inbox, upload, str(exc), now or datetime.now(UTC)))
            continue
        rid = upload_request_id(upload)
        store_submission(
            artifacts,
            prompt,
            RequestOptions(),
            f"upload {inbox.location(upload.key)}",
            request_id=rid,
            submitted_at=upload.last_modified,
        )
        scan.launches.append(Launch(rid, upload.key, upload.etag))
        next_state.pending[upload.key] = PendingLaunch(etag=upload.etag, request_id=rid)
    scan.cursor = next_state.model_dump_json()
    return scan


def _read_prompt(inbox: ObjectInbox, upload: StoredObject) -> str:
    name = upload.key[len(INCOMING) :]
    problem = name_problem(name)
    if problem:
        raise PromptRejected(f"{name!r}: {problem}; rename the file with plain characters")
    # Checked from the listing, so an oversized upload is never downloaded.
    if upload.size > PROMPT_MAX_BYTES:
        raise PromptRejected(
            f"{name} is {upload.size} bytes, over the {PROMPT_MAX_BYTES}-byte limit: shorten it"
        )
    return decode_prompt(inbox.get_bytes(upload.key), name)


def _reject(inbox: ObjectInbox, upload: StoredObject, reason: str, now: datetime) -> Rejection:
    name = upload.key[len(INCOMING) :]
    target = f"{REJECTED}{safe_name(name)}"
    if inbox.exists(target):
        # An earlier rejected upload of the same name stays; this one gets its etag.
        stem, dot, ext = target.rpartition(".") if "." in safe_name(name) else (target, "", "")
        target = f"{stem}-{upload.etag[:8]}{dot}{ext}"
    report = (
        f"upload:      {upload.key!r} ({upload.size} bytes)\n"
        f"rejected at: {now.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC\n"
        f"moved to:    {target}\n"
        f"reason:      {reason}\n\n"
        f"To submit it again, fix the file and upload it under {INCOMING} (UTF-8 text, at most "
        f"{PROMPT_MAX_BYTES} bytes, a plain file name), e.g. `quantumlayer submit FILE`.\n"
    )
    inbox.put_bytes(f"{target}{REASON_SUFFIX}", report.encode("utf-8"))
    inbox.move(upload.key, target)
    return Rejection(upload.key, target, reason)
