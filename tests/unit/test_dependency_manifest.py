"""Stage 7: resolve_dependencies maps imports to distributions, from evidence only."""

import email.message
import json
from importlib import metadata
from pathlib import Path

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.stages.dependency_manifest import resolve_dependencies
from quantumlayer_dagster.supply_chain.licences import LicencePolicy, licence_from_metadata
from quantumlayer_dagster.supply_chain.package_index import PackageIndex
from quantumlayer_dagster.supply_chain.sbom import cyclonedx_sbom, purl

API = """\
import os
import json
import tomllib
import yaml
from PIL import Image
import requests
from . import models
from .models import Item
from shop.models import Item as Again
import shop
"""


def src(path: str, content: str) -> SourceFile:
    return SourceFile(path=path, content=content)


def by_import(manifest):
    return {d.import_name: d for d in manifest.dependencies}


def test_imports_map_through_curated_table_and_installed_environment():
    deps = by_import(resolve_dependencies([src("shop/api.py", API)], package="shop"))
    assert set(deps) == {"yaml", "PIL", "requests"}
    assert (deps["yaml"].distribution, deps["yaml"].source) == ("PyYAML", "curated")
    assert (deps["PIL"].distribution, deps["PIL"].source) == ("Pillow", "curated")
    assert (deps["requests"].distribution, deps["requests"].source) == ("requests", "environment")


def test_installed_distribution_gets_its_installed_version():
    deps = by_import(resolve_dependencies([src("shop/api.py", "import yaml\n")], package="shop"))
    assert deps["yaml"].version == metadata.version("PyYAML")
    assert deps["yaml"].version_source == "installed"


def test_stdlib_relative_and_own_modules_are_not_dependencies():
    files = [
        src("shop/__init__.py", ""),
        src("shop/models.py", "import dataclasses\n"),
        src("shop/api.py", "from . import models\nimport shop.models\nimport sys\n"),
        src("tests/test_api.py", "import helpers\nfrom shop.api import models\n"),
        src("tests/helpers.py", "import collections\n"),
        src("run.py", "import shop\nimport mytool\n"),
    ]
    manifest = resolve_dependencies(files, package="mytool")
    assert manifest.dependencies == []


def test_unknown_import_is_unresolved_with_a_reason_and_no_guess():
    manifest = resolve_dependencies([src("a.py", "import frobnicator_zz\n")], package="a")
    [dep] = manifest.dependencies
    assert not dep.resolved
    assert dep.distribution is None
    assert dep.reason == "no distribution known for import 'frobnicator_zz'"
    assert manifest.unresolved == ["frobnicator_zz"]


def test_declared_requirement_of_the_same_name_resolves_an_uninstalled_import():
    files = [src("a.py", "import frobnicator_zz\n")]
    manifest = resolve_dependencies(files, package="a", declared=["Frobnicator-ZZ==1.2"])
    [dep] = manifest.dependencies
    assert (dep.resolved, dep.source, dep.distribution) == (True, "declared", "frobnicator_zz")
    assert (dep.version, dep.version_source) == ("1.2", "declared")


def test_imports_in_a_file_that_does_not_parse_still_count():
    files = [src("a.py", "import yaml\n\ndef broken(:\n    from bs4 import BeautifulSoup\n")]
    deps = by_import(resolve_dependencies(files, package="a"))
    assert deps["bs4"].distribution == "beautifulsoup4"
    assert deps["yaml"].imported_by == ["a.py"]


def test_imported_by_lists_every_importing_file_sorted():
    files = [src("b.py", "import yaml\n"), src("a.py", "import yaml.constructor\n")]
    deps = by_import(resolve_dependencies(files, package="x"))
    assert deps["yaml"].imported_by == ["a.py", "b.py"]


def test_declared_unused_compares_normalised_names():
    manifest = resolve_dependencies(
        [src("a.py", "import yaml\n")],
        package="a",
        declared=["pyyaml>=6", "Django==5.0", "uvicorn[standard]"],
    )
    assert manifest.declared_unused == ["Django", "uvicorn"]


