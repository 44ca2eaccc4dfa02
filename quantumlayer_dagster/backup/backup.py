"""``take_backup``: one consistent backup of a deployment into a location.

Parts are taken in an order that makes the set consistent while the platform keeps
running, each part a snapshot of its own (pg_dump's transaction, SQLite's online backup):

1. the prompts store, before the database: an upload moves from ``incoming/`` to
   ``launched/`` only after the run request that took it was committed, so every upload
   this copy shows as launched has its run in the later dump, and an upload still in
   ``incoming/`` is either unknown to the dump (launched again after a restore) or pending
   in the sensor's cursor there (moved, not launched again);
2. the instance database (the runs, events, partitions, the sensor's cursor, the spend
   ledger and audit tables) and the instance folder;
3. the vector memory;
4. the artifact store last: every artifact the dump's materializations point at was written
   before the dump, so it is in the copy (the copy may hold newer objects too: harmless).

The manifest is written last: a backup without one is incomplete and never restored."""

import gzip
import json
import tempfile
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from quantumlayer_dagster.backup.deployment import Deployment
from quantumlayer_dagster.backup.instance_files import archive_instance_folder
from quantumlayer_dagster.backup.location import BACKUP_PREFIX, BackupLocation
from quantumlayer_dagster.backup.manifest import (
    MANIFEST_NAME,
    BackupManifest,
    BackupPart,
    sha256_file,
)
from quantumlayer_dagster.backup.postgres_dump import describe, dump_database
from quantumlayer_dagster.backup.store_objects import archive_store

PROMPTS_PART = "prompts.tar.gz"
DATABASE_PART = "instance.pgdump"
INSTANCE_FILES_PART = "instance-files.tar.gz"
MEMORY_PART = "memory.jsonl.gz"
ARTIFACTS_PART = "artifacts.tar.gz"


def backup_name(now: datetime) -> str:
    return f"{BACKUP_PREFIX}{now.astimezone(UTC):%Y%m%dT%H%M%S%fZ}"


def take_backup(
    deployment: Deployment,
    location: BackupLocation,
    progress: Callable[[str], None] = lambda _line: None,
) -> tuple[BackupLocation, BackupManifest]:
    """Write a new backup under ``location``; its location and manifest."""
    started = datetime.now(UTC)
    name = backup_name(started)
    target = location.child(name)
    parts: list[BackupPart] = []
    with tempfile.TemporaryDirectory(prefix="ql-backup-") as tmp:
        work = Path(tmp)

        def store(part: BackupPart, path: Path) -> None:
            part.sha256 = sha256_file(path)
            part.size = path.stat().st_size
            target.put_file(part.name, path)
            path.unlink()
            parts.append(part)
            progress(f"{part.name}: {part.size} bytes ({part.source})")

        path = work / PROMPTS_PART
        objects = archive_store(deployment.prompts, path)
        store(_part(PROMPTS_PART, "objects", "prompts store", objects=objects), path)

        if deployment.postgres_url:
            path = work / DATABASE_PART
            tables = dump_database(deployment.postgres_url, path, deployment.tool_environment)
            store(
                _part(
                    DATABASE_PART, "postgres_dump", describe(deployment.postgres_url), tables=tables
                ),
                path,
            )
        path = work / INSTANCE_FILES_PART
        files, databases = archive_instance_folder(deployment.instance_folder, path)
        store(
            _part(
                INSTANCE_FILES_PART, "instance_files", str(deployment.instance_folder),
                objects=files, tables=databases,
            ),
            path,
        )  # fmt: skip

        if deployment.memory is not None:
            path = work / MEMORY_PART
            points = deployment.memory.export_points()
            with gzip.open(path, "wt", encoding="utf-8") as out:
                for point in points:
                    out.write(json.dumps(point, separators=(",", ":")) + "\n")
            store(_part(MEMORY_PART, "memory", deployment.memory.location, count=len(points)), path)

        path = work / ARTIFACTS_PART
        objects = archive_store(deployment.artifacts, path)
        store(_part(ARTIFACTS_PART, "objects", "artifact store", objects=objects), path)

        manifest = BackupManifest(
            name=name,
            created_at=started.isoformat(timespec="seconds"),
            finished_at=datetime.now(UTC).isoformat(timespec="seconds"),
            instance="postgres" if deployment.postgres_url else "sqlite",
            parts=parts,
        )
        path = work / MANIFEST_NAME
        path.write_text(manifest.model_dump_json(indent=1))
        target.put_file(MANIFEST_NAME, path)
    return target, manifest


def _part(name: str, kind: str, source: str, **fields: object) -> BackupPart:
    return BackupPart.model_validate(
        {"name": name, "kind": kind, "sha256": "", "size": 0, "source": source, **fields}
    )
