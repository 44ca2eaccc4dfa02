"""Module specifiers a JavaScript/TypeScript file loads, read statically with tree-sitter.

Found forms: ``import ... from "x"``, ``import "x"``, ``export ... from "x"``,
``require("x")``, ``import("x")`` and TypeScript's ``import x = require("x")``. Only string
literals count: a computed ``require(name)`` names no package (the security linter flags it).
The code is parsed, never run.
"""

import re
from typing import NamedTuple

from tree_sitter import Node

from quantumlayer_dagster.analysis.parsing import parse
from quantumlayer_dagster.artifacts.code import language_of

# require('module').builtinModules of Node 20 (the prefix-only ones, such as node:test,
# are reached through the ``node:`` prefix)
NODE_BUILTINS = frozenset(
    [
        "_http_agent",
        "_http_client",
        "_http_common",
        "_http_incoming",
        "_http_outgoing",
        "_http_server",
        "_stream_duplex",
        "_stream_passthrough",
        "_stream_readable",
        "_stream_transform",
        "_stream_wrap",
        "_stream_writable",
        "_tls_common",
        "_tls_wrap",
        "assert",
        "assert/strict",
        "async_hooks",
        "buffer",
        "child_process",
        "cluster",
        "console",
        "constants",
        "crypto",
        "dgram",
        "diagnostics_channel",
        "dns",
        "dns/promises",
        "domain",
        "events",
        "fs",
        "fs/promises",
        "http",
        "http2",
        "https",
        "inspector",
        "inspector/promises",
        "module",
        "net",
        "os",
        "path",
        "path/posix",
        "path/win32",
        "perf_hooks",
        "process",
        "punycode",
        "querystring",
        "readline",
        "readline/promises",
        "repl",
        "stream",
        "stream/consumers",
        "stream/promises",
        "stream/web",
        "string_decoder",
        "sys",
        "timers",
        "timers/promises",
        "tls",
        "trace_events",
        "tty",
        "url",
        "util",
        "util/types",
        "v8",
        "vm",
        "wasi",
        "worker_threads",
        "zlib",
    ]
)

# npm's rules for a package name: at most 214 characters, lowercase URL-safe, an optional
# @scope/ (old packages may have capitals; npm still installs them)
_PACKAGE_NAME = re.compile(r"^(@[a-z0-9][a-z0-9._~-]*/)?[a-z0-9][a-z0-9._~-]*$", re.I)
MAX_PACKAGE_NAME = 214


class NodeImport(NamedTuple):
    """One module specifier as written (``"lodash/fp"``, ``"./util"``), its 1-based line,
    and whether it is TypeScript's ``import type``/``export type`` (erased when compiled:
    an ``@types/`` package can provide it)."""

    specifier: str
    line: int
    type_only: bool = False


def node_imports(path: str, content: str) -> list[NodeImport]:
    """Every literal module specifier in the JS/TS file ``path``, in source order; [] for
    other languages. A file with syntax errors still gives the imports tree-sitter found."""
    language = language_of(path)
    if language not in ("javascript", "typescript", "tsx"):
        return []
    tree = parse(language, content)
    if tree is None:
        return []
    found: list[NodeImport] = []
    stack = [tree.root_node]
    while stack:
        node = stack.pop()
        stack.extend(node.children)
        literal = _specifier_node(node)
        if literal is not None and (spec := _string_value(literal)) is not None:
            type_only = any(c.type == "type" for c in node.children)
            found.append(NodeImport(spec, literal.start_point[0] + 1, type_only))
    return sorted(found, key=lambda i: i.line)


def _specifier_node(node: Node) -> Node | None:
    if node.type in ("import_statement", "export_statement"):
        return node.child_by_field_name("source")
    if node.type == "import_require_clause":
        return node.child_by_field_name("source") or _first_string(node)
    if node.type == "call_expression":
        function = node.child_by_field_name("function")
        arguments = node.child_by_field_name("arguments")
        if function is None or arguments is None:
            return None
        if function.type == "import" or (
            function.type == "identifier" and function.text == b"require"
        ):
            return _first_string(arguments)
    return None


def _first_string(node: Node) -> Node | None:
    named = [c for c in node.named_children if c.type != "comment"]
    return named[0] if named and named[0].type == "string" else None


def _string_value(node: Node) -> str | None:
    if node.type != "string":
        return None
    text = (node.text or b"").decode("utf-8", errors="replace")
    return text[1:-1] if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"" else None


def is_node_builtin(specifier: str) -> bool:
    """Whether ``specifier`` names a Node built-in (``node:`` prefix or the builtin list)."""
    return specifier.startswith("node:") or specifier in NODE_BUILTINS


def package_of(specifier: str) -> str | None:
    """The npm package a bare specifier loads (``"lodash/fp"`` -> ``"lodash"``,
    ``"@scope/pkg/x"`` -> ``"@scope/pkg"``); None for relative, absolute, URL and built-in
    specifiers and for ones no package could be named by."""
    if not specifier or specifier.startswith((".", "/", "#")) or is_node_builtin(specifier):
        return None
    if ":" in specifier:  # data:, file:, https: and other URL schemes
        return None
    parts = specifier.split("/")
    name = "/".join(parts[:2]) if specifier.startswith("@") else parts[0]
    return name if is_package_name(name) else None


def is_package_name(name: str) -> bool:
    """Whether ``name`` is a valid npm package name (optionally scoped)."""
    return len(name) <= MAX_PACKAGE_NAME and bool(_PACKAGE_NAME.match(name))


def types_package(name: str) -> str:
    """The DefinitelyTyped package typing ``name`` (``"express"`` -> ``"@types/express"``,
    ``"@scope/pkg"`` -> ``"@types/scope__pkg"``)."""
    return "@types/" + name.removeprefix("@").replace("/", "__")