def test_requirements_txt_is_sorted_pinned_and_independent_of_file_order():
    files = [
        src("b.py", "import requests\nimport unknown_lib_zz\n"),
        src("a.py", "import yaml\nfrom PIL import Image\n"),
    ]
    first = resolve_dependencies(files, package="x").requirements_txt()
    second = resolve_dependencies(list(reversed(files)), package="x").requirements_txt()
    assert first == second
    assert first.splitlines() == [
        pinned_if_installed("Pillow"),
        pinned_if_installed("PyYAML"),
        pinned_if_installed("requests"),
        "# unresolved: unknown_lib_zz (no distribution known for import 'unknown_lib_zz')",
    ]


def pinned_if_installed(distribution: str) -> str:
    """The expected line: pinned to the installed version, else the bare name (never a guess)."""
    try:
        return f"{distribution}=={metadata.version(distribution)}"
    except metadata.PackageNotFoundError:
        return distribution


def test_markdown_is_a_readable_table():
    manifest = resolve_dependencies([src("a.py", "import yaml\nimport zz_nope\n")], package="a")
    text = manifest.markdown()
    assert "| import | distribution | version | licence | found via | imported by |" in text
    assert "| `yaml` | PyYAML |" in text
    assert "unresolved: no distribution known for import 'zz_nope'" in text
    assert "Dependency(" not in text


# --- versions, licences, the index cache and the SBOM ----------------------------------


def _meta(**fields: str | list[str]) -> email.message.Message:
    message = email.message.Message()
    for name, value in fields.items():
        for v in value if isinstance(value, list) else [value]:
            message[name.replace("_", "-")] = v
    return message


def test_licence_is_read_from_expression_then_classifiers_then_the_license_field():
    assert licence_from_metadata(_meta(License_Expression="MIT OR Apache-2.0")).expression == (
        "MIT OR Apache-2.0"
    )
    classified = _meta(Classifier=["License :: OSI Approved :: BSD License"], License="x")
    assert licence_from_metadata(classified) == ("BSD", "classifier")
    assert licence_from_metadata(_meta(License="Apache License, Version 2.0")) == (
        "Apache-2.0",
        "License",
    )
    pasted = "Copyright (c) 2020 Someone\n\nPermission is hereby granted, free of charge..."
    assert licence_from_metadata(_meta(License=pasted)) == (None, None)
    assert licence_from_metadata(_meta(License="UNKNOWN")) == (None, None)


def test_policy_allows_permissive_denies_gpl_and_flags_unknown():
    policy = LicencePolicy()
    assert policy.verdict("MIT") == "allowed"
    assert policy.verdict("BSD-3-Clause") == "allowed"
    assert policy.verdict("GPL-3.0-or-later") == "denied"
    assert policy.verdict("AGPL-3.0") == "denied"
    assert policy.verdict("GPL-2.0 OR MIT") == "allowed"  # the licensee may pick MIT
    assert policy.verdict("MIT AND GPL-3.0") == "denied"
    assert policy.verdict("LGPL-3.0") == "unknown"  # in neither list: flagged for review
    assert policy.verdict(None) == "unknown"
    assert LicencePolicy(allow=["MIT"], deny=["Apache"]).verdict("Apache-2.0") == "denied"


def test_installed_dependency_gets_its_licence_and_policy_verdict():
    deps = by_import(resolve_dependencies([src("a.py", "import yaml\n")], package="a"))
    assert (deps["yaml"].licence, deps["yaml"].licence_verdict) == ("MIT", "allowed")
    strict = LicencePolicy(allow=["Apache"], deny=[])
    manifest = resolve_dependencies([src("a.py", "import yaml\n")], package="a", policy=strict)
    assert manifest.dependencies[0].licence_verdict == "unknown"
    gate = gates.licences_allowed(manifest)
    assert not gate.passed
    assert "PyYAML: MIT (unknown)" in gate.detail


