"""Checking a backup, and restoring it into a deployment.

``fetch_and_verify`` copies every part into a work folder and checks it against the manifest
(the part's sha256 and size, and inside archives every member's sha256) before anything is
written to the deployment; ``restore`` then loads the parts in dependency order: the
instance first, the memory, the artifacts, and the prompts store last, so a sensor started
early finds the runs that already took each upload."""

import gzip
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from quantumlayer_dagster.backup.archive_files import read_members
from quantumlayer_dagster.backup.backup import (
    ARTIFACTS_PART,
    DATABASE_PART,
    INSTANCE_FILES_PART,
    MEMORY_PART,
    PROMPTS_PART,
)
from quantumlayer_dagster.backup.deployment import Deployment
from quantumlayer_dagster.backup.instance_files import restore_instance_folder
from quantumlayer_dagster.backup.location import BackupLocation, backups_in
from quantumlayer_dagster.backup.manifest import (
    MANIFEST_NAME,
    BackupInvalid,
    BackupManifest,
    read_manifest,
    sha256_file,
)
from quantumlayer_dagster.backup.postgres_dump import restore_database
from quantumlayer_dagster.backup.store_objects import restore_store


class RestoreRefused(RuntimeError):
    """The target cannot take this backup as it is; the message says why and what to do."""


def fetch_and_verify(location: BackupLocation, work: Path) -> BackupManifest:
    """Copy the backup at ``location`` into ``work`` and verify every part; BackupInvalid
    naming the first part that does not match."""
    if not location.exists(MANIFEST_NAME):
        newest = backups_in(location)
        if newest:
            raise BackupInvalid(
                f"{location.description} holds backups, not one backup: restore "
                f"{location.child(newest[-1]).description} (the newest)"
            )
        raise BackupInvalid(
            f"{location.description} has no {MANIFEST_NAME}: not a backup, or one that never "
            "finished; restore a complete one"
        )
    location.get_file(MANIFEST_NAME, work / MANIFEST_NAME)
    manifest = read_manifest((work / MANIFEST_NAME).read_bytes(), location.description)
    for part in manifest.parts:
        path = work / part.name
        location.get_file(part.name, path)
        size, digest = path.stat().st_size, sha256_file(path)
        if size != part.size or digest != part.sha256:
            raise BackupInvalid(
                f"{location.description}/{part.name}: sha256 {digest} ({size} bytes) but the "
                f"manifest says {part.sha256} ({part.size} bytes): the part was changed or cut "
                "short; restore another backup"
            )
        if part.kind in ("objects", "instance_files"):
            for _member in read_members(path, part.objects, part.name):
                pass
        if part.kind == "memory" and len(_memory_points(path)) != part.count:
            raise BackupInvalid(
                f"{part.name} holds another number of points than the manifest's {part.count}"
            )
    if manifest.instance == "postgres" and manifest.part(DATABASE_PART) is None:
        raise BackupInvalid(f"{location.description} lacks the instance database dump")
    return manifest


def _memory_points(path: Path) -> list[dict[str, Any]]:
    try:
        with gzip.open(path, "rt", encoding="utf-8") as lines:
            return [json.loads(line) for line in lines if line.strip()]
    except (OSError, EOFError, ValueError) as exc:
        raise BackupInvalid(f"{path.name} cannot be read ({exc}): the backup is damaged") from None


@dataclass
class RestoreSummary:
    instance_files: int = 0
    database_tables: int = 0
    memory_points: int = 0
    artifacts: int = 0
    prompts: int = 0


def check_compatible(manifest: BackupManifest, target: Deployment) -> None:
    """A Postgres backup needs a Postgres target and an SQLite one an SQLite target."""
    wants = "postgres" if target.postgres_url else "sqlite"
    if manifest.instance != wants:
        raise RestoreRefused(
            f"the backup holds a {manifest.instance} instance but the target's instance is "
            f"{wants}: point DAGSTER_HOME at an instance config of the same kind"
        )


def restore(
    manifest: BackupManifest,
    work: Path,
    target: Deployment,
    progress: Callable[[str], None] = lambda _line: None,
) -> RestoreSummary:
    """Load the verified parts in ``work`` into ``target``."""
    check_compatible(manifest, target)
    summary = RestoreSummary()
    database = manifest.part(DATABASE_PART)
    if database is not None and target.postgres_url:
        restore_database(target.postgres_url, work / DATABASE_PART, target.tool_environment)
        summary.database_tables = len(database.tables)
        progress(f"instance database: {len(database.tables)} tables")
    files = manifest.part(INSTANCE_FILES_PART)
    if files is not None:
        target.instance_folder.mkdir(parents=True, exist_ok=True)
        summary.instance_files = restore_instance_folder(
            work / files.name, files.objects, files.name, target.instance_folder
        )
        progress(f"instance folder: {summary.instance_files} files")
    memory = manifest.part(MEMORY_PART)
    if memory is not None:
        if target.memory is None:
            progress(f"memory: {memory.count} points not restored: the memory is off (QL_MEMORY)")
        else:
            target.memory.import_points(_memory_points(work / MEMORY_PART))
            summary.memory_points = memory.count
            progress(f"memory: {memory.count} points")
    for name, store in ((ARTIFACTS_PART, target.artifacts), (PROMPTS_PART, target.prompts)):
        part = manifest.part(name)
        if part is None:
            continue
        count = restore_store(work / name, part.objects, name, store)
        if name == ARTIFACTS_PART:
            summary.artifacts = count
        else:
            summary.prompts = count
        progress(f"{name.split('.')[0]}: {count} objects")
    return summary


def not_empty(target: Deployment, runs: int) -> list[str]:
    """What the target already holds, one phrase each; empty when it holds nothing."""
    held = []
    if runs:
        held.append(f"its instance has {runs} runs")
    for what, store in (("artifact", target.artifacts), ("prompts", target.prompts)):
        count = len(store.list_keys(""))
        if count:
            held.append(f"its {what} store holds {count} objects")
    if target.memory is not None:
        points = target.memory.count()
        if points:
            held.append(f"its memory holds {points} requests")
    return held
