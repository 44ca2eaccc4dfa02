"""Where known vulnerabilities come from: pip-audit vulnerability services.

``LocalOsvService`` answers pip-audit's ``VulnerabilityService`` interface from an OSV
advisory directory on disk (the PyPA advisory-db layout: ``vulns/<package>/<ID>.yaml``,
or the same with ``.json``), so pip-audit's auditor runs with no network.
``OnlineFirstService`` asks osv.dev first and falls back to the directory when the
service cannot be reached; ``advisory_service`` builds the one the configuration asks for.
"""

import json
import logging
from datetime import datetime
from pathlib import Path
from typing import Any, cast

import requests
import yaml
from packaging.utils import canonicalize_name
from packaging.version import InvalidVersion, Version

from quantumlayer_dagster.supply_chain.pip_audit_api import (
    Dependency,
    OsvService,
    ResolvedDependency,
    ServiceError,
    VulnerabilityID,
    VulnerabilityResult,
    VulnerabilityService,
)

logger = logging.getLogger(__name__)

REPO_ROOT = Path(__file__).resolve().parents[2]
SNAPSHOT_ADVISORY_DB = REPO_ROOT.parent / "shared" / "advisory-db"
"""The PyPA advisory-db snapshot next to the checkout, used when nothing else is set."""

ONLINE_TIMEOUT_S = 10
_SUFFIXES = (".yaml", ".yml", ".json")


def default_advisory_db(configured: str | None) -> Path | None:
    """The advisory directory: ``configured`` (e.g. from ``QL_ADVISORY_DB``) when set, else
    the snapshot next to the checkout when it exists, else None (online only)."""
    if configured:
        return Path(configured)
    return SNAPSHOT_ADVISORY_DB if SNAPSHOT_ADVISORY_DB.is_dir() else None


class AdvisoryDirectoryError(ValueError):
    """The advisory directory is missing or holds no advisories; the message says the fix."""


class LocalOsvService(VulnerabilityService):
    """pip-audit vulnerability service over a directory of OSV advisories.

    Only the directory named after a package (PEP 503-normalised) is read for it, and only
    advisories whose ``affected`` list names the package in the PyPI ecosystem count, so a
    query costs a handful of small files. A version is affected when an ``ECOSYSTEM`` range
    covers it (``introduced`` / ``fixed`` / ``last_affected`` events, PEP 440 order) or it
    is listed in ``versions``; withdrawn advisories are ignored, as osv.dev does.
    """

    def __init__(self, root: Path) -> None:
        base = root / "vulns" if (root / "vulns").is_dir() else root
        if not base.is_dir():
            raise AdvisoryDirectoryError(
                f"advisory directory {root} does not exist: set QL_ADVISORY_DB to a checkout "
                "of https://github.com/pypa/advisory-db (or leave it unset to use osv.dev)"
            )
        self.root = root
        self._dirs: dict[str, Path] = {
            str(canonicalize_name(d.name)): d for d in base.iterdir() if d.is_dir()
        }
        if not self._dirs:
            raise AdvisoryDirectoryError(
                f"advisory directory {base} holds no package folders: point QL_ADVISORY_DB at "
                "the root of a PyPA advisory-db checkout"
            )
        self._cache: dict[str, list[dict[str, Any]]] = {}

    def describe(self) -> str:
        """``local OSV directory PATH (snapshot COMMIT DATE)`` for reports."""
        snapshot = self.root / "SNAPSHOT"
        stamp = snapshot.read_text(encoding="utf-8").strip() if snapshot.is_file() else ""
        return f"local OSV directory {self.root}" + (f" (snapshot {stamp})" if stamp else "")

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        """See ``VulnerabilityService.query``: the advisories affecting ``spec``'s version."""
        if spec.is_skipped():
            return spec, []
        resolved = cast(ResolvedDependency, spec)
        name = resolved.canonical_name
        results = []
        for advisory in self._advisories(name):
            if advisory.get("withdrawn"):
                continue
            affected = [
                a
                for a in advisory.get("affected") or []
                if canonicalize_name(str(a.get("package", {}).get("name", ""))) == name
                and a.get("package", {}).get("ecosystem", "PyPI") == "PyPI"
            ]
            if not any(affects(a, resolved.version) for a in affected):
                continue
            results.append(_result(advisory, affected))
        return spec, results

    def _advisories(self, name: str) -> list[dict[str, Any]]:
        if name not in self._cache:
            folder = self._dirs.get(name)
            files = sorted(p for p in folder.iterdir() if p.suffix in _SUFFIXES) if folder else []
            self._cache[name] = [a for a in map(_load, files) if a is not None]
        return self._cache[name]


