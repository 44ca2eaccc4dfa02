"""``quantumlayer backup DEST`` and ``quantumlayer restore SRC``: a whole deployment into a
folder or an S3 prefix, and back into an empty deployment (or, told so, a non-empty one)."""

import argparse
import sys
import tempfile
import time
from pathlib import Path

from quantumlayer_cli import EXIT_FAILED, EXIT_OK, EXIT_USAGE
from quantumlayer_cli.deployment_state import (
    backup_s3_connection,
    describe_deployment,
    fail_runs_in_flight,
    live_daemons,
    open_instance,
)
from quantumlayer_dagster.backup.backup import take_backup
from quantumlayer_dagster.backup.location import open_location, prune
from quantumlayer_dagster.backup.manifest import BackupInvalid
from quantumlayer_dagster.backup.postgres_dump import PostgresToolFailed
from quantumlayer_dagster.backup.restore import (
    RestoreRefused,
    check_compatible,
    fetch_and_verify,
    not_empty,
    restore,
)
from quantumlayer_dagster.memory.protocol import MemoryUnavailable
from quantumlayer_dagster.settings import Settings
from quantumlayer_dagster.store.artifact_store import ArtifactStoreUnavailable
from resources.artifact_store import StoreNotConfigured

FAILURES = (
    ArtifactStoreUnavailable,
    PostgresToolFailed,
    MemoryUnavailable,
    BackupInvalid,
    RestoreRefused,
    OSError,
)


def _say(line: str) -> None:
    print(line, flush=True)


def backup(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    started = time.monotonic()
    try:
        location = open_location(args.dest, lambda: backup_s3_connection(settings))
        instance = open_instance(settings)
        try:
            deployment = describe_deployment(settings, instance)
        finally:
            instance.dispose()
        target, manifest = take_backup(deployment, location, progress=_say)
        removed = prune(location, args.keep) if args.keep else []
    except StoreNotConfigured as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except FAILURES as exc:
        print(f"error: backup failed: {exc}", file=sys.stderr)
        return EXIT_FAILED
    for name in removed:
        _say(f"removed old backup: {location.child(name).description}")
    _say(f"backup: {target.description}")
    _say(f"size_bytes: {manifest.size}")
    _say(f"elapsed_s: {time.monotonic() - started:.1f}")
    return EXIT_OK


def restore_command(args: argparse.Namespace) -> int:
    settings = Settings.from_env()
    started = time.monotonic()
    try:
        location = open_location(args.src, lambda: backup_s3_connection(settings))
        with tempfile.TemporaryDirectory(prefix="ql-restore-") as tmp:
            manifest = fetch_and_verify(location, Path(tmp))
            _say(f"verified: {location.description} ({len(manifest.parts)} parts)")
            instance = open_instance(settings)
            try:
                target = describe_deployment(settings, instance)
                check_compatible(manifest, target)
                daemons = live_daemons(instance)
                if daemons:
                    raise RestoreRefused(
                        f"the target instance has live daemons ({', '.join(daemons)}): stop "
                        "dagster-daemon and the webservers before restoring"
                    )
                held = not_empty(target, instance.get_runs_count())
            finally:
                instance.dispose()
            if held and not args.force:
                raise RestoreRefused(
                    f"the target deployment is not empty ({'; '.join(held)}): restore into an "
                    "empty one, or pass --force to write the backup over it"
                )
            summary = restore(manifest, Path(tmp), target, progress=_say)
        instance = open_instance(settings)
        try:
            marked = fail_runs_in_flight(instance, manifest.name)
            runs = instance.get_runs_count()
        finally:
            instance.dispose()
    except StoreNotConfigured as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except FAILURES as exc:
        print(f"error: restore refused: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    for run_id in marked:
        _say(
            f"run {run_id} was executing at backup time: marked failed; re-execute it from failure"
        )
    _say(f"restored: {manifest.name} ({runs} runs, {summary.artifacts} artifacts, "
         f"{summary.memory_points} memory points)")  # fmt: skip
    _say(f"elapsed_s: {time.monotonic() - started:.1f}")
    return EXIT_OK
