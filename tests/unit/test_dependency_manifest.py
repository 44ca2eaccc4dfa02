"""Stage 7: resolve_dependencies maps imports to distributions, from evidence only."""

from importlib import metadata

from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.stages.dependency_manifest import resolve_dependencies

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
    assert "| import | distribution | version | found via | imported by |" in text
    assert "| `yaml` | PyYAML |" in text
    assert "unresolved: no distribution known for import 'zz_nope'" in text
    assert "Dependency(" not in text
