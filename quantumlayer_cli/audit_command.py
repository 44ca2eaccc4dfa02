"""``quantumlayer audit verify`` and ``quantumlayer audit show``: the instance's audit trail
re-walked, or listed."""

import argparse
import contextlib
import json
import sys
from typing import Any

from quantumlayer_cli import EXIT_FAILED, EXIT_OK
from quantumlayer_cli.audit_trail import cli_audit_log
from quantumlayer_dagster.audit.chain import verify_chain
from quantumlayer_dagster.audit.log import AuditUnavailable
from quantumlayer_dagster.settings import Settings


def verify(args: argparse.Namespace) -> int:
    """Exit 0: the chain is intact (the count and the head digest are printed; keep the head
    elsewhere and pass it as --head later to detect records cut from the end); 1: the first
    record altered, removed or reordered is named, or the trail could not be read."""
    try:
        log = cli_audit_log(Settings.from_env())
        verdict = verify_chain(log.rows(), log.seq_of, expect_head=args.head)
    except AuditUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if verdict.broken is not None:
        print(f"error: audit trail broken: {verdict.broken.message}")
        return EXIT_FAILED
    print(f"ok: {verdict.count} records, chain intact ({log.where})")
    print(f"head: {verdict.head}")
    return EXIT_OK


def show(args: argparse.Namespace) -> int:
    """Exit 0: the records (of --tenant, since --since) were printed, oldest first; 1: the
    trail could not be read. Lists what is stored, unchecked: `audit verify` checks it."""
    try:
        log = cli_audit_log(Settings.from_env())
        rows = [_shown(row) for row in log.rows(args.tenant, args.since)]
    except AuditUnavailable as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_FAILED
    if args.json:
        print(json.dumps(rows, indent=2))
        return EXIT_OK
    for row in rows:
        print(_line(row))
    if not rows:
        print("no records", file=sys.stderr)
    return EXIT_OK


def _shown(row: dict[str, Any]) -> dict[str, Any]:
    shown = dict(row)
    with contextlib.suppress(ValueError):  # a tampered row: shown as stored
        shown["digests"] = json.loads(str(row["digests"]))
    return shown


def _line(row: dict[str, Any]) -> str:
    who = row["actor"]
    if row.get("user_name"):
        who += f" {row['user_name']}"
    if row.get("client"):
        who += f"@{row['client']}"
    parts = [
        f"{row['seq']:>6}",
        str(row["at"]),
        f"{row['action']:<13}",
        f"tenant={row['tenant']}",
        f"request={row.get('request_id') or '-'}",
        f"by={who}",
    ]
    if row.get("subject"):
        parts.append(f"subject={row['subject']}")
    digests = row.get("digests")
    if isinstance(digests, dict):
        parts.extend(f"{name}={value[:12]}" for name, value in sorted(digests.items()))
    if row.get("reason"):
        parts.append(f"reason: {row['reason']}")
    return "  ".join(parts)
