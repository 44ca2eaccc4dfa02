"""Stage 7 for a Node project: package.json's declared packages and the sources' imports.

Every package ``dependencies`` or ``devDependencies`` declares is a dependency (npm installs
them all) with its declared range. Its version is the installed one when a ``node_modules``
folder we installed holds it and it lies in the range, else the range's one version when it
is exact, else none (with the reason): a range such as ``^4.18.0`` is not a pin. Its licence
comes from that installed package's metadata, else it is unknown ("not installed"). Bare
imports of packages package.json does not declare, other than Node built-ins and
``import type`` of a package whose ``@types/`` package is declared, are unresolved.
"""

from collections import defaultdict
from pathlib import Path

from quantumlayer_dagster.analysis.node_imports import node_imports, package_of, types_package
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.dependencies import (
    Dependency,
    DependencyManifest,
    VersionSource,
)
from quantumlayer_dagster.supply_chain.licences import LicencePolicy
from quantumlayer_dagster.supply_chain.npm_metadata import (
    InstalledNpmPackage,
    installed_npm_package,
)
from quantumlayer_dagster.supply_chain.npm_semver import exact_version, satisfies
from quantumlayer_dagster.supply_chain.package_json import (
    DeclaredPackage,
    PackageJson,
    PackageJsonError,
    read_package_json,
)

NOT_INSTALLED_LICENCE = "not installed: licence unknown"


def resolve_npm_dependencies(
    files: list[SourceFile],
    package: str,
    *,
    policy: LicencePolicy | None = None,
    node_modules: list[Path] | None = None,
) -> DependencyManifest:
    """The npm manifest of the Node project ``files`` (package.json at the root).

    ``node_modules``: installed package folders to read versions and licences from (the
    platform's Node tools; never the project's own). A missing, oversized or malformed
    package.json is a ``problems`` entry and every imported package is then unresolved.
    """
    policy = policy or LicencePolicy()
    problems: list[str] = []
    try:
        manifest = read_package_json(files)
    except PackageJsonError as exc:
        manifest, problems = PackageJson(), [str(exc)]
    users: dict[str, set[str]] = defaultdict(set)
    runtime: set[str] = set()  # packages imported by at least one import that is not type-only
    for source in files:
        for imp in node_imports(source.path, source.content):
            name = package_of(imp.specifier)
            if name is not None and name != manifest.name:  # a package may import itself
                users[name].add(source.path)
                if not imp.type_only:
                    runtime.add(name)
    folders = node_modules or []
    deps = [_declared(d, sorted(users.get(d.name, ())), policy, folders) for d in manifest.declared]
    missing = (
        f"package.json could not be read ({problems[0]})"
        if problems
        else "imported but not declared in package.json (dependencies or devDependencies)"
    )
    deps += [
        Dependency(import_name=name, resolved=False, reason=missing, imported_by=sorted(paths))
        for name, paths in users.items()
        if manifest.find(name) is None
        # `import type` from a package typed by a declared @types/ package needs nothing else
        and (name in runtime or manifest.find(types_package(name)) is None)
    ]
    deps.sort(key=lambda d: d.import_name)
    return DependencyManifest(
        package=package,
        ecosystem="npm",
        problems=problems,
        dependencies=deps,
        declared=[f"{d.name}@{d.version_range}" for d in manifest.declared],
        declared_unused=sorted(
            d.name for d in manifest.declared if d.scope == "runtime" and d.name not in users
        ),
        licence_policy=policy,
    )


def _declared(
    declared: DeclaredPackage, imported_by: list[str], policy: LicencePolicy, folders: list[Path]
) -> Dependency:
    installed = installed_npm_package(declared.name, folders)
    version, source, reason = _version(declared, installed)
    # the licence of another version than the one reported would be a guess
    same = installed is not None and installed.version == version
    licence = installed.licence if installed and same else None
    if installed is None:
        licence_reason: str | None = NOT_INSTALLED_LICENCE
    elif not same:
        licence_reason = f"installed {installed.version} is not this version: licence unknown"
    elif licence is None:
        licence_reason = f"installed {installed.version}: its package.json names no licence"
    else:
        licence_reason = None
    return Dependency(
        import_name=declared.name,
        distribution=declared.name,
        version=version,
        version_source=source,
        version_reason=reason,
        version_range=declared.version_range,
        scope=declared.scope,
        resolved=True,
        source="package.json",
        licence=licence,
        licence_source="package.json license" if licence else None,
        licence_reason=licence_reason,
        licence_verdict=policy.verdict(licence),
        imported_by=imported_by,
    )


def _version(
    declared: DeclaredPackage, installed: InstalledNpmPackage | None
) -> tuple[str | None, VersionSource | None, str | None]:
    """(version, where it came from, why there is none)."""
    wanted = declared.version_range
    if installed and installed.version and satisfies(installed.version, wanted):
        return installed.version, "installed", None
    exact = exact_version(wanted)
    if exact:
        return exact, "declared", None
    if installed and installed.version:
        verdict = satisfies(installed.version, wanted)
        fits = "outside" if verdict is False else "not checkable against"
        return (
            None,
            None,
            f"installed {installed.version} is {fits} the range {wanted!r}: pin one version",
        )
    return None, None, f"range {wanted!r} is not one version and it is not installed here: pin one"


def npm_packages(manifest: DependencyManifest) -> list[str]:
    """``name@version`` (or ``name@range`` when unpinned) of every declared npm package, for
    the dependency audit."""
    return [
        f"{d.distribution}@{d.version or d.version_range or '*'}"
        for d in manifest.dependencies
        if d.distribution
    ]
