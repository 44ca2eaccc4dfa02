"""The files that make a planned Node project a package, written by our code from the plan
(never by the LLM): ``package.json`` and, for TypeScript, ``tsconfig.json``.

Both are deterministic (sorted keys where order carries no meaning, a final newline), so the
same plan gives the same bytes and the capsule's digest does not move."""

import json

from quantumlayer_dagster.analysis.node_checks import npm_name
from quantumlayer_dagster.analysis.typescript_check import COMPILER_OPTIONS
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.structure import ProjectStructure

PACKAGE_VERSION = "0.1.0"
TYPESCRIPT_VERSION = "5.9.3"
TYPES_NODE_VERSION = "20.19.43"
"""What a TypeScript package needs to build itself: the versions tools/node pins."""
OUT_DIR = "dist"
"""Where TypeScript compiles to (``tsconfig.json``'s ``outDir``; the test run's too)."""


def package_json(structure: ProjectStructure) -> str:
    """``package.json``: name, version, ES modules, ``node --test`` as the test script (after
    ``tsc`` for TypeScript), and the planned libraries as dependencies (``"*"``: no version
    was chosen; the dependency stage reports them)."""
    typescript = structure.brief.options.language == "typescript"
    data: dict[str, object] = {
        "name": structure.package.replace("_", "-"),
        "version": PACKAGE_VERSION,
        "description": structure.brief.summary[:200],
        "private": True,
        "type": "module",
        "scripts": {"build": "tsc", "test": "tsc && node --test"}
        if typescript
        else {"test": "node --test"},
        "engines": {"node": ">=20"},
    }
    libraries = sorted({npm_name(lib) for lib in structure.libraries if npm_name(lib)})
    if libraries:
        data["dependencies"] = {name: "*" for name in libraries}
    if typescript:
        data["devDependencies"] = {
            "@types/node": TYPES_NODE_VERSION,
            "typescript": TYPESCRIPT_VERSION,
        }
    return json.dumps(data, indent=2) + "\n"


def tsconfig_json() -> str:
    """``tsconfig.json``: the compiler options we check and compile with, ``src`` and
    ``tests`` compiled to ``dist``."""
    options = {**COMPILER_OPTIONS, "outDir": OUT_DIR, "rootDir": "."}
    data = {"compilerOptions": options, "include": ["src/**/*.ts", "tests/**/*.ts"]}
    return json.dumps(data, indent=2) + "\n"


def config_file(path: str, structure: ProjectStructure) -> SourceFile:
    """The content of a planned config file (``package.json`` or ``tsconfig.json``)."""
    if path == "package.json":
        return SourceFile(path=path, content=package_json(structure))
    if path == "tsconfig.json":
        return SourceFile(path=path, content=tsconfig_json())
    raise ValueError(f"{path!r} is not a config file our code writes")
