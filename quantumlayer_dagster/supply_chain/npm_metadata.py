"""Version and licence of an npm package from its installed ``package.json``.

Only ``node_modules`` folders we installed are read (the platform's Node tools folder),
never the generated project's: a package found nowhere is "not installed" and its licence
unknown, not guessed. The licence is npm's ``license`` field (an SPDX expression), or the
deprecated ``{"type": ...}`` object and ``licenses`` list that old packages still carry.
"""

import json
from dataclasses import dataclass
from pathlib import Path

from quantumlayer_dagster.analysis.node_imports import is_package_name

MAX_METADATA_BYTES = 1024 * 1024


@dataclass(frozen=True)
class InstalledNpmPackage:
    """An installed package's version and licence (None: its metadata names none)."""

    name: str
    version: str | None
    licence: str | None
    folder: Path


def installed_npm_package(name: str, node_modules: list[Path]) -> InstalledNpmPackage | None:
    """``name`` as installed in the first of ``node_modules`` that holds it; None when none
    does (or its package.json cannot be read)."""
    if not is_package_name(name):
        return None
    for folder in node_modules:
        manifest = folder / name / "package.json"
        try:
            if not manifest.is_file() or manifest.stat().st_size > MAX_METADATA_BYTES:
                continue
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(data, dict) and data.get("name") == name:
            version = data.get("version")
            return InstalledNpmPackage(
                name=name,
                version=version if isinstance(version, str) else None,
                licence=npm_licence(data),
                folder=manifest.parent,
            )
    return None


def npm_licence(data: dict[str, object]) -> str | None:
    """The licence an npm ``package.json`` names, as an SPDX-style expression; None when it
    names none or only points at a file (``"SEE LICENSE IN ..."``); ``"UNLICENSED"``
    (proprietary) is kept for the policy to judge."""
    value = data.get("license")
    if isinstance(value, dict):
        value = value.get("type")
    if isinstance(value, str):
        return _usable(value)
    legacy = data.get("licenses")
    if isinstance(legacy, list):
        names = [entry.get("type") if isinstance(entry, dict) else entry for entry in legacy]
        kept = [n.strip() for n in names if isinstance(n, str) and _usable(n)]
        if kept:
            return " OR ".join(dict.fromkeys(kept))
    return None


def _usable(value: str) -> str | None:
    text = value.strip()
    if not text or len(text) > 200:
        return None
    if text.upper().startswith("SEE LICEN"):
        return None
    return text
