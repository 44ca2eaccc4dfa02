"""``quantumlayer fetch REQUEST_ID -o DIR``: download a request's capsule from the
configured store and verify it before keeping it."""

import argparse
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
from quantumlayer_dagster.store.keys import asset_key, capsule_key, request_prefix
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
        saved, checked = fetch_capsule(args.request_id, Path(args.output), settings)
        audit.append(
            AuditEvent(
                action="fetch",
                tenant=request_tenant(settings, args.request_id),
                request_id=args.request_id,
                subject=capsule_key(args.request_id),
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


def fetch_capsule(request_id: str, out_dir: Path, settings: Settings) -> tuple[Path, int]:
    """Download, check against the sha256 the run recorded and verify every file; only a
    capsule that passes is written, as ``<out_dir>/<request_id>.tar.gz``."""
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
        data = _download(store, request_id, resource.where)
        recorded = _recorded_sha256(store, request_id)
    except ArtifactStoreUnavailable as exc:
        raise FetchFailed(str(exc)) from None
    digest = hashlib.sha256(data).hexdigest()
    if digest != recorded:
        raise FetchFailed(
            f"checksum mismatch for {store.location(capsule_key(request_id))}: sha256 {digest} "
            f"but the run recorded {recorded}; the stored capsule was changed or damaged: "
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


def _download(store: ArtifactStore, request_id: str, where: str) -> bytes:
    try:
        return store.get_bytes(capsule_key(request_id))
    except ArtifactNotFound:
        pass
    if store.list_keys(request_prefix(request_id)):
        raise FetchFailed(
            f"request {request_id} has no capsule yet: its run is still going or stopped "
            "before packaging; see the run in the Dagster UI (or `quantumlayer status`)"
        ) from None
    raise FetchFailed(
        f"unknown request {request_id} in {where}: check the id, and that QL_STORE / "
        "QL_S3_ENDPOINT / QL_S3_BUCKET point at the store the run used"
    ) from None


def _recorded_sha256(store: ArtifactStore, request_id: str) -> str:
    """The digest the capsule asset recorded when it wrote the archive; without that record
    the download cannot be checked, so it is refused rather than the check skipped."""
    key = asset_key(request_id, "capsule")
    try:
        return Capsule.model_validate_json(store.get_bytes(key)).sha256
    except ArtifactNotFound:
        problem = "is missing"
    except ValidationError as exc:
        problem = f"is invalid ({exc.error_count()} errors)"
    raise FetchFailed(
        f"the capsule record {store.location(key)} {problem}, so the archive's checksum "
        "cannot be checked; nothing saved: materialize the capsule asset of this partition again"
    )


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
