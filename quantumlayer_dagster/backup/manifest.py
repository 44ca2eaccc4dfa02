"""The backup manifest: what a backup holds, in which order it was taken, and the sha256 of
every part and of every object inside the archives, so a restore can refuse a backup that
was changed or cut short before it writes anything."""

import hashlib
from pathlib import Path
from typing import Literal

from quantumlayer_dagster.model import Model

MANIFEST_NAME = "manifest.json"
FORMAT_VERSION = 1
CHUNK = 1 << 20

PartKind = Literal["postgres_dump", "instance_files", "objects", "memory"]


class BackupInvalid(ValueError):
    """The backup cannot be trusted (missing, changed or unknown parts); the message names
    the part and what differs."""


class ObjectEntry(Model):
    """One file inside an archive part: a store object or a file of the instance folder."""

    sha256: str
    size: int
    mtime_ns: int | None = None
    """A local store's modification time: its listing's etag, which the upload sensor's
    cursor remembers, is made from it."""


class BackupPart(Model):
    """One file of the backup."""

    name: str
    """Its file name in the backup folder (and what it holds: ``artifacts.tar.gz``...)."""
    kind: PartKind
    sha256: str
    size: int
    source: str
    """Where it came from, for a person: a folder, a bucket, a database (never a password)."""
    objects: dict[str, ObjectEntry] = {}
    """For archives: every member by its path, with its digest."""
    tables: list[str] = []
    """For a database dump: the tables it holds (the spend ledger and audit tables among
    them, when the deployment has them)."""
    count: int = 0
    """For the memory: how many points."""


class BackupManifest(Model):
    """The last file written: a backup without it is incomplete."""

    format: int = FORMAT_VERSION
    name: str
    created_at: str
    finished_at: str
    instance: Literal["postgres", "sqlite"]
    parts: list[BackupPart]
    """In the order they were taken (see ``backup.take_backup`` for why that order)."""

    def part(self, name: str) -> BackupPart | None:
        return next((p for p in self.parts if p.name == name), None)

    @property
    def size(self) -> int:
        return sum(p.size for p in self.parts)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def read_manifest(text: bytes, where: str) -> BackupManifest:
    """The manifest in ``text``; BackupInvalid naming ``where`` when it is not one we read."""
    from pydantic import ValidationError

    try:
        manifest = BackupManifest.model_validate_json(text)
    except ValidationError as exc:
        raise BackupInvalid(
            f"{where} is not a QuantumLayer backup manifest ({exc.error_count()} errors, first: "
            f"{exc.errors()[0]['msg']}): the backup is damaged; restore another one"
        ) from None
    if manifest.format != FORMAT_VERSION:
        raise BackupInvalid(
            f"{where} has format {manifest.format}; this version reads format "
            f"{FORMAT_VERSION}: restore it with the QuantumLayer version that wrote it"
        )
    return manifest