def test_uninstalled_dependency_is_pinned_from_the_index_cache(tmp_path: Path):
    cache = tmp_path / "package-index.json"
    cache.write_text(json.dumps({"opencv-python": {"version": "4.10.0.84", "resolved_at": 1}}))
    index = PackageIndex(cache, online=False)
    manifest = resolve_dependencies([src("a.py", "import cv2\n")], package="a", index=index)
    [dep] = manifest.dependencies
    assert (dep.distribution, dep.version, dep.version_source) == (
        "opencv-python",
        "4.10.0.84",
        "cache",
    )
    assert dep.licence_verdict == "unknown"  # not installed: no metadata to read, no guess
    assert "opencv-python==4.10.0.84" in manifest.requirements_txt()


def test_unreachable_index_and_no_cache_leave_a_clear_unpinned_entry(tmp_path: Path):
    index = PackageIndex(tmp_path / "cache.json", online=False)
    manifest = resolve_dependencies([src("a.py", "import cv2\n")], package="a", index=index)
    [dep] = manifest.dependencies
    assert dep.version is None
    assert dep.version_reason == "not installed, not in the cache, index lookups off"
    assert manifest.unpinned == ["opencv-python"]
    gate = gates.dependencies_resolved(manifest)
    assert not gate.passed
    assert "unpinned: opencv-python (not installed, not in the cache" in gate.detail
    assert not (tmp_path / "cache.json").exists()  # nothing invented, nothing cached


def test_index_answer_is_cached_and_reused_offline(tmp_path: Path, monkeypatch):
    cache = tmp_path / "cache.json"
    online = PackageIndex(cache, online=True)
    monkeypatch.setattr(online, "_ask_index", lambda name: ("2.0.1", ""))
    assert online.latest("Frob_Nicator") == ("2.0.1", "index", "")
    assert PackageIndex(cache, online=False).latest("frob-nicator") == ("2.0.1", "cache", "")


def test_index_failure_is_reported_with_its_reason(tmp_path: Path, monkeypatch):
    index = PackageIndex(tmp_path / "cache.json", online=True)
    monkeypatch.setattr(index, "_ask_index", lambda name: (None, "no answer within 20s"))
    answer = index.latest("frob")
    assert answer.version is None
    assert answer.reason == "package index: no answer within 20s; no cached answer"


def test_sbom_is_cyclonedx_1_5_with_purls_and_licences():
    files = [src("a.py", "import yaml\nimport requests\nimport frobnicator_zz\n")]
    manifest = resolve_dependencies(files, package="shop")
    sbom = cyclonedx_sbom(manifest)
    assert (sbom["bomFormat"], sbom["specVersion"], sbom["version"]) == ("CycloneDX", "1.5", 1)
    assert sbom["serialNumber"].startswith("urn:uuid:")
    assert sbom["metadata"]["component"]["name"] == "shop"
    by_name = {c["name"]: c for c in sbom["components"]}
    assert set(by_name) == {"PyYAML", "requests"}
    yaml_c = by_name["PyYAML"]
    assert yaml_c["type"] == "library"
    assert yaml_c["purl"] == f"pkg:pypi/pyyaml@{metadata.version('PyYAML')}"
    assert yaml_c["licenses"] == [{"license": {"id": "MIT"}}]
    [dependencies] = sbom["dependencies"]
    assert sorted(dependencies["dependsOn"]) == sorted(c["bom-ref"] for c in sbom["components"])
    assert sbom["properties"][0]["value"].startswith("frobnicator_zz: no distribution known")
    assert cyclonedx_sbom(manifest) == sbom  # deterministic: same input, same serial number


def test_purl_uses_the_normalised_name():
    assert purl("Flask_SQLAlchemy", "3.1.1") == "pkg:pypi/flask-sqlalchemy@3.1.1"
    assert purl("PyYAML", None) == "pkg:pypi/pyyaml"
