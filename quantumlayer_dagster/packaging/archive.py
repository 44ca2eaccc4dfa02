"""Packaging: the deterministic capsule archive (.tar.gz with ``capsule.json``) and its check.

Built in memory and verified without extracting: unpacking a capsule with ``tar`` cannot
write outside its folder, since every member is a plain file or directory at a validated
relative path with ordinary permissions.

Reading is bounded before anything is decompressed into memory: the tar stream is read
through a counter that stops at ``MAX_STREAM_BYTES`` of decompressed data (headers, refused
members and skipped data included), a PAX or GNU long-name header larger than
``MAX_HEADER_BYTES`` is refused before it is read, and each member's size is checked from its
header (refused members count towards the total too) before its data is read."""

import gzip
import hashlib
import io
import os
import tarfile
import zlib
from pathlib import PurePosixPath
from typing import IO

from pydantic import ValidationError

from quantumlayer_dagster.artifacts.capsule import (
    CAPSULE_SCHEMA_VERSION,
    MANIFEST_NAME,
    CapsuleManifest,
    CapsuleVerification,
)
from quantumlayer_dagster.artifacts.paths import check_relative_path, check_unique

FIXED_MTIME = 946_684_800  # 2000-01-01T00:00:00Z: 0 upsets some unpackers and zip tools
MAX_MEMBERS = 10_000
MAX_MEMBER_BYTES = 64 * 1024 * 1024
MAX_TOTAL_BYTES = 512 * 1024 * 1024
MAX_HEADER_BYTES = 64 * 1024
"""Largest PAX extended header or GNU long name/link accepted (ours are a few hundred bytes)."""
MAX_STREAM_BYTES = MAX_TOTAL_BYTES + MAX_MEMBERS * (3 * 512 + MAX_HEADER_BYTES // 64)
"""Most decompressed bytes read from one capsule, headers and padding included."""


class ArchiveTooLarge(tarfile.TarError):
    """The archive would decompress past a limit; the message names it."""


# GNU long name and link, PAX per-file and global headers, Solaris' PAX variant.
_EXTENDED_HEADERS = (
    tarfile.GNUTYPE_LONGNAME,
    tarfile.GNUTYPE_LONGLINK,
    tarfile.XHDTYPE,
    tarfile.XGLTYPE,
    tarfile.SOLARIS_XHDTYPE,
)


class _BoundedTarInfo(tarfile.TarInfo):
    """A tar header that refuses an oversized PAX or GNU long-name header before reading it."""

    def _proc_member(self, tarfile_: tarfile.TarFile) -> tarfile.TarInfo:
        if self.type in _EXTENDED_HEADERS and self.size > MAX_HEADER_BYTES:
            raise ArchiveTooLarge(
                f"a {self.size}-byte extended (PAX or GNU long name) header, over the "
                f"{MAX_HEADER_BYTES}-byte limit"
            )
        # A private hook of tarfile (stable since Python 3.0) that reads extended headers.
        return super()._proc_member(tarfile_)  # type: ignore[misc]


class _BoundedReader(io.RawIOBase):
    """Reads at most ``limit`` bytes from ``source``, then raises ArchiveTooLarge."""

    def __init__(self, source: IO[bytes] | gzip.GzipFile, limit: int):
        self.source = source
        self.limit = limit
        self.read_so_far = 0

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        want = self.limit + 1 - self.read_so_far if size < 0 else size
        data = self.source.read(min(want, self.limit + 1 - self.read_so_far))
        self.read_so_far += len(data)
        if self.read_so_far > self.limit:
            raise ArchiveTooLarge(f"more than {self.limit} bytes when decompressed")
        return data


def complete_manifest(entries: dict[str, bytes], manifest: CapsuleManifest) -> CapsuleManifest:
    """``manifest`` with ``files`` set to the sha256 of every entry: what capsule.json holds."""
    digests = {path: hashlib.sha256(data).hexdigest() for path, data in sorted(entries.items())}
    return manifest.model_copy(update={"files": digests})


def build_capsule(entries: dict[str, bytes], manifest: CapsuleManifest) -> bytes:
    """A .tar.gz of ``entries`` (relative path -> content) plus ``capsule.json``, which is
    ``manifest`` with ``files`` set to every entry's sha256.

    Deterministic: capsule.json first, then directories and files in sorted path order,
    fixed mtime, uid/gid 0, no user names, modes 0644/0755, gzip header without name or
    time. Raises ValueError for an unsafe, duplicate or conflicting path."""
    files = {check_relative_path(path): data for path, data in entries.items()}
    check_unique(list(files))
    if MANIFEST_NAME in files:
        raise ValueError(f"{MANIFEST_NAME} is written by build_capsule, not passed in")
    dirs = {str(parent) for path in files for parent in PurePosixPath(path).parents}
    dirs.discard(".")
    clash = sorted(dirs & files.keys())
    if clash:
        raise ValueError(f"{clash[0]!r} is both a file and a directory")
    full = complete_manifest(files, manifest)
    buffer = io.BytesIO()
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0, compresslevel=9) as gz,
        tarfile.open(fileobj=gz, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        _add(tar, MANIFEST_NAME, full.to_json_bytes())
        for path in sorted(dirs | files.keys()):
            _add(tar, path, files.get(path))
    return buffer.getvalue()


def verify_capsule(source: bytes | str | os.PathLike[str]) -> CapsuleVerification:
    """Check a capsule (its bytes, or a path to it) without extracting it: every member a
    safe plain file or directory, capsule.json valid, every listed file present with its
    sha256, nothing unlisted. Problems are collected, not raised."""
    try:
        with (
            _open(source) as raw,
            gzip.GzipFile(fileobj=raw, mode="rb") as gz,
            tarfile.open(
                fileobj=_BoundedReader(gz, MAX_STREAM_BYTES),
                mode="r|",
                tarinfo=_BoundedTarInfo,
            ) as tar,
        ):
            contents, problems = _read_members(tar)
    except ArchiveTooLarge as exc:
        return CapsuleVerification(ok=False, problems=[f"archive refused: {exc}"])
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        return CapsuleVerification(ok=False, problems=[f"not a readable .tar.gz: {exc}"])
    manifest_bytes = contents.pop(MANIFEST_NAME, None)
    if manifest_bytes is None:
        return _verdict([*problems, f"{MANIFEST_NAME} is missing"])
    try:
        manifest = CapsuleManifest.model_validate_json(manifest_bytes)
    except ValidationError as exc:
        return _verdict([*problems, f"{MANIFEST_NAME} is invalid: {exc.error_count()} errors"])
    if manifest.schema_version != CAPSULE_SCHEMA_VERSION:
        problems.append(f"unsupported schema_version {manifest.schema_version}")
    checked = 0
    for path, digest in sorted(manifest.files.items()):
        data = contents.get(path)
        if data is None:
            problems.append(f"{path}: listed in {MANIFEST_NAME} but missing from the archive")
        elif hashlib.sha256(data).hexdigest() != digest:
            problems.append(f"{path}: sha256 does not match {MANIFEST_NAME}")
        else:
            checked += 1
    for path in sorted(contents.keys() - manifest.files.keys()):
        problems.append(f"{path}: in the archive but not listed in {MANIFEST_NAME}")
    return _verdict(problems, checked, manifest)


def _add(tar: tarfile.TarFile, path: str, data: bytes | None) -> None:
    info = tarfile.TarInfo(path)
    info.mtime = FIXED_MTIME
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    if data is None:
        info.type, info.mode = tarfile.DIRTYPE, 0o755
        tar.addfile(info)
    else:
        info.size, info.mode = len(data), 0o644
        tar.addfile(info, io.BytesIO(data))


def _open(source: bytes | str | os.PathLike[str]) -> IO[bytes]:
    return io.BytesIO(source) if isinstance(source, bytes) else open(source, "rb")


def _read_members(tar: tarfile.TarFile) -> tuple[dict[str, bytes], list[str]]:
    """Contents of the plain files, and problems. Stops at the first member over a size
    limit, before decompressing it: the archive may be a compression bomb."""
    contents: dict[str, bytes] = {}
    problems: list[str] = []
    total = 0
    for count, member in enumerate(tar, start=1):
        if count > MAX_MEMBERS:
            problems.append(f"more than {MAX_MEMBERS} members; stopped reading")
            break
        # Counted from the header for every member, refused ones too: skipping a member's
        # data in a compressed stream decompresses it all the same.
        total += member.size
        if member.size > MAX_MEMBER_BYTES or total > MAX_TOTAL_BYTES:
            problems.append(f"{member.name!r}: over the size limit; stopped reading")
            break
        name = member.name
        try:
            if check_relative_path(name) != name:
                raise ValueError(f"path {name!r} is not in normal form")
        except ValueError as exc:
            problems.append(f"unsafe member path: {exc}")
            continue
        if not (member.isfile() or member.isdir()):
            problems.append(f"{name}: {_kind(member)} members are not allowed")
            continue
        if member.mode & 0o7000:
            problems.append(f"{name}: setuid, setgid or sticky bit set")
        if member.isdir():
            continue
        if name in contents:
            problems.append(f"{name}: appears twice")
        stream = tar.extractfile(member)
        contents[name] = stream.read() if stream else b""
    return contents, problems


def _kind(member: tarfile.TarInfo) -> str:
    if member.issym():
        return "symlink"
    if member.islnk():
        return "hard link"
    if member.ischr() or member.isblk():
        return "device"
    if member.isfifo():
        return "FIFO"
    return f"type {member.type!r}"


def _verdict(
    problems: list[str], checked: int = 0, manifest: CapsuleManifest | None = None
) -> CapsuleVerification:
    return CapsuleVerification(
        ok=not problems, checked=checked, problems=problems, manifest=manifest
    )
