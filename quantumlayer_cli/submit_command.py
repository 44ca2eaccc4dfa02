"""``quantumlayer submit PROMPT_FILE [--tenant T]``: upload a prompt under ``incoming/`` (or
``incoming/T/``) in the prompts bucket (or the local prompts folder), where the
``prompt_uploads`` sensor picks it up."""

import argparse
import secrets
import sys
from datetime import UTC, datetime
from pathlib import Path

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_cli.audit_trail import cli_audit_log, cli_fields, record_refusal
from quantumlayer_dagster.artifacts.request import prompt_digest
from quantumlayer_dagster.audit.content import sha256_hex
from quantumlayer_dagster.audit.log import AuditUnavailable
from quantumlayer_dagster.audit.record import AuditEvent
from quantumlayer_dagster.intake.front_matter import read_request_file, with_front_matter
from quantumlayer_dagster.intake.prompt_checks import PromptRejected
from quantumlayer_dagster.intake.uploads import INCOMING, safe_name
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.store.artifact_store import ArtifactStoreUnavailable
from quantumlayer_dagster.tenants import DEFAULT_TENANT, check_tenant
from resources.artifact_store import StoreNotConfigured, open_artifact_store


def upload_key(prompt_file: Path, now: datetime | None = None, tenant: str | None = None) -> str:
    """``incoming/[<tenant>/]<UTC time>-<8 hex>-<file name>``: uploads of files with the same
    name never replace each other, and the sensor, taking keys in order, launches them in the
    order they were submitted (to the microsecond). No tenant: the shared one, as before."""
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%S%fZ")
    folder = f"{INCOMING}{check_tenant(tenant)}/" if tenant is not None else INCOMING
    return f"{folder}{stamp}-{secrets.token_hex(4)}-{safe_name(prompt_file.name)}"


def submit(args: argparse.Namespace) -> int:
    path = Path(args.prompt_file)
    try:
        # Checked here too (front matter included), so the user hears at once instead of
        # finding it in rejected/.
        prompt, fields = read_request_file(path)
    except PromptRejected as exc:
        print(f"error: {exc}", file=sys.stderr)
        unrecorded = record_refusal(Settings.from_env(), args.prompt_file, str(exc))
        if unrecorded:
            print(unrecorded, file=sys.stderr)
        return EXIT_USAGE
    settings = Settings.from_env()
    try:
        audit = cli_audit_log(settings)  # opened first: an upload is never left unrecorded
        stores = open_artifact_store(settings)
        key = upload_key(path, tenant=args.tenant)
        data = path.read_bytes()
        if args.language:  # the option wins: the upload carries it as its front matter
            data = with_front_matter(prompt, {**fields, "language": args.language}).encode()
        where = stores.prompts().put_bytes(key, data)
        audit.append(
            AuditEvent(
                action="submission",
                tenant=args.tenant or DEFAULT_TENANT,
                subject=key,
                digests={"prompt": prompt_digest(prompt), "upload": sha256_hex(data)},
                **cli_fields(settings),
            )
        )
    except (StoreNotConfigured, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (ArtifactStoreUnavailable, AuditUnavailable) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    print(key)
    print(
        f"uploaded to {where}; the prompt_uploads sensor launches it on its next tick "
        "(it must be running: `dagster dev` or the daemon)",
        file=sys.stderr,
    )
    return EXIT_OK
