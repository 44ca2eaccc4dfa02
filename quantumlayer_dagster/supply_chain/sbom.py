"""A CycloneDX 1.5 JSON SBOM of a generated project's third-party dependencies.

Written against the CycloneDX 1.5 JSON schema: one ``library`` component per resolved
distribution with a ``pkg:pypi`` purl (name normalised per PEP 503, as the purl spec asks
for PyPI) and its licence, plus the project itself as ``metadata.component``. The serial
number is derived from the content, so the same dependencies give byte-identical SBOMs
and the capsule stays deterministic.
"""

import json
import re
import uuid
from typing import Any

from quantumlayer_dagster.artifacts.dependencies import (
    Dependency,
    DependencyManifest,
    normalize_distribution,
)

SPEC_VERSION = "1.5"
_SPDX_LIKE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9.+-]*$")
_NAMESPACE = uuid.UUID("6f1f3c0e-5b0a-4d0e-9a51-5e6b6f3a1c2d")


def purl(distribution: str, version: str | None) -> str:
    """``pkg:pypi/<normalised-name>@<version>`` (no ``@`` part when the version is unknown)."""
    name = normalize_distribution(distribution)
    return f"pkg:pypi/{name}@{version}" if version else f"pkg:pypi/{name}"


def cyclonedx_sbom(manifest: DependencyManifest, project_version: str = "0.1.0") -> dict[str, Any]:
    """The SBOM as a JSON-ready dict. Unresolved imports have no distribution to name and
    are listed under ``properties`` so a reader sees they exist."""
    seen: dict[str, dict[str, Any]] = {}
    for dep in manifest.dependencies:
        if dep.distribution and normalize_distribution(dep.distribution) not in seen:
            seen[normalize_distribution(dep.distribution)] = _component(dep)
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
        {"name": "quantumlayer:unresolved-import", "value": f"{d.import_name}: {d.reason}"}
        for d in manifest.dependencies
        if not d.resolved
    ]
    if unresolved:
        body["properties"] = unresolved
    serial = uuid.uuid5(_NAMESPACE, json.dumps(body, sort_keys=True))
    return {"serialNumber": f"urn:uuid:{serial}", **body}


def _component(dep: Dependency) -> dict[str, Any]:
    name = dep.distribution or dep.import_name  # callers pass resolved dependencies only
    component: dict[str, Any] = {
        "type": "library",
        "bom-ref": purl(name, dep.version),
        "name": name,
        "purl": purl(name, dep.version),
    }
    if dep.version:
        component["version"] = dep.version
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