def affects(affected: dict[str, Any], version: Version) -> bool:
    """Whether one OSV ``affected`` entry covers ``version``."""
    for listed in affected.get("versions") or []:
        if _version(listed) == version:
            return True
    for span in affected.get("ranges") or []:
        if span.get("type") == "ECOSYSTEM" and _in_range(span.get("events") or [], version):
            return True
    return False


def _in_range(events: list[dict[str, str]], version: Version) -> bool:
    """OSV range evaluation: walk the events in version order, each ``introduced`` at or
    below ``version`` opens the range and each ``fixed`` at or below (``last_affected``
    below) closes it; the state after the walk is the answer."""
    keyed: list[tuple[Version, int, str]] = []
    for event in events:
        for kind, order in (("introduced", 0), ("fixed", 1), ("last_affected", 1)):
            if kind in event:
                bound = Version("0") if event[kind] == "0" else _version(event[kind])
                if bound is not None:
                    keyed.append((bound, order, kind))
    affected = False
    for bound, _, kind in sorted(keyed):
        if kind == "introduced" and version >= bound:
            affected = True
        elif (kind == "fixed" and version >= bound) or (
            kind == "last_affected" and version > bound
        ):
            affected = False
    return affected


def _result(advisory: dict[str, Any], affected: list[dict[str, Any]]) -> VulnerabilityResult:
    fixes = {
        fixed
        for a in affected
        for span in a.get("ranges") or []
        if span.get("type") == "ECOSYSTEM"
        for event in span.get("events") or []
        if "fixed" in event and (fixed := _version(event["fixed"])) is not None
    }
    description = advisory.get("summary") or advisory.get("details") or "N/A"
    ids = [VulnerabilityID(str(advisory["id"]))]
    ids += [VulnerabilityID(str(a)) for a in advisory.get("aliases") or []]
    return VulnerabilityResult.create(
        ids=ids,
        description=" ".join(str(description).split()),
        fix_versions=sorted(fixes),
        published=_published(advisory.get("published")),
    )


def _load(path: Path) -> dict[str, Any] | None:
    try:
        text = path.read_text(encoding="utf-8")
        data = json.loads(text) if path.suffix == ".json" else yaml.load(text, yaml.CSafeLoader)
    except (OSError, UnicodeDecodeError, ValueError, yaml.YAMLError) as exc:
        logger.warning("skipping unreadable advisory %s: %s", path, exc)
        return None
    return data if isinstance(data, dict) and "id" in data else None


def _version(text: object) -> Version | None:
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def _published(value: object) -> datetime | None:
    if isinstance(value, datetime):  # YAML parses unquoted timestamps itself
        return value
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")) if value else None
    except ValueError:
        return None


class OnlineFirstService(VulnerabilityService):
    """osv.dev when it answers; the local directory (when there is one) once it does not.

    After the first connection failure every later query goes to the local directory, so
    an offline run pays the timeout once, not once per package. ``used`` names the source
    that answered the last query."""

    def __init__(self, online: OsvService, local: LocalOsvService | None) -> None:
        self.online = online
        self.local = local
        self.used = "osv.dev"
        self._offline = False

    def query(self, spec: Dependency) -> tuple[Dependency, list[VulnerabilityResult]]:
        """See ``VulnerabilityService.query``."""
        if not self._offline:
            try:
                return self.online.query(spec)
            except (ServiceError, requests.RequestException) as exc:
                if self.local is None:
                    raise ServiceError(
                        f"osv.dev cannot be reached ({exc}) and no advisory directory is "
                        "configured: set QL_ADVISORY_DB to a PyPA advisory-db checkout"
                    ) from exc
                logger.warning("osv.dev unreachable (%s); using %s", exc, self.local.root)
                self._offline = True
        assert self.local is not None  # only offline with a local directory
        self.used = self.local.describe()
        return self.local.query(spec)


def advisory_service(
    advisory_db: Path | None, online: bool, osv_url: str = OsvService.DEFAULT_OSV_URL
) -> LocalOsvService | OnlineFirstService:
    """The vulnerability service the configuration asks for: the local directory alone, or
    osv.dev first (``online``, or no directory) with the directory as the fallback. Raises
    AdvisoryDirectoryError for a directory that does not exist or holds no advisories."""
    local = LocalOsvService(advisory_db) if advisory_db is not None else None
    if online or local is None:
        return OnlineFirstService(OsvService(timeout=ONLINE_TIMEOUT_S, osv_url=osv_url), local)
    return local


def describe_service(service: VulnerabilityService) -> str:
    """Which advisory source a service read, for the report."""
    if isinstance(service, LocalOsvService):
        return service.describe()
    if isinstance(service, OnlineFirstService):
        return service.used
    return type(service).__name__
