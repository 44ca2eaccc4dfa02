"""``quantumlayer fetch REQUEST_ID -o DIR``: download a request's capsule from the
configured store (found through its record, under its tenant's prefix) and verify it before
keeping it."""

import argparse
import contextlib
import hashlib
import os
import sys
import tempfile
from pathlib import Path

from pydantic import ValidationError

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_cli.audit_trail import cli_audit_log, cli_fields, request_tenant
from quantumlayer_dagster.artifacts.capsule import Capsule
from quantumlayer_dagster.artifacts.request import REQUEST_ID_PATTERN
from quantumlayer_dagster.audit.content import sha256_hex
from quantumlayer_dagster.audit.log import AuditUnavailable
from quantumlayer_dagster.audit.record import AuditEvent
from quantumlayer_dagster.packaging.archive import verify_capsule
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.store.artifact_store import (
    ArtifactNotFound,
    ArtifactStore,
    ArtifactStoreUnavailable,
)
from quantumlayer_dagster.store.keys import (
    asset_key,
    capsule_key,
    legacy_capsule_key,
    request_prefix,
    tenant_capsule_record_key,
)
from resources.artifact_store import StoreNotConfigured, open_artifact_store


class FetchFailed(Exception):
    """One line saying what went wrong and what to do; ``code`` is the exit code."""

    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


def fetch(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    try:
        audit = cli_audit_log(settings)  # opened first: a fetch is never left unrecorded
        saved, checked = fetch_capsule(args.request_id, Path(args.output), settings, args.tenant)
        tenant = args.tenant or request_tenant(settings, args.request_id)
        audit.append(
            AuditEvent(
                action="fetch",
                tenant=tenant,
                request_id=args.request_id,
                subject=capsule_key(args.request_id, tenant),
                digests={"capsule": sha256_hex(saved.read_bytes())},
                **cli_fields(settings),
            )
        )
    except FetchFailed as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except AuditUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(f"ok: {checked} files match capsule.json; saved {saved}")
    return EXIT_OK


def fetch_capsule(
    request_id: str, out_dir: Path, settings: Settings, tenant: str | None = None
) -> tuple[Path, int]:
    """Download, check against the sha256 the run recorded and verify every file; only a
    capsule that passes is written, as ``<out_dir>/<request_id>.tar.gz``. With ``tenant``,
    the record is the copy beside the archive under the tenant's prefix (all a tenant's
    object-store credential may read); else the one under ``requests/<id>/``."""
    if not REQUEST_ID_PATTERN.match(request_id):
        raise FetchFailed(
            f"{request_id!r} is not a request id (r<14 digits>-<8 hex>, as printed by "
            "`quantumlayer run` or shown as the partition in the Dagster UI)",
            EXIT_USAGE,
        )
    try:
        resource = open_artifact_store(settings)
    except StoreNotConfigured as exc:
        raise FetchFailed(str(exc), EXIT_USAGE) from None
    store = resource.store()
    try:
        if tenant is None:
            record = _capsule_record(store, request_id, resource.where)
        else:
            record = _tenant_capsule_record(store, request_id, tenant)
        key = _recorded_key(record, request_id, tenant)
        data = _download(store, key, request_id)
    except ArtifactStoreUnavailable as exc:
        raise FetchFailed(str(exc)) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != record.sha256:
        raise FetchFailed(
            f"checksum mismatch for {store.location(key)}: sha256 {digest} "
            f"but the run recorded {record.sha256}; the stored capsule was changed or damaged: "
            "materialize the capsule asset of this partition again"
        )
    verification = verify_capsule(data)
    if not verification.ok:
        problems = "; ".join(verification.problems[:5])
        raise FetchFailed(
            f"the capsule of {request_id} does not verify ({problems}); nothing saved: "
            "materialize the capsule asset of this partition again"
        )
    return _save(out_dir, f"{request_id}.tar.gz", data), verification.checked


def _capsule_record(store: ArtifactStore, request_id: str, where: str) -> Capsule:
    """The record the capsule asset wrote with the archive: its key (under the tenant's
    prefix) and sha256. Without it the download cannot be found or checked, so it is
    refused rather than the check skipped."""
    key = asset_key(request_id, "capsule")
    try:
        return Capsule.model_validate_json(store.get_bytes(key))
    except ArtifactNotFound:
        problem = "is missing"
    except ValidationError as exc:
        problem = f"is invalid ({exc.error_count()} errors)"
    if problem == "is missing" and not any(
        store.exists(k) for k in (capsule_key(request_id), legacy_capsule_key(request_id))
    ):
        if store.list_keys(request_prefix(request_id)):
            raise FetchFailed(
                f"request {request_id} has no capsule yet: its run is still going or stopped "
                "before packaging; see the run in the Dagster UI (or `quantumlayer status`)"
            )
        raise FetchFailed(
            f"unknown request {request_id} in {where}: check the id, and that QL_STORE / "
            "QL_S3_ENDPOINT / QL_S3_BUCKET point at the store the run used"
        )
    raise FetchFailed(
        f"the capsule record {store.location(key)} {problem}, so the archive's checksum "
        "cannot be checked; nothing saved: materialize the capsule asset of this partition again"
    )


def _tenant_capsule_record(store: ArtifactStore, request_id: str, tenant: str) -> Capsule:
    """The record's copy under the tenant's prefix."""
    key = tenant_capsule_record_key(request_id, tenant)
    try:
        return Capsule.model_validate_json(store.get_bytes(key))
    except ArtifactNotFound:
        problem = "no capsule record"
    except ValidationError as exc:
        problem = f"an invalid capsule record ({exc.error_count()} errors)"
    raise FetchFailed(
        f"tenant {tenant} has {problem} for {request_id} at {store.location(key)}: check the "
        "id and the tenant (its run may still be going, or may belong to another tenant)"
    )


def _recorded_key(record: Capsule, request_id: str, tenant: str | None = None) -> str:
    """The archive's key as the record names it, when it is where this request's capsule
    belongs (its tenant's prefix, or where capsules were kept before tenants)."""
    if tenant is not None and record.tenant != tenant:
        raise FetchFailed(
            f"the capsule record of {request_id} under tenant {tenant} names tenant "
            f"{record.tenant!r}; nothing saved"
        )
    expected = {legacy_capsule_key(request_id)} if tenant is None else set()
    with contextlib.suppress(ValueError):  # a bad tenant in the record names no key we read
        expected.add(capsule_key(request_id, record.tenant))
    if record.request_id != request_id or record.key not in expected:
        raise FetchFailed(
            f"the capsule record of {request_id} names {record.key!r}, not this request's "
            "capsule key; nothing saved: materialize the capsule asset of this partition again"
        )
    return record.key


def _download(store: ArtifactStore, key: str, request_id: str) -> bytes:
    try:
        return store.get_bytes(key)
    except ArtifactNotFound:
        raise FetchFailed(
            f"the capsule of {request_id} is recorded at {store.location(key)} but is not "
            "there; materialize the capsule asset of this partition again"
        ) from None


def _save(out_dir: Path, name: str, data: bytes) -> Path:
    target = out_dir / name
    tmp = None
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=out_dir, prefix=f".{name}.", suffix=".part")
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
        raise FetchFailed(
            f"cannot write into {out_dir}: {exc.strerror}; choose another -o"
        ) from None
    return target.resolve()
