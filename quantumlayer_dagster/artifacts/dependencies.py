"""Stage 7 artifact: third-party imports of the generated code, mapped to distributions."""

import re
from typing import Literal

from pydantic import Field, computed_field

from quantumlayer_dagster.artifacts.markdown import markdown_cell, markdown_table
from quantumlayer_dagster.model import Model
from quantumlayer_dagster.supply_chain.licences import LicencePolicy, LicenceVerdict

FoundVia = Literal["curated", "environment", "declared", "package.json"]
VersionSource = Literal["installed", "declared", "cache", "index"]
Ecosystem = Literal["pypi", "npm"]
"""Where the project's dependencies come from: PyPI (a Python project) or npm (a Node one)."""


def normalize_distribution(name: str) -> str:
    """A distribution name normalised per PEP 503 ("Flask_SQLAlchemy" -> "flask-sqlalchemy")."""
    return re.sub(r"[-_.]+", "-", name).lower()


class Dependency(Model):
    """One imported top-level module (or known dotted prefix) and the distribution providing it.

    ``source`` says how the distribution was found: the curated table of import names that
    differ from their distribution, the distributions installed here, or a declared
    requirement of the same name. Unresolved ones carry ``reason`` and no distribution.
    ``version_source``: the installed distribution, an ``==`` pin declared for it, the
    index-answer cache or the package index; with no version, ``version_reason`` says why.
    ``licence`` is an SPDX-style expression from the metadata (None: unknown, and
    ``licence_reason`` says why when known) and ``licence_verdict`` the policy's judgement
    of it. npm packages also carry the ``version_range`` package.json declares and their
    ``scope`` (``dependencies``: runtime, ``devDependencies``: dev).
    """

    import_name: str
    distribution: str | None = None
    version: str | None = None
    version_source: VersionSource | None = None
    resolved: bool
    source: FoundVia | None = None
    reason: str | None = None
    version_reason: str | None = None
    licence: str | None = None
    licence_source: str | None = None
    licence_verdict: LicenceVerdict | None = None
    licence_reason: str | None = None
    version_range: str | None = None
    scope: Literal["runtime", "dev"] | None = None
    imported_by: list[str] = Field(default_factory=list)

    def requirement(self) -> str:
        """``name==version`` when the version is known, else the bare distribution name."""
        if self.distribution is None:
            raise ValueError(f"import {self.import_name!r} has no distribution")
        return f"{self.distribution}=={self.version}" if self.version else self.distribution


class DependencyManifest(Model):
    """The project's third-party dependencies (stage 7 output). For an npm project the
    dependencies are the packages ``package.json`` declares plus the imported packages it
    does not (unresolved); ``problems`` says why the manifest could not be read."""

    package: str
    ecosystem: Ecosystem = "pypi"
    problems: list[str] = Field(default_factory=list)
    dependencies: list[Dependency] = Field(default_factory=list)
    declared: list[str] = Field(default_factory=list)
    declared_unused: list[str] = Field(default_factory=list)
    licence_policy: LicencePolicy = Field(default_factory=LicencePolicy)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unresolved(self) -> list[str]:
        """Import names no distribution could be found for."""
        return [d.import_name for d in self.dependencies if not d.resolved]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def unpinned(self) -> list[str]:
        """Distributions found but with no version (installed, declared, cached or indexed)."""
        return [d.distribution for d in self.dependencies if d.distribution and not d.version]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def licence_problems(self) -> list[str]:
        """``distribution: licence (verdict)`` for every licence the policy did not allow."""
        return [
            f"{d.distribution}: {d.licence or d.licence_reason or 'unknown licence'} "
            f"({d.licence_verdict})"
            for d in self.dependencies
            if d.distribution and d.licence_verdict != "allowed"
        ]

    def requirements_txt(self) -> str:
        """A deterministic requirements file: pinned or bare names sorted, then unresolved.

        Unresolved imports become comment lines (``# unresolved: x (reason)``) so a person
        sees them and pip ignores them. Empty for an npm project: its package.json says it.
        """
        if self.ecosystem != "pypi":
            return ""
        pins: dict[str, str] = {}
        for dep in self.dependencies:
            if dep.resolved and dep.distribution:
                pins.setdefault(normalize_distribution(dep.distribution), dep.requirement())
        lines = [pins[key] for key in sorted(pins)]
        lines += [
            f"# unresolved: {d.import_name} ({d.reason})"
            for d in sorted(self.dependencies, key=lambda d: d.import_name)
            if not d.resolved
        ]
        return "".join(line + "\n" for line in lines)

    def markdown(self) -> str:
        """A table of dependencies (import, distribution, version, how found, used by)."""
        lines = [
            f"**{self.ecosystem} manifest problem**: {markdown_cell(p, 300)}" for p in self.problems
        ]
        if not self.dependencies:
            lines += [f"**No third-party imports** in `{self.package}`."]
        else:
            resolved = len(self.dependencies) - len(self.unresolved)
            what = "npm package(s)" if self.ecosystem == "npm" else "third-party import(s)"
            lines += [
                f"**{len(self.dependencies)} {what}**: {resolved} resolved, "
                f"{len(self.unresolved)} unresolved.",
                "",
            ]
            rows = [
                [
                    f"`{markdown_cell(d.import_name)}`",
                    markdown_cell(d.distribution or "—"),
                    _version_cell(d),
                    "—"
                    if not d.distribution
                    else markdown_cell(d.licence or d.licence_reason or "unknown")
                    + f" ({d.licence_verdict})",
                    (f"{d.source} ({d.scope})" if d.scope else d.source)
                    if d.source
                    else f"unresolved: {markdown_cell(d.reason or '')}",
                    markdown_cell(", ".join(d.imported_by[:5]))
                    + (f" and {len(d.imported_by) - 5} more" if len(d.imported_by) > 5 else ""),
                ]
                for d in self.dependencies
            ]
            lines.append(
                markdown_table(
                    ["import", "distribution", "version", "licence", "found via", "imported by"],
                    rows,
                )
            )
        if self.declared_unused:
            unused = ", ".join(f"`{markdown_cell(d)}`" for d in self.declared_unused)
            lines += ["", f"Declared but never imported: {unused}"]
        return "\n".join(lines)


def _version_cell(dep: Dependency) -> str:
    declared = (
        f", declared {markdown_cell(dep.version_range)}"
        if dep.version_range and dep.version_range != dep.version
        else ""
    )
    if dep.version:
        return markdown_cell(dep.version) + f" ({dep.version_source}{declared})"
    if dep.distribution:
        return f"unpinned: {markdown_cell(dep.version_reason or 'no version found')}"
    return "—"
