"""Stage 7: find the generated code's third-party imports and the distributions behind them.

Imports are read statically (``ast``, with tree-sitter for files that do not parse); the
generated code is never imported. An import name is mapped to a distribution only from
evidence: a curated table of well-known mismatches, the distributions installed in this
environment, or a declared requirement of the same name. Anything else stays unresolved.
"""

import sys
from collections import defaultdict
from importlib import metadata

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.dependencies import (
    Dependency,
    DependencyManifest,
    VersionSource,
    normalize_distribution,
)
from quantumlayer_dagster.import_map import (
    declared_names,
    declared_pins,
    distribution_for,
    import_key,
)
from quantumlayer_dagster.parsing import project_modules, python_imports


def resolve_dependencies(
    files: list[SourceFile], package: str, declared: list[str] | None = None
) -> DependencyManifest:
    """Map the third-party imports of the Python ``files`` to distributions.

    ``package`` is the project's own package name; ``declared`` are requirement strings
    planned for the project (e.g. ``"fastapi>=0.110"``). Standard-library, relative and
    project-internal imports are left out. Returns the sorted dependencies, each with the
    files importing it, and the declared requirements that no import uses.
    """
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
    deps = [_resolve(key, sorted(paths), pins) for key, paths in users.items()]
    deps.sort(key=lambda d: d.import_name.lower())
    used = {normalize_distribution(d.distribution) for d in deps if d.distribution}
    unused = [name for name in pins if name not in used]
    names = {normalize_distribution(n): n for n in declared_names(declared or [])}
    return DependencyManifest(
        package=package,
        dependencies=deps,
        declared=list(declared or []),
        declared_unused=sorted(names[n] for n in unused),
    )


def _resolve(key: str, imported_by: list[str], pins: dict[str, str | None]) -> Dependency:
    dist, found_via, reason = distribution_for(key, pins)
    if dist is None:
        return Dependency(import_name=key, resolved=False, reason=reason, imported_by=imported_by)
    version = _installed_version(dist)
    version_source: VersionSource | None = "installed"
    if version is None:
        version = pins.get(normalize_distribution(dist))
        version_source = "declared" if version else None
    return Dependency(
        import_name=key,
        distribution=dist,
        version=version,
        version_source=version_source,
        resolved=True,
        source=found_via,
        imported_by=imported_by,
    )


def _installed_version(distribution: str) -> str | None:
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None
