"""Finding the HTTP service in a generated tree by reading it: never by importing it.

Python: a module-level FastAPI, Starlette or Flask object (``app = FastAPI()``, also
``app = create_app()`` when ``create_app`` in the same module returns one), the framework
named through its imports. JavaScript: a module that creates an Express app or a Node
``http`` server and exports something. Test files are never a service. When several
modules qualify, the one a person would start wins: ``main``/``app``/``server``/``api``
first, then the shallowest path.
"""

import ast
import re
from pathlib import PurePosixPath

from quantumlayer_dagster.analysis.parsing import python_module_names
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.dast import Framework, ServiceTarget

LOOKED_FOR = (
    "a module-level FastAPI, Starlette or Flask app, or a JavaScript module exporting an "
    "Express app or http server"
)
_PYTHON_FRAMEWORKS: dict[str, Framework] = {
    "fastapi.FastAPI": "fastapi",
    "fastapi.applications.FastAPI": "fastapi",
    "starlette.applications.Starlette": "starlette",
    "flask.Flask": "flask",
    "flask.app.Flask": "flask",
}
_ENTRY_STEMS = ("main", "app", "server", "api", "__init__", "wsgi", "asgi")
_JS_SUFFIXES = (".js", ".mjs", ".cjs")
_EXPRESS_IMPORT = re.compile(r"""(?:require\(\s*|from\s+)['"]express['"]""")
_EXPRESS_APP = re.compile(r"\bexpress\s*\(\s*\)")
_HTTP_IMPORT = re.compile(r"""(?:require\(\s*|from\s+)['"](?:node:)?https?['"]""")
_HTTP_SERVER = re.compile(r"\bcreateServer\s*\(")
_JS_EXPORT = re.compile(
    r"\bmodule\.exports\b|\bexports\.\w+\s*=|\bexport\s+(?:default|const|let|var|function|\{)"
)


def detect_service(files: list[SourceFile]) -> ServiceTarget | None:
    """The HTTP service of ``files``, or None when there is none."""
    found: list[ServiceTarget] = []
    for source in files:
        if _is_test_file(source.path):
            continue
        if source.path.endswith(".py"):
            found += _python_apps(source)
        elif source.path.endswith(_JS_SUFFIXES):
            target = _node_server(source)
            if target is not None:
                found.append(target)
    if not found:
        return None
    return min(found, key=_preference)


def _preference(target: ServiceTarget) -> tuple[int, int, str]:
    pure = PurePosixPath(target.path)
    stem = pure.stem
    rank = _ENTRY_STEMS.index(stem) if stem in _ENTRY_STEMS else len(_ENTRY_STEMS)
    return rank, len(pure.parts), target.path


def _python_apps(source: SourceFile) -> list[ServiceTarget]:
    names = python_module_names(source.path)
    try:
        tree = ast.parse(source.content, source.path)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    if not names:
        return []
    aliases = _import_aliases(tree)
    factories = {
        node.name: framework
        for node in tree.body
        if isinstance(node, ast.FunctionDef)
        and (framework := _factory_framework(node, aliases)) is not None
    }
    found = []
    for node in tree.body:
        target, value = _assignment(node)
        if target is None or value is None or not isinstance(value, ast.Call):
            continue
        called = _dotted(value.func, aliases)
        framework = _PYTHON_FRAMEWORKS.get(called or "") or factories.get(called or "")
        if framework is None:
            continue
        found.append(
            ServiceTarget(
                language="python",
                framework=framework,
                path=source.path,
                line=node.lineno,
                module=names[-1],
                attribute=target,
            )
        )
    return found


def _assignment(node: ast.stmt) -> tuple[str | None, ast.expr | None]:
    if isinstance(node, ast.Assign) and len(node.targets) == 1:
        target = node.targets[0]
        return (target.id if isinstance(target, ast.Name) else None), node.value
    if isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
        return node.target.id, node.value
    return None, None


def _factory_framework(node: ast.FunctionDef, aliases: dict[str, str]) -> Framework | None:
    """The framework a module-level function builds its app with (``app = Flask(...)``
    somewhere in its body), for ``app = create_app()``."""
    for inner in ast.walk(node):
        if isinstance(inner, ast.Call):
            framework = _PYTHON_FRAMEWORKS.get(_dotted(inner.func, aliases) or "")
            if framework is not None:
                return framework
    return None


def _import_aliases(tree: ast.Module) -> dict[str, str]:
    """Local name -> the dotted name it was imported as (``FastAPI`` -> ``fastapi.FastAPI``)."""
    aliases: dict[str, str] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                aliases[alias.asname or alias.name.split(".")[0]] = (
                    alias.name if alias.asname else alias.name.split(".")[0]
                )
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            for alias in node.names:
                aliases[alias.asname or alias.name] = f"{node.module}.{alias.name}"
    return aliases


def _dotted(node: ast.expr, aliases: dict[str, str]) -> str | None:
    parts: list[str] = []
    while isinstance(node, ast.Attribute):
        parts.append(node.attr)
        node = node.value
    if not isinstance(node, ast.Name):
        return None
    head = aliases.get(node.id, node.id)
    return ".".join([head, *reversed(parts)])


def _node_server(source: SourceFile) -> ServiceTarget | None:
    text = source.content
    if not _JS_EXPORT.search(text):
        return None
    framework: Framework
    if _EXPRESS_IMPORT.search(text) and (match := _EXPRESS_APP.search(text)):
        framework = "express"
    elif _HTTP_IMPORT.search(text) and (match := _HTTP_SERVER.search(text)):
        framework = "node-http"
    else:
        return None
    return ServiceTarget(
        language="javascript",
        framework=framework,
        path=source.path,
        line=text.count("\n", 0, match.start()) + 1,
        module=source.path,
        attribute="export",
    )


def _is_test_file(path: str) -> bool:
    pure = PurePosixPath(path)
    name = pure.name
    return (
        bool({"tests", "test", "__tests__"} & set(pure.parts[:-1]))
        or name.startswith("test_")
        or name.endswith(("_test.py", ".test.js", ".spec.js", ".test.mjs"))
        or name == "conftest.py"
    )
