"""Stage 7: find the generated code's third-party imports and the distributions behind them.

A Node project (TypeScript or JavaScript) is read from its package.json instead
(``supply_chain.npm_dependencies``); what follows is the Python path.

Imports are read statically (``ast``, with tree-sitter for files that do not parse); the
generated code is never imported. An import name is mapped to a distribution only from
evidence: a curated table of well-known mismatches, the distributions installed in this
environment, or a declared requirement of the same name. Anything else stays unresolved.
"""

import sys
from collections import defaultdict
from importlib import metadata
from pathlib import Path

from quantumlayer_dagster.analysis.import_map import (
    declared_names,
    declared_pins,
    distribution_for,
    import_key,
)
from quantumlayer_dagster.analysis.parsing import project_modules, python_imports
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.dependencies import (
    Dependency,
    DependencyManifest,
    VersionSource,
    normalize_distribution,
)
from quantumlayer_dagster.artifacts.request import NODE_LANGUAGES
from quantumlayer_dagster.supply_chain.licences import LicencePolicy, installed_licence
from quantumlayer_dagster.supply_chain.npm_dependencies import resolve_npm_dependencies
from quantumlayer_dagster.supply_chain.package_index import PackageIndex


def resolve_dependencies(
    files: list[SourceFile],
    package: str,
    declared: list[str] | None = None,
    *,
    policy: LicencePolicy | None = None,
    index: PackageIndex | None = None,
    language: str = "python",
    node_modules: list[Path] | None = None,
) -> DependencyManifest:
    """Map the third-party imports of the Python ``files`` to distributions.

    For a Node ``language`` (typescript, javascript) the manifest is package.json's
    (``resolve_npm_dependencies``, versions and licences read from ``node_modules``) and
    ``declared`` and ``index`` are not used.

    ``package`` is the project's own package name; ``declared`` are requirement strings
    planned for the project (e.g. ``"fastapi>=0.110"``). Standard-library, relative and
    project-internal imports are left out. Each distribution is pinned to its installed
    version, else its declared ``==`` pin, else the ``index`` answer (cached or asked; no
    ``index``: left unpinned with the reason), and its licence, read from the installed
    metadata, is judged by ``policy`` (default ``LicencePolicy()``). Returns the sorted
    dependencies, each with the files importing it, and the declared requirements that no
    import uses.
    """
    if language in NODE_LANGUAGES:
        return resolve_npm_dependencies(files, package, policy=policy, node_modules=node_modules)
    policy = policy or LicencePolicy()
    own = {m.split(".")[0] for m in project_modules([f.path for f in files])} | {package}
    users: dict[str, set[str]] = defaultdict(set)
    for source in files:
        if source.language != "python":
            continue
        for imp in python_imports(source.content):
            top = imp.module.split(".")[0]
            if imp.level or not top or top in sys.stdlib_module_names or top in own:
                continue
            users[import_key(imp.module)].add(source.path)

    pins = declared_pins(declared or [])
    deps = [_resolve(key, sorted(paths), pins, policy, index) for key, paths in users.items()]
    deps.sort(key=lambda d: d.import_name.lower())
    used = {normalize_distribution(d.distribution) for d in deps if d.distribution}
    unused = [name for name in pins if name not in used]
    names = {normalize_distribution(n): n for n in declared_names(declared or [])}
    return DependencyManifest(
        package=package,
        dependencies=deps,
        declared=list(declared or []),
        declared_unused=sorted(names[n] for n in unused),
        licence_policy=policy,
    )


def _resolve(
    key: str,
    imported_by: list[str],
    pins: dict[str, str | None],
    policy: LicencePolicy,
    index: PackageIndex | None,
) -> Dependency:
    dist, found_via, reason = distribution_for(key, pins)
    if dist is None:
        return Dependency(import_name=key, resolved=False, reason=reason, imported_by=imported_by)
    version, version_source, version_reason = _version(dist, pins, index)
    licence = installed_licence(dist)
    return Dependency(
        import_name=key,
        distribution=dist,
        version=version,
        version_source=version_source,
        version_reason=version_reason,
        resolved=True,
        source=found_via,
        licence=licence.expression,
        licence_source=licence.source,
        licence_verdict=policy.verdict(licence.expression),
        imported_by=imported_by,
    )


def _version(
    dist: str, pins: dict[str, str | None], index: PackageIndex | None
) -> tuple[str | None, VersionSource | None, str | None]:
    """(version, where it came from, why there is none)."""
    installed = _installed_version(dist)
    if installed is not None:
        return installed, "installed", None
    pinned = pins.get(normalize_distribution(dist))
    if pinned:
        return pinned, "declared", None
    if index is None:
        return None, None, "not installed here and no package index configured"
    answer = index.latest(dist)
    source: VersionSource | None = "cache" if answer.source == "cache" else "index"
    return (answer.version, source, None) if answer.version else (None, None, answer.reason)


def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
