"""A CycloneDX 1.5 JSON SBOM of a generated project's third-party dependencies.

Written against the CycloneDX 1.5 JSON schema: one ``library`` component per resolved
distribution with a ``pkg:pypi`` purl (name normalised per PEP 503, as the purl spec asks
for PyPI) or, for a Node project, a ``pkg:npm`` purl (the scope's ``@`` percent-encoded,
devDependencies marked with the ``cdx:npm:package:development`` property) and its licence,
plus the project itself as ``metadata.component``. The serial
number is derived from the content, so the same dependencies give byte-identical SBOMs
and the capsule stays deterministic.
"""

import json
import re
import uuid
from typing import Any
from urllib.parse import quote

from quantumlayer_dagster.artifacts.dependencies import (
    Dependency,
    DependencyManifest,
    Ecosystem,
    normalize_distribution,
)

SPEC_VERSION = "1.5"
_SPDX_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")
_NAMESPACE = uuid.UUID("6f1f3c0e-5b0a-4d0e-9a51-5e6b6f3a1c2d")


def purl(distribution: str, version: str | None, ecosystem: Ecosystem = "pypi") -> str:
    """``pkg:pypi/<normalised-name>@<version>``, or for npm ``pkg:npm/<name>@<version>``
    with a scope as ``pkg:npm/%40scope/name@version`` (no ``@`` part when the version is
    unknown)."""
    if ecosystem == "npm":
        path = "/".join(quote(part, safe="") for part in distribution.lower().split("/"))
        at = f"@{quote(version, safe='')}" if version else ""
        return f"pkg:npm/{path}{at}"
    name = normalize_distribution(distribution)
    return f"pkg:pypi/{name}@{version}" if version else f"pkg:pypi/{name}"


def cyclonedx_sbom(manifest: DependencyManifest, project_version: str = "0.1.0") -> dict[str, Any]:
    """The SBOM as a JSON-ready dict. Unresolved imports have no distribution to name and
    are listed under ``properties`` so a reader sees they exist."""
    seen: dict[str, dict[str, Any]] = {}
    for dep in manifest.dependencies:
        if dep.distribution and normalize_distribution(dep.distribution) not in seen:
            seen[normalize_distribution(dep.distribution)] = _component(dep, manifest.ecosystem)
    components = [seen[key] for key in sorted(seen)]
    project = {
        "type": "application",
        "bom-ref": f"project:{manifest.package}",
        "name": manifest.package,
        "version": project_version,
    }
    body: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "version": 1,
        "metadata": {
            "component": project,
            "tools": {"components": [{"type": "application", "name": "quantumlayer"}]},
        },
        "components": components,
        "dependencies": [
            {"ref": project["bom-ref"], "dependsOn": [c["bom-ref"] for c in components]}
        ],
    }
    unresolved = [
        {"name": "quantumlayer:manifest-problem", "value": problem} for problem in manifest.problems
    ] + [
        {"name": "quantumlayer:unresolved-import", "value": f"{d.import_name}: {d.reason}"}
        for d in manifest.dependencies
        if not d.resolved
    ]
    if unresolved:
        body["properties"] = unresolved
    serial = uuid.uuid5(_NAMESPACE, json.dumps(body, sort_keys=True))
    return {"serialNumber": f"urn:uuid:{serial}", **body}


def _component(dep: Dependency, ecosystem: Ecosystem) -> dict[str, Any]:
    name = dep.distribution or dep.import_name  # callers pass resolved dependencies only
    component: dict[str, Any] = {
        "type": "library",
        "bom-ref": purl(name, dep.version, ecosystem),
        "name": name,
        "purl": purl(name, dep.version, ecosystem),
    }
    if ecosystem == "npm" and name.startswith("@"):
        # CycloneDX names an npm scope as the component's group
        component["group"], component["name"] = name.split("/", 1)
    if dep.version:
        component["version"] = dep.version
    if dep.scope == "dev":
        component["properties"] = [{"name": "cdx:npm:package:development", "value": "true"}]
    if dep.licence:
        # a compound expression goes in "expression"; a single id (or name) in "license"
        if any(op in dep.licence for op in (" OR ", " AND ", " WITH ")):
            component["licenses"] = [{"expression": dep.licence}]
        else:
            component["licenses"] = [{"license": _licence_entry(dep.licence)}]
    return component


def _licence_entry(licence: str) -> dict[str, str]:
    # the schema only takes SPDX ids as "id"; "BSD" (a classifier that does not say which
    # BSD) and free-text names go in "name"
    return {"id": licence} if _SPDX_LIKE.match(licence) and licence != "BSD" else {"name": licence}
