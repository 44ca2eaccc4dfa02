"""The checks of a Node package's JavaScript and TypeScript files beyond syntax: every import
must find what it names (a relative import a file of the project, a bare one a Node built-in
or a declared dependency), and TypeScript must pass ``tsc --noEmit`` with our options
(``typescript_check``), reported per file, line and column.

Imports are read from the tree-sitter parse (``import``/``export ... from``, ``require()``,
``import()`` with a literal). A file planned but not written yet counts as present, and
``tsc`` findings about it are not judged until it is written, as for Python."""

import json
import posixpath
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import PurePosixPath

from tree_sitter import Node

from quantumlayer_dagster.analysis.parsing import parse, source_line
from quantumlayer_dagster.analysis.typescript_check import check_typescript
from quantumlayer_dagster.artifacts.code import SourceFile
from quantumlayer_dagster.artifacts.validation import IssueKind, ValidationIssue

_BUILTIN_NAMES = (
    "assert async_hooks buffer child_process cluster console constants crypto dgram "
    "diagnostics_channel dns domain events fs http http2 https inspector module net os path "
    "perf_hooks process punycode querystring readline repl stream string_decoder sys timers "
    "tls trace_events tty url util v8 vm wasi worker_threads zlib test"
)
NODE_BUILTINS = frozenset(_BUILTIN_NAMES.split())
"""Node's built-in modules (``module.builtinModules`` of Node 20, top-level names)."""

_TSC_MISSING_MODULE = 2307
"""``Cannot find module``: judged by the import check here, which knows planned files."""
_TSC_KINDS: dict[int, IssueKind] = {
    2304: "name",  # Cannot find name
    2552: "name",  # Cannot find name, did you mean
    2305: "import",  # Module has no exported member
    2724: "import",  # ... has no exported member, did you mean
    2834: "import",  # relative import without an extension
    2835: "import",
    2554: "call",  # Expected N arguments
    2555: "call",
}
"""How ``tsc`` findings are filed; any other code is a ``compile`` finding."""
_TS_TARGETS = {
    ".js": (".ts", ".tsx", ".d.ts", ".js"),
    ".mjs": (".mts", ".mjs"),
    ".cjs": (".cts", ".cjs"),
}
"""The files a TypeScript import of a ``.js``/``.mjs``/``.cjs`` name may load."""


@dataclass(frozen=True)
class NodeImport:
    """One module specifier in a file, with its 1-based position."""

    specifier: str
    line: int
    column: int


def node_imports(source: SourceFile) -> list[NodeImport]:
    """Every literal module specifier ``source`` imports, re-exports or requires."""
    tree = parse(source.language or "", source.content)
    if tree is None:
        return []
    found: list[NodeImport] = []
    for node in _walk(tree.root_node):
        target: Node | None = None
        if node.type in ("import_statement", "export_statement"):
            target = node.child_by_field_name("source")
        elif node.type == "call_expression":
            callee = node.child_by_field_name("function")
            args = node.child_by_field_name("arguments")
            if callee is not None and callee.type in ("import", "identifier") and args is not None:
                name = (callee.text or b"").decode()
                literal = [c for c in args.named_children if c.type == "string"]
                if name in ("require", "import") and len(args.named_children) == 1 and literal:
                    target = literal[0]
        if target is not None and target.type == "string":
            text = (target.text or b"").decode("utf-8", errors="replace")[1:-1]
            row, col = target.start_point
            found.append(NodeImport(text, row + 1, col + 1))
    return found


def _walk(root: Node) -> Iterator[Node]:
    stack = [root]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.children))


def resolve_relative(importer: str, specifier: str, paths: set[str]) -> str | None:
    """The project path a relative ``specifier`` of the file ``importer`` loads, or None.

    JavaScript (ES modules, as Node runs them) names the file exactly; TypeScript names the
    ``.js`` file its ``.ts`` source compiles to (``./a.js`` -> ``a.ts``)."""
    joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
    candidates = [joined]
    if importer.endswith((".ts", ".tsx", ".mts", ".cts")):
        stem, suffix = posixpath.splitext(joined)
        candidates += [stem + ts for ts in _TS_TARGETS.get(suffix, ())]
        if not suffix:  # tsc says the extension is missing; the file may still be there
            candidates += [joined + ".ts", joined + ".js"]
    return next((c for c in candidates if c in paths), None)


