"""A Node project's ``package.json``: its name, version and declared dependencies.

The file is generated, so it is untrusted input: it is size-checked before it is parsed,
must be a JSON object, and only its ``dependencies`` and ``devDependencies`` objects of
package name to version range are read (never ``scripts`` or any configuration).
"""

import json
from dataclasses import dataclass, field
from typing import Literal

from quantumlayer_dagster.analysis.node_imports import is_package_name
from quantumlayer_dagster.artifacts.code import SourceFile

PACKAGE_JSON = "package.json"
MAX_PACKAGE_JSON_BYTES = 32 * 1024
"""A package.json larger than this is rejected unread (real ones are a few kilobytes)."""
MAX_DECLARED = 500
"""Most entries read from one dependencies object."""

DependencyScope = Literal["runtime", "dev"]
_SECTIONS: dict[str, DependencyScope] = {"dependencies": "runtime", "devDependencies": "dev"}


class PackageJsonError(ValueError):
    """``package.json`` is missing, oversized or malformed; the message says which."""


@dataclass(frozen=True)
class DeclaredPackage:
    """One declared npm dependency: its name, version range as written, and section."""

    name: str
    version_range: str
    scope: DependencyScope


@dataclass(frozen=True)
class PackageJson:
    """What the dependency stage reads of ``package.json``."""

    name: str | None = None
    version: str | None = None
    declared: list[DeclaredPackage] = field(default_factory=list)

    def find(self, name: str) -> DeclaredPackage | None:
        """The declaration of ``name`` (``dependencies`` wins over ``devDependencies``)."""
        return next((d for d in self.declared if d.name == name), None)


def read_package_json(files: list[SourceFile]) -> PackageJson:
    """The root ``package.json`` among ``files``; raises PackageJsonError naming what is
    wrong (missing, over the size limit, not JSON, not an object, a bad dependency entry)."""
    source = next((f for f in files if f.path == PACKAGE_JSON), None)
    if source is None:
        raise PackageJsonError("the project has no package.json at its root")
    size = len(source.content.encode("utf-8"))
    if size > MAX_PACKAGE_JSON_BYTES:
        raise PackageJsonError(
            f"package.json is {size} bytes, over the {MAX_PACKAGE_JSON_BYTES}-byte limit"
        )
    try:
        data = json.loads(source.content)
    except ValueError as exc:
        raise PackageJsonError(f"package.json is not valid JSON: {exc}") from exc
    except RecursionError as exc:
        raise PackageJsonError("package.json is nested too deeply to read") from exc
    if not isinstance(data, dict):
        raise PackageJsonError(f"package.json holds a JSON {type(data).__name__}, not an object")
    declared: list[DeclaredPackage] = []
    for section, scope in _SECTIONS.items():
        declared += [
            d for d in _section(data, section, scope) if not any(o.name == d.name for o in declared)
        ]
    return PackageJson(
        name=_text_field(data, "name"), version=_text_field(data, "version"), declared=declared
    )


def _section(
    data: dict[str, object], section: str, scope: DependencyScope
) -> list[DeclaredPackage]:
    entries = data.get(section)
    if entries is None:
        return []
    if not isinstance(entries, dict):
        raise PackageJsonError(f"package.json {section} is not an object of name to version")
    if len(entries) > MAX_DECLARED:
        raise PackageJsonError(
            f"package.json {section} has {len(entries)} entries, over {MAX_DECLARED}"
        )
    found = []
    for name, version_range in entries.items():
        if not is_package_name(name):
            raise PackageJsonError(
                f"package.json {section}: {name[:80]!r} is not an npm package name"
            )
        if not isinstance(version_range, str) or len(version_range) > 200:
            raise PackageJsonError(
                f"package.json {section}.{name}: the version is not a short string"
            )
        found.append(DeclaredPackage(name, version_range.strip(), scope))
    return sorted(found, key=lambda d: d.name)


def _text_field(data: dict[str, object], key: str) -> str | None:
    value = data.get(key)
    return value[:214] if isinstance(value, str) else None