def node_issues(
    source: SourceFile,
    paths: set[str],
    declared: set[str],
    contents: Mapping[str, str],
    tools: str | None = None,
) -> list[ValidationIssue]:
    """Import findings for a JS/TS file of a Node package whose files are at ``paths``
    (written or planned), with ``declared`` dependency names; for TypeScript also the
    ``tsc`` findings in this file, with ``contents`` the project's files known so far."""
    lines = source.content.splitlines()
    issues = [
        ValidationIssue(
            path=source.path,
            line=imp.line,
            column=imp.column,
            kind="import",
            message=message,
            snippet=_line(lines, imp.line),
        )
        for imp in node_imports(source)
        if (message := _import_problem(source.path, imp.specifier, paths, declared))
    ]
    if source.language == "typescript":
        issues += _tsc_issues(source, {**contents, source.path: source.content}, tools)
    return issues


def _import_problem(importer: str, specifier: str, paths: set[str], declared: set[str]) -> str:
    if specifier.startswith((".", "/")):
        if specifier.startswith("/"):
            return f"import of '{specifier}': an absolute path; import project files relatively"
        if resolve_relative(importer, specifier, paths) is not None:
            return ""
        joined = posixpath.normpath(posixpath.join(posixpath.dirname(importer), specifier))
        return f"import of '{specifier}' finds no file '{joined}' in the project"
    name = specifier.removeprefix("node:")
    top = name.split("/")[0]
    if specifier.startswith("node:") or top in NODE_BUILTINS:
        return "" if top in NODE_BUILTINS else f"import of '{specifier}': no such Node built-in"
    package = "/".join(name.split("/")[:2]) if name.startswith("@") else top
    if package in declared:
        return ""
    return (
        f"import of '{specifier}': neither a Node built-in nor a dependency declared in "
        "package.json"
    )


def _tsc_issues(
    source: SourceFile, contents: Mapping[str, str], tools: str | None
) -> list[ValidationIssue]:
    result = check_typescript(contents, tools)
    lines = source.content.splitlines()
    if result.problem:
        return [
            ValidationIssue(
                path=source.path,
                kind="compile",
                message=f"not type-checked: {result.problem}",
            )
        ]
    return [
        ValidationIssue(
            path=source.path,
            line=d.line,
            column=d.column,
            kind=_TSC_KINDS.get(d.code, "compile"),
            message=f"TS{d.code}: {d.message}",
            snippet=_line(lines, d.line),
        )
        for d in result.diagnostics
        if d.path == source.path and d.code != _TSC_MISSING_MODULE
    ]


def _line(lines: list[str], line: int) -> str:
    return source_line(lines[line - 1]) if 0 < line <= len(lines) else ""


def declared_packages(package_json: str | None) -> set[str]:
    """The dependency names a ``package.json`` declares (any dependency section)."""
    if not package_json:
        return set()
    try:
        data = json.loads(package_json)
    except ValueError:
        return set()
    if not isinstance(data, dict):
        return set()
    names: set[str] = set()
    for section in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
        value = data.get(section)
        if isinstance(value, dict):
            names.update(str(k) for k in value)
    return names


def npm_name(requirement: str) -> str:
    """``lodash@4.17`` -> ``lodash``; ``@types/node@20`` -> ``@types/node``."""
    name, at, _ = requirement.strip().rpartition("@")
    return name if at and name else requirement.strip()


def is_node_package(paths: list[str] | set[str]) -> bool:
    """Whether a tree is a Node package: a ``package.json`` at its root."""
    return any(PurePosixPath(p) == PurePosixPath("package.json") for p in paths)
